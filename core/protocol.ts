/**
 * Every contract between Baton's workflows, activities, CLI and server, defined once: workflow
 * types and ids, the config view workflows act on, workflow inputs and carried state, activity
 * inputs and results, signals, queries, updates and the status shapes they carry.
 *
 * Everything here is plain JSON (it is recorded in workflow history or sent over the wire), so it
 * never holds a credential or a prompt body, and it stays small. Sandbox-safe.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Issue, IssueKey } from './issue.js';
import type { LastAgentEvent, StageOutcomeRecord } from './stage-record.js';
import type { TokenUsage } from './agent-events.js';
import type { StageRoute } from './routing.js';
import type { TrackerRules } from './scheduling.js';
import type { MachineState } from './stage-machine.js';
import type { MergeAction, MergeOutcome, MergeRecord, PullRequestContext, PullRequestRef, PullRequestSnapshot, RepositoryView } from './pull-request.js';

export type { LastAgentEvent, StageOutcomeRecord } from './stage-record.js';

// ---------------------------------------------------------------- workflow types and ids

/**
 * Registered workflow type names. They changed with the admission redesign (0.2): histories of
 * the 0.1 types (`orchestratorWorkflow`, `issueWorkflow`) cannot replay on this code, and
 * `baton start` refuses to run while any of them is still open (see runtime/cut-over.ts).
 */
export const WorkflowType = {
  orchestrator: 'batonOrchestrator',
  issue: 'batonIssue',
} as const;
export type WorkflowType = (typeof WorkflowType)[keyof typeof WorkflowType];

/** Workflow types of Baton 0.1, which this version does not run. */
export const RETIRED_WORKFLOW_TYPES = ['orchestratorWorkflow', 'issueWorkflow'] as const;

/** One orchestrator per deployment. */
export function orchestratorWorkflowId(deployment: string): string {
  return `baton/${deployment}`;
}

/**
 * One issue workflow per tracker issue. It leaves out the deployment on purpose: two deployments
 * (or two orchestrators) watching the same tracker still cannot run one issue twice.
 */
export function issueWorkflowId(tracker: string, identifier: string): string {
  return `baton-issue/${tracker}/${identifier}`;
}

// ---------------------------------------------------------------- config as workflows see it

/** A tracker as workflows see it: rules and names, never credentials. */
export interface TrackerView extends TrackerRules {
  readonly name: string;
  readonly kind: string;
  /** Where this tracker's issues keep their code (core/pull-request.ts), if a `repository:` applies. */
  readonly repository?: RepositoryView;
}

export interface GateView {
  readonly wait_for: 'approval' | 'label' | 'state' | 'checks' | 'review';
  readonly label?: string;
  readonly state?: string;
  readonly reject_label?: string;
  readonly on_reject?: string;
  readonly max_rework: number;
  // PR gates (`checks`, `review`): see core/pull-request.ts.
  /** Check names that must pass (default: every check reported on the head). */
  readonly required_checks?: readonly string[];
  /** Approving reviews of the head a review gate needs (default 1). */
  readonly required_approvals?: number;
  /** Whether a review gate also needs green checks on the head (default true). */
  readonly require_checks?: boolean;
  /** Stage a pull request closed without merging routes to (default: stop for an operator). */
  readonly on_closed?: string;
}

/** The tracker writes of a successful stage (`on_success`), minus the comment template. */
export interface StageWrites {
  readonly move_to?: string;
  readonly add_labels: readonly string[];
  readonly remove_labels: readonly string[];
  /** Whether the stage has an `on_success.comment` template (rendered host-side). */
  readonly comment?: string;
  /** Merge the issue's pull request before the tracker writes (core/pull-request.ts). */
  readonly merge_pull_request?: MergeAction;
}

export interface StageView extends StageRoute {
  readonly backend: string;
  readonly max_concurrent?: number;
  readonly on_success: StageWrites;
  readonly gate?: GateView;
}

/**
 * The secret-free, prompt-free slice of the effective config that workflows act on. The
 * orchestrator hands it to issue workflows at start and again when the file changes (by hash),
 * so a workflow decides on exactly the config its activities report back.
 */
export interface ConfigView {
  readonly hash: string;
  readonly deployment: string;
  readonly pollIntervalMs: number;
  readonly maxConcurrentAgents: number;
  readonly maxConcurrentAgentsByState: Readonly<Record<string, number>>;
  readonly maxRetryBackoffMs: number;
  readonly retryBaseMs: number;
  readonly continuationDelayMs: number;
  readonly heartbeatTimeoutMs: number;
  /** How long a host may leave an issue's pinned work unstarted before the issue is re-homed. */
  readonly rehomeAfterMs: number;
  /** Hook timeout: bounds the workspace-removal activity. */
  readonly hookTimeoutMs: number;
  /** Whether successful stages upsert Baton's progress comment on the tracker issue. */
  readonly progressComment: boolean;
  readonly taskQueue: string;
  readonly trackers: readonly TrackerView[];
  readonly stages: readonly StageView[];
}

/** The config as the worker's store has it now: the last good view and, when broken, why. */
export interface ConfigReading {
  /** Null when the file has never been valid. */
  readonly hash: string | null;
  /** Present only when `hash` differs from the hash the caller already knows. */
  readonly view?: ConfigView;
  readonly error: string | null;
}

// ---------------------------------------------------------------- issues as workflows carry them

/**
 * A tracker snapshot as workflows carry it: the normalized Issue without its description, which
 * is unbounded text that no workflow decision reads (activities fetch the issue fresh).
 */
export type IssueHead = Omit<Issue, 'description'>;

export function issueHead(issue: Issue): IssueHead {
  const { description: _description, ...head } = issue;
  return head;
}

// ---------------------------------------------------------------- statuses

export const IssueStatusKind = {
  /** Eligible, waiting in the orchestrator's admission queue (no workflow yet). */
  queued: 'queued',
  starting: 'starting',
  waitingSlot: 'waiting_slot',
  running: 'running',
  writing: 'writing',
  gated: 'gated',
  retrying: 'retrying',
  continuing: 'continuing',
  stopped: 'stopped',
  cleaning: 'cleaning',
  done: 'done',
  released: 'released',
} as const;
export type IssueStatusKind = (typeof IssueStatusKind)[keyof typeof IssueStatusKind];

/** Statuses that still need Baton or a person: `--until-idle` waits for none of these to remain. */
export const BUSY_STATUSES: readonly IssueStatusKind[] = [
  'queued',
  'starting',
  'waiting_slot',
  'running',
  'writing',
  'gated',
  'retrying',
  'continuing',
  'cleaning',
];

/** What an issue waits for at a gate: a stage gate, or a question or request from its agent. */
export interface GateStatus {
  readonly stage: string;
  readonly waitFor: 'approval' | 'label' | 'state' | 'checks' | 'review' | 'merge' | 'input' | 'agent_approval';
  readonly since: string;
  /** How a person answers, in words (`baton approve ENG-1`, "add label approved"). */
  readonly answer: string;
}

export interface PendingApproval {
  readonly id: string;
  readonly kind: string;
  readonly summary: string;
  readonly since: string;
}

/** The issue workflow's full status (its query), also the source of `baton status` and the API. */
export interface IssueStatus {
  workflowId: string;
  tracker: string;
  issueId: string;
  identifier: string;
  title: string;
  url: string | null;
  state: string;
  stage: string | null;
  status: IssueStatusKind;
  /** 1-based attempt of the current stage run (failures bump it; a new stage resets it). */
  attempt: number;
  reworks: Record<string, number>;
  history: StageOutcomeRecord[];
  /** Tokens over the issue's whole life, the running stage included. */
  tokens: TokenUsage;
  /** The latest rate-limit snapshot the agent reported (SPEC §13.5), as the agent sent it. */
  rateLimits?: Record<string, unknown> | null;
  lastEvent: LastAgentEvent | null;
  lastError: string | null;
  /** Why the issue waits, in words (gated, retrying, stopped). */
  reason: string | null;
  retryDueAt: string | null;
  gate: GateStatus | null;
  pendingApproval: PendingApproval | null;
  /** The running (or last) agent session, `<thread>-<turn>` for codex. */
  sessionId: string | null;
  /** Turns of the running stage run. */
  turns: number;
  /** When the running stage run started (null when no agent runs). */
  runningSince: string | null;
  workspaceHost: string | null;
  workspacePath: string | null;
  /** Hash of the config view the workflow acts on. */
  configHash: string;
  startedAt: string;
  updatedAt: string;
  /** The issue's pull request once Baton knows it (absent without a `repository:`). */
  pr?: PullRequestStatusView | null;
}

/** The pull request as the status shows it: which, its last snapshot, and its merge. */
export interface PullRequestStatusView {
  readonly ref: PullRequestRef;
  readonly snapshot: PullRequestSnapshot | null;
  readonly merged: MergeRecord | null;
}

/** The orchestrator's one-line view of an issue, kept current by the issue's own reports. */
export interface IssueRow {
  readonly workflowId: string;
  readonly tracker: string;
  readonly issueId: string;
  readonly identifier: string;
  readonly title: string;
  readonly url: string | null;
  readonly state: string;
  readonly stage: string | null;
  readonly status: IssueStatusKind;
  readonly attempt: number;
  readonly lastError: string | null;
  readonly reason: string | null;
  readonly retryDueAt: string | null;
  readonly updatedAt: string;
}

// ---------------------------------------------------------------- slots

/** What the slot table needs to order and count a request (SPEC §8.2, §8.3). */
export interface SlotRequestMessage {
  /** Increases with every request of one workflow: a grant answers exactly one request. */
  readonly seq: number;
  readonly identifier: string;
  readonly state: string;
  readonly stage: string;
  readonly priority: number | null;
  readonly created_at: string | null;
}

export interface SlotGrant {
  readonly seq: number;
  readonly stage: string;
  readonly grantedAt: string;
}

// ---------------------------------------------------------------- issue workflow

export interface IssueWorkflowInput {
  readonly deployment: string;
  readonly tracker: string;
  readonly issue: IssueHead;
  readonly view: ConfigView;
  /** The slot granted at admission for the first stage run (seq 1), if any. */
  readonly grant: SlotGrant | null;
  /** State carried across continue-as-new; absent on a fresh start. */
  readonly carried?: IssueCarried;
}

/** Where an issue's workspace lives: the host's task queue and the path recorded at creation. */
export interface WorkspaceHome {
  readonly queue: string;
  readonly path: string | null;
}

/** The issue workflow's state carried across continue-as-new. */
export interface IssueCarried {
  readonly status: IssueStatus;
  readonly machine: MachineState;
  readonly home: WorkspaceHome | null;
  readonly slotSeq: number;
  /** Whether the workflow holds (or waits for) a slot it has not yet given back. */
  readonly slotOwed: boolean;
}

/** A fresh tracker snapshot from the orchestrator, or null when the tracker no longer shows it. */
export interface SnapshotUpdate {
  readonly issue: IssueHead | null;
}

export interface AgentProgress {
  readonly event: LastAgentEvent;
  readonly tokens?: TokenUsage;
  readonly rateLimits?: Record<string, unknown>;
  readonly turn?: number;
  readonly sessionId?: string;
}

export interface OperatorDecision {
  readonly reason?: string;
  readonly by?: string;
}

export interface ApprovalRequest {
  readonly id: string;
  readonly kind: string;
  readonly summary: string;
}

/**
 * News of the issue's pull request: the `open_pull_request` tool sends the PR it opened; a code
 * host webhook sends nothing but the wake-up (a PR wait then polls at once).
 */
export interface PullRequestNews {
  readonly ref?: PullRequestRef;
}

export const snapshotSignal = defineSignal<[SnapshotUpdate]>('baton.snapshot');
export const pullRequestSignal = defineSignal<[PullRequestNews]>('baton.pullRequest');
export const configSignal = defineSignal<[ConfigView]>('baton.config');
export const slotGrantedSignal = defineSignal<[SlotGrant]>('baton.slotGranted');
export const agentProgressSignal = defineSignal<[AgentProgress]>('baton.agentProgress');
export const approvalRequestSignal = defineSignal<[ApprovalRequest]>('baton.approvalRequest');
export const issueStatusQuery = defineQuery<IssueStatus>('baton.status');
/** The decision for an agent's approval request: undefined while an operator has not answered. */
export const approvalDecisionQuery = defineQuery<'approve' | 'reject' | undefined, [string]>('baton.approvalDecision');

export const OperatorAction = {
  approve: 'approve',
  reject: 'reject',
  retry: 'retry',
  cancel: 'cancel',
} as const;
export type OperatorAction = (typeof OperatorAction)[keyof typeof OperatorAction];

export const approveUpdate = defineUpdate<string, [OperatorDecision]>('baton.approve');
export const rejectUpdate = defineUpdate<string, [OperatorDecision]>('baton.reject');
export const retryUpdate = defineUpdate<string, [OperatorDecision]>('baton.retry');
export const cancelUpdate = defineUpdate<string, [OperatorDecision]>('baton.cancel');
export const operatorUpdates = {
  approve: approveUpdate,
  reject: rejectUpdate,
  retry: retryUpdate,
  cancel: cancelUpdate,
} as const;

// ---------------------------------------------------------------- orchestrator

export interface OrchestratorInput {
  readonly deployment: string;
  /** Carried across continue-as-new; absent on a fresh start. */
  readonly carried?: OrchestratorState;
}

/** An issue with a running workflow. */
export interface InflightEntry {
  readonly tracker: string;
  readonly issueId: string;
  fingerprint: string;
  row: IssueRow;
  readonly dispatchedAt: string;
}

/** An eligible issue waiting for admission: it has no workflow until a slot is free. */
export interface QueueEntry {
  readonly tracker: string;
  issue: IssueHead;
  stage: string;
  fingerprint: string;
  readonly queuedAt: string;
}

export interface SlotEntry extends SlotRequestMessage {
  readonly since: string;
}

/** A stage whose agent backend failed its preflight check on a worker host: nothing is admitted to it. */
export interface HeldStage {
  readonly stage: string;
  readonly backend: string;
  /** The check's one-line cause and fix, as `baton doctor` prints them. */
  readonly cause: string;
  readonly fix: string | null;
  readonly since: string;
}

/** A worker's preflight verdict, sent to the orchestrator at start and whenever it changes. */
export interface PreflightUpdate {
  /** The stages held now (the complete list from this check; an empty list releases them all). */
  readonly held: readonly HeldStage[];
  readonly checkedAt: string;
}

/** A tracker's health as the last polls saw it; `since` is when the current outage began. */
export interface TrackerHealth {
  readonly ok: boolean;
  readonly lastPollAt: string | null;
  readonly error: { readonly category: string; readonly message: string } | null;
  readonly since: string | null;
  /** When the provider's rate limit (its Retry-After) lets the next poll go; no poll before. */
  readonly retryAt?: string | null;
}

export interface OrchestratorState {
  view: ConfigView | null;
  configError: string | null;
  /** workflowId → issues with a running workflow. */
  inflight: Record<string, InflightEntry>;
  /** workflowId → eligible issues not yet started, in no particular order (sorted on admission). */
  queue: Record<string, QueueEntry>;
  /** workflowId → slots held by running stage runs. */
  holders: Record<string, SlotEntry>;
  /** workflowId → in-flight issues waiting for a slot for their next stage run. */
  waiting: Record<string, SlotEntry>;
  trackers: Record<string, TrackerHealth>;
  /** Stages held after a failed preflight (`baton doctor`'s verdict on a worker host). */
  heldStages: HeldStage[];
  lastPollAt: string | null;
  lastPollOk: boolean;
  ticks: number;
  runsCarried: number;
}

/** What an issue workflow tells its orchestrator: slot changes, its status row, its closing. */
export interface IssueReport {
  readonly workflowId: string;
  /** Give back the slot this workflow holds or waits for. */
  readonly release: boolean;
  /** Ask for a slot for the next stage run (after the release, in one message). */
  readonly request?: SlotRequestMessage;
  readonly row: IssueRow;
  /** The workflow ends after this report. */
  readonly closing?: 'done' | 'released';
}

export interface OrchestratorStatus extends OrchestratorState {
  workflowId: string;
  /** True once a poll succeeded, nothing waits for admission and no issue needs Baton. */
  idle: boolean;
}

export const refreshSignal = defineSignal<[]>('baton.refresh');
export const issueReportSignal = defineSignal<[IssueReport]>('baton.issueReport');
export const preflightSignal = defineSignal<[PreflightUpdate]>('baton.preflight');
export const orchestratorStatusQuery = defineQuery<OrchestratorStatus>('baton.orchestratorStatus');

// ---------------------------------------------------------------- activities: orchestrator

/** What the orchestrator already knows per tracker: issue id → fingerprint. */
export type KnownIssues = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface PollInput {
  readonly configHash: string | null;
  readonly known: KnownIssues;
  /** Per tracker, the in-flight issue ids to refresh (a subset of `known`). */
  readonly inflightIds: Readonly<Record<string, readonly string[]>>;
  /** Trackers still inside a rate limit's wait: not polled this tick. */
  readonly skip?: readonly string[];
}

export type TrackerPoll =
  | {
      readonly ok: true;
      /** Known issues whose fingerprint changed, and unknown issues that are eligible now. */
      readonly changed: readonly IssueHead[];
      /** Known ids the tracker no longer shows in an active state or in flight. */
      readonly gone: readonly string[];
    }
  | {
      readonly ok: false;
      readonly error: { readonly category: string; readonly message: string };
      /** How long the provider asked Baton to wait (a rate limit's Retry-After), if it said. */
      readonly retryAfterMs?: number;
    };

export interface PollResult {
  readonly config: ConfigReading;
  readonly trackers: Readonly<Record<string, TrackerPoll>>;
  readonly polledAt: string;
}

/** The idle watch (core/idle-watch.ts): the poll, repeated every `intervalMs` from `firstPollAt`. */
export interface WatchInput extends PollInput {
  /** The config error the orchestrator knows: a poll that reads another one ends the watch. */
  readonly configError: string | null;
  readonly intervalMs: number;
  /** When the first poll is due (the orchestrator's next poll time). */
  readonly firstPollAt: string;
  /** Return a quiet result after this long, so the workflow records the polls it missed. */
  readonly maxMs: number;
}

/** How many polls the watch ran, and the last one: the one that ended it, or the last quiet one. */
export interface WatchResult {
  readonly polls: number;
  readonly last: PollResult | null;
}

/** What a watch's heartbeat carries: `baton status` and the dashboard read the last poll here. */
export interface WatchHeartbeat {
  readonly lastPollAt: string | null;
  readonly polls: number;
}

/** One issue workflow to start, holding its first slot. */
export interface StartItem {
  readonly workflowId: string;
  readonly input: IssueWorkflowInput;
  /** When the orchestrator first saw the issue eligible (dispatch latency runs from here). */
  readonly queuedAt?: string;
}

export interface DeliverInput {
  readonly starts: readonly StartItem[];
  readonly grants: readonly { readonly workflowId: string; readonly grant: SlotGrant }[];
  readonly snapshots: readonly { readonly workflowId: string; readonly issue: IssueHead | null }[];
  readonly configs: readonly { readonly workflowId: string; readonly view: ConfigView }[];
}

export interface DeliverResult {
  /** Signalled workflows that turned out to be closed. */
  readonly missing: readonly string[];
  /**
   * Admitted issues whose workflow was already running (an orchestrator that lost its state, or
   * was restarted, admitted them again): told the news, not the grant; their slot is free again.
   * Optional because results recorded before it existed lack it, and replay must read them.
   */
  readonly alreadyRunning?: readonly string[];
}

// ---------------------------------------------------------------- activities: issue workflow

/** Where a stage run's outcome is recorded on the tracker: Baton's progress comment. */
export interface ProgressContext {
  readonly workflowId: string;
  readonly identifier: string;
  readonly history: readonly StageOutcomeRecord[];
}

export interface StageRunInput {
  readonly workflowId: string;
  readonly tracker: string;
  readonly issueId: string;
  readonly identifier: string;
  readonly stage: string;
  /** Symphony's template `attempt`: null on the first run, then 1, 2, … */
  readonly promptAttempt: number | null;
  /** 1-based attempt, for the record. */
  readonly attempt: number;
  /** The hash of the view the workflow decided on. */
  readonly configHash: string;
  /** Writes to apply when the agent succeeds (null: the stage has a gate; the workflow writes later). */
  readonly writes: StageWrites | null;
  readonly progress: ProgressContext | null;
  /** Terminal states: when the writes land there, the run removes the workspace itself. */
  readonly terminalStates: readonly string[];
  /** The issue's pull request and the feedback of its last rejection, rendered as `pr`. */
  readonly pr?: PullRequestContext;
}

export const StageRunOutcome = {
  succeeded: 'succeeded',
  failed: 'failed',
  /** The tracker no longer routes the issue to this stage: no agent ran. */
  rerouted: 'rerouted',
  /** The agent needs input no retry can give: an operator answers. */
  blocked: 'blocked',
  /** An error no retry can fix (bad template, config the adapter rejects): stop for an operator. */
  fatal: 'fatal',
} as const;
export type StageRunOutcome = (typeof StageRunOutcome)[keyof typeof StageRunOutcome];

export interface StageSummary {
  readonly outcome: StageRunOutcome;
  readonly turns: number;
  readonly tokens: TokenUsage;
  readonly sessionId?: string;
  /** The latest rate-limit snapshot the agent reported during the run, if any. */
  readonly rateLimits?: Record<string, unknown>;
  readonly lastEvent: LastAgentEvent | null;
  readonly error?: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** The tracker's view of the issue at the end of the run (after the writes). */
  readonly issue: IssueHead | null;
  /** Whether the run applied the stage's writes. */
  readonly wrote: boolean;
  /** The host queue and workspace path this run used (the issue's home from now on). */
  readonly home: WorkspaceHome | null;
  /** The run removed the workspace (its writes made the issue terminal). */
  readonly workspaceRemoved: boolean;
  /** Present when the worker's config differs from the view the workflow sent. */
  readonly config?: ConfigReading;
}

export interface WritesInput {
  readonly tracker: string;
  readonly issueId: string;
  readonly stage: string;
  readonly writes: StageWrites;
  /** Render the stage's `on_success.comment` into the progress comment. */
  readonly withStageComment: boolean;
  readonly progress: ProgressContext | null;
  readonly note?: string;
}

export interface RemoveWorkspaceInput {
  readonly identifier: string;
  readonly path: string | null;
}

// ---------------------------------------------------------------- activities: pull requests

/** A PR wait's poll: the snapshot only when its digest differs from `known` (idle polls stay tiny). */
export interface PullRequestPollInput {
  readonly tracker: string;
  /** The work branch, to find a pull request Baton has not recorded yet. */
  readonly branch: string;
  readonly ref: PullRequestRef | null;
  /** Digest of the snapshot the workflow holds (core/pull-request.ts snapshotDigest). */
  readonly known: string | null;
  /** The tracker issue, to link a pull request found here that `ref` is not (absent in kept histories). */
  readonly issue?: IssueKey;
}

export type PullRequestPoll =
  | { readonly changed: false }
  | { readonly changed: true; readonly digest: string; readonly snapshot: PullRequestSnapshot | null };

export interface PullRequestFeedbackInput {
  readonly tracker: string;
  readonly snapshot: PullRequestSnapshot;
}

export interface MergePullRequestInput {
  readonly tracker: string;
  readonly ref: PullRequestRef;
  /** The head the gate approved (null: whatever the head is, for a merge with no PR gate). */
  readonly sha: string | null;
  readonly action: MergeAction;
}

export type { MergeOutcome };
