/**
 * The one write route: an operator's decision on an issue, sent to its workflow as an update
 * (server/actions.ts). Refused unless the caller is on loopback or presents `server.token`, since
 * it changes what an agent does.
 *
 *   POST /api/v1/<identifier>/<action>[?tracker=]   approve | reject | retry | cancel
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { resolveSecret } from '../../config/resolve-env.js';
import { isOperatorAction, refuseAction, runAction } from '../actions.js';
import { trackerOf, type RouteContext } from './context.js';
import { route, sendError } from './route.js';

export const operatorActionRoutes: FastifyPluginAsync<RouteContext> = async (app, { client, config, logger }) => {
  route(app, 'POST', '/api/v1/:identifier/:action', async (req, reply) => {
    const { identifier, action } = req.params as { identifier: string; action: string };
    if (!isOperatorAction(action)) return sendError(reply, 'not_found', `unknown action \`${action}\`; use approve, reject, retry or cancel`);
    // Resolved per request: a reload or a changed environment variable takes effect at once.
    const token = resolveSecret(config().server.token, undefined, process.env).value;
    const refused = refuseAction({ remoteAddress: req.socket.remoteAddress, headers: req.headers }, token);
    if (refused) return sendError(reply, refused.code, refused.message);
    const tracker = trackerOf(req, config);
    if (!tracker) return sendError(reply, 'tracker_required', 'several trackers: add ?tracker=<name>');
    const body = (req.body ?? {}) as { reason?: unknown };
    const reason = typeof body.reason === 'string' ? body.reason : undefined;
    const result = await runAction(client, tracker, identifier, action, { reason, by: decidedBy(req) });
    if (!result.ok) return sendError(reply, result.code, result.message);
    logger.info({ issue_identifier: identifier, action, tracker }, 'operator action from the dashboard');
    return reply.send({ ok: true, issue_identifier: identifier, action, message: result.message });
  });
};

/** Who the workflow records as having decided: the dashboard and the address it was reached from. */
function decidedBy(req: FastifyRequest): string {
  return `dashboard (${req.socket.remoteAddress ?? 'unknown'})`;
}
