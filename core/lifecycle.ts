/**
 * Lifecycle log lines: the events an operator follows an issue by (SPEC §13.1), named once so
 * workflows, activities and the CLI write the same words. One `info` line per event (`warn` for
 * failures), with the event name, a short message and fields in snake_case; every issue line
 * carries `issue_id`, `issue_identifier` and `stage`, and agent lines `session_id`.
 *
 * Sandbox-safe: no I/O. The sink is whatever logger the caller has — workflow `log`, activity
 * `log` (`Context.current().log`), or a pino logger through `temporalLogger(...)` in base/logger —
 * all of which take `(message, fields)` and end in the same pino stream.
 */

export const LifecycleEvent = {
  dispatched: 'dispatched',
  stageStarted: 'stage_started',
  turnCompleted: 'turn_completed',
  stageFinished: 'stage_finished',
  stageFailed: 'stage_failed',
  retryScheduled: 'retry_scheduled',
  gateWaiting: 'gate_waiting',
  gateDecided: 'gate_decided',
  rework: 'rework',
  stopped: 'stopped',
  released: 'released',
  done: 'done',
  configReloaded: 'config_reloaded',
  configRejected: 'config_rejected',
  trackerPollFailed: 'tracker_poll_failed',
  trackerPollRecovered: 'tracker_poll_recovered',
  // Baton's own, beyond the list operators asked for:
  admitted: 'admitted',
  sessionStarted: 'session_started',
  stageCancelled: 'stage_cancelled',
  operatorAction: 'operator_action',
  stageHeld: 'stage_held',
  stageReleased: 'stage_released',
  cleanupFailed: 'cleanup_failed',
  // pull requests (spec/SPEC.md §4.10)
  pullRequestRecorded: 'pull_request_recorded',
  pullRequestMerged: 'pull_request_merged',
  mergeRefused: 'merge_refused',
} as const;
export type LifecycleEvent = (typeof LifecycleEvent)[keyof typeof LifecycleEvent];

/** Events that report something going wrong: logged at `warn`. */
const WARN_EVENTS: ReadonlySet<LifecycleEvent> = new Set([
  LifecycleEvent.stageFailed,
  LifecycleEvent.stopped,
  LifecycleEvent.configRejected,
  LifecycleEvent.trackerPollFailed,
  LifecycleEvent.stageHeld,
  LifecycleEvent.cleanupFailed,
]);

/** The short message of each event; the fields carry the specifics. */
const MESSAGES: Record<LifecycleEvent, string> = {
  dispatched: 'issue dispatched',
  stage_started: 'stage started',
  turn_completed: 'agent turn completed',
  stage_finished: 'stage finished',
  stage_failed: 'stage failed',
  retry_scheduled: 'retry scheduled',
  gate_waiting: 'waiting at gate',
  gate_decided: 'gate decided',
  rework: 'sent back for rework',
  stopped: 'stopped for an operator',
  released: 'released',
  done: 'done',
  config_reloaded: 'config reloaded',
  config_rejected: 'config edit rejected; last good config kept',
  tracker_poll_failed: 'tracker poll failing',
  tracker_poll_recovered: 'tracker poll recovered',
  admitted: 'issue admitted to a slot',
  session_started: 'agent session started',
  stage_cancelled: 'stage cancelled; agent stopped',
  operator_action: 'operator action',
  stage_held: 'stage held: its agent backend failed preflight',
  stage_released: 'stage released: its agent backend passes preflight',
  cleanup_failed: 'workspace cleanup failed',
  pull_request_recorded: 'pull request recorded',
  pull_request_merged: 'pull request merged',
  merge_refused: 'merge not done; still gated',
};

/** Fields of a lifecycle line; issue lines give the three issue keys, agent lines `session_id`. */
export interface LifecycleFields {
  issue_id?: string;
  issue_identifier?: string;
  stage?: string | null;
  session_id?: string;
  [key: string]: unknown;
}

/** Any logger with Temporal's `(message, fields)` shape: workflow `log`, activity `log`, `temporalLogger(pino)`. */
export interface LifecycleSink {
  info(message: string, fields?: Record<string, unknown>): unknown;
  warn(message: string, fields?: Record<string, unknown>): unknown;
}

/** The line an event makes: level, message and fields (undefined fields dropped), for tests and sinks. */
export function lifecycleLine(event: LifecycleEvent, fields: LifecycleFields = {}): { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> } {
  const clean: Record<string, unknown> = { event };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) clean[key] = value;
  return { level: WARN_EVENTS.has(event) ? 'warn' : 'info', message: MESSAGES[event], fields: clean };
}

/** Write one lifecycle line. */
export function lifecycle(sink: LifecycleSink, event: LifecycleEvent, fields: LifecycleFields = {}): void {
  const line = lifecycleLine(event, fields);
  if (line.level === 'warn') sink.warn(line.message, line.fields);
  else sink.info(line.message, line.fields);
}

// ---------------------------------------------------------------- tracker outages

/** Per tracker: since when its polls fail and with what cause; absent while polls succeed. */
export type OutageState = Record<string, { since: string; cause: string; failures: number }>;

/** What one poll result means for the log: a line to write (start or end of an outage), or none. */
export interface OutageNote {
  state: OutageState;
  event: typeof LifecycleEvent.trackerPollFailed | typeof LifecycleEvent.trackerPollRecovered | null;
  fields: Record<string, unknown>;
}

/**
 * Fold one poll result of `tracker` into `state`: the first failure of an outage and the first
 * success after one produce a line; every other tick produces none (not one line per tick). Pure and
 * JSON-serializable, so a workflow can keep `state` and carry it across continue-as-new.
 */
export function noteTrackerPoll(state: OutageState, tracker: string, result: { ok: true } | { ok: false; cause: string }, now: string): OutageNote {
  const current = state[tracker];
  if (result.ok) {
    if (!current) return { state, event: null, fields: {} };
    const { [tracker]: _ended, ...rest } = state;
    return {
      state: rest,
      event: LifecycleEvent.trackerPollRecovered,
      fields: { tracker, failing_since: current.since, failures: current.failures, last_cause: current.cause },
    };
  }
  if (current) return { state: { ...state, [tracker]: { ...current, cause: result.cause, failures: current.failures + 1 } }, event: null, fields: {} };
  return {
    state: { ...state, [tracker]: { since: now, cause: result.cause, failures: 1 } },
    event: LifecycleEvent.trackerPollFailed,
    fields: { tracker, cause: result.cause },
  };
}
