/**
 * Never merged twice, never run again after the merge: the worker is killed with SIGKILL right
 * after the code host merged the pull request and before the merge's answer reached the workflow
 * (the fake kills it between merging and answering). A new worker replays the issue workflow, its
 * merge activity runs again, finds the pull request merged and counts that as the merge: one merge
 * call, the merging stage's agent ran once, the issue reaches Done. Real dev server, real worker
 * processes, real git.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueStatusQuery, issueWorkflowId, orchestratorWorkflowId, type IssueStatus } from '../../core/protocol.js';
import { agentRuns, readIssueFile, waitFor, type AgentRun } from '../helpers/deployment.js';
import { CodeReview, createPullRequestDeployment, REPO, type PullRequestDeployment } from '../helpers/pull-request-deployment.js';
import { startWorkerProcess, stopWorkers, type WorkerProcess } from '../helpers/processes.js';
import { scaled } from '../helpers/time.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startGithubFake, type FakeMerge, type GithubFake } from '../fakes/github/index.js';

const ISSUE = 'PRCRASH-1';
const HOST = 'pr-crash-host';

let env: TestTemporalEnv;
let fake: GithubFake;
let d: PullRequestDeployment;
const workers: WorkerProcess[] = [];

interface Observed {
  killedAfter: FakeMerge;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  status: IssueStatus;
  runs: AgentRun[];
}
let observed: Observed;

beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startGithubFake();
  observed = await crashAfterTheMerge();
}, scaled(300_000));

afterAll(async () => {
  await stopWorkers(workers);
  if (d) await env.client.workflow.getHandle(orchestratorWorkflowId(d.name)).terminate('test finished').catch(() => undefined);
  await fake?.close();
  await env?.teardown();
});

async function crashAfterTheMerge(): Promise<Observed> {
  d = await createPullRequestDeployment({
    fake,
    issues: [{ identifier: ISSUE, state: 'In Progress' }],
    stages: [
      { name: 'implement', states: ['In Progress'], prompt: 'implement {{ issue.identifier }}', on_success: { move_to: 'In Review' } },
      {
        name: 'ship',
        states: ['In Review'],
        prompt: 'ship {{ issue.identifier }}{% if pr %} (#{{ pr.number }}){% endif %}',
        gate: { wait_for: 'checks', max_rework: 1 },
        on_success: { move_to: 'Done', merge_pull_request: { method: 'squash', delete_branch: true } },
      },
    ],
  });
  const review = new CodeReview(fake, d, ISSUE, { ci: ['success'], reviews: [] }).start();
  const first = await startWorkerProcess({ configPath: d.configPath, hostId: HOST, logFile: path.join(d.dir, 'worker-1.log') });
  workers.push(first);

  // The moment GitHub has merged, before it answers: the worker dies with the merge unrecorded.
  const killed = new Promise<FakeMerge>((resolve) => {
    fake.pulls.onMerge = (merge) => {
      fake.pulls.onMerge = null;
      first.kill('SIGKILL');
      resolve(merge);
    };
  });
  const killedAfter = await killed;
  const exit = await first.exited;

  const second = await startWorkerProcess({ configPath: d.configPath, hostId: HOST, logFile: path.join(d.dir, 'worker-2.log') });
  workers.push(second);
  const handle = env.client.workflow.getHandle(issueWorkflowId('local', ISSUE));
  const status = await waitFor(
    `${ISSUE} done after the restart`,
    async () => {
      const s = await handle.query(issueStatusQuery);
      return s.status === 'done' ? s : null;
    },
    180_000,
  );
  review.stop();
  return { killedAfter, exit, status, runs: await agentRuns(d.logFile) };
}

describe('a worker killed after the merge call succeeded, before the workflow recorded it', () => {
  it('was killed with the pull request merged on the code host', () => {
    expect(observed.exit.signal).toBe('SIGKILL');
    expect(observed.killedAfter.method).toBe('squash');
  });

  it('on restart finds the pull request merged: one merge call, one merge, the branch deleted, Done', async () => {
    const number = observed.killedAfter.number;
    expect(fake.merges(REPO).filter((m) => m.number === number)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.operation === 'pulls/merge' && r.url.endsWith(`/pulls/${number}/merge`))).toHaveLength(1);
    const merged = observed.status.history.filter((h) => h.outcome === 'merged');
    expect(merged.map((h) => h.note)).toEqual([`acme/app#${number} (squash), found merged as ${observed.killedAfter.sha.slice(0, 7)}, branch deleted`]);
    expect(d.git.branches()).not.toContain(`baton/${ISSUE}`);
    expect((await readIssueFile(d.issuesDir, ISSUE)).state).toBe('Done');
    expect(observed.status.status).toBe('done');
  });

  it('runs no stage again: implement and ship once each', () => {
    expect(observed.runs.map((r) => r.stage)).toEqual(['implement', 'ship']);
    expect(observed.status.history.filter((h) => h.outcome === 'succeeded').map((h) => h.stage)).toEqual(['implement', 'ship']);
    expect(fake.problems).toEqual([]);
  });
});
