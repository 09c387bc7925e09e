/**
 * The orchestrator's activities, both run as local activities in the worker that runs the
 * orchestrator workflow (no task-queue hop, one history marker each):
 *
 * - `pollTrackers`: the config reading plus one poll per tracker, answered as a diff against what
 *   the orchestrator already knows, so an idle tick records a few bytes, not every issue again.
 * - `watchTrackers` (a regular activity, not local): the idle watch of core/idle-watch.ts.
 * - `deliver`: starts admitted issue workflows (eagerly when the server allows: the first workflow
 *   task comes back with the start response) and sends grants, snapshots and config views.
 *
 * Adapters own every provider detail; this module only diffs and shapes results for workflows.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { issueFingerprint, type Issue } from '../core/issue.js';
import {
  WorkflowType,
  configSignal,
  issueHead,
  slotGrantedSignal,
  snapshotSignal,
  type ConfigReading,
  type DeliverInput,
  type DeliverResult,
  type IssueHead,
  type IssueWorkflowInput,
  type PollInput,
  type PollResult,
  type StartItem,
  type TrackerPoll,
  type WatchHeartbeat,
  type WatchInput,
  type WatchResult,
} from '../core/protocol.js';
import { pollNeedsOrchestrator, WATCH_HEARTBEAT_MS } from '../core/idle-watch.js';
import { admissionBlock } from '../core/admission.js';
import { BatonDeployment, BatonIssue, BatonStage, BatonState, BatonStatus, BatonTracker } from '../core/search-attributes.js';
import { toConfigView } from '../config/view.js';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import type { TrackerConfig } from '../config/schema.js';
import { recordDispatchLatency, recordTrackerPoll, recordTrackerRateLimit, recordTrackerRequest } from '../base/metrics.js';
import type { BatonRuntime } from './runtime.js';

/** Calls to Temporal in flight at once while delivering: a big admission is not one RPC at a time. */
const DELIVER_CONCURRENCY = 8;

export function createOrchestratorActivities(rt: BatonRuntime) {
  return {
    pollTrackers: (input: PollInput): Promise<PollResult> => pollAll(rt, input),

    /**
     * The idle watch (core/idle-watch.ts): the same poll every `intervalMs`, returned only when it
     * found something for the orchestrator, after `maxMs`, or when this worker stops. Between polls
     * it heartbeats, carrying the last poll's time for `baton status`.
     */
    async watchTrackers(input: WatchInput): Promise<WatchResult> {
      const ctx = Context.current();
      const known = Object.keys(input.known);
      const until = Date.now() + input.maxMs;
      let due = Date.parse(input.firstPollAt);
      let polls = 0;
      let last: PollResult | null = null;
      const beat = () => ctx.heartbeat({ lastPollAt: last?.polledAt ?? null, polls } satisfies WatchHeartbeat);
      beat();
      const heartbeats = setInterval(beat, WATCH_HEARTBEAT_MS);
      try {
        // Cancelled (the orchestrator moved on) or stopping: what was polled so far is still true.
        while (due <= until && (await rt.pause(due - Date.now(), ctx.cancellationSignal))) {
          last = await pollAll(rt, input);
          polls += 1;
          beat();
          if (pollNeedsOrchestrator(last, known, input.configError)) break;
          due = Date.parse(last.polledAt) + input.intervalMs;
        }
      } finally {
        clearInterval(heartbeats);
      }
      return { polls, last };
    },

    async deliver(input: DeliverInput): Promise<DeliverResult> {
      const missing: string[] = [];
      const alreadyRunning: string[] = [];
      const jobs: (() => Promise<void>)[] = [
        ...input.starts.map((s) => async () => {
          if (!(await startIssue(rt, s))) {
            alreadyRunning.push(s.workflowId);
            return;
          }
          if (s.queuedAt) recordDispatchLatency((Date.now() - Date.parse(s.queuedAt)) / 1000);
        }),
        ...input.grants.map((g) => () => signalOrMissing(rt, g.workflowId, missing, (h) => h.signal(slotGrantedSignal, g.grant))),
        ...input.snapshots.map((s) => () => signalOrMissing(rt, s.workflowId, missing, (h) => h.signal(snapshotSignal, { issue: s.issue }))),
        ...input.configs.map((c) => () => signalOrMissing(rt, c.workflowId, missing, (h) => h.signal(configSignal, c.view))),
      ];
      await runConcurrently(jobs, DELIVER_CONCURRENCY);
      return { missing, alreadyRunning };
    },
  };
}

/** The config reading and one poll per tracker (those not waiting out a rate limit). */
async function pollAll(rt: BatonRuntime, input: PollInput): Promise<PollResult> {
  const config = readConfig(rt, input.configHash);
  const trackers: Record<string, TrackerPoll> = {};
  if (config.hash !== null) {
    const { config: current, hash } = rt.config();
    const view = toConfigView(current, hash);
    await Promise.all(
      current.trackers.filter((tc) => !input.skip?.includes(tc.name)).map(async (tc) => {
        trackers[tc.name] = await pollOne(rt, tc, view, input.known[tc.name] ?? {}, input.inflightIds[tc.name] ?? []);
      }),
    );
  }
  return { config, trackers, polledAt: new Date().toISOString() };
}

/** The worker's config, as a view only when its hash differs from the caller's. */
export function readConfig(rt: BatonRuntime, knownHash: string | null): ConfigReading {
  let snap;
  try {
    snap = rt.store().current();
  } catch (err) {
    return { hash: null, error: describeConfigError(err) };
  }
  const error = snap.lastError ? describeConfigError(snap.lastError) : null;
  if (snap.hash === knownHash) return { hash: snap.hash, error };
  return { hash: snap.hash, view: toConfigView(snap.config, snap.hash), error };
}

/** Every diagnostic on one line each, as `file:line:col: key: message`. */
function describeConfigError(err: unknown): string {
  if (err instanceof ConfigError) return err.errors.map((d) => formatDiagnostic(d)).join('\n');
  return err instanceof Error ? err.message : String(err);
}

async function pollOne(
  rt: BatonRuntime,
  tc: TrackerConfig,
  view: ReturnType<typeof toConfigView>,
  known: Readonly<Record<string, string>>,
  inflightIds: readonly string[],
): Promise<TrackerPoll> {
  let candidates: Issue[];
  let inflight: Issue[];
  recordTrackerPoll(tc.name);
  try {
    const adapter = await rt.tracker(tc.name);
    if (adapter.poll) {
      const polled = await adapter.poll(tc.active_states, inflightIds);
      ({ candidates, inflight } = polled);
      recordTrackerRequest(tc.name, undefined, polled.requests ?? 1);
      if (polled.rateLimitRemaining !== undefined && polled.rateLimitRemaining !== null) recordTrackerRateLimit(tc.name, polled.rateLimitRemaining);
    } else {
      candidates = await adapter.fetchIssuesByStates(tc.active_states);
      const seen = new Set(candidates.map((i) => i.id));
      const missing = inflightIds.filter((id) => !seen.has(id));
      inflight = missing.length > 0 ? await adapter.fetchIssuesByIds(missing) : [];
      recordTrackerRequest(tc.name, undefined, missing.length > 0 ? 2 : 1);
    }
  } catch (err) {
    // SPEC §11.4: a failed poll skips this tracker for the tick; the cause is kept, not the wrapper.
    const category = err instanceof BatonError ? err.category : ErrorCategory.trackerRequest;
    recordTrackerRequest(tc.name, category);
    const retryAfterMs = err instanceof BatonError ? err.retryAfterMs : undefined;
    return { ok: false, error: { category, message: err instanceof Error ? err.message : String(err) }, ...(retryAfterMs ? { retryAfterMs } : {}) };
  }
  const trackerView = view.trackers.find((t) => t.name === tc.name);
  const seen = new Set<string>();
  const changed: IssueHead[] = [];
  for (const issue of [...candidates, ...inflight]) {
    if (seen.has(issue.id)) continue;
    seen.add(issue.id);
    const head = issueHead(issue);
    const before = known[issue.id];
    if (before !== undefined) {
      if (before !== issueFingerprint(head)) changed.push(head);
      continue;
    }
    // Unknown issues the orchestrator could not admit would be re-sent every tick: leave them out.
    if (trackerView && admissionBlock(trackerView, view, head) === null) changed.push(head);
  }
  const gone = Object.keys(known).filter((id) => !seen.has(id));
  return { ok: true, changed, gone };
}

/** Start the issue's workflow; false when it was already running (it gets the snapshot instead). */
async function startIssue(rt: BatonRuntime, item: StartItem): Promise<boolean> {
  const input: IssueWorkflowInput = item.input;
  const issue = input.issue;
  try {
    await rt.client.workflow.start(WorkflowType.issue, {
      workflowId: item.workflowId,
      taskQueue: input.view.taskQueue,
      args: [input],
      // The first workflow task comes back with the start response: no trip through matching.
      requestEagerStart: rt.eagerStart,
      typedSearchAttributes: [
        { key: BatonTracker, value: input.tracker },
        { key: BatonIssue, value: issue.identifier },
        { key: BatonDeployment, value: input.deployment },
        { key: BatonState, value: issue.state },
        { key: BatonStage, value: input.grant?.stage ?? 'none' },
        { key: BatonStatus, value: input.grant ? 'running' : 'starting' },
      ],
      memo: { title: issue.title, url: issue.url ?? '' },
      staticSummary: `${issue.identifier} · ${issue.title}`.slice(0, 190),
      ...(issue.url ? { staticDetails: `Tracker issue: ${issue.url}` } : {}),
    });
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // Still running from an admission the orchestrator no longer remembers: it keeps its own slot
    // accounting (its next report asks for one), so it gets the news, not this grant.
    await rt.client.workflow.getHandle(item.workflowId).signal(snapshotSignal, { issue });
    return false;
  }
}

async function signalOrMissing(
  rt: BatonRuntime,
  workflowId: string,
  missing: string[],
  send: (handle: ReturnType<BatonRuntime['client']['workflow']['getHandle']>) => Promise<void>,
): Promise<void> {
  try {
    await send(rt.client.workflow.getHandle(workflowId));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) missing.push(workflowId);
    else throw err;
  }
}

/** Run jobs with at most `limit` in flight; the first failure rejects. */
async function runConcurrently(jobs: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, jobs.length) }, async () => {
    while (next < jobs.length) await (jobs[next++] as () => Promise<void>)();
  });
  await Promise.all(lanes);
}
