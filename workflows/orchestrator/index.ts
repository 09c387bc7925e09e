/**
 * The orchestrator workflow: one per deployment, the single durable authority for admission and
 * agent slots (core/admission.ts holds the rules).
 *
 * State it owns (plain JSON, carried across continue-as-new): the last good config view, the
 * issues in flight with their status rows, the admission queue (eligible issues that have no
 * workflow yet), the slot holders and the in-flight issues waiting for their next slot, and each
 * tracker's health. Two loops share it:
 *
 * - the poll loop: every `polling.interval_ms` (or at once on `refresh`) one local activity reads
 *   the config and polls every tracker as a diff against what is known; changed in-flight issues
 *   get a snapshot, eligible new issues join the queue. With nothing in flight or queued, one
 *   `watchTrackers` activity does those polls instead and returns when one finds a change
 *   (./idle-watch.ts), so an idle deployment costs no workflow task per poll;
 * - the admission loop: whenever a poll or an issue's report changed something, free slots are
 *   granted in Symphony's order — a queued issue's workflow is started holding its slot, a waiting
 *   issue is signalled — and everything owed is delivered in one local activity.
 *
 * Sandbox-safe: only @temporalio/workflow and type-only or pure imports.
 */
import { allHandlersFinished, condition, continueAsNew, log, patched, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { admit, emptyOrchestratorState, foldReport, isIdle } from '../../core/admission.js';
import { issueReportSignal, orchestratorStatusQuery, preflightSignal, refreshSignal, type DeliverInput, type OrchestratorInput, type OrchestratorState } from '../../core/protocol.js';
import { orchestratorDetailsMarkdown, StepSummary } from '../../core/status-text.js';
import { lifecycle } from '../../core/lifecycle.js';
import { deliverer } from '../activity-options.js';
import { tick, type Outbox } from './tick.js';
import { IDLE_WATCH_PATCH, watchApplies, watchPolls } from './idle-watch.js';

export async function batonOrchestrator(input: OrchestratorInput): Promise<void> {
  const state: OrchestratorState = input.carried ?? emptyOrchestratorState();
  const outbox: Outbox = { snapshots: [], configs: [] };
  let refreshRequested = !input.carried; // the first tick at once
  let admitDue = true;
  let delivering = false;

  setHandler(refreshSignal, () => {
    refreshRequested = true;
  });
  setHandler(issueReportSignal, (report) => {
    foldReport(state, report, new Date().toISOString());
    admitDue = true;
  });
  setHandler(preflightSignal, (update) => {
    const before = new Set(state.heldStages.map((h) => h.stage));
    const since = Object.fromEntries(state.heldStages.map((h) => [h.stage, h.since]));
    state.heldStages = update.held.map((h) => ({ ...h, since: since[h.stage] ?? h.since }));
    for (const h of state.heldStages) if (!before.has(h.stage)) lifecycle(log, 'stage_held', { stage: h.stage, backend: h.backend, cause: h.cause, fix: h.fix });
    for (const stage of before) if (!state.heldStages.some((h) => h.stage === stage)) lifecycle(log, 'stage_released', { stage });
    setCurrentDetails(orchestratorDetailsMarkdown(state));
    admitDue = true;
  });
  setHandler(orchestratorStatusQuery, () => ({ ...state, workflowId: workflowInfo().workflowId, idle: isIdle(state) }));

  // The admission loop: batches every report and poll result of one workflow task into one delivery.
  const admission = (async () => {
    for (;;) {
      await condition(() => admitDue || outbox.snapshots.length > 0 || outbox.configs.length > 0);
      admitDue = false;
      delivering = true;
      try {
        // A grant to a workflow that had closed frees its slot again: admit once more.
        if (await admitAndDeliver(input, state, outbox)) admitDue = true;
      } finally {
        delivering = false;
      }
    }
  })();

  let watchFailed = false;
  for (;;) {
    const intervalMs = state.view?.pollIntervalMs ?? 1_000;
    const nextPollAt = state.lastPollAt ? Date.parse(state.lastPollAt) + intervalMs : 0;
    const waitMs = nextPollAt - Date.now();
    let watched = false;
    if (!refreshRequested && waitMs > 0) {
      // Quiescent: the idle watch polls in one activity instead of a timer and task per poll.
      if (!watchFailed && watchApplies(state, Date.now()) && patched(IDLE_WATCH_PATCH)) {
        const outcome = await watchPolls(state, outbox, nextPollAt, () => refreshRequested);
        watchFailed = outcome === 'failed';
        if (outcome !== 'polled') continue;
        watched = true;
      } else {
        watchFailed = false;
        await condition(() => refreshRequested, waitMs);
      }
    }
    if (!watched) {
      refreshRequested = false;
      await tick(state, outbox);
    }
    admitDue = true;
    setCurrentDetails(orchestratorDetailsMarkdown(state));
    if (workflowInfo().continueAsNewSuggested) {
      await condition(() => !delivering && !admitDue && outbox.snapshots.length === 0 && outbox.configs.length === 0);
      await condition(allHandlersFinished);
      void admission;
      await continueAsNew<typeof batonOrchestrator>({ ...input, carried: { ...state, runsCarried: state.runsCarried + 1 } });
    }
  }
}

/** Grant free slots, then start, signal and update everything owed in one local activity. */
async function admitAndDeliver(input: OrchestratorInput, state: OrchestratorState, outbox: Outbox): Promise<boolean> {
  const now = new Date().toISOString();
  const { starts, grants } = admit(state, now, new Set(state.heldStages.map((h) => h.stage)));
  const delivery: DeliverInput = {
    starts: starts.map(({ workflowId, entry, grant }) => ({
      workflowId,
      queuedAt: entry.queuedAt,
      input: { deployment: input.deployment, tracker: entry.tracker, issue: entry.issue, view: state.view!, grant },
    })),
    grants,
    snapshots: outbox.snapshots.splice(0),
    configs: outbox.configs.splice(0),
  };
  if (delivery.starts.length + delivery.grants.length + delivery.snapshots.length + delivery.configs.length === 0) return false;
  for (const s of starts) lifecycle(log, 'admitted', { issue_id: s.entry.issue.id, issue_identifier: s.entry.issue.identifier, stage: s.grant.stage });
  const signals = delivery.grants.length + delivery.snapshots.length + delivery.configs.length;
  const result = await deliverer.deliver.executeWithOptions({ summary: StepSummary.deliver(delivery.starts.length, signals) }, [delivery]);
  // A workflow that closed on its own (its closing report may still be on the way) leaves every table.
  for (const workflowId of result.missing) {
    delete state.inflight[workflowId];
    delete state.holders[workflowId];
    delete state.waiting[workflowId];
  }
  // Re-admitted while already running: in flight, but holding no slot of this orchestrator's.
  const alreadyRunning = result.alreadyRunning ?? [];
  for (const workflowId of alreadyRunning) delete state.holders[workflowId];
  if (starts.length > 0 || grants.length > 0 || result.missing.length > 0) setCurrentDetails(orchestratorDetailsMarkdown(state));
  return result.missing.length > 0 || alreadyRunning.length > 0;
}
