/**
 * The read API and its one trigger (Symphony SPEC §13.7): the deployment's state, one issue's
 * state, and "poll now". It reads through the shared poller and changes nothing but by the
 * orchestrator's `refresh` signal.
 *
 *   GET  /api/v1/state                       state snapshot (503 snapshot_unavailable, 504 snapshot_timeout)
 *   GET  /api/v1/<identifier>[?tracker=]     one issue (404 issue_not_found)
 *   POST /api/v1/refresh                     poll now (202; repeated requests coalesce)
 */
import type { FastifyPluginAsync } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { issueStatusQuery, issueWorkflowId, type IssueStatus } from '../../core/protocol.js';
import { ApiErrors } from '../contract.js';
import { toIssueResponse, type IssueStatusView } from '../state.js';
import { stateBody, trackerOf, type RouteContext } from './context.js';
import { route, sendError } from './route.js';

export const apiRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { client, config, poller } = ctx;

  route(app, 'GET', '/api/v1/state', async (_req, reply) => {
    const snapshot = await poller.read();
    return reply.code(snapshot.ok ? 200 : ApiErrors[snapshot.code]).send(stateBody(snapshot, ctx));
  });

  route(app, 'POST', '/api/v1/refresh', async (_req, reply) => {
    try {
      return reply.code(202).send(await ctx.refresh());
    } catch (err) {
      return sendError(reply, 'orchestrator_unavailable', `the orchestrator did not take the refresh: ${err instanceof Error ? err.message : String(err)}`);
    }
  });

  route(app, 'GET', '/api/v1/:identifier', async (req, reply) => {
    const { identifier } = req.params as { identifier: string };
    const tracker = trackerOf(req, config);
    if (!tracker) return sendError(reply, 'tracker_required', `several trackers (${config().trackers.map((t) => t.name).join(', ')}): add ?tracker=<name>`);
    let status: IssueStatus;
    try {
      status = await client.workflow.getHandle(issueWorkflowId(tracker, identifier)).query(issueStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return sendError(reply, 'issue_not_found', 'Issue not found');
      throw err;
    }
    const snapshot = await poller.read();
    return reply.send(toIssueResponse(status as IssueStatusView, snapshot.ok ? snapshot.orchestrator : null, ctx.stateContext()));
  });
};
