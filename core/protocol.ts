/**
 * Every message between Baton's workflows, activities, CLI and server, defined once: workflow ids,
 * signals, queries, updates and the status shapes they carry. Sandbox-safe.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Issue } from './issue.js';
import type { TokenUsage } from './agent-events.js';
import type { StageRoute } from './routing.js';
import type { TrackerRules } from './scheduling.js';

// ---------------------------------------------------------------- ids

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
  name: string;
  kind: string;
}

export interface GateView {
  wait_for: 'approval' | 'label' | 'state';
  label?: string;
  state?: string;
  reject_label?: string;
  on_reject?: string;
  max_rework: number;
}

export interface StageView extends StageRoute {
  backend: string;
  max_concurrent?: number;
  on_success: { move_to?: string; add_labels: string[]; remove_labels: string[]; comment?: string };
  gate?: GateView;
}

/**
 * The secret-free slice of the effective config that workflows need. It is recorded in workflow
 * history, so it must never carry a credential, and it stays small (no prompt bodies).
 */
export interface ConfigView {
  hash: string;
  deployment: string;
  pollIntervalMs: number;
  maxConcurrentAgents: number;
  maxConcurrentAgentsByState: Record<string, number>;
  maxRetryBackoffMs: number;
  retryBaseMs: number;
  continuationDelayMs: number;
  heartbeatTimeoutMs: number;
  taskQueue: string;
  trackers: TrackerView[];
  stages: StageView[];
}

/**
 * The last good config (as a view, only when its hash differs from the caller's) and, when the
 * file on disk is broken, why. `hash` is null when the file has never been valid.
 */
export interface LoadConfigResult {
  hash: string | null;
  view?: ConfigView;
  error: string | null;
}

// ---------------------------------------------------------------- issue workflow

export interface IssueWorkflowInput {
  configPath: string;
  deployment: string;
  tracker: string;
  issueId: string;
  identifier: string;
  snapshot: Issue;
}

export const IssueStatusKind = {
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
  'starting',
  'waiting_slot',
  'running',
  'writing',
  'gated',
  'retrying',
  'continuing',
  'cleaning',
];

export interface LastAgentEvent {
  event: string;
  at: string;
  message?: string;
}

export interface StageOutcomeRecord {
  stage: string;
  attempt: number;
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'approved' | 'rejected' | 'stopped';
  startedAt: string;
  endedAt: string;
  turns?: number;
  tokens?: TokenUsage;
  sessionId?: string;
  error?: string;
  note?: string;
}

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
  tokens: TokenUsage;
  lastEvent: LastAgentEvent | null;
  lastError: string | null;
  /** Why the issue is stopped or gated, in words. */
  reason: string | null;
  retryDueAt: string | null;
  gate: { stage: string; waitFor: string; since: string } | null;
  pendingApproval: { id: string; kind: string; summary: string; since: string } | null;
  workspaceHost: string | null;
  startedAt: string;
  updatedAt: string;
}

export interface SnapshotUpdate {
  /** Fresh snapshot, or null when the tracker no longer shows the issue. */
  issue: Issue | null;
}

export interface AgentProgress {
  event: LastAgentEvent;
  tokens?: TokenUsage;
  turn?: number;
  sessionId?: string;
}

export interface OperatorDecision {
  reason?: string;
  by?: string;
}

export interface ApprovalRequest {
  id: string;
  kind: string;
  summary: string;
}

export const snapshotSignal = defineSignal<[SnapshotUpdate]>('baton.snapshot');
export const slotGrantedSignal = defineSignal<[]>('baton.slotGranted');
export const agentProgressSignal = defineSignal<[AgentProgress]>('baton.agentProgress');
export const approvalRequestSignal = defineSignal<[ApprovalRequest]>('baton.approvalRequest');
export const issueStatusQuery = defineQuery<IssueStatus>('baton.status');
/** The decision for an agent's approval request: undefined while an operator has not answered. */
export const approvalDecisionQuery = defineQuery<'approve' | 'reject' | undefined, [string]>('baton.approvalDecision');
export const approveUpdate = defineUpdate<string, [OperatorDecision]>('baton.approve');
export const rejectUpdate = defineUpdate<string, [OperatorDecision]>('baton.reject');
export const retryUpdate = defineUpdate<string, [OperatorDecision]>('baton.retry');
export const cancelUpdate = defineUpdate<string, [OperatorDecision]>('baton.cancel');

// ---------------------------------------------------------------- orchestrator

export interface OrchestratorInput {
  configPath: string;
  deployment: string;
  /** Carried across continue-as-new; absent on a fresh start. */
  carried?: OrchestratorState;
}

export interface InflightEntry {
  workflowId: string;
  tracker: string;
  issueId: string;
  identifier: string;
  fingerprint: string;
  state: string;
  dispatchedAt: string;
}

export interface SlotEntry {
  workflowId: string;
  identifier: string;
  state: string;
  stage: string;
  priority: number | null;
  created_at: string | null;
  since: string;
}

export interface OrchestratorState {
  view: ConfigView | null;
  configError: string | null;
  inflight: Record<string, InflightEntry>;
  holders: Record<string, SlotEntry>;
  waiting: Record<string, SlotEntry>;
  lastPollAt: string | null;
  lastPollOk: boolean;
  lastPollErrors: Record<string, string>;
  /** Eligible issues seen on the last poll that are not yet in flight. */
  pendingCandidates: number;
  ticks: number;
  runsCarried: number;
}

export interface SlotRequestMessage {
  workflowId: string;
  identifier: string;
  state: string;
  stage: string;
  priority: number | null;
  created_at: string | null;
}

export interface IssueClosedMessage {
  workflowId: string;
  status: IssueStatusKind;
}

export interface OrchestratorStatus extends OrchestratorState {
  workflowId: string;
  configPath: string;
  /** True once a poll succeeded, nothing eligible waits and no issue workflow is open. */
  idle: boolean;
}

export const refreshSignal = defineSignal<[]>('baton.refresh');
export const slotRequestSignal = defineSignal<[SlotRequestMessage]>('baton.slotRequest');
export const slotReleaseSignal = defineSignal<[{ workflowId: string }]>('baton.slotRelease');
export const issueClosedSignal = defineSignal<[IssueClosedMessage]>('baton.issueClosed');
export const orchestratorStatusQuery = defineQuery<OrchestratorStatus>('baton.orchestratorStatus');
