/**
 * Figure (b), throughput: N labelled issues written at once, one `refresh`, and every issue through
 * all four stages with the instant agent. The clock starts when the last file is written and the
 * refresh is sent, and stops at the last tracker write that moved an issue to Done (its file's
 * mtime). Figure (c) is read from the same run before its orchestrator is stopped.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { issueWorkflowId, type IssueStatus } from '../core/protocol.js';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { readAgentStarts, stagesByIssue, type AgentStart } from './agent-log.js';
import { addIssue, createBenchDeployment, DONE_STATE, issueStateReader, STAGES, type BenchDeployment } from './deployment.js';
import type { BenchEnvironment } from './environment.js';
import { startCpuPhase, type PhaseCpu } from './cpu.js';
import { dispatchSegments, type DispatchSegments } from './history.js';
import { fetchLifecycles, issueHistoryFigures, orchestratorHistoryFigures, type IssueHistoryFigures, type Lifecycle, type OrchestratorHistoryFigures } from './history-figures.js';
import { failedStageRuns, issueResult, startOrchestrator, type BenchOrchestrator } from './orchestrator.js';
import { perMinute, perSecond, summarize, type Summary } from './stats.js';
import { mapLimit, waitUntil } from './wait.js';

export interface ThroughputOptions {
  issues: number;
  maxConcurrentAgents: number;
  pollIntervalMs: number;
  /** How long to watch the idle orchestrator afterwards for its idle events per tick. */
  idleWindowMs: number;
  signal: AbortSignal;
  note(line: string): void;
}

/** The idle window after the run: long enough for a few timer polls, short enough not to dominate. */
export function defaultIdleWindowMs(pollMs: number): number {
  return Math.min(20_000, Math.max(2_000, Math.round(pollMs * 5.5)));
}

export interface ThroughputFigures {
  issues: number;
  stages: number;
  maxConcurrentAgents: number;
  pollIntervalMs: number;
  /** Writing the N issue files (before the clock starts), ms. */
  writeMs: number;
  /** Clock start → the first agent start, ms. */
  firstAgentMs: number;
  /** Clock start → the last issue moved to Done, ms. */
  wallMs: number;
  /** Clock start → the last issue workflow closed (after workspace cleanup), ms. */
  allClosedMs: number;
  issuesPerMinute: number;
  stageRuns: number;
  stageRunsPerSecond: number;
  /** Agent starts beyond one per stage per issue; 0 on a healthy run. */
  extraStageRuns: number;
  /** Stage runs that failed and were retried (an agent that never started counts too); 0 on a healthy run. */
  failedStageRuns: number;
  /**
   * Each issue's way from the clock start to its first agent, cut like the latency figures: until
   * its workflow started, until its first agent activity was scheduled (here mostly waiting for
   * one of the agent slots), until the agent logged its start.
   */
  burst: { dispatch: Summary; slot: Summary; agentStart: Summary };
  /** CPU used from the clock start to the last issue Done (null off Linux). */
  cpu: PhaseCpu | null;
}

export interface ThroughputResult {
  throughput: ThroughputFigures;
  history: { issue: IssueHistoryFigures; orchestrator: OrchestratorHistoryFigures };
}

export async function measureThroughput(env: BenchEnvironment, options: ThroughputOptions): Promise<ThroughputResult> {
  const { signal, note, issues: n } = options;
  const deployment = await createBenchDeployment({
    dir: path.join(env.root, 'throughput'),
    name: 'bench-throughput',
    temporalAddress: env.server.address,
    namespace: env.namespace,
    taskQueue: 'baton-bench-throughput',
    pollIntervalMs: options.pollIntervalMs,
    maxConcurrentAgents: options.maxConcurrentAgents,
  });
  const orchestrator = await startOrchestrator(env, deployment, signal);
  try {
    const ids = Array.from({ length: n }, (_, i) => `T-${String(i + 1).padStart(4, '0')}`);
    const run = await runToDone(env, deployment, orchestrator, ids, options);
    const closed = await closedIssues(env.client, ids, signal);
    const starts = await everyStageStarted(deployment.agentLog, ids);
    note(`  throughput: ${n} issues Done in ${((run.lastDoneAt - run.t0) / 1000).toFixed(1)} s; reading histories`);
    const lifecycles = await fetchLifecycles(env.client, ids.map((id) => issueWorkflowId('local', id)));
    const throughput = throughputFigures(options, run, closed, starts, burstSegments(lifecycles, ids, run.t0, starts));
    const issue = issueHistoryFigures(lifecycles);
    const orchestratorFigures = await orchestratorHistoryFigures(env.client, orchestrator, {
      issues: n,
      idleWindowMs: options.idleWindowMs,
      signal,
    });
    return { throughput, history: { issue, orchestrator: orchestratorFigures } };
  } finally {
    await orchestrator.stop();
  }
}

/** The timed part of the run: when the files were written, the clock start, the last Done, CPU. */
interface TimedRun {
  writeStart: number;
  t0: number;
  lastDoneAt: number;
  cpu: PhaseCpu | null;
}

/**
 * Write every issue, start the clock and send one refresh, then wait for every issue file to reach
 * Done. The clock stops at the last file's mtime (the tracker write), not when the poll noticed it.
 */
async function runToDone(env: BenchEnvironment, deployment: BenchDeployment, orchestrator: BenchOrchestrator, ids: readonly string[], options: ThroughputOptions): Promise<TimedRun> {
  const { signal } = options;
  const writeStart = Date.now();
  for (const id of ids) await addIssue(deployment.issuesDir, id);
  const cpu = await startCpuPhase(env.server.pid);
  const t0 = Date.now();
  await orchestrator.refresh();
  await waitForMergeStage(deployment.agentLog, t0, options);
  const stateOf = issueStateReader(deployment.issuesDir);
  const files = await waitUntil(
    `every issue file to reach ${DONE_STATE}`,
    async () => {
      const all = await mapLimit(ids, 16, stateOf);
      return all.every((f) => f.state === DONE_STATE) ? all : null;
    },
    { signal, everyMs: 100 },
  );
  const lastDoneAt = Math.max(...files.map((f) => f.mtimeMs));
  return { writeStart, t0, lastDoneAt, cpu: await cpu.stop() };
}

/** Wait until every issue's agent started its last stage, noting progress every 5 s on a long run. */
async function waitForMergeStage(agentLog: string, t0: number, options: ThroughputOptions): Promise<void> {
  const { signal, note, issues: n } = options;
  let lastNote = Date.now();
  await waitUntil(
    `the merge stage of all ${n} issues`,
    async () => {
      const starts = await readAgentStarts(agentLog);
      const merged = new Set(starts.filter((s) => s.stage === 'merge').map((s) => s.identifier)).size;
      if (Date.now() - lastNote >= 5_000) {
        lastNote = Date.now();
        note(`  throughput: ${merged}/${n} issues at merge, ${starts.length} stage runs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
      return merged >= n;
    },
    { signal, everyMs: 250 },
  );
}

interface ClosedIssue {
  workflowId: string;
  status: IssueStatus['status'];
  failed: number;
  closeTime: number;
}

/** Each issue workflow's end: it must be done, else the figures would describe a broken run. */
async function closedIssues(client: Client, ids: readonly string[], signal: AbortSignal): Promise<ClosedIssue[]> {
  const closed = await mapLimit(ids, 8, async (id) => {
    const status = await issueResult(client, id, signal);
    const closeTime = (await client.workflow.getHandle(status.workflowId).describe()).closeTime?.getTime() ?? Number.NaN;
    return { workflowId: status.workflowId, status: status.status, failed: failedStageRuns(status), closeTime };
  });
  const notDone = closed.filter((c) => c.status !== 'done');
  if (notDone.length > 0) {
    throw new BatonError(
      ErrorCategory.internal,
      `${notDone.length} issue workflows ended without reaching done (${notDone
        .slice(0, 5)
        .map((c) => `${c.workflowId}: ${c.status}`)
        .join(', ')}); rerun with --keep and inspect them in the Temporal Web UI`,
    );
  }
  return closed;
}

/** The agent log's starts, checked to hold every stage of every issue (a gap means a skipped stage). */
async function everyStageStarted(agentLog: string, ids: readonly string[]): Promise<AgentStart[]> {
  const starts = await readAgentStarts(agentLog);
  const byIssue = stagesByIssue(starts);
  const missing = ids.filter((id) => !STAGES.every((stage) => (byIssue.get(id) ?? []).includes(stage.name)));
  if (missing.length > 0) {
    throw new BatonError(ErrorCategory.internal, `the agent log lacks a full stage sequence for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }
  return starts;
}

/** Each issue's way from the clock start to its first agent, cut at its workflow start and activity schedule. */
function burstSegments(lifecycles: readonly Lifecycle[], ids: readonly string[], t0: number, starts: readonly AgentStart[]): DispatchSegments[] {
  const firstStart = new Map<string, number>();
  for (const s of starts) if (!firstStart.has(s.identifier)) firstStart.set(s.identifier, s.at);
  return lifecycles.flatMap((l, i) => {
    const cut = dispatchSegments(l.events, t0, firstStart.get(ids[i] as string) ?? Number.NaN);
    return cut ? [cut] : [];
  });
}

/** The figures of section (b), from what the run's phases measured. */
function throughputFigures(
  options: ThroughputOptions,
  run: TimedRun,
  closed: readonly ClosedIssue[],
  starts: readonly AgentStart[],
  segments: readonly DispatchSegments[],
): ThroughputFigures {
  const { issues: n } = options;
  const { t0 } = run;
  const wallMs = run.lastDoneAt - t0;
  return {
    issues: n,
    stages: STAGES.length,
    maxConcurrentAgents: options.maxConcurrentAgents,
    pollIntervalMs: options.pollIntervalMs,
    writeMs: t0 - run.writeStart,
    firstAgentMs: Math.min(...starts.map((s) => s.at)) - t0,
    wallMs,
    allClosedMs: Math.max(...closed.map((c) => c.closeTime)) - t0,
    issuesPerMinute: perMinute(n, wallMs),
    stageRuns: starts.length,
    stageRunsPerSecond: perSecond(starts.length, wallMs),
    extraStageRuns: starts.length - n * STAGES.length,
    failedStageRuns: closed.reduce((sum, c) => sum + c.failed, 0),
    burst: {
      dispatch: summarize(segments.map((c) => c.dispatch)),
      slot: summarize(segments.map((c) => c.slot)),
      agentStart: summarize(segments.map((c) => c.agentStart)),
    },
    cpu: run.cpu,
  };
}
