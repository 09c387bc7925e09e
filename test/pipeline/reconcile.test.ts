/**
 * Reconciliation against tracker moves while an agent runs (SPEC §8.5, §17.4): a terminal move
 * cancels the agent and removes the workspace; a non-active move cancels and keeps it; removing
 * the required label releases the issue.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, listWorkspaces, readIssueFile, startWorker, waitFor, writeIssue } from '../helpers/deployment.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Alive and not a zombie (this container's init may not reap orphans). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

describe('reconciliation while an agent runs', () => {
  it('§17.4 terminal state stops the running agent and cleans the workspace; non-active stops without cleanup; label removal releases', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'REC-1' }, { identifier: 'REC-2' }, { identifier: 'REC-3' }],
      // The implement agent would run for a minute; the tracker moves must cut it short.
      agentBody: 'if [ "$BATON_STAGE" = implement ]; then sleep 60 & wait; fi',
    });
    const worker = await startWorker(env, d);
    try {
      const started = await waitFor(
        'three implement agents',
        async () => {
          const runs = (await agentRuns(d.logFile)).filter((r) => r.stage === 'implement' && !r.stop);
          return runs.length === 3 ? runs : null;
        },
        30_000,
      );
      const pidOf = (id: string) => started.find((r) => r.identifier === id)!.pid;
      for (const id of ['REC-1', 'REC-2', 'REC-3']) expect(await running(pidOf(id))).toBe(true);
      expect((await listWorkspaces(d.dir)).filter((w) => w !== '@baton').sort()).toEqual(['REC-1', 'REC-2', 'REC-3']);

      await writeIssue(d.issuesDir, { identifier: 'REC-1', state: 'Done' });
      await writeIssue(d.issuesDir, { identifier: 'REC-2', state: 'Backlog' });
      await writeIssue(d.issuesDir, { identifier: 'REC-3', state: 'In Progress', labels: ['question'] });

      const r1 = await waitFor('REC-1 done', async () => {
        const s = await issueStatus(env.client, 'REC-1');
        return s.status === 'done' ? s : null;
      });
      expect(r1.history.at(-1)).toMatchObject({ stage: 'implement', outcome: 'cancelled', note: 'issue moved to a terminal state' });
      const r2 = await waitFor('REC-2 released', async () => {
        const s = await issueStatus(env.client, 'REC-2');
        return s.status === 'released' ? s : null;
      });
      expect(r2.reason).toContain('not active');
      const r3 = await waitFor('REC-3 released', async () => {
        const s = await issueStatus(env.client, 'REC-3');
        return s.status === 'released' ? s : null;
      });
      expect(r3.reason).toContain('required label');

      for (const id of ['REC-1', 'REC-2', 'REC-3']) {
        await waitFor(`${id} agent gone`, async () => !(await running(pidOf(id))), 10_000);
      }
      const workspaces = await listWorkspaces(d.dir);
      expect(workspaces).not.toContain('REC-1');
      expect(workspaces).toContain('REC-2');
      expect(workspaces).toContain('REC-3');
      // Baton did not write over the tracker moves.
      expect((await readIssueFile(d.issuesDir, 'REC-2')).state).toBe('Backlog');
      expect(path.basename(d.logFile)).toBe('agent.log');
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
