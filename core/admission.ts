/**
 * Admission as pure functions over the orchestrator's state: folding a tracker poll into the
 * admission queue and the in-flight table (reconciliation), folding an issue's report into the
 * slot table, and granting free slots in Symphony's sort order (SPEC §8.2, §8.3) — to queued
 * issues, whose workflows then start holding their slot, and to in-flight issues waiting for their
 * next stage. The orchestrator workflow applies the results; nothing here waits or does I/O, so
 * every rule is table-tested (test/core/admission.test.ts).
 *
 * Sandbox-safe.
 */
import { issueFingerprint, normalizeState } from './issue.js';
import type {
  ConfigView,
  InflightEntry,
  IssueHead,
  IssueReport,
  IssueRow,
  IssueStatusKind,
  OrchestratorState,
  QueueEntry,
  SlotGrant,
  TrackerView,
} from './protocol.js';
import { BUSY_STATUSES, issueWorkflowId } from './protocol.js';
import { stageForState } from './routing.js';
import { grantSlots, ineligibilityReason, type SlotLimits, type SlotRequest } from './scheduling.js';

export function emptyOrchestratorState(): OrchestratorState {
  return {
    view: null,
    configError: null,
    inflight: {},
    queue: {},
    holders: {},
    waiting: {},
    trackers: {},
    heldStages: [],
    lastPollAt: null,
    lastPollOk: false,
    ticks: 0,
    runsCarried: 0,
  };
}

/** Why an issue may not be admitted, or null (eligible and some stage handles its state). */
export function admissionBlock(tracker: TrackerView, view: ConfigView, issue: IssueHead): string | null {
  const reason = ineligibilityReason(tracker, issue);
  if (reason) return reason;
  // An active state no stage handles would start a workflow that releases at once, every tick.
  if (stageForState(view.stages, issue.state) === undefined) return `no stage handles state ${issue.state}`;
  return null;
}

/** What the orchestrator already knows of one tracker: issue id → fingerprint. */
export function knownIssues(state: OrchestratorState, tracker: string): Record<string, string> {
  const known: Record<string, string> = {};
  for (const e of Object.values(state.inflight)) if (e.tracker === tracker) known[e.issueId] = e.fingerprint;
  for (const e of Object.values(state.queue)) if (e.tracker === tracker) known[e.issue.id] = e.fingerprint;
  return known;
}

export function inflightIds(state: OrchestratorState, tracker: string): string[] {
  return Object.values(state.inflight)
    .filter((e) => e.tracker === tracker)
    .map((e) => e.issueId);
}

export interface PollFold {
  /** Fresh snapshots for in-flight issue workflows (null: the tracker no longer shows the issue). */
  readonly snapshots: { workflowId: string; issue: IssueHead | null }[];
}

/**
 * Fold one tracker's successful poll into the state: changed in-flight issues get a snapshot
 * signal; changed or new candidates join, move within or leave the admission queue; gone ones
 * leave it. `dispatchAllowed` is false while the config file is broken: nothing new is queued.
 */
export function foldPoll(
  state: OrchestratorState,
  tracker: TrackerView,
  changed: readonly IssueHead[],
  gone: readonly string[],
  dispatchAllowed: boolean,
  now: string,
): PollFold {
  const view = state.view as ConfigView;
  const snapshots: PollFold['snapshots'] = [];
  const byIssueId = new Map<string, string>();
  for (const [workflowId, e] of Object.entries(state.inflight)) if (e.tracker === tracker.name) byIssueId.set(e.issueId, workflowId);

  for (const issue of changed) {
    const workflowId = issueWorkflowId(tracker.name, issue.identifier);
    const inflightId = byIssueId.get(issue.id);
    if (inflightId) {
      const entry = state.inflight[inflightId] as InflightEntry;
      entry.fingerprint = issueFingerprint(issue);
      entry.row = { ...entry.row, state: issue.state, title: issue.title, url: issue.url };
      snapshots.push({ workflowId: inflightId, issue });
      continue;
    }
    const stage = stageForState(view.stages, issue.state);
    if (!dispatchAllowed || admissionBlock(tracker, view, issue) !== null || stage === undefined) {
      delete state.queue[workflowId];
      continue;
    }
    const queued = state.queue[workflowId];
    state.queue[workflowId] = { tracker: tracker.name, issue, stage, fingerprint: issueFingerprint(issue), queuedAt: queued?.queuedAt ?? now };
  }
  for (const id of gone) {
    const inflightId = byIssueId.get(id);
    if (inflightId) {
      snapshots.push({ workflowId: inflightId, issue: null });
      continue;
    }
    for (const [workflowId, q] of Object.entries(state.queue)) if (q.tracker === tracker.name && q.issue.id === id) delete state.queue[workflowId];
  }
  return { snapshots };
}

/** Drop queue entries a new config no longer admits (a stage or state removed, labels changed). */
export function requeueForView(state: OrchestratorState): void {
  const view = state.view;
  if (!view) return;
  for (const [workflowId, q] of Object.entries(state.queue)) {
    const tracker = view.trackers.find((t) => t.name === q.tracker);
    const stage = stageForState(view.stages, q.issue.state);
    if (!tracker || stage === undefined || admissionBlock(tracker, view, q.issue) !== null) delete state.queue[workflowId];
    else q.stage = stage;
  }
}

/** Fold an issue workflow's report into the slot table and its row; returns whether it closed. */
export function foldReport(state: OrchestratorState, report: IssueReport, now: string): void {
  const id = report.workflowId;
  if (report.release) {
    delete state.holders[id];
    delete state.waiting[id];
  }
  if (report.closing) {
    delete state.inflight[id];
    delete state.holders[id];
    delete state.waiting[id];
    return;
  }
  const entry = state.inflight[id];
  if (entry) entry.row = report.row;
  // An orchestrator restarted without its state learns its in-flight issues from their reports.
  else state.inflight[id] = { tracker: report.row.tracker, issueId: report.row.issueId, fingerprint: '', row: report.row, dispatchedAt: now };
  if (report.request) {
    // A holder asking again gives its slot back first: it competes in order like everyone else.
    delete state.holders[id];
    state.waiting[id] = { ...report.request, since: now };
  }
}

export function slotLimits(view: ConfigView): SlotLimits {
  const byStage: Record<string, number> = {};
  for (const stage of view.stages) if (stage.max_concurrent !== undefined) byStage[stage.name] = stage.max_concurrent;
  const byState: Record<string, number> = {};
  for (const [k, v] of Object.entries(view.maxConcurrentAgentsByState)) byState[normalizeState(k)] = v;
  return { maxConcurrentAgents: view.maxConcurrentAgents, byState, byStage };
}

export interface Admission {
  /** Queued issues to start, each holding its first slot. */
  readonly starts: { workflowId: string; entry: QueueEntry; grant: SlotGrant }[];
  /** In-flight issue workflows granted their requested slot. */
  readonly grants: { workflowId: string; grant: SlotGrant }[];
}

/**
 * Grant free slots in Symphony's order over every request — queued issues and in-flight issues
 * waiting for their next stage alike — and record the grants in the state. `heldStages` are
 * stages whose agent backend failed its preflight: nothing is granted to them.
 */
export function admit(state: OrchestratorState, now: string, heldStages: ReadonlySet<string> = new Set()): Admission {
  const view = state.view;
  if (!view) return { starts: [], grants: [] };
  const requests: SlotRequest[] = [];
  for (const [workflowId, w] of Object.entries(state.waiting)) if (!heldStages.has(w.stage)) requests.push({ ...w, workflowId });
  for (const [workflowId, q] of Object.entries(state.queue)) {
    if (heldStages.has(q.stage)) continue;
    requests.push({ workflowId, identifier: q.issue.identifier, state: q.issue.state, stage: q.stage, priority: q.issue.priority, created_at: q.issue.created_at });
  }
  const granted = grantSlots(Object.values(state.holders), requests, slotLimits(view));
  const starts: Admission['starts'] = [];
  const grants: Admission['grants'] = [];
  for (const req of granted) {
    const waiting = state.waiting[req.workflowId];
    if (waiting) {
      delete state.waiting[req.workflowId];
      state.holders[req.workflowId] = { ...waiting, since: now };
      grants.push({ workflowId: req.workflowId, grant: { seq: waiting.seq, stage: waiting.stage, grantedAt: now } });
      continue;
    }
    const entry = state.queue[req.workflowId] as QueueEntry;
    delete state.queue[req.workflowId];
    const grant: SlotGrant = { seq: 1, stage: entry.stage, grantedAt: now };
    state.holders[req.workflowId] = {
      seq: 1,
      identifier: entry.issue.identifier,
      state: entry.issue.state,
      stage: entry.stage,
      priority: entry.issue.priority,
      created_at: entry.issue.created_at,
      since: now,
    };
    state.inflight[req.workflowId] = {
      tracker: entry.tracker,
      issueId: entry.issue.id,
      fingerprint: entry.fingerprint,
      dispatchedAt: now,
      row: startingRow(req.workflowId, entry, now),
    };
    starts.push({ workflowId: req.workflowId, entry, grant });
  }
  return { starts, grants };
}

function startingRow(workflowId: string, entry: QueueEntry, now: string): IssueRow {
  return {
    workflowId,
    tracker: entry.tracker,
    issueId: entry.issue.id,
    identifier: entry.issue.identifier,
    title: entry.issue.title,
    url: entry.issue.url,
    state: entry.issue.state,
    stage: entry.stage,
    status: 'starting',
    attempt: 1,
    lastError: null,
    reason: null,
    retryDueAt: null,
    updatedAt: now,
  };
}

/** An issue's status as the orchestrator sees it: the slot table knows better than a stale row. */
export function rowStatus(state: OrchestratorState, workflowId: string): IssueStatusKind {
  if (state.holders[workflowId]) return 'running';
  if (state.waiting[workflowId]) return 'waiting_slot';
  return state.inflight[workflowId]?.row.status ?? 'queued';
}

/** Nothing for Baton to do: a poll succeeded, nothing waits for admission, no issue is busy. */
export function isIdle(state: OrchestratorState): boolean {
  if (!state.lastPollOk || Object.keys(state.queue).length > 0) return false;
  return Object.keys(state.inflight).every((id) => !BUSY_STATUSES.includes(rowStatus(state, id)));
}
