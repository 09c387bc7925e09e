/**
 * The idle watch: when the orchestrator has nothing in flight and nothing queued, its polls move
 * from one timer, workflow task and local activity per interval into one activity that polls on
 * the same interval and returns only when a poll found something the orchestrator must act on (or
 * after `WATCH_MAX_MS`, to keep the workflow's own record of the last poll fresh). An idle
 * deployment then costs Temporal a few events a minute instead of several per poll.
 *
 * Pure rules, table-tested: when the watch may stand in for the poll loop, and which poll results
 * end it. Sandbox-safe.
 */
import type { OrchestratorState, PollResult } from './protocol.js';

/** The longest a watch runs before it reports a quiet minute (and the workflow records its polls). */
export const WATCH_MAX_MS = 60_000;

/** How often a watch heartbeats while it waits between polls (its heartbeat timeout is 4×). */
export const WATCH_HEARTBEAT_MS = 5_000;

/**
 * True when every poll of this state can only matter through what the poll itself finds: a
 * config in force and no config error, the last poll clean, no tracker waiting out a rate limit,
 * and no issue in flight, queued, holding or waiting for a slot (their reports and grants change
 * the state a watch was started from).
 */
export function quiescent(state: OrchestratorState, nowMs: number): boolean {
  if (!state.view || state.configError !== null || !state.lastPollOk) return false;
  for (const table of [state.inflight, state.queue, state.holders, state.waiting]) if (Object.keys(table).length > 0) return false;
  return Object.values(state.trackers).every((t) => t.ok && !(t.retryAt && Date.parse(t.retryAt) > nowMs));
}

/**
 * True when a poll result needs the orchestrator: a new config view or a change in the config's
 * error, a tracker that failed or was not polled before (added by a reload), or any changed or
 * gone issue. Otherwise the poll confirmed what the orchestrator knows.
 */
export function pollNeedsOrchestrator(result: PollResult, knownTrackers: readonly string[], configError: string | null): boolean {
  if (result.config.view !== undefined || result.config.error !== configError) return true;
  for (const [name, poll] of Object.entries(result.trackers)) {
    if (!knownTrackers.includes(name) || !poll.ok) return true;
    if (poll.changed.length > 0 || poll.gone.length > 0) return true;
  }
  return false;
}
