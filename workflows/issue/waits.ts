/**
 * The issue workflow's waits between runs, each a durable timer or condition that survives any
 * restart: retry backoff after a failure (`retrying`), the continuation re-check after a clean exit
 * that left the issue in its stage (`continuing`), and a hold for a person (`stopped`). Each tells
 * the orchestrator first, which also gives back a slot the issue no longer needs. Sandbox-safe.
 */
import { condition } from '@temporalio/workflow';
import type { StageView } from '../../core/protocol.js';
import { cancelWaiting, retryHeld, type Hold } from '../../core/stage-machine.js';
import { StepSummary } from '../../core/status-text.js';
import { shortCalls } from '../activity-options.js';
import type { IssueContext } from './context.js';
import { report } from './slots.js';

/** Backoff after a failed run; an operator may retry now or cancel (hold) meanwhile. */
export async function backoff(ctx: IssueContext, stage: StageView, delayMs: number, failedAttempt: number, error: string): Promise<void> {
  ctx.status.attempt = ctx.machine.attempt;
  ctx.status.lastError = error;
  ctx.status.retryDueAt = new Date(Date.now() + delayMs).toISOString();
  ctx.status.reason = `attempt ${failedAttempt} failed; next attempt at ${ctx.status.retryDueAt}`;
  ctx.setStatus('retrying', stage.name);
  ctx.event('retry_scheduled', { attempt: ctx.machine.attempt, due_at: ctx.status.retryDueAt, delay_ms: delayMs, error });
  await report(ctx);
  await condition(() => ctx.hasOperator('retry', 'cancel') || ctx.routedAwayFrom(stage.name), delayMs, { summary: StepSummary.retryBackoff(stage.name, delayMs) });
  ctx.takeOperator('retry');
  const cancel = ctx.takeOperator('cancel');
  if (cancel) ctx.machine = cancelWaiting(ctx.machine, stage.name, ctx.identifier, cancel.reason);
  ctx.status.retryDueAt = null;
  ctx.status.reason = null;
  await refresh(ctx);
}

/** SPEC §7.1: after a clean exit with the issue still in the stage, re-check shortly. */
export async function continuation(ctx: IssueContext, stage: StageView): Promise<void> {
  ctx.status.reason = 'the stage ended cleanly without moving the issue; checking again shortly';
  ctx.setStatus('continuing', stage.name);
  await report(ctx);
  const delay = ctx.view.continuationDelayMs;
  await condition(() => ctx.hasOperator('retry', 'cancel') || ctx.routedAwayFrom(stage.name), delay, { summary: StepSummary.continuation(stage.name, delay) });
  ctx.takeOperator('retry');
  const cancel = ctx.takeOperator('cancel');
  if (cancel) ctx.machine = cancelWaiting(ctx.machine, stage.name, ctx.identifier, cancel.reason);
  ctx.status.reason = null;
  await refresh(ctx);
}

/** Held for a person: until `baton retry`, or the tracker moves the issue out of the stage. */
export async function holdForOperator(ctx: IssueContext, hold: Hold): Promise<void> {
  ctx.status.reason = hold.reason;
  ctx.status.retryDueAt = null;
  if (hold.kind === 'blocked') ctx.status.gate = { stage: hold.stage, waitFor: 'input', since: new Date().toISOString(), answer: `\`baton retry ${ctx.identifier}\`` };
  ctx.setStatus(hold.kind === 'blocked' ? 'gated' : 'stopped', hold.stage);
  ctx.event('stopped', { kind: hold.kind, reason: hold.reason });
  await report(ctx);
  await condition(() => ctx.hasOperator('retry') || ctx.routedAwayFrom(hold.stage));
  ctx.status.gate = null;
  if (ctx.takeOperator('retry')) {
    ctx.machine = retryHeld(ctx.machine);
    ctx.status.attempt = 1;
    ctx.status.lastError = null;
    ctx.status.reworks = { ...ctx.machine.reworks };
    ctx.event('operator_action', { action: 'retry', resumed: hold.stage });
  }
  ctx.status.reason = null;
}

/** Re-read the issue from the tracker (after a wait, the snapshot may be old). */
export async function refresh(ctx: IssueContext): Promise<void> {
  const fresh = await shortCalls.refreshIssue.executeWithOptions({ summary: StepSummary.refresh() }, [{ tracker: ctx.input.tracker, issueId: ctx.status.issueId }]);
  ctx.adoptSnapshot(fresh);
}
