/**
 * One poll tick of the orchestrator: read the config and poll every tracker in one local
 * activity (answered as a diff against what the orchestrator knows), then fold the results into
 * its state — config reloads go to every in-flight issue, tracker outages are recorded with their
 * cause and logged once when they start and once when they end (a tracker that asked for a wait
 * is not polled before it ends), changed in-flight issues get a snapshot, and eligible issues join
 * or leave the admission queue. Sandbox-safe.
 */
import { log } from '@temporalio/workflow';
import { foldPoll, inflightIds, knownIssues, requeueForView } from '../../core/admission.js';
import type { ConfigView, IssueHead, OrchestratorState, PollInput, PollResult, TrackerPoll } from '../../core/protocol.js';
import { StepSummary } from '../../core/status-text.js';
import { poller } from '../activity-options.js';
import { lifecycle } from '../../core/lifecycle.js';

/** What a tick owes issue workflows; the admission loop delivers it with the next grants. */
export interface Outbox {
  snapshots: { workflowId: string; issue: IssueHead | null }[];
  configs: { workflowId: string; view: ConfigView }[];
}

/** What the next poll asks: per tracker the issues known and in flight, and the trackers to skip. */
export function pollRequest(state: OrchestratorState): PollInput {
  const trackers = state.view?.trackers.map((t) => t.name) ?? [];
  const known: Record<string, Record<string, string>> = {};
  const inflight: Record<string, string[]> = {};
  for (const name of trackers) {
    known[name] = knownIssues(state, name);
    inflight[name] = inflightIds(state, name);
  }
  // A tracker whose provider asked for a wait (Retry-After) is not polled again before it ends.
  const skip = trackers.filter((name) => {
    const retryAt = state.trackers[name]?.retryAt;
    return retryAt ? Date.parse(retryAt) > Date.now() : false;
  });
  return { configHash: state.view?.hash ?? null, known, inflightIds: inflight, ...(skip.length > 0 ? { skip } : {}) };
}

export async function tick(state: OrchestratorState, outbox: Outbox): Promise<void> {
  state.ticks += 1;
  const request = pollRequest(state);
  const result = await poller.pollTrackers.executeWithOptions({ summary: StepSummary.poll() }, [request]);
  foldPollResult(state, outbox, result, request.skip ?? []);
}

/** Fold one poll's result into the state: config, tracker health, snapshots owed, the queue. */
export function foldPollResult(state: OrchestratorState, outbox: Outbox, result: PollResult, skip: readonly string[]): void {
  adoptConfig(state, outbox, result);
  const view = state.view;
  if (!view) return;
  const now = result.polledAt;
  let allOk = true;
  for (const tracker of view.trackers) {
    if (skip.includes(tracker.name)) {
      allOk = false;
      continue;
    }
    const poll = result.trackers[tracker.name];
    // A tracker added by this very reload was polled with no known issues: that is still a poll.
    if (!poll) continue;
    noteHealth(state, tracker.name, poll, now);
    if (!poll.ok) {
      allOk = false;
      continue;
    }
    const fold = foldPoll(state, tracker, poll.changed, poll.gone, state.configError === null, now);
    outbox.snapshots.push(...fold.snapshots);
  }
  state.lastPollAt = now;
  state.lastPollOk = allOk;
}

function adoptConfig(state: OrchestratorState, outbox: Outbox, result: PollResult): void {
  const { config } = result;
  if (config.view && config.view.hash !== state.view?.hash) {
    const first = state.view === null;
    state.view = config.view;
    if (!first) {
      lifecycle(log, 'config_reloaded', { config_hash: config.view.hash });
      for (const workflowId of Object.keys(state.inflight)) outbox.configs.push({ workflowId, view: config.view });
      requeueForView(state);
    }
  }
  if (config.error !== state.configError) {
    // SPEC §6.3: a broken edit keeps the last good config and pauses only new admissions.
    if (config.error) lifecycle(log, 'config_rejected', { error: config.error });
    else if (state.configError) lifecycle(log, 'config_reloaded', { config_hash: config.hash, recovered: true });
    state.configError = config.error;
  }
}

function noteHealth(state: OrchestratorState, name: string, poll: TrackerPoll, now: string): void {
  const before = state.trackers[name];
  if (poll.ok) {
    if (before && !before.ok) lifecycle(log, 'tracker_poll_recovered', { tracker: name, failing_since: before.since, last_cause: before.error?.message });
    state.trackers[name] = { ok: true, lastPollAt: now, error: null, since: null };
    return;
  }
  // Once when an outage starts (and when its cause changes), not once per tick.
  if (!before || before.ok || before.error?.message !== poll.error.message) {
    lifecycle(log, 'tracker_poll_failed', { tracker: name, category: poll.error.category, cause: poll.error.message });
  }
  const retryAt = poll.retryAfterMs ? new Date(Date.parse(now) + poll.retryAfterMs).toISOString() : null;
  state.trackers[name] = { ok: false, lastPollAt: before?.lastPollAt ?? null, error: poll.error, since: before && !before.ok ? before.since : now, retryAt };
}
