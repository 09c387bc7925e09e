/**
 * One agent run of a stage, as the workflow sees it: take a slot, run the stage activity on the
 * issue's home host (or the shared queue for its first run, which makes the worker that takes it
 * the home), cancel it when the tracker routes the issue away or an operator cancels, and turn
 * the result into a RunOutcome for the stage machine. Sandbox-safe.
 */
import { ActivityFailure, CancellationScope, CancelledFailure, TimeoutFailure, condition, isCancellation } from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import { addUsage, ZERO_USAGE } from '../../core/agent-events.js';
import type { StageSummary, StageView, WorkspaceHome } from '../../core/protocol.js';
import { movesState, type RunOutcome } from '../../core/stage-machine.js';
import { StepSummary } from '../../core/status-text.js';
import { stageRunner } from '../activity-options.js';
import type { IssueContext } from './context.js';
import { acquireSlot } from './slots.js';
import { pullRequestContext } from './pull-request-wait.js';

export async function runAgentStage(ctx: IssueContext, stage: StageView, attempt: number, promptAttempt: number | null): Promise<RunOutcome> {
  const slot = await acquireSlot(ctx, stage);
  if (slot !== 'granted') return slot === 'cancelled' ? operatorCancel(ctx) : { kind: 'rerouted' };

  const startedAt = new Date().toISOString();
  ctx.status.runningSince = startedAt;
  ctx.status.turns = 0;
  ctx.status.reason = null;
  ctx.liveTokens = { ...ZERO_USAGE };
  ctx.setStatus('running', stage.name);
  const stateBefore = ctx.status.state;
  // A gate or a merge comes between the agent and the writes: the workflow writes later.
  const writes = stage.gate || stage.on_success.merge_pull_request ? null : stage.on_success;
  const pr = pullRequestContext(ctx);
  const runner = stageRunner(ctx.view, ctx.home?.queue ?? null);

  let stageDone = false;
  const scope = new CancellationScope();
  const watcher = CancellationScope.cancellable(async () => {
    await condition(() => stageDone || ctx.routedAwayFrom(stage.name) || ctx.hasOperator('cancel'));
    if (!stageDone) scope.cancel();
  });
  let summary: StageSummary;
  try {
    summary = await scope.run(() =>
      runner.runStage.executeWithOptions({ summary: StepSummary.agentStage(stage.name, attempt) }, [
        {
          workflowId: ctx.workflowId,
          tracker: ctx.input.tracker,
          issueId: ctx.status.issueId,
          identifier: ctx.identifier,
          stage: stage.name,
          promptAttempt,
          attempt,
          configHash: ctx.view.hash,
          writes,
          progress: ctx.view.progressComment ? { workflowId: ctx.workflowId, identifier: ctx.identifier, history: ctx.status.history } : null,
          terminalStates: terminalStates(ctx),
          ...(pr ? { pr } : {}),
        },
      ]),
    );
  } catch (err) {
    return failedRun(ctx, stage, attempt, startedAt, err);
  } finally {
    stageDone = true;
    await watcher;
    ctx.status.runningSince = null;
  }
  return fold(ctx, stage, attempt, summary, writes ? movesState(writes, stateBefore) : false);
}

/** Fold a finished run's summary into the status and history; the outcome for the machine. */
function fold(ctx: IssueContext, stage: StageView, attempt: number, summary: StageSummary, expectMove: boolean): RunOutcome {
  if (summary.config?.view) ctx.adoptView(summary.config.view);
  adoptHome(ctx, summary.home);
  if (summary.workspaceRemoved) ctx.home = null;
  ctx.status.tokens = addUsage(ctx.status.tokens, summary.tokens);
  ctx.liveTokens = { ...ZERO_USAGE };
  ctx.status.turns = summary.turns;
  if (summary.sessionId) ctx.status.sessionId = summary.sessionId;
  if (summary.rateLimits) ctx.status.rateLimits = summary.rateLimits;
  if (summary.lastEvent) ctx.status.lastEvent = summary.lastEvent;
  const stateBefore = ctx.status.state;
  // A vanished issue matters after a reroute or a write; a failed run keeps the last snapshot.
  if (summary.issue || summary.outcome === 'rerouted' || summary.wrote) ctx.adoptSnapshot(summary.issue);
  if (summary.outcome === 'rerouted') return { kind: 'rerouted' };
  const base = { stage: stage.name, attempt, startedAt: summary.startedAt, endedAt: summary.endedAt, turns: summary.turns, tokens: summary.tokens, ...(summary.sessionId ? { sessionId: summary.sessionId } : {}) };
  if (summary.outcome === 'succeeded') {
    ctx.record({ ...base, outcome: 'succeeded' });
    ctx.status.lastError = null;
    const moved = summary.wrote && (expectMove || ctx.status.state !== stateBefore);
    return { kind: 'succeeded', wrote: summary.wrote, moved };
  }
  const error = summary.error ?? summary.outcome;
  ctx.status.lastError = error;
  if (summary.outcome === 'blocked') {
    ctx.record({ ...base, outcome: 'blocked', error });
    return { kind: 'blocked', reason: error };
  }
  ctx.record({ ...base, outcome: 'failed', error });
  return summary.outcome === 'fatal' ? { kind: 'fatal', error } : { kind: 'failed', error };
}

function failedRun(ctx: IssueContext, stage: StageView, attempt: number, startedAt: string, err: unknown): RunOutcome {
  const endedAt = new Date().toISOString();
  if (isCancellation(err)) {
    adoptHome(ctx, cancelledHome(err));
    const byOperator = ctx.hasOperator('cancel');
    ctx.record({ stage: stage.name, attempt, outcome: 'cancelled', startedAt, endedAt, note: byOperator ? 'cancelled by an operator' : cancelNote(ctx) });
    return byOperator ? operatorCancel(ctx) : { kind: 'cancelled', by: 'tracker' };
  }
  const message = failureMessage(err);
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START) {
    // The home host never took the work: presume it gone; the next run claims a new home.
    ctx.home = null;
    ctx.status.workspaceHost = null;
    ctx.status.workspacePath = null;
  }
  ctx.status.lastError = message;
  ctx.record({ stage: stage.name, attempt, outcome: 'failed', startedAt, endedAt, error: message });
  return { kind: 'failed', error: message };
}

function adoptHome(ctx: IssueContext, home: WorkspaceHome | null): void {
  if (!home) return;
  ctx.home = home;
  ctx.status.workspaceHost = home.queue;
  ctx.status.workspacePath = home.path;
}

/** Where a cancelled run left its workspace (the activity's cancellation details), if it said. */
function cancelledHome(err: unknown): WorkspaceHome | null {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  if (!(failure instanceof CancelledFailure)) return null;
  const [home] = failure.details as unknown[];
  if (!home || typeof home !== 'object' || typeof (home as WorkspaceHome).queue !== 'string') return null;
  return home as WorkspaceHome;
}

function operatorCancel(ctx: IssueContext): RunOutcome {
  const op = ctx.takeOperator('cancel');
  return { kind: 'cancelled', by: 'operator', ...(op?.reason ? { reason: op.reason } : {}) };
}

function cancelNote(ctx: IssueContext): string {
  const r = ctx.route();
  return r.kind === 'terminal' ? 'issue moved to a terminal state' : r.kind === 'stage' ? `issue moved to stage ${r.stage}` : `issue released (${r.kind})`;
}

function terminalStates(ctx: IssueContext): string[] {
  return [...(ctx.view.trackers.find((t) => t.name === ctx.input.tracker)?.terminal_states ?? [])];
}

/** An activity failure as one line: the chain of causes, not the wrapper alone. */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  const parts: string[] = [];
  while (e instanceof Error && parts.length < 4) {
    if (e.message && !/^Activity task (failed|timed out)$/.test(e.message)) parts.push(e.message);
    else if (e instanceof TimeoutFailure) parts.push(`${(e.timeoutType ?? 'unknown').toLowerCase().replace(/_/g, '-')} timeout`);
    e = (e as Error & { cause?: unknown }).cause;
  }
  const text = parts.join(': ') || String(err);
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

