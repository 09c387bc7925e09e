/**
 * A worker killed with SIGKILL in the middle of an agent run: a new worker for the same host takes
 * over, the stage is retried (its heartbeat stops, so Temporal times the activity out), nothing
 * that already finished runs again, the issue still reaches Done, and the agent the dead worker
 * left behind is killed before its retry starts. Real dev server, real worker processes.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueStatusQuery, issueWorkflowId, orchestratorWorkflowId, type IssueStatus } from '../../core/protocol.js';
import { agentRuns, createDeployment, readIssueFile, waitFor, type AgentRun, type Deployment } from '../helpers/deployment.js';
import { killIfRunning, procStat, processGroup, startWorkerProcess, stillRunning, stopWorkers, type ProcStat, type WorkerProcess } from '../helpers/processes.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { scaled } from '../helpers/time.js';

const ISSUE = 'CRASH-1';
const HOST = 'crash-host';

let env: TestTemporalEnv;
const workers: WorkerProcess[] = [];
/** Agent processes this file may have left running. */
const agents: ProcStat[] = [];

/** What the scenario saw, for the assertions below. */
interface Observed {
  deployment: Deployment;
  orphan: AgentRun;
  /** The first implement agent's process group (bash and its sleep) when the worker was killed. */
  orphanProcesses: ProcStat[];
  status: IssueStatus;
  fileState: string;
  runs: AgentRun[];
}
let observed: Observed;

// Alone this takes about half a minute; the timeouts are for a machine busy with other work.
beforeAll(async () => {
  env = await connectTestEnv();
  observed = await crashDuringImplement();
}, scaled(240_000));

afterAll(async () => {
  await stopWorkers(workers);
  await killIfRunning(agents);
  if (observed) {
    await env.client.workflow
      .getHandle(orchestratorWorkflowId(observed.deployment.name))
      .terminate('test finished')
      .catch(() => undefined);
  }
  await env?.teardown();
});

async function crashDuringImplement(): Promise<Observed> {
  const d = await createDeployment({
    issues: [{ identifier: ISSUE }],
    // The first implement run hangs, long past the test, until something kills it; the marker
    // (next to the config) makes every later run instant.
    agentBody: [
      'marker="$BATON_CONFIG_DIR/implement-crashed-once"',
      'if [ "$BATON_STAGE" = implement ] && [ ! -e "$marker" ]; then',
      '  touch "$marker"',
      '  sleep 600',
      'fi',
    ].join('\n'),
  });

  const first = await startWorkerProcess({ configPath: d.configPath, hostId: HOST, logFile: path.join(d.dir, 'worker-1.log') });
  workers.push(first);
  const orphan = await waitFor(
    `start implement ${ISSUE} in the agent log`,
    async () => (await agentRuns(d.logFile)).find((r) => r.stage === 'implement' && r.identifier === ISSUE),
    120_000,
  );
  const stat = await waitFor('the implement agent process', () => procStat(orphan.pid), 15_000);
  const orphanProcesses = await waitFor(
    'the agent to reach its long sleep',
    async () => {
      const group = await processGroup(stat.pgid);
      return group.some((p) => p.name === 'sleep') ? group : null;
    },
    30_000,
  );
  agents.push(...orphanProcesses);

  first.kill('SIGKILL');
  const { signal } = await first.exited;
  expect(signal).toBe('SIGKILL');
  // kill -9 of the worker leaves its agent running: that is the orphan the retry must reap.
  expect((await stillRunning(orphanProcesses)).map((p) => p.pid)).toContain(orphan.pid);

  const second = await startWorkerProcess({ configPath: d.configPath, hostId: HOST, logFile: path.join(d.dir, 'worker-2.log') });
  workers.push(second);

  await waitFor(`${ISSUE} to reach Done in the tracker`, async () => (await readIssueFile(d.issuesDir, ISSUE)).state === 'Done', 120_000);
  const handle = env.client.workflow.getHandle(issueWorkflowId('local', ISSUE));
  const status = await waitFor(`${ISSUE} workflow done`, async () => {
    const s = await handle.query(issueStatusQuery);
    return s.status === 'done' ? s : null;
  });
  return {
    deployment: d,
    orphan,
    orphanProcesses,
    status,
    fileState: (await readIssueFile(d.issuesDir, ISSUE)).state,
    runs: await agentRuns(d.logFile),
  };
}

describe('a worker killed mid-stage (kill -9)', () => {
  it('retries the interrupted stage on a new worker and still reaches Done', () => {
    expect(observed.fileState).toBe('Done');
    expect(observed.status.status).toBe('done');
    expect(observed.status.workspaceHost).toMatch(new RegExp(`@${HOST}$`));
    const outcomes = observed.status.history.map((h) => `${h.stage}:${h.outcome}:${h.attempt}`);
    expect(outcomes).toEqual(['plan:succeeded:1', 'implement:failed:1', 'implement:succeeded:2', 'review:succeeded:1', 'merge:succeeded:1']);
    // The failure is the lost worker, seen as a missed heartbeat.
    expect(observed.status.history[1]?.error ?? '').toMatch(/heartbeat|timed? ?out/i);
  });

  it('runs no completed stage again: plan, review and merge once, implement twice', () => {
    const stages = observed.runs.filter((r) => r.identifier === ISSUE).map((r) => r.stage);
    expect(stages).toEqual(['plan', 'implement', 'implement', 'review', 'merge']);
    const finished = observed.runs.filter((r) => r.stop !== undefined).map((r) => r.stage);
    // The orphan never finished; its retry did.
    expect(finished).toEqual(['plan', 'implement', 'review', 'merge']);
  });

  it('kills the agent the dead worker left running before the retry (its whole process group)', async () => {
    expect(observed.orphanProcesses.map((p) => p.name)).toEqual(expect.arrayContaining(['bash', 'sleep']));
    // Reaping happens when the retry starts, long before Done; allow only for signal delivery.
    await waitFor('the orphaned implement agent to be gone', async () => (await stillRunning(observed.orphanProcesses)).length === 0, 3_000).catch(
      () => undefined,
    );
    expect(await stillRunning(observed.orphanProcesses)).toEqual([]);
  });
});
