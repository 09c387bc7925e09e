/** Tracker and code host webhooks: signature verification, de-duplication, routing to a refresh or a PR wake-up. */
export { createWebhookHandler, WEBHOOK_PATH_PREFIX, type WebhookHandler, type WebhookHandlerOptions } from './handler.js';
export { WebhookProvider, type RefreshHint } from './providers.js';
export { asanaSignature, hubSignature, linearSignature, verifyAsanaSignature, verifyHubSignature, verifyToken } from './signatures.js';
export { configuredRepositories, pullRequestQuery, wakePullRequestWaits } from './pull-requests.js';
