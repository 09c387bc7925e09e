/**
 * The issue workflow's side of the slot protocol. The orchestrator owns the slot table; an issue
 * workflow starts holding the slot its admission granted (seq 1), and asks for a new one before
 * every later agent run by a report that gives back the old one in the same message. Grants carry
 * the seq of the request they answer, so a late grant for an abandoned request is ignored — and
 * the next report releases it. Sandbox-safe.
 */
import { condition } from '@temporalio/workflow';
import type { IssueReport, SlotRequestMessage, StageView } from '../../core/protocol.js';
import { StepSummary } from '../../core/status-text.js';
import { shortCalls } from '../activity-options.js';
import type { IssueContext } from './context.js';

/** One message to the orchestrator: the owed slot back, an optional new request, the status row. */
export async function report(ctx: IssueContext, options: { request?: SlotRequestMessage; closing?: IssueReport['closing'] } = {}): Promise<void> {
  const release = ctx.slotOwed;
  ctx.slotOwed = options.request !== undefined;
  const what = options.closing ? `closing (${options.closing})` : options.request ? `need a slot for ${options.request.stage}` : `status ${ctx.status.status}`;
  await shortCalls.reportToOrchestrator.executeWithOptions({ summary: StepSummary.report(what) }, [
    {
      deployment: ctx.input.deployment,
      report: {
        workflowId: ctx.workflowId,
        release,
        ...(options.request ? { request: options.request } : {}),
        row: ctx.row(),
        ...(options.closing ? { closing: options.closing } : {}),
      },
    },
  ]);
}

export type SlotResult = 'granted' | 'rerouted' | 'cancelled';

/** Hold a slot for a run of `stage`: the admission grant if it fits, else a request and a wait. */
export async function acquireSlot(ctx: IssueContext, stage: StageView): Promise<SlotResult> {
  const fits = (g: typeof ctx.grant) => g !== null && g.seq === ctx.slotSeq && g.stage === stage.name;
  if (fits(ctx.grant)) {
    ctx.grant = null;
    return 'granted';
  }
  ctx.slotSeq += 1;
  const seq = ctx.slotSeq;
  // SPEC §8.4: an issue held back by the limits says so (it waits in the orchestrator's queue).
  ctx.status.reason = `asked for an agent slot for ${stage.name}; it waits while agent.max_concurrent_agents or a per-state or per-stage limit is full`;
  ctx.setStatus('waiting_slot', stage.name);
  await report(ctx, {
    request: {
      seq,
      identifier: ctx.identifier,
      state: ctx.status.state,
      stage: stage.name,
      priority: ctx.snapshot?.priority ?? null,
      created_at: ctx.snapshot?.created_at ?? null,
    },
  });
  await condition(() => fits(ctx.grant) || ctx.routedAwayFrom(stage.name) || ctx.hasOperator('cancel'));
  if (fits(ctx.grant)) {
    ctx.grant = null;
    return 'granted';
  }
  // Abandoned: `slotOwed` stays set, so the next report gives the request (or a late grant) back.
  return ctx.hasOperator('cancel') ? 'cancelled' : 'rerouted';
}
