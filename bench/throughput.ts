/**
 * Figure (b), throughput: N labelled issues written at once, one `refresh`, and every issue through
 * all four stages with the instant agent. The clock starts when the last file is written and the
 * refresh is sent, and stops at the last tracker write that moved an issue to Done (its file's
 * mtime). Figure (c) is read from the same run before its orchestrator is stopped.
 */
import path from 'node:path';
import { issueWorkflowId } from '../core/protocol.js';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { readAgentStarts, stagesByIssue } from './agent-log.js';
import { addIssue, createBenchDeployment, DONE_STATE, issueFileState, STAGES } from './deployment.js';
import type { BenchEnvironment } from './environment.js';
import { startCpuPhase, type PhaseCpu } from './cpu.js';
import { dispatchSegments } from './history.js';
import { fetchLifecycles, issueHistoryFigures, orchestratorHistoryFigures, type IssueHistoryFigures, type OrchestratorHistoryFigures } from './history-figures.js';
import { failedStageRuns, issueResult, startOrchestrator } from './orchestrator.js';
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
    taskQueue: env.taskQueue,
    pollIntervalMs: options.pollIntervalMs,
    maxConcurrentAgents: options.maxConcurrentAgents,
  });
  const orchestrator = await startOrchestrator(env.client, deployment, signal);
  try {
    const ids = Array.from({ length: n }, (_, i) => `T-${String(i + 1).padStart(4, '0')}`);
    const writeStart = Date.now();
    for (const id of ids) await addIssue(deployment.issuesDir, id);
    const cpu = await startCpuPhase(env.server.pid);
    const t0 = Date.now();
    await orchestrator.refresh();

    let lastNote = Date.now();
    await waitUntil(
      `the merge stage of all ${n} issues`,
      async () => {
        const starts = await readAgentStarts(deployment.agentLog);
        const merged = new Set(starts.filter((s) => s.stage === 'merge').map((s) => s.identifier)).size;
        if (Date.now() - lastNote >= 5_000) {
          lastNote = Date.now();
          note(`  throughput: ${merged}/${n} issues at merge, ${starts.length} stage runs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        }
        return merged >= n;
      },
      { signal, everyMs: 250 },
    );
    const files = await waitUntil(
      `every issue file to reach ${DONE_STATE}`,
      async () => {
        const all = await mapLimit(ids, 16, (id) => issueFileState(deployment.issuesDir, id));
        return all.every((f) => f.state === DONE_STATE) ? all : null;
      },
      { signal, everyMs: 100 },
    );
    const lastDoneAt = Math.max(...files.map((f) => f.mtimeMs));
    const cpuUsed = await cpu.stop();

    const closed = await mapLimit(ids, 8, async (id) => {
      const status = await issueResult(env.client, id, signal);
      const closeTime = (await env.client.workflow.getHandle(status.workflowId).describe()).closeTime?.getTime() ?? Number.NaN;
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

    const starts = await readAgentStarts(deployment.agentLog);
    const firstAgentAt = Math.min(...starts.map((s) => s.at));
    const byIssue = stagesByIssue(starts);
    const missing = ids.filter((id) => !STAGES.every((stage) => (byIssue.get(id) ?? []).includes(stage.name)));
    if (missing.length > 0) {
      throw new BatonError(ErrorCategory.internal, `the agent log lacks a full stage sequence for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
    }
    const wallMs = lastDoneAt - t0;
    note(`  throughput: ${n} issues Done in ${(wallMs / 1000).toFixed(1)} s; reading histories`);
    const lifecycles = await fetchLifecycles(env.client, ids.map((id) => issueWorkflowId('local', id)));
    const firstStart = new Map<string, number>();
    for (const s of starts) if (!firstStart.has(s.identifier)) firstStart.set(s.identifier, s.at);
    const segments = lifecycles.flatMap((l, i) => {
      const cut = dispatchSegments(l.events, t0, firstStart.get(ids[i] as string) ?? Number.NaN);
      return cut ? [cut] : [];
    });

    const throughput: ThroughputFigures = {
      issues: n,
      stages: STAGES.length,
      maxConcurrentAgents: options.maxConcurrentAgents,
      pollIntervalMs: options.pollIntervalMs,
      writeMs: t0 - writeStart,
      firstAgentMs: firstAgentAt - t0,
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
      cpu: cpuUsed,
    };
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
