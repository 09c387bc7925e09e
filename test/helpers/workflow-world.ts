/**
 * A scripted world for workflow unit tests on the time-skipping test server: the real workflow
 * bundle runs against stub activities that play a tracker (one issue whose state the stage writes
 * move), an orchestrator that grants every slot request at once, and stage runs whose outcomes the
 * test scripts per stage. Timers (backoff, continuation) are skipped, so hours of retries take
 * seconds; what the workflow did is read back from its status, its history and the stub's log.
 */
import { randomUUID } from 'node:crypto';
import { Context, CancelledFailure } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { ZERO_USAGE } from '../../core/agent-events.js';
import { normalizeState } from '../../core/issue.js';
import {
  WorkflowType,
  issueStatusQuery,
  issueWorkflowId,
  slotGrantedSignal,
  type ConfigView,
  type IssueHead,
  type IssueReport,
  type IssueWorkflowInput,
  type StageRunInput,
  type StageSummary,
  type StageView,
  type WritesInput,
  type IssueStatus,
} from '../../core/protocol.js';
import { workflowBundle } from '../../runtime/worker.js';
import { batonSearchAttributes } from '../../core/search-attributes.js';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import type { BatonActivities } from '../../activities/index.js';
import { pollUntil } from './time.js';

export type ScriptedRun = 'succeed' | 'fail' | 'fatal' | 'block' | 'hang' | 'stay';

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('timeSkippingServerPath') } } });
  // The test server can add search attributes but not list them, so add Baton's directly.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(batonSearchAttributes.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!])),
  });
  return env;
}

/** A stage for tests: runs in `state` with the command backend and moves the issue to `moveTo`. */
export function stageView(name: string, state: string, moveTo: string, patch: Partial<StageView> = {}): StageView {
  return { name, states: [state], backend: 'command', on_success: { move_to: moveTo, add_labels: [], remove_labels: [] }, ...patch };
}

export function testView(stages: StageView[], patch: Partial<ConfigView> = {}): ConfigView {
  return {
    hash: 'view-1',
    deployment: 'wf-test',
    pollIntervalMs: 1_000,
    maxConcurrentAgents: 1,
    maxConcurrentAgentsByState: {},
    maxRetryBackoffMs: 300_000,
    retryBaseMs: 10_000,
    continuationDelayMs: 1_000,
    heartbeatTimeoutMs: 30_000,
    rehomeAfterMs: 60_000,
    hookTimeoutMs: 60_000,
    progressComment: true,
    taskQueue: 'unused',
    trackers: [{ name: 'local', kind: 'file', required_labels: [], active_states: ['Todo', 'In Progress', 'In Review', 'Merging'], terminal_states: ['Done', 'Cancelled'] }],
    stages,
    ...patch,
  };
}

export class WorkflowWorld {
  readonly taskQueue = `wf-${randomUUID().slice(0, 8)}`;
  issue: IssueHead;
  /** Per stage, the outcomes of its next runs; an empty script succeeds. */
  readonly scripts: Record<string, ScriptedRun[]> = {};
  readonly runs: StageRunInput[] = [];
  readonly reports: IssueReport[] = [];
  readonly writes: WritesInput[] = [];
  readonly removals: string[] = [];
  private clock = 0;

  constructor(
    readonly env: TestWorkflowEnvironment,
    identifier: string,
    state = 'Todo',
  ) {
    this.issue = {
      id: `id-${identifier}`,
      identifier,
      title: `Issue ${identifier}`,
      priority: null,
      state,
      branch_name: null,
      url: null,
      assignee_id: null,
      labels: [],
      blocked_by: [],
      dispatchable: true,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: this.stamp(),
      native_ref: null,
    };
  }

  script(stage: string, ...runs: ScriptedRun[]): this {
    (this.scripts[stage] ??= []).push(...runs);
    return this;
  }

  /** Move the tracker issue (as a person would) and stamp it newer. */
  move(state: string, labels = this.issue.labels): IssueHead {
    this.issue = { ...this.issue, state, labels, updated_at: this.stamp() };
    return this.issue;
  }

  private stamp(): string {
    this.clock += 1;
    return new Date(Date.UTC(2026, 0, 1, 0, 0, this.clock)).toISOString();
  }

  private applyWrites(writes: { move_to?: string; add_labels: readonly string[]; remove_labels: readonly string[] }): void {
    const remove = new Set(writes.remove_labels.map(normalizeState));
    const labels = [...this.issue.labels.filter((l) => !remove.has(l)), ...writes.add_labels.map(normalizeState)];
    this.move(writes.move_to ?? this.issue.state, [...new Set(labels)]);
  }

  activities(): Partial<BatonActivities> {
    return {
      runStage: async (input) => this.runStage(input),
      reportToOrchestrator: async ({ report }) => {
        this.reports.push(report);
        // The orchestrator of this world has slots for everyone, at once.
        if (report.request) {
          await this.env.client.workflow.getHandle(report.workflowId).signal(slotGrantedSignal, { seq: report.request.seq, stage: report.request.stage, grantedAt: new Date().toISOString() });
        }
      },
      refreshIssue: async () => this.issue,
      applyWrites: async (input) => {
        this.writes.push(input);
        this.applyWrites(input.writes);
        return this.issue;
      },
      removeIssueWorkspace: async (input) => {
        this.removals.push(input.path ?? input.identifier);
        return { removed: true, path: input.path ?? '' };
      },
    };
  }

  private async runStage(input: StageRunInput): Promise<StageSummary> {
    this.runs.push(input);
    const startedAt = new Date().toISOString();
    const next = this.scripts[input.stage]?.shift() ?? 'succeed';
    const base = { turns: 1, tokens: { ...ZERO_USAGE, total_tokens: 10 }, lastEvent: null, startedAt, home: { queue: this.taskQueue, path: `/ws/${input.identifier}` }, workspaceRemoved: false };
    if (next === 'hang') {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 50);
      try {
        await ctx.cancelled;
      } catch {
        // As the real stage activity: the details say where the cancelled run's workspace is.
        throw new CancelledFailure('cancelled', [base.home]);
      } finally {
        clearInterval(beat);
      }
    }
    const endedAt = new Date().toISOString();
    if (next === 'fail') return { ...base, endedAt, outcome: 'failed', error: 'agent_failed: exit 1', issue: this.issue, wrote: false };
    if (next === 'fatal') return { ...base, endedAt, outcome: 'fatal', error: 'template_render_error: unknown variable', issue: this.issue, wrote: false };
    if (next === 'block') return { ...base, endedAt, outcome: 'blocked', error: 'turn_input_required: which branch?', issue: this.issue, wrote: false };
    if (input.writes && next === 'succeed') this.applyWrites(input.writes);
    return { ...base, endedAt, outcome: 'succeeded', issue: this.issue, wrote: input.writes !== null };
  }

  async worker(): Promise<Worker> {
    return Worker.create({
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: this.activities(),
      // As runtime/worker.ts: cancellation reaches a running activity within two seconds.
      maxHeartbeatThrottleInterval: '2 seconds',
      defaultHeartbeatThrottleInterval: '2 seconds',
    });
  }

  /** Start the issue workflow holding the admission grant for the issue's current stage. */
  async start(view: ConfigView, options: { grantStage?: string | null; carried?: IssueWorkflowInput['carried'] } = {}) {
    const grantStage = options.grantStage === undefined ? view.stages.find((s) => s.states.includes(this.issue.state))?.name ?? null : options.grantStage;
    const input: IssueWorkflowInput = {
      deployment: view.deployment,
      tracker: 'local',
      issue: this.issue,
      view,
      grant: grantStage ? { seq: 1, stage: grantStage, grantedAt: new Date().toISOString() } : null,
      ...(options.carried ? { carried: options.carried } : {}),
    };
    return this.env.client.workflow.start(WorkflowType.issue, {
      workflowId: issueWorkflowId('local', this.issue.identifier),
      taskQueue: this.taskQueue,
      args: [input],
    });
  }
}

/** Run `body` with a worker for the world's task queue. */
export async function withWorker<T>(world: WorkflowWorld, body: () => Promise<T>): Promise<T> {
  const worker = await world.worker();
  return worker.runUntil(body());
}

/**
 * Query the world's issue workflow until `check` holds, or throw naming `what`. 30 s of real time
 * (scaled): far above the second or so a step takes here, since a passing test never waits it out
 * and a busy CI host running servers and agents beside this file can be many times slower.
 */
export async function untilStatus(world: WorkflowWorld, what: string, check: (s: IssueStatus) => boolean): Promise<IssueStatus> {
  const handle = world.env.client.workflow.getHandle(issueWorkflowId('local', world.issue.identifier));
  const found = await pollUntil(async () => {
    const s = await handle.query(issueStatusQuery).catch(() => undefined);
    return s && check(s) ? s : undefined;
  }, 30_000, 25);
  if (!found) throw new Error(`${world.issue.identifier} never reached: ${what}`);
  return found;
}

export type { IssueStatus };
