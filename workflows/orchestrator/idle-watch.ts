/**
 * The orchestrator's wait for its next poll while it is quiescent (core/idle-watch.ts): one
 * `watchTrackers` activity polls on the usual interval and comes back only with something to act
 * on, or after a quiet minute. The wait ends early, the watch cancelled without waiting for it,
 * when a refresh is asked for or the state stops being quiescent (a report, a preflight hold), so
 * the caller's poll loop takes over with a poll of its own. Sandbox-safe.
 */
import { CancellationScope, condition } from '@temporalio/workflow';
import { quiescent, WATCH_MAX_MS } from '../../core/idle-watch.js';
import type { OrchestratorState, WatchResult } from '../../core/protocol.js';
import { StepSummary } from '../../core/status-text.js';
import { watcher } from '../activity-options.js';
import { foldPollResult, pollRequest, type Outbox } from './tick.js';

/** The version marker of the idle watch: histories without it replay the plain poll loop. */
export const IDLE_WATCH_PATCH = 'baton-idle-watch';

/**
 * `polled`: the watch's polls are folded into the state (admission is due, as after a tick);
 * `interrupted`: a refresh or a state change ended the wait first; `failed`: the watch did not
 * run (its worker died, or one without the watch took it) and the caller polls by timer this round.
 */
export type WatchOutcome = 'polled' | 'interrupted' | 'failed';

/** True when the watch may stand in for the timer before the poll due at `nextPollAt`. */
export function watchApplies(state: OrchestratorState, nowMs: number): boolean {
  const intervalMs = state.view?.pollIntervalMs ?? 0;
  return intervalMs > 0 && intervalMs < WATCH_MAX_MS && quiescent(state, nowMs);
}

export async function watchPolls(state: OrchestratorState, outbox: Outbox, nextPollAt: number, interrupted: () => boolean): Promise<WatchOutcome> {
  const intervalMs = state.view?.pollIntervalMs ?? 1_000;
  const request = pollRequest(state);
  const scope = new CancellationScope();
  let result: WatchResult | 'failed' | undefined;
  scope
    .run(() =>
      watcher.watchTrackers.executeWithOptions({ summary: StepSummary.watch(intervalMs) }, [
        { ...request, configError: state.configError, intervalMs, firstPollAt: new Date(nextPollAt).toISOString(), maxMs: WATCH_MAX_MS },
      ]),
    )
    .then(
      (r) => (result = r),
      () => (result = 'failed'),
    );
  await condition(() => result !== undefined || interrupted() || !quiescent(state, Date.now()));
  if (result === undefined) {
    scope.cancel();
    return 'interrupted';
  }
  if (result === 'failed') return 'failed';
  // No poll at all (its worker was stopping): poll by timer this round rather than spin.
  if (!result.last) return 'failed';
  state.ticks += result.polls;
  foldPollResult(state, outbox, result.last, request.skip ?? []);
  return 'polled';
}
