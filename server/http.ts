/**
 * Baton's HTTP surface (on when `server.port` is set; binds `server.host`, loopback by default):
 * tracker webhooks that trigger an immediate poll, a small JSON API and a dashboard page. It only
 * reads workflow state and sends the orchestrator a `refresh`; it never changes an issue itself.
 *
 * Routes (Symphony §13.7 shapes where they apply):
 *   POST /webhooks/<provider>[/<tracker>]   verified deliveries → orchestrator refresh
 *   GET  /api/v1/state                      orchestrator status + every in-flight issue
 *   GET  /api/v1/<identifier>[?tracker=]    one issue's status
 *   POST /api/v1/refresh                    poll now (202)
 *   GET  /                                  dashboard
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  issueStatusQuery,
  issueWorkflowId,
  orchestratorStatusQuery,
  orchestratorWorkflowId,
  refreshSignal,
  type IssueStatus,
} from '../core/protocol.js';
import type { BatonConfig } from '../config/schema.js';
import type { Logger } from '../runtime/logger.js';
import { createWebhookHandler } from './webhooks/index.js';
import { dashboardHtml } from './dashboard.js';

export interface BatonHttpServerOptions {
  client: Client;
  /** The current config (a function, so reloads apply). */
  config: () => BatonConfig;
  logger: Logger;
}

export interface BatonHttpServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(options: BatonHttpServerOptions, listen: { host: string; port: number }): Promise<BatonHttpServer> {
  const { client, logger } = options;
  const orchestrator = () => client.workflow.getHandle(orchestratorWorkflowId(options.config().name));
  const refresh = async () => {
    await orchestrator().signal(refreshSignal);
  };
  const webhooks = createWebhookHandler({
    trackers: () => options.config().trackers,
    onRefresh: async (tracker, hint) => {
      logger.info({ tracker, hint }, 'webhook delivery: polling now');
      await refresh();
    },
    logger,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err), url: req.url }, 'http request failed');
      json(res, 500, { error: { code: 'internal_error', message: 'internal error; see the Baton log' } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/webhooks/')) return webhooks(req, res);
    if (url.pathname === '/') {
      if (req.method !== 'GET') return methodNotAllowed(res);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(dashboardHtml(options.config().name));
      return;
    }
    if (url.pathname === '/api/v1/refresh') {
      if (req.method !== 'POST') return methodNotAllowed(res);
      await refresh();
      return json(res, 202, { queued: true, requested_at: new Date().toISOString(), operations: ['poll', 'reconcile'] });
    }
    if (url.pathname === '/api/v1/state') {
      if (req.method !== 'GET') return methodNotAllowed(res);
      return json(res, 200, await state());
    }
    const match = /^\/api\/v1\/([^/]+)$/.exec(url.pathname);
    if (match) {
      if (req.method !== 'GET') return methodNotAllowed(res);
      const identifier = decodeURIComponent(match[1]!);
      const trackers = options.config().trackers.map((t) => t.name);
      const tracker = url.searchParams.get('tracker') ?? (trackers.length === 1 ? trackers[0]! : null);
      if (!tracker) return json(res, 400, { error: { code: 'tracker_required', message: `several trackers (${trackers.join(', ')}): add ?tracker=<name>` } });
      try {
        const status = await client.workflow.getHandle(issueWorkflowId(tracker, identifier)).query(issueStatusQuery);
        return json(res, 200, status);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return json(res, 404, { error: { code: 'issue_not_found', message: 'Issue not found' } });
        throw err;
      }
    }
    json(res, 404, { error: { code: 'not_found', message: 'Route not found' } });
  }

  async function state(): Promise<Record<string, unknown>> {
    const generated_at = new Date().toISOString();
    let status;
    try {
      status = await orchestrator().query(orchestratorStatusQuery);
    } catch (err) {
      return { generated_at, error: { code: 'snapshot_unavailable', message: err instanceof Error ? err.message : String(err) } };
    }
    const issues: IssueStatus[] = [];
    for (const entry of Object.values(status.inflight)) {
      const issue = await client.workflow.getHandle(entry.workflowId).query(issueStatusQuery).catch(() => undefined);
      if (issue) issues.push(issue);
    }
    const count = (kinds: string[]) => issues.filter((i) => kinds.includes(i.status)).length;
    return {
      generated_at,
      counts: { running: count(['running']), retrying: count(['retrying']), gated: count(['gated']), stopped: count(['stopped']), waiting: count(['waiting_slot']) },
      config_error: status.configError,
      last_poll_at: status.lastPollAt,
      poll_errors: status.lastPollErrors,
      slots: { held: Object.keys(status.holders).length, max: status.view?.maxConcurrentAgents ?? null, waiting: Object.keys(status.waiting).length },
      issues,
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}

function methodNotAllowed(res: ServerResponse): void {
  json(res, 405, { error: { code: 'method_not_allowed', message: 'Method not allowed' } });
}
