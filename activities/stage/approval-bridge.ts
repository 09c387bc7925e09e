/**
 * The bridge between an agent asking for approval (an `approval_policy` other than `never`) and
 * an operator's `baton approve|reject`: the request goes to the issue workflow as a signal (the
 * issue shows as gated) and the activity polls the workflow's decision query until it is answered
 * or the run is cancelled.
 */
import { randomUUID } from 'node:crypto';
import { oneLine } from '../../core/errors.js';
import { approvalDecisionQuery, approvalRequestSignal } from '../../core/protocol.js';
import type { ApprovalDecision } from '../../adapters/agents/types.js';
import type { BatonRuntime } from '../runtime.js';

/** How often the activity asks whether an operator has answered. */
const DECISION_POLL_MS = 500;

export async function waitForApproval(
  rt: BatonRuntime,
  workflowId: string,
  request: { kind: string; summary: string },
  signal: AbortSignal,
): Promise<ApprovalDecision> {
  const handle = rt.client.workflow.getHandle(workflowId);
  const id = randomUUID();
  await handle.signal(approvalRequestSignal, { id, kind: request.kind, summary: oneLine(request.summary, 300) });
  for (;;) {
    if (signal.aborted) return 'reject';
    const decision = await handle.query(approvalDecisionQuery, id).catch(() => undefined);
    if (decision) return decision;
    await new Promise((resolve) => setTimeout(resolve, DECISION_POLL_MS));
  }
}
