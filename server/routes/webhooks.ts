/**
 * Tracker and code-host deliveries, mounted on Fastify as the webhook handler (server/webhooks)
 * expects them: a verified tracker delivery asks for a poll now (the coalescing refresh), a code
 * host event wakes the pull-request waits it names.
 *
 *   POST /webhooks/<provider>[/<tracker>]
 */
import type { FastifyPluginAsync } from 'fastify';
import { configuredRepositories, createWebhookHandler, wakePullRequestWaits } from '../webhooks/index.js';
import type { RouteContext } from './context.js';
import { ALL_METHODS } from './route.js';

export const webhookRoutes: FastifyPluginAsync<RouteContext> = async (app, { client, config, logger, refresh }) => {
  const webhooks = createWebhookHandler({
    trackers: () => config().trackers,
    onRefresh: async (tracker, hint) => {
      logger.info({ tracker, hint }, 'webhook delivery: polling now');
      await refresh();
    },
    // Code host events (check runs, statuses, reviews, pull requests) wake the PR waits they name.
    repositories: () => configuredRepositories(config()),
    onPullRequestEvent: async (keys) => {
      await wakePullRequestWaits(client, keys, logger);
    },
    logger,
  });
  // Hijacked before Fastify reads the body: signatures are checked over the raw bytes.
  app.route({
    method: ALL_METHODS,
    url: '/webhooks/*',
    onRequest: async (req, reply) => {
      reply.hijack();
      await webhooks(req.raw, reply.raw);
    },
    handler: async () => undefined,
  });
};
