/**
 * A Markdown issue dropped into a running deployment's folder starts at once, as a user of the
 * embedded default meets it: `baton worker` as a real process, a poll interval of ten minutes, the
 * file written after the orchestrator's first poll. Only the folder watch (a `refresh` signal from
 * the file tracker) can dispatch it inside this test; with `provider.watch: false` the same file
 * waits for the interval poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentRuns, createDeployment, orchestratorStatus, waitFor, writeIssue, type Deployment } from '../helpers/deployment.js';
import { spawnBaton, untilRunning, type BatonProcess } from '../helpers/cli.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { pause } from '../helpers/time.js';

const TEN_MINUTES = 600_000;

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A worker on a deployment that polls every ten minutes, once its first poll is behind it. */
async function polledOnce(watch: boolean): Promise<{ d: Deployment; p: BatonProcess }> {
  const d = await createDeployment({ issues: [] });
  const tracker = (d.config.trackers as Array<Record<string, unknown>>)[0]!;
  await d.writeConfig({ polling: { interval_ms: TEN_MINUTES }, trackers: [{ ...tracker, provider: { dir: './issues', watch } }] });
  const p = spawnBaton(['worker', d.configPath]);
  await untilRunning(p);
  await waitFor('the first poll', async () => (await orchestratorStatus(env.client, d)).ticks >= 1, 30_000);
  return { d, p };
}

async function stop(p: BatonProcess): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

describe('a new issue file in the folder', () => {
  it('is dispatched at once, not at the next interval poll ten minutes away', async () => {
    const { d, p } = await polledOnce(true);
    try {
      const ticks = (await orchestratorStatus(env.client, d)).ticks;
      await writeIssue(d.issuesDir, { identifier: 'DROP-1', labels: ['agent'] });
      const run = await waitFor('DROP-1 started', async () => (await agentRuns(d.logFile)).find((r) => r.identifier === 'DROP-1'), 30_000);
      expect(run.stage).toBe('plan');
      // It came from one more poll than the start-up one, asked for by the watch.
      expect((await orchestratorStatus(env.client, d)).ticks).toBeGreaterThan(ticks);
    } finally {
      await stop(p);
    }
  });

  it('waits for the interval poll with provider.watch: false', async () => {
    const { d, p } = await polledOnce(false);
    try {
      await writeIssue(d.issuesDir, { identifier: 'DROP-2', labels: ['agent'] });
      await pause(3_000);
      expect(await agentRuns(d.logFile)).toEqual([]);
    } finally {
      await stop(p);
    }
  });
});
