/** Tracker webhooks: signature verification, de-duplication and routing to a refresh. */
export { createWebhookHandler, WEBHOOK_PATH_PREFIX, type WebhookHandler, type WebhookHandlerOptions } from './handler.js';
export { WebhookProvider, type RefreshHint } from './providers.js';
export { hubSignature, linearSignature, verifyHubSignature } from './signatures.js';
