/**
 * Operator actions over HTTP (`POST /api/v1/<identifier>/{approve,reject,retry,cancel}`), the
 * same Temporal updates `baton approve|reject|retry|cancel` sends. Who may act: a request from
 * loopback, or one carrying `Authorization: Bearer <server.token>`. Browsers can be made to send
 * requests to loopback by any page, so an action must also be a JSON request (a cross-site form
 * cannot send one without a CORS preflight, which this server never grants) and, when the browser
 * names an Origin, come from this server's own origin.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { approveUpdate, cancelUpdate, issueWorkflowId, rejectUpdate, retryUpdate } from '../core/protocol.js';
import type { ApiErrorCode } from './contract.js';

export const OperatorAction = { approve: 'approve', reject: 'reject', retry: 'retry', cancel: 'cancel' } as const;
export type OperatorAction = (typeof OperatorAction)[keyof typeof OperatorAction];

const UPDATES = { approve: approveUpdate, reject: rejectUpdate, retry: retryUpdate, cancel: cancelUpdate } as const;

export function isOperatorAction(value: string): value is OperatorAction {
  return Object.hasOwn(OperatorAction, value);
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Why a request may not act, or null when it may. */
export function refuseAction(request: { remoteAddress: string | undefined; headers: IncomingHttpHeaders }, token: string | undefined): { code: ApiErrorCode; message: string } | null {
  const type = String(request.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    return { code: 'bad_request', message: 'send actions as JSON (content-type: application/json), e.g. {"reason": "…"}' };
  }
  const origin = request.headers.origin;
  if (origin && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== request.headers.host) return { code: 'forbidden', message: 'actions are only accepted from this dashboard’s own origin' };
  }
  if (token && tokenMatches(request.headers.authorization, token)) return null;
  if (isLoopback(request.remoteAddress)) return null;
  return {
    code: 'forbidden',
    message: token
      ? 'actions need `Authorization: Bearer <server.token>` from outside this host'
      : 'actions are only accepted from this host (loopback); set server.token to allow them from elsewhere with `Authorization: Bearer <token>`',
  };
}

export type ActionResult = { ok: true; message: string } | { ok: false; code: ApiErrorCode; message: string };

/** Send the action's update to the issue workflow; a refusal by the workflow is `action_refused`. */
export async function runAction(client: Client, tracker: string, identifier: string, action: OperatorAction, decision: { reason?: string; by: string }): Promise<ActionResult> {
  const handle = client.workflow.getHandle(issueWorkflowId(tracker, identifier));
  try {
    const message = await handle.executeUpdate(UPDATES[action], { args: [decision] });
    return { ok: true, message };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ok: false, code: 'issue_not_found', message: `no running Baton workflow for ${identifier} on tracker ${tracker}` };
    if (err instanceof WorkflowUpdateFailedError) {
      return { ok: false, code: 'action_refused', message: (err.cause as Error | undefined)?.message ?? err.message };
    }
    throw err;
  }
}
