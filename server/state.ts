/**
 * The one place the workflows' query shapes (`OrchestratorStatus`, `IssueStatus` in
 * core/protocol.ts) become the API shapes (server/contract.ts). The HTTP API, the dashboard's live
 * feed and `baton status` all read a deployment through `readDeploymentSnapshot` and map it here,
 * so a field the workflows add is wired in one module.
 *
 * Fields the workflows do not report yet are read as optional extensions (`IssueStatusExtras`,
 * `OrchestratorExtras`); until they exist the API reports null/0/[] for them.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  issueStatusQuery,
  orchestratorStatusQuery,
  orchestratorWorkflowId,
  type GateView,
  type IssueStatus,
  type OrchestratorStatus,
  type PullRequestStatusView,
  type StageOutcomeRecord,
  type WatchHeartbeat,
} from '../core/protocol.js';
import { pullRequestLine } from '../core/pull-request.js';
import { compareCodeUnits } from '../core/scheduling.js';
import type { TokenUsage } from '../core/agent-events.js';
import type { BatonIssue, IssueResponse, StateResponse, Tokens } from './contract.js';

/** Issue fields the API shows when the issue workflow reports them (not yet in IssueStatus). */
export interface IssueStatusExtras {
  /** Latest agent rate-limit payload the issue's agent reported. */
  rateLimits?: Record<string, unknown> | null;
}
export type IssueStatusView = IssueStatus & IssueStatusExtras;

/** Orchestrator fields the API shows when the orchestrator reports them (not yet in OrchestratorStatus). */
export interface OrchestratorExtras {
  /** Latest agent rate-limit payload seen. */
  rateLimits?: Record<string, unknown> | null;
  /** Stages held because their backend failed its preflight. */
  heldStages?: { stage: string; backend: string; cause: string; fix?: string | null }[];
}
export type OrchestratorStatusView = OrchestratorStatus & OrchestratorExtras;

/** What one read of a deployment found. */
export type DeploymentSnapshot =
  | { ok: true; at: Date; orchestrator: OrchestratorStatusView; issues: IssueStatusView[] }
  | { ok: false; at: Date; code: 'snapshot_unavailable' | 'snapshot_timeout'; message: string };

/** What the mapping needs besides the statuses. */
export interface StateContext {
  deployment: string;
  namespace: string;
  /** Base URL of the Temporal Web UI (`http://127.0.0.1:8233`), when known. */
  temporalUiUrl: string | null;
  /** Link a browser can open for an issue's tracker page (the file tracker's goes through Baton). */
  trackerUrl(issue: Pick<IssueStatus, 'tracker' | 'identifier' | 'url'>): string | null;
  now: Date;
}

const QUERY_CONCURRENCY = 16;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { timeout: true })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * An idle orchestrator polls inside its watch activity (core/idle-watch.ts) and records those polls
 * only when the watch returns: its last poll is read from the watch's heartbeat instead, so
 * `last_poll_at` stays as fresh as the polls. Best effort: without a readable watch, the
 * workflow's own record stands.
 */
async function overlayWatchPoll(client: Client, orchestrator: OrchestratorStatusView, timeoutMs: number): Promise<void> {
  if (!orchestrator.idle || Object.keys(orchestrator.inflight).length > 0) return;
  try {
    const { raw } = await withTimeout(client.workflow.getHandle(orchestrator.workflowId).describe(), timeoutMs, 'the orchestrator');
    const watch = raw.pendingActivities?.find((a) => a.activityType?.name === 'watchTrackers');
    const payload = watch?.heartbeatDetails?.payloads?.[0];
    if (!payload) return;
    const beat = defaultPayloadConverter.fromPayload<WatchHeartbeat>(payload);
    if (beat.lastPollAt && (!orchestrator.lastPollAt || beat.lastPollAt > orchestrator.lastPollAt)) orchestrator.lastPollAt = beat.lastPollAt;
  } catch {
    // The snapshot keeps the workflow's own last poll.
  }
}

/**
 * Query the orchestrator, then every issue in flight (in parallel, bounded). Never throws: a failed
 * read is a snapshot with an error code (`snapshot_timeout` when Temporal did not answer in time).
 */
export async function readDeploymentSnapshot(client: Client, deployment: string, options: { timeoutMs?: number } = {}): Promise<DeploymentSnapshot> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const at = new Date();
  try {
    const orchestrator = (await withTimeout(
      client.workflow.getHandle(orchestratorWorkflowId(deployment)).query(orchestratorStatusQuery),
      timeoutMs,
      'the orchestrator',
    )) as OrchestratorStatusView;
    await overlayWatchPoll(client, orchestrator, timeoutMs);
    const entries = Object.entries(orchestrator.inflight);
    const issues: IssueStatusView[] = [];
    for (let i = 0; i < entries.length; i += QUERY_CONCURRENCY) {
      const batch = entries.slice(i, i + QUERY_CONCURRENCY).map(([workflowId, entry]) =>
        withTimeout(client.workflow.getHandle(workflowId).query(issueStatusQuery), timeoutMs, entry.row.identifier).catch(() => undefined),
      );
      for (const status of await Promise.all(batch)) if (status) issues.push(status);
    }
    issues.sort((a, b) => compareCodeUnits(a.identifier, b.identifier));
    return { ok: true, at, orchestrator, issues };
  } catch (err) {
    const timedOut = Boolean((err as { timeout?: boolean }).timeout);
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      at,
      code: timedOut ? 'snapshot_timeout' : 'snapshot_unavailable',
      message: /not found/i.test(message) ? `deployment \`${deployment}\` is not running (no orchestrator workflow); start it with \`baton start\` or \`baton worker\`` : message,
    };
  }
}

// ---------------------------------------------------------------- mapping helpers

const ZERO: Tokens = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };

function tokens(t: TokenUsage | undefined | null): Tokens {
  if (!t) return { ...ZERO };
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);
  return { input_tokens: n(t.input_tokens), output_tokens: n(t.output_tokens), total_tokens: n(t.total_tokens) };
}

function seconds(fromIso: string | null | undefined, to: Date | string): number {
  if (!fromIso) return 0;
  const end = typeof to === 'string' ? Date.parse(to) : to.getTime();
  const ms = end - Date.parse(fromIso);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms / 100) / 10 : 0;
}

/** Statuses in which an agent (or its tracker writes) is working: Symphony's `running` rows. */
const RUNNING = new Set(['running', 'writing']);
/** Statuses that wait for a person: Symphony's `blocked` rows. */
const BLOCKED = new Set(['gated', 'stopped']);

export function workflowUrl(ctx: Pick<StateContext, 'temporalUiUrl' | 'namespace'>, workflowId: string): string | null {
  if (!ctx.temporalUiUrl) return null;
  return `${ctx.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** How an operator answers the gate the issue waits at, in words. */
export function howToAnswer(issue: Pick<IssueStatus, 'identifier' | 'gate' | 'pendingApproval'>, gate: GateView | undefined): string {
  const cli = `\`baton approve ${issue.identifier}\` or \`baton reject ${issue.identifier}\``;
  if (issue.pendingApproval) return `the agent asks: ${issue.pendingApproval.summary}; answer with ${cli} (or the buttons)`;
  const waitFor = gate?.wait_for ?? issue.gate?.waitFor;
  if (waitFor === 'label' && gate?.label) return `add the label \`${gate.label}\` in the tracker${gate.reject_label ? ` (\`${gate.reject_label}\` rejects)` : ''}, or ${cli}`;
  if (waitFor === 'state' && gate?.state) return `move the issue to \`${gate.state}\` in the tracker, or ${cli}`;
  return `approve or reject: ${cli} (or the buttons)`;
}

/** Operator actions the issue workflow accepts in this status. */
export function availableActions(issue: Pick<IssueStatus, 'status' | 'pendingApproval'>): string[] {
  const actions: string[] = [];
  if (issue.status === 'gated' || issue.pendingApproval) actions.push('approve', 'reject');
  if (['stopped', 'retrying', 'continuing'].includes(issue.status)) actions.push('retry');
  if (!['done', 'released', 'stopped'].includes(issue.status)) actions.push('cancel');
  return actions;
}

function stageRun(r: StageOutcomeRecord): BatonIssue['history'][number] {
  return {
    stage: r.stage,
    attempt: r.attempt,
    outcome: r.outcome,
    started_at: r.startedAt,
    ended_at: r.endedAt,
    duration_seconds: seconds(r.startedAt, r.endedAt),
    turns: r.turns ?? null,
    tokens: r.tokens ? tokens(r.tokens) : null,
    session_id: r.sessionId ?? null,
    error: r.error ?? null,
    note: r.note ?? null,
  };
}

/** Baton's view of one issue (the `baton` field of every row). */
export function batonIssue(issue: IssueStatusView, ctx: StateContext, gates: Map<string, GateView>): BatonIssue {
  return {
    identifier: issue.identifier,
    issue_id: issue.issueId,
    workflow_id: issue.workflowId,
    tracker: issue.tracker,
    title: issue.title,
    stage: issue.stage,
    state: issue.state,
    status: issue.status,
    attempt: issue.attempt,
    last_error: issue.lastError,
    reason: issue.reason,
    retry_due_at: issue.retryDueAt,
    gate: issue.gate
      ? { stage: issue.gate.stage, wait_for: issue.gate.waitFor, since: issue.gate.since, how_to_answer: howToAnswer(issue, gates.get(issue.gate.stage)) }
      : null,
    pending_approval: issue.pendingApproval,
    stage_runtime_seconds: issue.runningSince ? seconds(issue.runningSince, ctx.now) : null,
    session_id: issue.sessionId,
    tokens: tokens(issue.tokens),
    history: issue.history.map(stageRun),
    reworks: issue.reworks,
    workspace_host: issue.workspaceHost,
    started_at: issue.startedAt,
    updated_at: issue.updatedAt,
    temporal_url: workflowUrl(ctx, issue.workflowId),
    tracker_url: ctx.trackerUrl(issue),
    pull_request: pullRequestView(issue.pr ?? null),
    actions: availableActions(issue),
  };
}

function pullRequestView(pr: PullRequestStatusView | null): BatonIssue['pull_request'] {
  if (!pr) return null;
  const merged = pr.merged !== null || pr.snapshot?.state === 'merged';
  return {
    repo: pr.ref.repo,
    number: pr.ref.number,
    url: pr.ref.url,
    state: merged ? 'merged' : (pr.snapshot?.state ?? null),
    summary: pr.snapshot ? pullRequestLine(pr.snapshot) : null,
    merged,
  };
}

function gateViews(orchestrator: OrchestratorStatusView | null): Map<string, GateView> {
  const map = new Map<string, GateView>();
  for (const stage of orchestrator?.view?.stages ?? []) if (stage.gate) map.set(stage.name, stage.gate);
  return map;
}

function runningRow(issue: IssueStatusView, b: BatonIssue, ctx: StateContext) {
  return {
    issue_id: issue.issueId,
    issue_identifier: issue.identifier,
    issue_url: issue.url,
    state: issue.state,
    worker_host: issue.workspaceHost,
    workspace_path: issue.workspacePath,
    session_id: b.session_id,
    turn_count: issue.turns,
    last_event: issue.lastEvent?.event ?? null,
    last_message: issue.lastEvent?.message ?? null,
    started_at: issue.runningSince ?? issue.startedAt,
    last_event_at: issue.lastEvent?.at ?? null,
    tokens: b.tokens,
    runtime_seconds: seconds(issue.runningSince, ctx.now),
  };
}

function retryRow(issue: IssueStatusView) {
  return {
    issue_id: issue.issueId,
    issue_identifier: issue.identifier,
    issue_url: issue.url,
    attempt: issue.attempt,
    due_at: issue.retryDueAt,
    error: issue.lastError ?? issue.reason,
    worker_host: issue.workspaceHost,
    workspace_path: issue.workspacePath,
  };
}

function blockedRow(issue: IssueStatusView, b: BatonIssue) {
  return {
    issue_id: issue.issueId,
    issue_identifier: issue.identifier,
    issue_url: issue.url,
    state: issue.state,
    session_id: b.session_id,
    error: issue.reason ?? issue.lastError,
    blocked_at: issue.gate?.since ?? issue.pendingApproval?.since ?? issue.updatedAt,
    last_event: issue.lastEvent?.event ?? null,
    last_message: issue.lastEvent?.message ?? null,
    last_event_at: issue.lastEvent?.at ?? null,
  };
}

/** Sum of ended stage runs plus the live runs, in seconds (SPEC §13.5 runtime accounting). */
function secondsRunning(issues: IssueStatusView[], b: BatonIssue[]): number {
  let total = 0;
  for (const [i, issue] of issues.entries()) {
    for (const run of b[i]!.history) total += run.duration_seconds;
    if (RUNNING.has(issue.status)) total += b[i]!.stage_runtime_seconds ?? 0;
  }
  return Math.round(total * 10) / 10;
}

/** Trackers whose last poll failed: name → `category: message`. */
export function pollErrors(orchestrator: Pick<OrchestratorStatus, 'trackers'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, health] of Object.entries(orchestrator.trackers)) if (health.error) out[name] = `${health.error.category}: ${health.error.message}`;
  return out;
}

/** `GET /api/v1/state` from a successful snapshot. */
export function toStateResponse(snapshot: Extract<DeploymentSnapshot, { ok: true }>, ctx: StateContext): StateResponse {
  const { orchestrator, issues } = snapshot;
  const gates = gateViews(orchestrator);
  const baton = issues.map((i) => batonIssue(i, ctx, gates));
  const running = issues.flatMap((i, n) => (RUNNING.has(i.status) ? [{ ...runningRow(i, baton[n]!, ctx), baton: baton[n]! }] : []));
  const retrying = issues.flatMap((i, n) => (i.status === 'retrying' ? [{ ...retryRow(i), baton: baton[n]! }] : []));
  const blocked = issues.flatMap((i, n) => (BLOCKED.has(i.status) || (i.pendingApproval && !RUNNING.has(i.status)) ? [{ ...blockedRow(i, baton[n]!), baton: baton[n]! }] : []));
  const counts: Record<string, number> = {};
  for (const i of issues) counts[i.status] = (counts[i.status] ?? 0) + 1;
  const sum = (k: keyof Tokens) => baton.reduce((n, b) => n + b.tokens[k], 0);
  const rateLimits = orchestrator.rateLimits ?? issues.map((i) => i.rateLimits).find((r) => r) ?? null;
  return {
    generated_at: ctx.now.toISOString(),
    counts: { running: running.length, retrying: retrying.length, blocked: blocked.length },
    running,
    retrying,
    blocked,
    codex_totals: { input_tokens: sum('input_tokens'), output_tokens: sum('output_tokens'), total_tokens: sum('total_tokens'), seconds_running: secondsRunning(issues, baton) },
    rate_limits: rateLimits,
    baton: {
      deployment: ctx.deployment,
      orchestrator_workflow_id: orchestrator.workflowId,
      temporal_url: workflowUrl(ctx, orchestrator.workflowId),
      config_error: orchestrator.configError,
      last_poll_at: orchestrator.lastPollAt,
      last_poll_ok: orchestrator.lastPollOk,
      poll_errors: pollErrors(orchestrator),
      counts,
      slots: { held: Object.keys(orchestrator.holders).length, max: orchestrator.view?.maxConcurrentAgents ?? null, waiting: Object.keys(orchestrator.waiting).length },
      pending_candidates: Object.keys(orchestrator.queue).length,
      queued: Object.values(orchestrator.queue)
        .sort((a, b) => compareCodeUnits(a.queuedAt, b.queuedAt))
        .map((q) => ({
          issue_identifier: q.issue.identifier,
          issue_id: q.issue.id,
          tracker: q.tracker,
          state: q.issue.state,
          stage: q.stage,
          reason: 'waiting for a free agent slot',
          since: q.queuedAt,
        })),
      held_stages: (orchestrator.heldStages ?? []).map((h) => ({ stage: h.stage, backend: h.backend, cause: h.cause, fix: h.fix ?? null })),
      issues: baton,
    },
  };
}

/** Symphony's status word for an issue: `running`, `retrying`, `blocked`, or Baton's own otherwise. */
export function symphonyStatus(status: string): string {
  if (RUNNING.has(status)) return 'running';
  if (BLOCKED.has(status)) return 'blocked';
  return status;
}

/** `GET /api/v1/<identifier>` from one issue's status. */
export function toIssueResponse(issue: IssueStatusView, orchestrator: OrchestratorStatusView | null, ctx: StateContext): IssueResponse {
  const b = batonIssue(issue, ctx, gateViews(orchestrator));
  const { issue_id: _i, issue_identifier: _d, issue_url: _u, ...running } = runningRow(issue, b, ctx);
  const { issue_id: _ri, issue_identifier: _rd, issue_url: _ru, ...retry } = retryRow(issue);
  return {
    issue_identifier: issue.identifier,
    issue_id: issue.issueId,
    status: symphonyStatus(issue.status),
    workspace: { path: issue.workspacePath, host: issue.workspaceHost },
    attempts: { restart_count: Math.max(0, issue.attempt - 1), current_retry_attempt: issue.attempt },
    running: RUNNING.has(issue.status) ? running : null,
    retry: issue.status === 'retrying' ? retry : null,
    logs: { codex_session_logs: [] },
    recent_events: issue.lastEvent ? [{ at: issue.lastEvent.at, event: issue.lastEvent.event, message: issue.lastEvent.message ?? null }] : [],
    last_error: issue.lastError,
    tracked: {},
    baton: b,
  };
}
