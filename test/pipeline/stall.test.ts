/**
 * Stall detection in the stage activity (SPEC §8.5 part A, §17.4) on the real dev server: an agent
 * silent for `stall_timeout_ms` is stopped and its stage retried, while time Baton itself spends
 * preparing the run (workspace hooks, which have their own `hooks.timeout_ms`) is not agent
 * silence. The codex and openai backends are stalled the same way in test/agents-e2e/scenarios.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, startWorker } from '../helpers/deployment.js';
import { waitForStatus } from '../helpers/agents.js';
import { processGroup } from '../helpers/processes.js';
import { scaled } from '../helpers/time.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('stall detection', () => {
  it('§17.4 a silent agent is stalled and retried; a before_run hook slower than stall_timeout_ms is not agent silence', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'STALL-1' }, { identifier: 'PREP-1' }],
      // STALL-1's first run says nothing for a minute; every other run ends at once.
      agentBody: 'if [ "$BATON_ISSUE_IDENTIFIER" = STALL-1 ] && [ ! -f .stalled ]; then touch .stalled; sleep 60 & wait; fi',
      config: { stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' } }] },
    });
    const stallMs = scaled(1_500);
    await d.writeConfig({
      stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' }, agent: { stall_timeout_ms: stallMs } }],
      // PREP-1's workspace takes twice as long to prepare as the agent may stay silent.
      hooks: { before_run: `if [ "$BATON_ISSUE_IDENTIFIER" = PREP-1 ]; then sleep ${(2 * stallMs) / 1000}; fi`, timeout_ms: scaled(30_000) },
    });
    const worker = await startWorker(env, d);
    try {
      const stalled = await waitForStatus(env, 'STALL-1', 'done', (s) => s.status === 'done', 60_000);
      expect(stalled.history.map((h) => [h.attempt, h.outcome])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);
      expect(stalled.history[0]!.error).toMatch(new RegExp(`^agent_stalled: .*${stallMs} ms`));
      // The stalled agent was stopped, its whole group with it, not left to finish its minute.
      const first = (await agentRuns(d.logFile)).find((r) => r.identifier === 'STALL-1')!;
      expect(first.stop).toBeUndefined();
      expect(await processGroup(first.pid)).toEqual([]);

      const prepared = await waitForStatus(env, 'PREP-1', 'done', (s) => s.status === 'done', 60_000);
      expect(prepared.history.map((h) => [h.attempt, h.outcome])).toEqual([[1, 'succeeded']]);
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
