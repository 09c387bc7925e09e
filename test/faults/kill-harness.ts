/**
 * Killing a `baton worker` process at a chosen moment and replacing it, for the worker-kill fault
 * tests: start a worker for a {@link LinearDeployment}, wait until the test's moment, SIGKILL it,
 * start a replacement for the same host at once, then wait for Done and check that Linear shows
 * nothing twice. Owns what it started (workers, the agents and hooks a killed worker left
 * running, the orchestrators) and ends it in {@link KillHarness.cleanup}.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { issueStatusQuery, issueWorkflowId, orchestratorWorkflowId, type IssueStatus } from '../../core/protocol.js';
import { agentRuns, waitFor } from '../helpers/deployment.js';
import { killIfRunning, procStat, processGroup, stopWorkers, type ProcStat, type WorkerProcess } from '../helpers/processes.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { timeScale } from '../helpers/time.js';
import { Clock, expectedChanges, firstSeen, workerRecords, type LinearDeployment } from './linear-deployment.js';

export interface Killed {
  clock: Clock;
  replacement: WorkerProcess;
  /** ms from the kill until the replacement was polling. */
  replacementReadyMs: number;
}

export class KillHarness {
  private readonly workers: WorkerProcess[] = [];
  private readonly deployments: LinearDeployment[] = [];
  /** Agents and hooks a killed worker left running. */
  private readonly strays: ProcStat[] = [];

  constructor(private readonly env: TestTemporalEnv) {}

  /** Track a deployment so cleanup ends its orchestrator and closes its fake. */
  own(dep: LinearDeployment): LinearDeployment {
    this.deployments.push(dep);
    return dep;
  }

  /** Start a worker this harness stops in cleanup (a fault test that kills nothing). */
  async start(dep: LinearDeployment, host: string): Promise<WorkerProcess> {
    const worker = await dep.startWorker(host, 'worker-1');
    this.workers.push(worker);
    return worker;
  }

  /** Start a worker, wait for `reached`, SIGKILL it, start its replacement for the same host. */
  async killAt(dep: LinearDeployment, host: string, what: string, reached: () => Promise<boolean>): Promise<Killed> {
    const first = await dep.startWorker(host, 'worker-1');
    this.workers.push(first);
    await waitFor(what, reached, 120_000, 50);
    this.strays.push(...(await childGroups(dep)));
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const clock = new Clock();
    const replacement = await dep.startWorker(host, 'worker-2');
    this.workers.push(replacement);
    return { clock, replacement, replacementReadyMs: clock.since() };
  }

  status(dep: LinearDeployment): Promise<IssueStatus> {
    return this.env.client.workflow.getHandle(issueWorkflowId('linear', dep.issue.identifier)).query(issueStatusQuery);
  }

  /** Linear shows Done and the issue workflow ended done; its final status. */
  async untilDone(dep: LinearDeployment): Promise<IssueStatus> {
    await waitFor(`${dep.issue.identifier} Done in Linear`, async () => dep.read().state === 'Done', 180_000);
    return waitFor(`${dep.issue.identifier} workflow done`, async () => {
      const status = await this.status(dep);
      return status.status === 'done' ? status : null;
    }, 60_000);
  }

  async cleanup(): Promise<void> {
    await stopWorkers(this.workers);
    await killIfRunning(this.strays.splice(0));
    for (const dep of this.deployments.splice(0)) {
      await this.env.client.workflow.getHandle(orchestratorWorkflowId(dep.d.name)).terminate('test finished').catch(() => undefined);
      await dep.fake.close();
    }
  }
}

/**
 * A harness for this test file: connects in `beforeAll`, cleans up after each test, disconnects
 * in `afterAll`. Call at the top level of the file; the getter works inside tests.
 */
export function useKillHarness(): () => KillHarness {
  let env: TestTemporalEnv | undefined;
  let harness: KillHarness | undefined;
  beforeAll(async () => {
    env = await connectTestEnv();
    harness = new KillHarness(env);
  });
  afterEach(async () => {
    await harness?.cleanup();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  return () => harness!;
}

/** Every process in the groups of the agents and hooks started so far (pids from their logs). */
async function childGroups(dep: LinearDeployment): Promise<ProcStat[]> {
  const pids = [...(await agentRuns(dep.d.logFile)).map((r) => r.pid), ...(await dep.events()).map((e) => e.pid)];
  const found: ProcStat[] = [];
  for (const pid of new Set(pids)) {
    const stat = await procStat(pid);
    if (stat) found.push(...(await processGroup(stat.pgid)));
  }
  return found;
}

/** One comment, created once; each move once; the agent ran the given stages in this order. */
export async function expectWrittenOnce(dep: LinearDeployment, gate: boolean, stages: string[]): Promise<void> {
  expect(dep.changes).toEqual(expectedChanges(gate));
  expect(dep.read().comments).toHaveLength(1);
  expect(dep.commentCreates()).toBe(1);
  expect((await agentRuns(dep.d.logFile)).map((r) => r.stage)).toEqual(stages);
}

/** When the replacement's log first shows a stage activity starting. */
export function stageStartedAgain(k: Killed): Promise<number | null> {
  return firstSeen(async () => (await workerRecords(k.replacement)).some((r) => r.event === 'stage_started'), 120_000);
}

/**
 * The part of an idle time every stage-activity kill shares: the activity's heartbeat timeout,
 * then the workflow task waiting on the dead worker's sticky queue (the SDK's
 * `stickyQueueScheduleToStartTimeout`, 10 s) before the replacement gets it.
 */
export function heartbeatBound(dep: LinearDeployment): string {
  const heartbeat = (dep.d.config.agent as { heartbeat_timeout_ms: number }).heartbeat_timeout_ms;
  return `agent.heartbeat_timeout_ms (${heartbeat} ms here) + the dead worker's sticky workflow queue (10 s)`;
}

/** The `[figures]` line of one kill. */
export function printFigures(what: string, k: Killed, resumedAt: number | null, bound: string): void {
  const resumed = resumedAt === null ? 'never' : `${k.clock.since(resumedAt)} ms`;
  console.info(
    `[figures] worker kill during ${what}: replacement polling after ${k.replacementReadyMs} ms; work resumed ${resumed} after the kill ` +
      `(time scale ${timeScale}; bound: ${bound})`,
  );
}
