/**
 * The issue workflow's state, in one object every part of the workflow shares: the latest tracker
 * snapshot, the config view it acts on, the stage machine, the status a query returns, where the
 * workspace lives, the slot it holds or waits for, and any operator action not yet taken.
 *
 * The status is also what the Web UI shows (search attributes, current details) and what the
 * orchestrator sees in the issue's reports. Sandbox-safe.
 */
import { log, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { lifecycle, type LifecycleEvent } from '../../core/lifecycle.js';
import { ZERO_USAGE } from '../../core/agent-events.js';
import type {
  ConfigView,
  IssueHead,
  IssueRow,
  IssueStatus,
  IssueStatusKind,
  IssueWorkflowInput,
  OperatorAction,
  PendingApproval,
  SlotGrant,
  StageView,
  WorkspaceHome,
} from '../../core/protocol.js';
import { routeIssue, type Route } from '../../core/routing.js';
import { initialMachine, type MachineState } from '../../core/stage-machine.js';
import { appendRecord, type StageOutcomeRecord } from '../../core/stage-record.js';
import { BatonStage, BatonState, BatonStatus } from '../../core/search-attributes.js';
import { issueDetailsMarkdown } from '../../core/status-text.js';

export interface PendingOperator {
  readonly kind: OperatorAction;
  readonly reason?: string;
  readonly by?: string;
}

export class IssueContext {
  readonly input: IssueWorkflowInput;
  readonly workflowId: string;
  view: ConfigView;
  snapshot: IssueHead | null;
  machine: MachineState;
  readonly status: IssueStatus;
  home: WorkspaceHome | null;
  /** Sequence number of this workflow's latest slot request (1 = the admission grant). */
  slotSeq: number;
  /** The latest grant received; it answers the request whose seq it carries. */
  grant: SlotGrant | null;
  /** Whether this workflow holds (or waits for) a slot the orchestrator has not been told is free. */
  slotOwed = false;
  operator: PendingOperator | null = null;
  pendingApproval: PendingApproval | null = null;
  readonly approvalDecisions: Record<string, 'approve' | 'reject'> = {};
  /** Tokens of the stage run in progress (absolute for that run), added to the total at its end. */
  liveTokens = { ...ZERO_USAGE };
  private lastSearch = '';

  constructor(input: IssueWorkflowInput) {
    this.input = input;
    this.workflowId = workflowInfo().workflowId;
    this.view = input.view;
    this.snapshot = input.issue;
    const carried = input.carried;
    this.machine = carried?.machine ?? initialMachine;
    this.home = carried?.home ?? null;
    this.slotSeq = carried?.slotSeq ?? (input.grant ? input.grant.seq : 0);
    this.grant = carried ? null : input.grant;
    this.slotOwed = carried ? carried.slotOwed : input.grant !== null;
    // Search attributes were set at start; the first upsert happens on the first real change.
    this.lastSearch = carried ? '' : `${input.grant?.stage ?? 'none'}|${input.issue.state}|${input.grant ? 'running' : 'starting'}`;
    this.status = carried?.status ?? this.freshStatus();
  }

  private freshStatus(): IssueStatus {
    const now = new Date().toISOString();
    const issue = this.input.issue;
    return {
      workflowId: this.workflowId,
      tracker: this.input.tracker,
      issueId: issue.id,
      identifier: issue.identifier,
      title: issue.title,
      url: issue.url,
      state: issue.state,
      stage: this.input.grant?.stage ?? null,
      status: this.input.grant ? 'running' : 'starting',
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
      sessionId: null,
      turns: 0,
      runningSince: null,
      workspaceHost: null,
      workspacePath: null,
      configHash: this.view.hash,
      startedAt: now,
      updatedAt: now,
    };
  }

  get identifier(): string {
    return this.status.identifier;
  }

  /** One lifecycle log line for this issue: issue id, identifier and stage on every line. */
  event(event: LifecycleEvent, fields: Record<string, unknown> = {}): void {
    lifecycle(log, event, { issue_id: this.status.issueId, issue_identifier: this.status.identifier, stage: this.status.stage, ...fields });
  }

  route(): Route {
    const tracker = this.view.trackers.find((t) => t.name === this.input.tracker);
    if (!tracker) return { kind: 'inactive', reason: `tracker ${this.input.tracker} is no longer configured` };
    return routeIssue(tracker, this.view.stages, this.snapshot ?? undefined);
  }

  /** True once the tracker routes the issue anywhere but `stage`. */
  routedAwayFrom(stage: string): boolean {
    const r = this.route();
    return r.kind !== 'stage' || r.stage !== stage;
  }

  stageView(name: string): StageView {
    const stage = this.view.stages.find((s) => s.name === name);
    if (!stage) throw new Error(`stage ${name} is not in the config view ${this.view.hash}; this is a bug in Baton`);
    return stage;
  }

  /** Take this snapshot as the truth. */
  adoptSnapshot(issue: IssueHead | null): void {
    this.snapshot = issue;
    if (issue) {
      this.status.title = issue.title;
      this.status.url = issue.url;
      this.status.state = issue.state;
    }
    // The new state reaches the search attributes with the next status change, not as an event of its own.
    this.touch(false);
  }

  /** Newer snapshots only: a poll taken before Baton's own write must not undo it. */
  acceptSnapshot(issue: IssueHead | null): void {
    const known = this.snapshot?.updated_at;
    if (issue && known && issue.updated_at && Date.parse(issue.updated_at) < Date.parse(known)) return;
    this.adoptSnapshot(issue);
  }

  adoptView(view: ConfigView): void {
    if (view.hash === this.view.hash) return;
    this.view = view;
    this.status.configHash = view.hash;
    this.event('config_reloaded', { config_hash: view.hash });
  }

  setStatus(kind: IssueStatusKind, stage?: string | null): void {
    this.status.status = kind;
    if (stage !== undefined) this.status.stage = stage;
    this.touch(true);
  }

  record(entry: StageOutcomeRecord): void {
    this.status.history = appendRecord(this.status.history, entry);
  }

  takeOperator(...kinds: OperatorAction[]): PendingOperator | null {
    const op = this.operator;
    if (!op || !kinds.includes(op.kind)) return null;
    this.operator = null;
    return op;
  }

  hasOperator(...kinds: OperatorAction[]): boolean {
    return !!this.operator && kinds.includes(this.operator.kind);
  }

  row(): IssueRow {
    const s = this.status;
    return {
      workflowId: s.workflowId,
      tracker: s.tracker,
      issueId: s.issueId,
      identifier: s.identifier,
      title: s.title,
      url: s.url,
      state: s.state,
      stage: s.stage,
      status: s.status,
      attempt: s.attempt,
      lastError: s.lastError,
      reason: s.reason,
      retryDueAt: s.retryDueAt,
      updatedAt: s.updatedAt,
    };
  }

  /** Refresh the Web UI: the details, and on a status change the search attributes (if they changed). */
  private touch(statusChanged: boolean): void {
    this.status.updatedAt = new Date().toISOString();
    const s = this.status;
    // Transient statuses are not worth a history event each.
    if (statusChanged && s.status !== 'writing' && s.status !== 'waiting_slot') {
      const key = `${s.stage ?? 'none'}|${s.state}|${s.status}`;
      if (key !== this.lastSearch) {
        this.lastSearch = key;
        upsertSearchAttributes([
          { key: BatonStage, value: s.stage ?? 'none' },
          { key: BatonState, value: s.state },
          { key: BatonStatus, value: s.status },
        ]);
      }
    }
    setCurrentDetails(issueDetailsMarkdown(s));
  }
}
