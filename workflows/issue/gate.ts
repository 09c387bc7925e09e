/**
 * Waiting at a stage's gate (`gated`). A tracker gate waits for an operator's approve/reject, the
 * approving label or state, the rejecting label, a cancel, or the tracker routing the issue
 * elsewhere: one durable `condition` that survives any restart and costs nothing while it lasts.
 * A pull-request gate (`checks`, `review`) also looks at the code host; that wait lives in
 * pull-request-wait.ts. Sandbox-safe.
 */
import { condition, log } from '@temporalio/workflow';
import { normalizeState } from '../../core/issue.js';
import type { GateView, StageView } from '../../core/protocol.js';
import { isPullRequestGate } from '../../core/pull-request.js';
import { gateAnswer, type GateDecision } from '../../core/stage-machine.js';
import { StepSummary } from '../../core/status-text.js';
import type { IssueContext } from './context.js';
import { waitAtPullRequestGate } from './pull-request-wait.js';
import { report } from './slots.js';

const GATE_TIMER = '365 days';

export async function waitAtGate(ctx: IssueContext, stage: StageView, gate: GateView): Promise<GateDecision> {
  if (isPullRequestGate(gate)) return waitAtPullRequestGate(ctx, stage, gate);
  const answer = gateAnswer(gate, ctx.identifier);
  await enterGate(ctx, stage, gate.wait_for, answer, `waiting at the ${stage.name} gate: ${answer}`);

  const labelled = (label?: string) => !!label && !!ctx.snapshot && ctx.snapshot.labels.includes(normalizeState(label));
  const approvedByTracker = () =>
    (gate.wait_for === 'label' && labelled(gate.label)) ||
    (gate.wait_for === 'state' && !!ctx.snapshot && !!gate.state && normalizeState(ctx.snapshot.state) === normalizeState(gate.state));
  const rejectedByTracker = () => labelled(gate.reject_label);
  const waitFor = gate.wait_for === 'label' ? `label ${gate.label}` : gate.wait_for === 'state' ? `state ${gate.state}` : 'an operator';
  const decided = () => ctx.hasOperator('approve', 'reject', 'cancel') || approvedByTracker() || rejectedByTracker() || ctx.routedAwayFrom(stage.name);
  // A gate has no deadline. The long timer is there for its summary: the event history names what
  // the issue waits for; if it ever fires, the wait simply goes on.
  while (!(await condition(decided, GATE_TIMER, { summary: StepSummary.gate(stage.name, waitFor) }))) {
    log.info('still waiting at the gate', { stage: stage.name });
  }
  const { decision, by } = operatorOrTracker(ctx, approvedByTracker(), rejectedByTracker());
  return leaveGate(ctx, decision, by);
}

/** Show the gate (status, reason, Web UI) and tell the orchestrator, which frees the slot. */
export async function enterGate(ctx: IssueContext, stage: StageView, waitFor: NonNullable<IssueContext['status']['gate']>['waitFor'], answer: string, reason: string): Promise<void> {
  ctx.status.gate = { stage: stage.name, waitFor, since: new Date().toISOString(), answer };
  ctx.status.reason = reason;
  ctx.setStatus('gated', stage.name);
  ctx.event('gate_waiting', { wait_for: waitFor, answer });
  await report(ctx);
}

/** The gate is decided: clear it from the status and log the decision. */
export function leaveGate(ctx: IssueContext, decision: GateDecision, by = 'tracker'): GateDecision {
  ctx.status.gate = null;
  ctx.status.reason = null;
  if (decision.kind !== 'rerouted') {
    const reason = 'reason' in decision ? decision.reason : undefined;
    ctx.event('gate_decided', { decision: decision.kind, by, ...(reason ? { reason } : {}) });
  }
  return decision;
}

/** An operator's answer if there is one (taken), else what the tracker says, else a reroute; and who decided. */
export function operatorOrTracker(ctx: IssueContext, approved: boolean, rejected: boolean): { decision: GateDecision; by: string } {
  const op = ctx.takeOperator('approve', 'reject', 'cancel');
  const kind = op?.kind;
  const reason = op?.reason;
  const by = op ? (op.by ?? 'operator') : 'tracker';
  if (kind === 'approve' || (!kind && approved)) return { decision: { kind: 'approve' }, by };
  if (kind === 'reject' || (!kind && rejected)) return { decision: { kind: 'reject', ...(reason ? { reason } : {}) }, by };
  if (kind === 'cancel') return { decision: { kind: 'cancel', ...(reason ? { reason } : {}) }, by };
  return { decision: { kind: 'rerouted' }, by };
}
