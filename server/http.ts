/**
 * Baton's HTTP surface (on when `server.port` is set; binds `server.host`, loopback by default),
 * on Fastify. It reads workflow state through one shared poller (server/poller.ts), maps it in one
 * module (server/state.ts) and changes nothing itself except by the orchestrator's `refresh`
 * signal and the issue workflows' operator updates.
 *
 * This module builds the server and owns its lifetime (the poller, the listening socket); each
 * concern registers its own routes as a Fastify plugin under server/routes/ (named in brackets).
 *
 * Routes (Symphony SPEC §13.7 shapes, Baton's additions under `baton`), by plugin:
 *   [dashboard]         GET  /                                   the dashboard (live over SSE); /dashboard.js its script
 *                       GET  /api/v1/events                      the state snapshot as Server-Sent Events, pushed per poll
 *   [api]               GET  /api/v1/state                       state snapshot (503 snapshot_unavailable, 504 snapshot_timeout)
 *                       GET  /api/v1/<identifier>[?tracker=]     one issue (404 issue_not_found)
 *                       POST /api/v1/refresh                     poll now (202; repeated requests coalesce)
 *   [operator-actions]  POST /api/v1/<identifier>/<action>       approve | reject | retry | cancel (loopback or server.token)
 *   [tracker-page]      GET  /tracker/<tracker>/<identifier>     a file-tracker issue rendered for a browser
 *   [health]            GET  /metrics                            Prometheus text: Baton's series + the Temporal SDK's
 *                       GET  /healthz, /readyz                   process up; Temporal reachable, worker polling, last poll OK
 *   [webhooks]          POST /webhooks/<provider>[/<tracker>]    verified tracker deliveries → refresh; code host events → PR waits woken
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { BatonConfig } from '../config/schema.js';
import type { Logger } from '../base/logger.js';
import { StatePoller } from './poller.js';
import { createRefresher } from './refresh.js';
import { stateContextOf, type RouteContext } from './routes/context.js';
import { sendError } from './routes/route.js';
import { apiRoutes } from './routes/api.js';
import { operatorActionRoutes } from './routes/operator-actions.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { trackerPageRoutes } from './routes/tracker-page.js';
import { healthRoutes } from './routes/health.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface BatonHttpServerOptions {
  client: Client;
  /** The current config (a function, so reloads apply). */
  config: () => BatonConfig;
  logger: Logger;
  /** Base URL of the Temporal Web UI, for links (the embedded server's, or `server.temporal_ui_url`). */
  temporalUiUrl?: string | null;
  /** The Temporal SDK's Prometheus endpoint, merged into `/metrics`. */
  sdkMetricsUrl?: string | null;
  /** Whether this process's worker is polling its task queues (for `/readyz`); absent: not checked. */
  workerRunning?: () => boolean;
  /** How often the shared poller reads the deployment while a dashboard is open (default 1 s). */
  pollIntervalMs?: number;
}

export interface BatonHttpServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(options: BatonHttpServerOptions, listen: { host: string; port: number }): Promise<BatonHttpServer> {
  const { client, config, logger } = options;
  const poller = new StatePoller({ client, deployment: () => config().name, intervalMs: options.pollIntervalMs, logger });
  const ctx: RouteContext = {
    client,
    config,
    logger,
    poller,
    refresh: createRefresher(client, config, poller),
    stateContext: stateContextOf(config, options.temporalUiUrl),
  };
  const app = Fastify({ logger: false, forceCloseConnections: true });
  answerInEnvelopes(app, logger);
  await app.register(webhookRoutes, ctx);
  await app.register(dashboardRoutes, ctx);
  await app.register(apiRoutes, ctx);
  await app.register(operatorActionRoutes, ctx);
  await app.register(trackerPageRoutes, ctx);
  await app.register(healthRoutes, { ...ctx, sdkMetricsUrl: options.sdkMetricsUrl, workerRunning: options.workerRunning });

  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server: app.server,
    close: async () => {
      poller.close();
      await app.close();
    },
  };
}

/**
 * Every answer Fastify would give on its own (a body it cannot parse, an unknown path, a thrown
 * error) in the API's error envelope instead. Set before the route plugins load, which inherit it.
 */
function answerInEnvelopes(app: FastifyInstance, logger: Logger): void {
  // Bodies of other types reach the handlers as text, so an action can say why it wants JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) return sendError(reply, 'bad_request', err instanceof Error ? err.message : String(err));
    logger.error({ err: err instanceof Error ? err.message : String(err), url: req.url }, 'http request failed');
    return sendError(reply, 'internal_error', 'internal error; see the Baton log');
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, 'not_found', 'Route not found'));
}
