/**
 * The issue workflow's message handlers: snapshots, config views and slot grants from the
 * orchestrator; progress and approval requests from the running stage; the status query; and the
 * four operator updates, written once as a table of when each is valid and what it does. An update
 * that is not valid now is refused with the reason, never silently accepted. Sandbox-safe.
 */
import { setHandler } from '@temporalio/workflow';
import { addUsage } from '../../core/agent-events.js';
import {
  agentProgressSignal,
  approvalDecisionQuery,
  approvalRequestSignal,
  configSignal,
  issueStatusQuery,
  operatorUpdates,
  slotGrantedSignal,
  snapshotSignal,
  type IssueStatusKind,
  type OperatorAction,
  type OperatorDecision,
} from '../../core/protocol.js';
import type { IssueContext } from './context.js';

interface OperatorRule {
  /** Statuses in which the action is valid (an agent's pending approval also admits approve/reject). */
  readonly validIn: readonly IssueStatusKind[];
  readonly refusal: string;
}

const OPERATOR_RULES: Record<OperatorAction, OperatorRule> = {
  approve: { validIn: ['gated'], refusal: 'is not waiting for an approval' },
  reject: { validIn: ['gated'], refusal: 'is not waiting for an approval' },
  retry: { validIn: ['stopped', 'retrying', 'continuing', 'gated'], refusal: 'has nothing to retry' },
  cancel: { validIn: ['starting', 'waiting_slot', 'running', 'writing', 'gated', 'retrying', 'continuing', 'stopped'], refusal: 'is not running' },
};

export function installHandlers(ctx: IssueContext): void {
  setHandler(snapshotSignal, ({ issue }) => ctx.acceptSnapshot(issue));
  setHandler(configSignal, (view) => ctx.adoptView(view));
  setHandler(slotGrantedSignal, (grant) => {
    // Only the grant for the latest request counts; `report` gives any other back.
    if (grant.seq === ctx.slotSeq) ctx.grant = grant;
  });
  setHandler(agentProgressSignal, (progress) => {
    ctx.status.lastEvent = progress.event;
    if (progress.tokens) ctx.liveTokens = progress.tokens;
    if (progress.turn !== undefined) ctx.status.turns = progress.turn;
    if (progress.sessionId) ctx.status.sessionId = progress.sessionId;
    if (progress.rateLimits) ctx.status.rateLimits = progress.rateLimits;
    ctx.status.updatedAt = new Date().toISOString();
  });
  setHandler(approvalRequestSignal, (request) => {
    ctx.pendingApproval = { ...request, since: new Date().toISOString() };
    ctx.status.pendingApproval = ctx.pendingApproval;
    ctx.status.gate = { stage: ctx.status.stage ?? '?', waitFor: 'agent_approval', since: ctx.pendingApproval.since, answer: `\`baton approve ${ctx.identifier}\` or \`baton reject ${ctx.identifier}\`` };
    ctx.status.reason = `the agent asks for approval: ${request.summary}`;
    ctx.setStatus('gated');
    ctx.event('gate_waiting', { wait_for: 'agent_approval', kind: request.kind, summary: request.summary });
  });
  setHandler(approvalDecisionQuery, (id) => ctx.approvalDecisions[id]);
  setHandler(issueStatusQuery, () => ({ ...ctx.status, tokens: addUsage(ctx.status.tokens, ctx.liveTokens) }));

  for (const action of Object.keys(OPERATOR_RULES) as OperatorAction[]) {
    setHandler(operatorUpdates[action], (decision: OperatorDecision) => operate(ctx, action, decision), {
      validator: (_decision: OperatorDecision) => validate(ctx, action),
    });
  }
}

function validate(ctx: IssueContext, action: OperatorAction): void {
  if ((action === 'approve' || action === 'reject') && ctx.pendingApproval) return;
  const rule = OPERATOR_RULES[action];
  if (!rule.validIn.includes(ctx.status.status)) throw new Error(`${ctx.identifier} ${rule.refusal} (status: ${ctx.status.status})`);
  // A stage gate is answered by approve/reject; only an agent's question (an input hold) by retry.
  const inputHold = ctx.status.gate?.waitFor === 'input';
  if (ctx.status.status === 'gated' && action === 'retry' && !inputHold) throw new Error(`${ctx.identifier} waits at a gate: approve or reject it`);
  if (ctx.status.status === 'gated' && (action === 'approve' || action === 'reject') && inputHold) {
    throw new Error(`${ctx.identifier}: its agent needs input; answer in the issue, then \`baton retry ${ctx.identifier}\``);
  }
}

function operate(ctx: IssueContext, action: OperatorAction, decision: OperatorDecision): string {
  const by = decision.by ?? 'an operator';
  if ((action === 'approve' || action === 'reject') && ctx.pendingApproval) return answerAgent(ctx, action, by);
  if (action === 'cancel' && ctx.status.status === 'stopped') return `${ctx.identifier}: already stopped and held for an operator`;
  ctx.operator = { kind: action, ...(decision.reason ? { reason: decision.reason } : {}), by };
  ctx.event('operator_action', { action, by, reason: decision.reason });
  const verb = { approve: 'approved', reject: 'rejected', retry: 'retrying now', cancel: 'cancelling' }[action];
  return `${ctx.identifier}: ${verb}`;
}

function answerAgent(ctx: IssueContext, decision: 'approve' | 'reject', by: string): string {
  const request = ctx.pendingApproval;
  if (!request) return 'no pending approval';
  ctx.approvalDecisions[request.id] = decision;
  ctx.pendingApproval = null;
  ctx.status.pendingApproval = null;
  ctx.status.gate = null;
  ctx.status.reason = null;
  ctx.setStatus('running');
  ctx.event('gate_decided', { wait_for: 'agent_approval', decision, by });
  return `${ctx.identifier}: agent request ${request.id} ${decision === 'approve' ? 'approved' : 'rejected'}`;
}
