/**
 * The issue workflow: one per tracker issue (id from tracker + identifier), the durable stage
 * machine. It routes the issue's tracker state to a stage, asks the orchestrator for an agent
 * slot, runs the stage's agent activity on the host that owns the workspace, applies the stage's
 * tracker writes, waits at gates, loops on rework up to the bound, retries failures with
 * Symphony's backoff, and ends when the issue is terminal (after workspace cleanup) or no longer
 * routable (released).
 *
 * State it owns: the latest tracker snapshot, the stage history, attempts, rework counts, the
 * workspace host and any pending operator decision. Operators act through updates; the
 * orchestrator feeds it snapshots and slot grants through signals.
 *
 * Sandbox-safe: only @temporalio/workflow and type-only or pure imports.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { BatonActivities, StageSummary } from '../activities/index.js';
import { addUsage, ZERO_USAGE } from '../core/agent-events.js';
import { normalizeState, type Issue } from '../core/issue.js';
import {
  agentProgressSignal,
  approvalDecisionQuery,
  approvalRequestSignal,
  approveUpdate,
  cancelUpdate,
  issueClosedSignal,
  issueStatusQuery,
  orchestratorWorkflowId,
  rejectUpdate,
  retryUpdate,
  slotGrantedSignal,
  slotReleaseSignal,
  slotRequestSignal,
  snapshotSignal,
  type ConfigView,
  type IssueStatus,
  type IssueStatusKind,
  type IssueWorkflowInput,
  type StageOutcomeRecord,
  type StageView,
} from '../core/protocol.js';
import { entryStateOf, routeIssue, type Route } from '../core/routing.js';
import { failureBackoffMs } from '../core/scheduling.js';
import { BatonStage, BatonState, BatonStatus } from '../core/search-attributes.js';
import { progressMarkdown } from '../core/progress.js';

/** State carried across continue-as-new. */
export interface IssueCarried {
  status: IssueStatus;
  hostQueue: string | null;
  stopped: { stage: string; reason: string } | null;
}

// Config, tracker reads/writes and host selection: short calls that Temporal retries until they
// succeed, so a tracker outage delays a write but never loses it.
const shared = proxyActivities<BatonActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});

type OperatorAction = { kind: 'approve' | 'reject' | 'retry' | 'cancel'; reason?: string };

export async function issueWorkflow(input: IssueWorkflowInput & { carried?: IssueCarried }): Promise<IssueStatus> {
  const info = workflowInfo();
  const orchestrator = getExternalWorkflowHandle(orchestratorWorkflowId(input.deployment));
  const now = () => new Date().toISOString();

  let snapshot: Issue | null = input.snapshot;
  let view: ConfigView = await loadView(input.configPath, null);
  let hostQueue: string | null = input.carried?.hostQueue ?? null;
  let stopped: { stage: string; reason: string } | null = input.carried?.stopped ?? null;
  let slotGranted = false;
  let operator = null as OperatorAction | null;
  let pendingApproval: IssueStatus['pendingApproval'] = null;
  const approvalDecisions: Record<string, 'approve' | 'reject'> = {};
  /** Tokens of the stage run in progress (absolute for that run), added to the total at its end. */
  let liveTokens = { ...ZERO_USAGE };

  const status: IssueStatus = input.carried?.status ?? {
    workflowId: info.workflowId,
    tracker: input.tracker,
    issueId: input.issueId,
    identifier: input.identifier,
    title: input.snapshot.title,
    url: input.snapshot.url,
    state: input.snapshot.state,
    stage: null,
    status: 'starting',
    attempt: 1,
    reworks: {},
    history: [],
    tokens: { ...ZERO_USAGE },
    lastEvent: null,
    lastError: null,
    reason: null,
    retryDueAt: null,
    gate: null,
    pendingApproval: null,
    workspaceHost: hostQueue,
    startedAt: now(),
    updatedAt: now(),
  };

  // ------------------------------------------------------------ handlers
  setHandler(snapshotSignal, ({ issue }) => acceptSnapshot(issue));
  setHandler(slotGrantedSignal, () => {
    slotGranted = true;
  });
  setHandler(agentProgressSignal, (progress) => {
    status.lastEvent = progress.event;
    if (progress.tokens) liveTokens = progress.tokens;
    status.updatedAt = now();
  });
  setHandler(approvalRequestSignal, (request) => {
    pendingApproval = { ...request, since: now() };
    status.pendingApproval = pendingApproval;
    status.reason = `agent asks for approval: ${request.summary}`;
    void setStatus('gated');
  });
  setHandler(approvalDecisionQuery, (id) => approvalDecisions[id]);
  setHandler(issueStatusQuery, () => ({
    ...status,
    tokens: addUsage(status.tokens, liveTokens),
  }));
  setHandler(
    approveUpdate,
    ({ reason }) => {
      if (pendingApproval) return answerApproval('approve');
      operator = { kind: 'approve', reason };
      return `${input.identifier}: approved`;
    },
    {
      validator: (_decision: unknown) => {
        if (!pendingApproval && status.status !== 'gated') throw new Error(`${input.identifier} is not waiting for an approval (status: ${status.status})`);
      },
    },
  );
  setHandler(
    rejectUpdate,
    ({ reason }) => {
      if (pendingApproval) return answerApproval('reject');
      operator = { kind: 'reject', reason };
      return `${input.identifier}: rejected`;
    },
    {
      validator: (_decision: unknown) => {
        if (!pendingApproval && status.status !== 'gated') throw new Error(`${input.identifier} is not waiting for an approval (status: ${status.status})`);
      },
    },
  );
  setHandler(
    retryUpdate,
    ({ reason }) => {
      operator = { kind: 'retry', reason };
      return `${input.identifier}: retrying now`;
    },
    {
      validator: (_decision: unknown) => {
        if (!['stopped', 'retrying', 'continuing'].includes(status.status))
          throw new Error(`${input.identifier} has nothing to retry (status: ${status.status})`);
      },
    },
  );
  setHandler(
    cancelUpdate,
    ({ reason }) => {
      operator = { kind: 'cancel', reason };
      return `${input.identifier}: cancelling`;
    },
    {
      validator: (_decision: unknown) => {
        if (['done', 'released', 'stopped'].includes(status.status)) throw new Error(`${input.identifier} is not running (status: ${status.status})`);
      },
    },
  );

  function answerApproval(decision: 'approve' | 'reject'): string {
    const request = pendingApproval;
    if (!request) return 'no pending approval';
    approvalDecisions[request.id] = decision;
    pendingApproval = null;
    status.pendingApproval = null;
    status.reason = null;
    void setStatus('running');
    return `${input.identifier}: agent request ${request.id} ${decision === 'approve' ? 'approved' : 'rejected'}`;
  }

  /** Newer snapshots only: a poll taken before Baton's own write must not undo it. */
  function acceptSnapshot(issue: Issue | null): void {
    if (issue && snapshot?.updated_at && issue.updated_at && Date.parse(issue.updated_at) < Date.parse(snapshot.updated_at)) {
      return;
    }
    adoptSnapshot(issue);
  }

  /** Take this snapshot as the truth (Baton just read it from the tracker itself). */
  function adoptSnapshot(issue: Issue | null): void {
    snapshot = issue;
    if (issue) {
      status.title = issue.title;
      status.url = issue.url;
      if (issue.state !== status.state) {
        status.state = issue.state;
        void upsertSearch();
      }
    }
    status.updatedAt = now();
  }

  function route(): Route {
    const tracker = view.trackers.find((t) => t.name === input.tracker);
    if (!tracker) return { kind: 'inactive', reason: `tracker ${input.tracker} is no longer configured` };
    return routeIssue(tracker, view.stages, snapshot ?? undefined);
  }

  function routedAwayFrom(stage: string): boolean {
    const r = route();
    return r.kind !== 'stage' || r.stage !== stage;
  }

  let lastSearch = '';
  async function upsertSearch(): Promise<void> {
    const key = `${status.stage}|${status.state}|${status.status}`;
    if (key === lastSearch) return;
    lastSearch = key;
    upsertSearchAttributes([
      { key: BatonStage, value: status.stage ?? 'none' },
      { key: BatonState, value: status.state },
      { key: BatonStatus, value: status.status },
    ]);
    showDetails();
  }

  async function setStatus(kind: IssueStatusKind, stage?: string | null): Promise<void> {
    status.status = kind;
    if (stage !== undefined) status.stage = stage;
    status.updatedAt = now();
    await upsertSearch();
  }

  function showDetails(): void {
    const lines = [
      `**${status.identifier}** — ${status.title}`,
      '',
      `| stage | state | status | attempt |`,
      `| --- | --- | --- | --- |`,
      `| ${status.stage ?? '-'} | ${status.state} | ${status.status} | ${status.attempt} |`,
    ];
    if (status.reason) lines.push('', `**Why:** ${status.reason}`);
    if (status.lastError) lines.push('', `Last error: ${status.lastError}`);
    if (status.url) lines.push('', `[Open in tracker](${status.url})`);
    setCurrentDetails(lines.join('\n'));
  }

  function record(entry: Omit<StageOutcomeRecord, 'endedAt'> & { endedAt?: string }): void {
    status.history.push({ ...entry, endedAt: entry.endedAt ?? now() });
    // Keep the status (and continue-as-new input) bounded for issues that loop for a long time.
    if (status.history.length > 100) status.history.splice(0, status.history.length - 100);
  }

  async function finish(kind: 'done' | 'released', reason: string | null): Promise<IssueStatus> {
    status.reason = reason;
    await setStatus(kind);
    await condition(allHandlersFinished);
    try {
      await orchestrator.signal(issueClosedSignal, { workflowId: info.workflowId, status: kind });
    } catch (err) {
      log.warn('orchestrator not reachable to report closing', { error: String(err) });
    }
    return status;
  }

  async function refresh(): Promise<void> {
    const fresh = await shared.refreshIssue({ configPath: input.configPath, tracker: input.tracker, issueId: input.issueId });
    adoptSnapshot(fresh);
  }

  async function applyWrites(stage: StageView, writes: { moveTo?: string; addLabels?: string[]; removeLabels?: string[] }, note?: string): Promise<void> {
    await setStatus('writing');
    const fresh = await shared.applyStageWrites({
      configPath: input.configPath,
      tracker: input.tracker,
      issueId: input.issueId,
      stage: stage.name,
      moveTo: writes.moveTo,
      addLabels: writes.addLabels ?? [],
      removeLabels: writes.removeLabels ?? [],
      progress: progressMarkdown(status, note),
      includeStageComment: note === undefined,
    });
    adoptSnapshot(fresh);
  }

  // ------------------------------------------------------------ main loop
  await upsertSearch();
  let stageRuns: Record<string, number> = {};
  for (;;) {
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof issueWorkflow>({
        ...input,
        snapshot: snapshot ?? input.snapshot,
        carried: { status, hostQueue, stopped },
      });
    }
    view = await loadView(input.configPath, view);
    const r = route();
    if (r.kind === 'terminal') {
      await setStatus('cleaning');
      await cleanupWorkspace();
      return finish('done', `tracker state ${status.state} is terminal`);
    }
    if (r.kind !== 'stage') {
      return finish('released', r.kind === 'gone' ? 'the tracker no longer shows this issue' : r.reason);
    }
    const stage = view.stages.find((s) => s.name === r.stage) as StageView;

    if (stopped) {
      if (stopped.stage === stage.name) {
        status.reason = stopped.reason;
        await setStatus('stopped', stage.name);
        await condition(() => operator?.kind === 'retry' || routedAwayFrom(stage.name));
        if (operator?.kind === 'retry') {
          operator = null;
          status.reworks[stage.name] = 0;
          status.attempt = 1;
        }
      }
      stopped = null;
      status.reason = null;
      continue;
    }

    if (status.stage !== stage.name) {
      status.attempt = 1;
      stageRuns = {};
    }
    const runIndex = stageRuns[stage.name] ?? 0;
    stageRuns[stage.name] = runIndex + 1;
    const outcome = stage.backend === 'none' ? ({ kind: 'succeeded', summary: null } as const) : await runStage(stage, runIndex);

    if (outcome.kind === 'rerouted') continue;
    if (outcome.kind === 'cancelled-by-operator') {
      stopped = { stage: stage.name, reason: `cancelled by an operator${outcome.reason ? `: ${outcome.reason}` : ''}; run \`baton retry ${input.identifier}\` to resume` };
      continue;
    }
    if (outcome.kind === 'failed') {
      const attempt = status.attempt;
      const delay = failureBackoffMs(attempt, view.maxRetryBackoffMs, view.retryBaseMs);
      status.attempt = attempt + 1;
      status.lastError = outcome.error;
      status.retryDueAt = new Date(Date.now() + delay).toISOString();
      status.reason = `attempt ${attempt} failed; retrying in ${Math.round(delay / 1000)} s`;
      await setStatus('retrying', stage.name);
      await condition(() => operator?.kind === 'retry' || operator?.kind === 'cancel' || routedAwayFrom(stage.name), delay);
      if (operator?.kind === 'retry') operator = null;
      if (operator?.kind === 'cancel') {
        const reason = operator.reason;
        operator = null;
        stopped = { stage: stage.name, reason: `cancelled by an operator${reason ? `: ${reason}` : ''}; run \`baton retry ${input.identifier}\` to resume` };
      }
      status.retryDueAt = null;
      status.reason = null;
      await refresh();
      continue;
    }

    // Succeeded.
    status.attempt = 1;
    status.lastError = null;
    if (stage.gate) {
      const decision = await waitAtGate(stage);
      if (decision === 'rerouted') continue;
      if (decision === 'cancel') {
        stopped = { stage: stage.name, reason: 'cancelled by an operator at the gate' };
        continue;
      }
      if (decision === 'reject') {
        const gate = stage.gate;
        const count = (status.reworks[stage.name] ?? 0) + 1;
        status.reworks[stage.name] = count;
        if (count > gate.max_rework) {
          const reason = `rejected ${count} times at ${stage.name} (max_rework ${gate.max_rework}); stopped for an operator — fix the issue, then \`baton retry ${input.identifier}\`, or move it in the tracker`;
          record({ stage: stage.name, attempt: 1, outcome: 'stopped', startedAt: now(), note: reason });
          await applyWrites(stage, { removeLabels: gateLabels(stage) }, reason);
          stopped = { stage: stage.name, reason };
          continue;
        }
        const target = gate.on_reject ?? stage.name;
        const state = entryStateOf(view.stages, target);
        record({ stage: stage.name, attempt: 1, outcome: 'rejected', startedAt: now(), note: `rework ${count}/${gate.max_rework}: back to ${target}` });
        await applyWrites(stage, { moveTo: state, removeLabels: gateLabels(stage) }, `rejected at ${stage.name}; back to ${target} (rework ${count}/${gate.max_rework})`);
        continue;
      }
      record({ stage: stage.name, attempt: 1, outcome: 'approved', startedAt: now() });
    }
    const moveTo = stage.on_success.move_to;
    const stateBefore = status.state;
    await applyWrites(stage, {
      moveTo,
      addLabels: stage.on_success.add_labels,
      removeLabels: [...stage.on_success.remove_labels, ...(stage.gate ? gateLabels(stage) : [])],
    });
    if (!moveTo || normalizeState(moveTo) === normalizeState(stateBefore)) {
      // SPEC §7.1: after a clean exit with the issue still active, re-check shortly.
      await setStatus('continuing', stage.name);
      await condition(() => operator?.kind === 'retry' || routedAwayFrom(stage.name), view.continuationDelayMs);
      if (operator?.kind === 'retry') operator = null;
      await refresh();
    }
  }

  // ------------------------------------------------------------ stage run
  type StageOutcome =
    | { kind: 'succeeded'; summary: StageSummary | null }
    | { kind: 'failed'; error: string }
    | { kind: 'rerouted' }
    | { kind: 'cancelled-by-operator'; reason?: string };

  async function runStage(stage: StageView, runIndex: number): Promise<StageOutcome> {
    status.reason = null;
    await setStatus('waiting_slot', stage.name);
    slotGranted = false;
    await orchestrator.signal(slotRequestSignal, {
      workflowId: info.workflowId,
      identifier: input.identifier,
      state: status.state,
      stage: stage.name,
      priority: snapshot?.priority ?? null,
      created_at: snapshot?.created_at ?? null,
    });
    await condition(() => slotGranted || routedAwayFrom(stage.name) || operator?.kind === 'cancel');
    try {
      if (!slotGranted) return operatorCancelled() ?? { kind: 'rerouted' };
      if (!hostQueue) {
        hostQueue = (await shared.claimWorkspaceHost()).queue;
        status.workspaceHost = hostQueue;
      }
      await setStatus('running', stage.name);
      const startedAt = now();
      const attempt = status.attempt;
      liveTokens = { ...ZERO_USAGE };
      const agent = proxyActivities<BatonActivities>({
        taskQueue: hostQueue,
        // Liveness comes from heartbeats; this is only a generous cap per stage run.
        startToCloseTimeout: '24 hours',
        heartbeatTimeout: view.heartbeatTimeoutMs,
        // A host that never picks the work up is presumed gone: re-home the workspace.
        scheduleToStartTimeout: '5 minutes',
        retry: { maximumAttempts: 1 },
        // A cancelled stage is over only when its agent is gone: cleanup must not race it.
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
      let stageDone = false;
      const scope = new CancellationScope();
      const watcher = CancellationScope.cancellable(async () => {
        await condition(() => stageDone || routedAwayFrom(stage.name) || operator?.kind === 'cancel');
        if (!stageDone) scope.cancel();
      });
      let summary: StageSummary;
      try {
        summary = await scope.run(() =>
          agent.runAgentStage({
            configPath: input.configPath,
            deployment: input.deployment,
            workflowId: info.workflowId,
            tracker: input.tracker,
            issueId: input.issueId,
            identifier: input.identifier,
            stage: stage.name,
            // Symphony's template `attempt`: null on the first run, then 1, 2, … for retries and continuations.
            attempt: attempt > 1 ? attempt - 1 : runIndex > 0 ? runIndex : null,
          }),
        );
      } catch (err) {
        if (isCancellation(err)) {
          record({ stage: stage.name, attempt, outcome: 'cancelled', startedAt, note: cancelNote() });
          return operatorCancelled() ?? { kind: 'rerouted' };
        }
        const message = failureMessage(err);
        if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START) {
          hostQueue = null;
          status.workspaceHost = null;
        }
        record({ stage: stage.name, attempt, outcome: 'failed', startedAt, error: message });
        return { kind: 'failed', error: message };
      } finally {
        stageDone = true;
        await watcher;
      }
      status.tokens = addUsage(status.tokens, summary.tokens);
      liveTokens = { ...ZERO_USAGE };
      if (summary.lastEvent) status.lastEvent = summary.lastEvent;
      if (summary.issue) adoptSnapshot(summary.issue);
      if (summary.outcome === 'rerouted') return { kind: 'rerouted' };
      if (summary.outcome === 'succeeded') {
        record({ stage: stage.name, attempt, outcome: 'succeeded', startedAt, turns: summary.turns, tokens: summary.tokens, sessionId: summary.sessionId });
        return { kind: 'succeeded', summary };
      }
      record({ stage: stage.name, attempt, outcome: 'failed', startedAt, turns: summary.turns, tokens: summary.tokens, sessionId: summary.sessionId, error: summary.error ?? summary.outcome });
      return { kind: 'failed', error: summary.error ?? summary.outcome };
    } finally {
      await orchestrator.signal(slotReleaseSignal, { workflowId: info.workflowId });
    }
  }

  function operatorCancelled(): StageOutcome | null {
    if (operator?.kind !== 'cancel') return null;
    const reason = operator.reason;
    operator = null;
    return { kind: 'cancelled-by-operator', reason };
  }

  function cancelNote(): string {
    if (operator?.kind === 'cancel') return 'cancelled by an operator';
    const r = route();
    return r.kind === 'terminal' ? 'issue moved to a terminal state' : r.kind === 'stage' ? `issue moved to stage ${r.stage}` : `issue released (${r.kind})`;
  }

  async function waitAtGate(stage: StageView): Promise<'approve' | 'reject' | 'rerouted' | 'cancel'> {
    const gate = stage.gate!;
    status.gate = { stage: stage.name, waitFor: gate.wait_for, since: now() };
    status.reason =
      gate.wait_for === 'label'
        ? `waiting for label \`${gate.label}\` (or \`baton approve ${input.identifier}\`)`
        : gate.wait_for === 'state'
          ? `waiting for tracker state ${gate.state} (or \`baton approve ${input.identifier}\`)`
          : `waiting for \`baton approve ${input.identifier}\` or \`baton reject ${input.identifier}\``;
    await setStatus('gated', stage.name);
    const labelled = (label?: string) => !!label && !!snapshot && snapshot.labels.includes(normalizeState(label));
    const approvedByTracker = () =>
      (gate.wait_for === 'label' && labelled(gate.label)) ||
      (gate.wait_for === 'state' && !!snapshot && !!gate.state && normalizeState(snapshot.state) === normalizeState(gate.state));
    const rejectedByTracker = () => labelled(gate.reject_label);
    await condition(
      () =>
        operator?.kind === 'approve' ||
        operator?.kind === 'reject' ||
        operator?.kind === 'cancel' ||
        approvedByTracker() ||
        rejectedByTracker() ||
        routedAwayFrom(stage.name),
    );
    status.gate = null;
    status.reason = null;
    const action = operator;
    operator = null;
    if (action?.kind === 'approve' || (!action && approvedByTracker())) return 'approve';
    if (action?.kind === 'reject' || (!action && rejectedByTracker())) {
      if (action?.reason) status.lastError = `rejected: ${action.reason}`;
      return 'reject';
    }
    if (action?.kind === 'cancel') return 'cancel';
    return 'rerouted';
  }

  async function cleanupWorkspace(): Promise<void> {
    if (!hostQueue) return;
    const host = proxyActivities<BatonActivities>({
      taskQueue: hostQueue,
      startToCloseTimeout: '10 minutes',
      scheduleToStartTimeout: '5 minutes',
      retry: { maximumAttempts: 3 },
    });
    try {
      await host.removeIssueWorkspace({ configPath: input.configPath, identifier: input.identifier });
    } catch (err) {
      // The host is gone: its workspace went with it, or an operator removes it by hand.
      log.warn('workspace cleanup failed', { error: failureMessage(err) });
      status.lastError = `workspace cleanup failed: ${failureMessage(err)}`;
    }
  }
}

/** Labels the gate reads, removed once the gate has decided so the next visit starts clean. */
function gateLabels(stage: StageView): string[] {
  const gate = stage.gate;
  if (!gate) return [];
  return [gate.label, gate.reject_label].filter((l): l is string => !!l);
}

/** The current config view; a broken edit keeps `current`, and with no view yet waits for a fix. */
async function loadView(configPath: string, current: ConfigView | null): Promise<ConfigView> {
  for (;;) {
    const loaded = await shared.loadConfigView({ configPath, knownHash: current?.hash ?? null });
    if (loaded.view) return loaded.view;
    if (current) return current;
    log.warn('config invalid and no earlier config to fall back on; waiting for a fix', { error: loaded.error });
    await sleep('10 seconds');
  }
}

function failureMessage(err: unknown): string {
  let e: unknown = err;
  const parts: string[] = [];
  while (e instanceof Error && parts.length < 4) {
    if (e.message) parts.push(e.message);
    e = (e as Error & { cause?: unknown }).cause;
  }
  const text = parts.join(': ') || String(err);
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
