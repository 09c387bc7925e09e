/**
 * The durable stage pipeline end to end on the real Temporal dev server, with real processes:
 * file tracker + command agent, every issue through plan → implement → review → merge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, readIssueFile, startWorker, waitFor } from '../helpers/deployment.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('pipeline', () => {
  it('moves every labelled issue through all four stages to Done, recording each stage', async () => {
    const d = await createDeployment({
      issues: [
        { identifier: 'E2E-1', priority: 2 },
        { identifier: 'E2E-2', priority: 1 },
        { identifier: 'E2E-3', labels: ['question'] },
      ],
    });
    const worker = await startWorker(env, d);
    try {
      for (const id of ['E2E-1', 'E2E-2']) {
        await waitFor(`${id} done`, async () => (await readIssueFile(d.issuesDir, id)).state === 'Done', 45_000);
        const status = await waitFor(`${id} workflow done`, async () => {
          const s = await issueStatus(env.client, id);
          return s.status === 'done' ? s : null;
        });
        const succeeded = status.history.filter((h) => h.outcome === 'succeeded').map((h) => h.stage);
        expect(succeeded).toEqual(['plan', 'implement', 'review', 'merge']);
        const file = await readIssueFile(d.issuesDir, id);
        expect(file.text).toContain('baton:progress');
        for (const stage of ['plan', 'implement', 'review']) expect(file.text).toMatch(new RegExp(`\\| ${stage} \\| succeeded`));
      }
      const runs = await agentRuns(d.logFile);
      expect(runs.filter((r) => r.identifier === 'E2E-3')).toEqual([]);
      expect((await readIssueFile(d.issuesDir, 'E2E-3')).state).toBe('Todo');
      for (const id of ['E2E-1', 'E2E-2']) {
        expect(runs.filter((r) => r.identifier === id).map((r) => r.stage)).toEqual(['plan', 'implement', 'review', 'merge']);
      }
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
