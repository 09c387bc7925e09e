/**
 * The orchestrator workflow: one per deployment, the single durable authority for agent slots.
 *
 * State it owns (plain JSON, carried across continue-as-new): the last good config view, the
 * issues in flight, the slot holders and the slot queue. Each tick it polls every tracker through
 * an activity, sends changed snapshots to in-flight issue workflows, and starts an issue workflow
 * for each newly eligible issue (signal-with-start, so a duplicate dispatch is impossible). Issue
 * workflows ask it for a slot before running an agent and give it back afterwards.
 *
 * Sandbox-safe: only @temporalio/workflow and type-only or pure imports.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatonActivities } from '../activities/index.js';
import { issueFingerprint, normalizeState, type Issue } from '../core/issue.js';
import {
  issueClosedSignal,
  orchestratorStatusQuery,
  refreshSignal,
  slotGrantedSignal,
  slotReleaseSignal,
  slotRequestSignal,
  type ConfigView,
  type OrchestratorInput,
  type OrchestratorState,
  type SlotEntry,
} from '../core/protocol.js';
import { grantSlots, ineligibilityReason, sortForDispatch } from '../core/scheduling.js';
import { stageForState } from '../core/routing.js';

// Tracker calls are short; retry them briefly inside one tick, then let the next tick try again.
const tracker = proxyActivities<BatonActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3 },
});
// Dispatch must not be lost: Temporal retries it until the server accepts the signals. It
// heartbeats per issue, so a large first poll may take long without being cut off.
const dispatcher = proxyActivities<BatonActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

function emptyState(): OrchestratorState {
  return {
    view: null,
    configError: null,
    inflight: {},
    holders: {},
    waiting: {},
    lastPollAt: null,
    lastPollOk: false,
    lastPollErrors: {},
    pendingCandidates: 0,
    ticks: 0,
    runsCarried: 0,
  };
}

export async function orchestratorWorkflow(input: OrchestratorInput): Promise<void> {
  const state: OrchestratorState = input.carried ?? emptyState();
  let refreshRequested = !input.carried; // first tick at once
  let grantDue = Object.keys(state.waiting).length > 0;

  setHandler(refreshSignal, () => {
    refreshRequested = true;
  });
  // Grants happen in the handlers themselves, so a slot never waits for a tick in progress.
  // grant() decides and records synchronously before its first await, so handlers running
  // side by side cannot hand out the same slot twice.
  setHandler(slotRequestSignal, async (req) => {
    // A re-request from a holder (for example after a worker restart) drops the old hold.
    delete state.holders[req.workflowId];
    state.waiting[req.workflowId] = { ...req, since: new Date().toISOString() };
    await grant(state);
  });
  setHandler(slotReleaseSignal, async ({ workflowId }) => {
    delete state.holders[workflowId];
    delete state.waiting[workflowId];
    await grant(state);
  });
  setHandler(issueClosedSignal, ({ workflowId }) => {
    delete state.inflight[workflowId];
    delete state.holders[workflowId];
    delete state.waiting[workflowId];
    grantDue = true;
  });
  setHandler(orchestratorStatusQuery, () => ({
    ...state,
    workflowId: workflowInfo().workflowId,
    configPath: input.configPath,
    idle: state.lastPollOk && state.pendingCandidates === 0 && Object.keys(state.inflight).length === 0,
  }));

  for (;;) {
    const intervalMs = state.view?.pollIntervalMs ?? 1_000;
    const nextPollAt = state.lastPollAt ? Date.parse(state.lastPollAt) + intervalMs : 0;
    const waitMs = Math.max(0, nextPollAt - Date.now());
    if (!refreshRequested && !grantDue && waitMs > 0) {
      await condition(() => refreshRequested || grantDue, waitMs);
    }
    if (refreshRequested || Date.now() >= nextPollAt) {
      refreshRequested = false;
      await tick(input, state);
      grantDue = true;
    }
    if (grantDue) {
      grantDue = false;
      await grant(state);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof orchestratorWorkflow>({
        ...input,
        carried: { ...state, runsCarried: state.runsCarried + 1 },
      });
    }
  }
}

async function tick(input: OrchestratorInput, state: OrchestratorState): Promise<void> {
  state.ticks += 1;
  // Preflight (SPEC §6.3): a broken edit keeps the last good config and blocks only new dispatch.
  const loaded = await tracker.loadConfigView({ configPath: input.configPath, knownHash: state.view?.hash ?? null });
  if (loaded.view) state.view = loaded.view;
  state.configError = loaded.error;
  const dispatchAllowed = loaded.error === null;
  if (loaded.error) log.warn('config invalid; keeping the last good config and skipping dispatch', { error: loaded.error });
  const view = state.view;
  if (!view) {
    showDetails(state);
    return;
  }

  const toDispatch: DispatchItem[] = [];
  const errors: Record<string, string> = {};
  let pending = 0;
  for (const t of view.trackers) {
    const inflightHere = Object.values(state.inflight).filter((e) => e.tracker === t.name);
    let polled: { candidates: Issue[]; inflight: Issue[] };
    try {
      polled = await tracker.pollTracker({
        configPath: input.configPath,
        tracker: t.name,
        inflightIds: inflightHere.map((e) => e.issueId),
      });
    } catch (err) {
      // SPEC §11.4: a failed poll skips this tracker for the tick and keeps every run going.
      errors[t.name] = err instanceof Error ? err.message : String(err);
      continue;
    }
    const seen = new Map<string, Issue>();
    for (const issue of [...polled.candidates, ...polled.inflight]) seen.set(issue.id, issue);

    // Reconcile: tell in-flight issue workflows what changed (or that the issue is gone).
    for (const entry of inflightHere) {
      const fresh = seen.get(entry.issueId);
      if (!fresh) {
        toDispatch.push(item(t.name, entry, null, false));
        continue;
      }
      const fingerprint = issueFingerprint(fresh);
      if (fingerprint !== entry.fingerprint) {
        entry.fingerprint = fingerprint;
        entry.state = fresh.state;
        toDispatch.push(item(t.name, fresh, fresh, false));
      }
    }

    if (!dispatchAllowed) continue;
    const inflightIds = new Set(inflightHere.map((e) => e.issueId));
    // An active state no stage handles would start a workflow that releases at once, every tick.
    const eligible = polled.candidates.filter(
      (issue) => !inflightIds.has(issue.id) && ineligibilityReason(t, issue) === null && stageForState(view.stages, issue.state) !== undefined,
    );
    for (const issue of sortForDispatch(eligible)) {
      pending += 1;
      toDispatch.push(item(t.name, issue, issue, true));
    }
  }

  if (toDispatch.length > 0) {
    const result = await dispatcher.dispatchIssues({
      configPath: input.configPath,
      deployment: input.deployment,
      items: toDispatch,
    });
    const now = new Date().toISOString();
    for (const started of result.started) {
      pending -= 1;
      state.inflight[started.workflowId] = {
        workflowId: started.workflowId,
        tracker: started.tracker,
        issueId: started.issueId,
        identifier: started.identifier,
        fingerprint: started.fingerprint,
        state: started.state,
        dispatchedAt: now,
      };
    }
    // A workflow that closed on its own (its close signal may still be on the way) leaves the set.
    for (const workflowId of result.missing) {
      delete state.inflight[workflowId];
      delete state.holders[workflowId];
      delete state.waiting[workflowId];
    }
  }
  state.pendingCandidates = Math.max(0, pending);
  state.lastPollErrors = errors;
  state.lastPollOk = Object.keys(errors).length === 0;
  state.lastPollAt = new Date().toISOString();
  showDetails(state);
}

interface DispatchItem {
  tracker: string;
  issueId: string;
  identifier: string;
  /** Null: the tracker no longer shows the issue. */
  snapshot: Issue | null;
  /** Start the issue workflow if it is not running (new dispatch) or only signal it (reconcile). */
  start: boolean;
}

function item(trackerName: string, ref: { issueId?: string; id?: string; identifier: string }, snapshot: Issue | null, start: boolean): DispatchItem {
  return { tracker: trackerName, issueId: (ref.issueId ?? ref.id) as string, identifier: ref.identifier, snapshot, start };
}

async function grant(state: OrchestratorState): Promise<void> {
  const view = state.view;
  if (!view) return;
  const limits = slotLimits(view);
  const granted = grantSlots(Object.values(state.holders), Object.values(state.waiting), limits);
  for (const req of granted) {
    const entry = state.waiting[req.workflowId] as SlotEntry;
    delete state.waiting[req.workflowId];
    state.holders[req.workflowId] = { ...entry, since: new Date().toISOString() };
  }
  // All grants go out in one workflow task rather than one round trip each.
  await Promise.all(
    granted.map((req) =>
      getExternalWorkflowHandle(req.workflowId)
        .signal(slotGrantedSignal)
        .catch(() => {
          // The issue workflow is gone; its slot is free again.
          delete state.holders[req.workflowId];
        }),
    ),
  );
  if (granted.length > 0) showDetails(state);
}

function slotLimits(view: ConfigView) {
  const byStage: Record<string, number> = {};
  for (const stage of view.stages) if (stage.max_concurrent !== undefined) byStage[stage.name] = stage.max_concurrent;
  const byState: Record<string, number> = {};
  for (const [k, v] of Object.entries(view.maxConcurrentAgentsByState)) byState[normalizeState(k)] = v;
  return { maxConcurrentAgents: view.maxConcurrentAgents, byState, byStage };
}

/** The orchestrator's page in the Web UI: config health, slots, queue. */
function showDetails(state: OrchestratorState): void {
  const lines = [
    `**Baton orchestrator** — ${Object.keys(state.inflight).length} issues in flight, ` +
      `${Object.keys(state.holders).length}/${state.view?.maxConcurrentAgents ?? '?'} agents running, ` +
      `${Object.keys(state.waiting).length} waiting for a slot`,
    '',
    `Last poll: ${state.lastPollAt ?? 'never'}${state.lastPollOk ? '' : ' (with errors)'}`,
  ];
  if (state.configError) lines.push('', `**Config error (last good config kept):** ${state.configError}`);
  for (const [name, err] of Object.entries(state.lastPollErrors)) lines.push('', `Tracker ${name}: ${err}`);
  setCurrentDetails(lines.join('\n'));
}

