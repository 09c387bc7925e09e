/**
 * The issue workflow: one per tracker issue (id from tracker + identifier), the durable stage
 * machine. It is a small interpreter of core/stage-machine.ts: route the latest snapshot, run the
 * stage (a slot, then one activity that runs the agent and applies the stage's writes), wait at a
 * gate, back off, re-check, or hold for a person — and end when the issue is terminal (workspace
 * removed) or no longer routable (released).
 *
 * State it owns (workflows/issue/context.ts): the snapshot, the config view, the machine state, the
 * status, the workspace's home, the slot it holds. The orchestrator starts it holding its first
 * slot and feeds it snapshots, views and grants; operators act through updates.
 *
 * Sandbox-safe: only @temporalio/workflow and type-only or pure imports.
 */
import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import type { IssueStatus, IssueWorkflowInput, StageView } from '../../core/protocol.js';
import { afterGate, afterRun, afterWrite, decide, movesState, type Next, type RunOutcome, type Then } from '../../core/stage-machine.js';
import { StepSummary } from '../../core/status-text.js';
import { shortCalls, workspaceRemover } from '../activity-options.js';
import { IssueContext } from './context.js';
import { waitAtGate } from './gate.js';
import { installHandlers } from './handlers.js';
import { report } from './slots.js';
import { failureMessage, runAgentStage } from './stage-run.js';
import { backoff, continuation, holdForOperator } from './waits.js';
import { carryOver } from './carry-over.js';
import { installPullRequestHandlers, mergeBeforeWrites } from './pull-request-wait.js';

export async function batonIssue(input: IssueWorkflowInput): Promise<IssueStatus> {
  const ctx = new IssueContext(input);
  installHandlers(ctx);
  installPullRequestHandlers(ctx);
  if (!input.carried) ctx.event('dispatched', { state: input.issue.state, tracker: input.tracker });
  for (;;) {
    if (workflowInfo().continueAsNewSuggested) await carryOver(ctx);
    const { machine, next } = decide(ctx.machine, ctx.route(), ctx.view.stages);
    ctx.machine = machine;
    ctx.status.attempt = machine.attempt;
    ctx.status.reworks = { ...machine.reworks };
    if (next.kind === 'cleanup') return finish(ctx, 'done', next.reason);
    if (next.kind === 'release') return finish(ctx, 'released', next.reason);
    if (next.kind === 'hold') await holdForOperator(ctx, next.hold);
    else await runAndFollow(ctx, next);
  }
}

async function runAndFollow(ctx: IssueContext, next: Extract<Next, { kind: 'run' }>): Promise<void> {
  const stage = ctx.stageView(next.stage);
  const outcome: RunOutcome = next.agent ? await runAgentStage(ctx, stage, next.attempt, next.promptAttempt) : { kind: 'succeeded', wrote: false, moved: false };
  const after = afterRun(ctx.machine, stage, outcome, ctx.view, ctx.identifier);
  ctx.machine = after.machine;
  let then: Then = after.then;
  if (then.kind === 'gate') {
    const decision = await waitAtGate(ctx, stage, then.gate);
    const gated = afterGate(ctx.machine, stage, ctx.view.stages, decision, ctx.identifier);
    ctx.machine = gated.machine;
    if (gated.record) {
      const now = new Date().toISOString();
      ctx.record({ stage: stage.name, attempt: 1, outcome: gated.record.outcome, startedAt: now, endedAt: now, ...(gated.record.note ? { note: gated.record.note } : {}) });
    }
    if (decision.kind === 'reject' && decision.reason) ctx.status.lastError = `rejected: ${decision.reason}`;
    if (gated.record?.outcome === 'rejected') ctx.event('rework', { note: gated.record.note });
    then = gated.then;
  }
  await follow(ctx, stage, then);
}

async function follow(ctx: IssueContext, stage: StageView, then: Then): Promise<void> {
  switch (then.kind) {
    case 'route':
    case 'hold':
    case 'gate':
      return;
    case 'retry':
      return backoff(ctx, stage, then.delayMs, then.failedAttempt, then.error);
    case 'continue':
      return continuation(ctx, stage);
    case 'write': {
      const moved = await writeStage(ctx, stage, then);
      // A rejection past the bound writes and then holds; anything else may need a re-check.
      if (moved !== null && !ctx.machine.hold && afterWrite(moved).kind === 'continue') await continuation(ctx, stage);
    }
  }
}

/** Apply writes through the retried local activity; whether the state moved (null: it failed for good). */
async function writeStage(ctx: IssueContext, stage: StageView, then: Extract<Then, { kind: 'write' }>): Promise<boolean | null> {
  // The merge comes first and is recorded before any write: once merged, nothing merges or runs again.
  if (then.writes.merge_pull_request && !(await mergeBeforeWrites(ctx, stage, then.writes.merge_pull_request))) return null;
  const stateBefore = ctx.status.state;
  ctx.setStatus('writing', stage.name);
  try {
    const fresh = await shortCalls.applyWrites.executeWithOptions({ summary: StepSummary.writes(stage.name) }, [
      {
        tracker: ctx.input.tracker,
        issueId: ctx.status.issueId,
        stage: stage.name,
        writes: then.writes,
        withStageComment: then.note === undefined,
        progress: ctx.view.progressComment ? { workflowId: ctx.workflowId, identifier: ctx.identifier, history: ctx.status.history } : null,
        ...(then.note ? { note: then.note } : {}),
      },
    ]);
    ctx.adoptSnapshot(fresh);
    return movesState(then.writes, stateBefore);
  } catch (err) {
    // Only an error no retry can fix gets here (retryable ones are retried until they succeed).
    const reason = `tracker writes for ${stage.name} failed: ${failureMessage(err)}; fix it, then \`baton retry ${ctx.identifier}\``;
    ctx.status.lastError = failureMessage(err);
    ctx.machine = { ...ctx.machine, hold: { stage: stage.name, kind: 'stopped', reason } };
    return null;
  }
}

/** End the workflow: remove the workspace of a terminal issue, tell the orchestrator, return. */
async function finish(ctx: IssueContext, kind: 'done' | 'released', reason: string): Promise<IssueStatus> {
  if (kind === 'done' && ctx.home) {
    ctx.setStatus('cleaning');
    await removeWorkspace(ctx);
  }
  ctx.status.reason = reason;
  ctx.status.gate = null;
  ctx.setStatus(kind);
  ctx.event(kind, { reason });
  await condition(allHandlersFinished);
  await report(ctx, { closing: kind });
  return ctx.status;
}

async function removeWorkspace(ctx: IssueContext): Promise<void> {
  const home = ctx.home;
  if (!home) return;
  try {
    await workspaceRemover(ctx.view, home.queue).removeIssueWorkspace.executeWithOptions({ summary: StepSummary.cleanup() }, [{ identifier: ctx.identifier, path: home.path }]);
    ctx.home = null;
  } catch (err) {
    // The host is gone: its workspace went with it, or its next start sweeps it (terminal sweep).
    ctx.event('cleanup_failed', { error: failureMessage(err) });
    ctx.status.lastError = `workspace cleanup failed: ${failureMessage(err)}`;
  }
}
