/**
 * A file-tracker issue rendered for a browser (server/tracker-page.ts renders it): that tracker's
 * own links are `file://` URLs a browser refuses from a web page, so the dashboard links here.
 *
 *   GET  /tracker/<tracker>/<identifier>
 */
import type { FastifyPluginAsync } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { issueStatusQuery, issueWorkflowId } from '../../core/protocol.js';
import { TRACKER_PAGE_CSP, fileIssuePath, renderFileIssue } from '../tracker-page.js';
import type { RouteContext } from './context.js';
import { route, sendError } from './route.js';

export const trackerPageRoutes: FastifyPluginAsync<RouteContext> = async (app, { client, config }) => {
  route(app, 'GET', '/tracker/:tracker/:identifier', async (req, reply) => {
    const { tracker, identifier } = req.params as { tracker: string; identifier: string };
    const tc = config().trackers.find((t) => t.name === tracker);
    // The issue's file is the URL its workflow recorded; without a workflow there is nothing to show.
    let url: string | null = null;
    try {
      url = (await client.workflow.getHandle(issueWorkflowId(tracker, identifier)).query(issueStatusQuery)).url;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const file = fileIssuePath(tc, url);
    if (!file) return sendError(reply, 'issue_not_found', `no file-tracker issue ${identifier} on tracker ${tracker}`);
    return reply.header('content-security-policy', TRACKER_PAGE_CSP).type('text/html; charset=utf-8').send(await renderFileIssue(file, identifier));
  });
};
