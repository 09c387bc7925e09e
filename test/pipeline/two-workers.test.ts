/**
 * Two worker processes (two hosts) on one deployment's task queue: twenty issues, an instant
 * agent. Every issue reaches Done and every (issue, stage) pair runs its agent exactly once, no
 * matter which worker picked up which workflow task or activity. Real dev server, real processes.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueStatusQuery, issueWorkflowId, orchestratorWorkflowId, type IssueStatus } from '../../core/protocol.js';
import { agentRuns, createDeployment, readIssueFile, waitFor, type Deployment } from '../helpers/deployment.js';
import { startWorkerProcess, stopWorkers, type WorkerProcess } from '../helpers/processes.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { scaled } from '../helpers/time.js';

const ISSUES = Array.from({ length: 20 }, (_, i) => `TWO-${i + 1}`);
const STAGES = ['plan', 'implement', 'review', 'merge'];
const HOSTS = ['two-host-a', 'two-host-b'];

let env: TestTemporalEnv;
let deployment: Deployment;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  env = await connectTestEnv();
  deployment = await createDeployment({
    issues: ISSUES.map((identifier) => ({ identifier })),
    config: {
      // Issue workflows learn their moves from their own writes; the orchestrator only needs to
      // dispatch, so a slower poll just saves CPU on a busy machine.
      polling: { interval_ms: 1_000 },
      agent: {
        backend: 'command',
        max_concurrent_agents: 20,
        retry_base_ms: 300,
        max_retry_backoff_ms: 2_000,
        continuation_delay_ms: 200,
        // No worker dies here: a roomy timeout keeps a busy machine from failing a run by accident.
        heartbeat_timeout_ms: scaled(10_000),
      },
    },
  });
  // Both start together, so neither has the queue to itself for long.
  workers.push(
    ...(await Promise.all(
      HOSTS.map((hostId, i) => startWorkerProcess({ configPath: deployment.configPath, hostId, logFile: path.join(deployment.dir, `worker-${i + 1}.log`) })),
    )),
  );
}, scaled(120_000));

afterAll(async () => {
  await stopWorkers(workers);
  if (deployment) await env.client.workflow.getHandle(orchestratorWorkflowId(deployment.name)).terminate('test finished').catch(() => undefined);
  await env?.teardown();
});

describe('two workers on one task queue', () => {
  // Alone this takes well under a minute; the timeouts are for a machine busy with other work.
  it('takes 20 issues to Done with every stage of every issue run exactly once', { timeout: scaled(180_000) }, async () => {
    await waitFor(
      'every issue Done in the tracker',
      async () => {
        const states = await Promise.all(ISSUES.map(async (id) => (await readIssueFile(deployment.issuesDir, id)).state));
        return states.every((s) => s === 'Done');
      },
      150_000,
      500,
    );
    const statuses: IssueStatus[] = await Promise.all(
      ISSUES.map((id) => {
        const handle = env.client.workflow.getHandle(issueWorkflowId('local', id));
        return waitFor(`${id} workflow done`, async () => {
          const s = await handle.query(issueStatusQuery);
          return s.status === 'done' ? s : null;
        });
      }),
    );

    const runs = await agentRuns(deployment.logFile);
    const pairs = runs.map((r) => `${r.identifier}/${r.stage}`);
    const expected = ISSUES.flatMap((id) => STAGES.map((stage) => `${id}/${stage}`));
    expect(runs).toHaveLength(80);
    expect([...pairs].sort()).toEqual([...expected].sort());
    for (const s of statuses) {
      expect(s.history.filter((h) => h.outcome === 'succeeded').map((h) => h.stage)).toEqual(STAGES);
      expect(s.history.filter((h) => h.outcome !== 'succeeded')).toEqual([]);
    }

    // Which host held which workspace: spread is expected but not asserted (either may win every claim).
    const hostQueues = HOSTS.map((h) => `${deployment.taskQueue}@${h}`);
    const byHost = new Map<string, string[]>(hostQueues.map((q) => [q, []]));
    for (const s of statuses) {
      expect(hostQueues).toContain(s.workspaceHost);
      byHost.get(s.workspaceHost as string)?.push(s.identifier);
    }
    console.info(
      `two workers: ${[...byHost].map(([queue, ids]) => `${queue.split('@')[1]} ran ${ids.length} issue(s)${ids.length ? ` (${ids.join(', ')})` : ''}`).join('; ')}`,
    );
  });
});
