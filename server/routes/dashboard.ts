/**
 * The dashboard (server/dashboard.ts renders it) and the Server-Sent Events stream that keeps it
 * live: each open page subscribes to the shared poller, so it gets every snapshot without querying
 * Temporal itself.
 *
 *   GET  /                  the dashboard page          GET /dashboard.js   its script
 *   GET  /api/v1/events     the state snapshot as Server-Sent Events, pushed per poll
 */
import type { FastifyPluginAsync } from 'fastify';
import { DASHBOARD_CSP, DASHBOARD_JS, dashboardHtml } from '../dashboard.js';
import { stateBody, type RouteContext } from './context.js';
import { route } from './route.js';

export const dashboardRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  route(app, 'GET', '/', (_req, reply) => reply.header('content-security-policy', DASHBOARD_CSP).type('text/html; charset=utf-8').send(dashboardHtml(ctx.config().name)));
  route(app, 'GET', '/dashboard.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(DASHBOARD_JS));

  route(app, 'GET', '/api/v1/events', (req, reply) => {
    // The stream outlives the handler: Fastify lets go of the response and the poller writes to it.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const unsubscribe = ctx.poller.subscribe((snapshot) => {
      const event = snapshot.ok ? 'state' : 'unavailable';
      res.write(`event: ${event}\ndata: ${JSON.stringify(stateBody(snapshot, ctx))}\n\n`);
    });
    req.raw.on('close', unsubscribe);
  });
};
