/**
 * A retry that finds no free slot (SPEC §8.4, §17.4): on the real dev server with one agent slot,
 * an issue whose first run failed comes back from its backoff while another issue holds the slot.
 * It waits in the orchestrator's slot queue as `waiting_slot`, saying why, keeping the error of the
 * failed attempt and the attempt that comes next, and runs once the slot is free. Unlike Symphony,
 * Baton does not re-arm a timer with attempt + 1 while it waits: the orchestrator grants the slot
 * in dispatch order as soon as one is free.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueWorkflowId } from '../../core/protocol.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, orchestratorStatus, startWorker } from '../helpers/deployment.js';
import { waitForStatus } from '../helpers/agents.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('slot exhaustion', () => {
  it('§17.4 a retry with no free slot waits in the slot queue with an explicit reason, then runs', async () => {
    const d = await createDeployment({
      // SLOT-1 goes first (priority 1) and fails once; SLOT-2 takes the slot and holds it until told.
      issues: [
        { identifier: 'SLOT-1', priority: 1 },
        { identifier: 'SLOT-2', priority: 2 },
      ],
      agentBody: [
        'if [ "$BATON_ISSUE_IDENTIFIER" = SLOT-1 ] && [ ! -f .failed ]; then touch .failed; echo "flaky build" >&2; exit 1; fi',
        // The agent runs in <deployment>/workspaces/SLOT-2; the test creates <deployment>/release.
        'if [ "$BATON_ISSUE_IDENTIFIER" = SLOT-2 ]; then while [ ! -f ../../release ]; do sleep 0.1; done; fi',
        'true',
      ].join('\n'),
      config: { stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' } }] },
    });
    await d.writeConfig({ agent: { ...(d.config.agent as Record<string, unknown>), max_concurrent_agents: 1 } });
    const worker = await startWorker(env, d);
    try {
      const waiting = await waitForStatus(env, 'SLOT-1', 'back from its backoff, waiting for the slot', (s) => s.status === 'waiting_slot' && s.attempt === 2);
      expect(waiting.reason).toMatch(/agent slot for plan.*max_concurrent_agents/);
      expect(waiting.lastError).toMatch(/flaky build/);
      const orchestrator = await orchestratorStatus(env.client, d);
      const id1 = issueWorkflowId('local', 'SLOT-1');
      expect(Object.keys(orchestrator.holders)).toEqual([issueWorkflowId('local', 'SLOT-2')]);
      expect(orchestrator.waiting[id1]).toMatchObject({ identifier: 'SLOT-1', stage: 'plan' });
      expect(orchestrator.inflight[id1]!.row).toMatchObject({ status: 'waiting_slot', attempt: 2, reason: waiting.reason, lastError: waiting.lastError });

      // Free the slot: SLOT-1 runs its second attempt and both finish.
      await writeFile(path.join(d.dir, 'release'), '');
      const done = await waitForStatus(env, 'SLOT-1', 'done', (s) => s.status === 'done');
      expect(done.history.map((h) => [h.attempt, h.outcome])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);
      await waitForStatus(env, 'SLOT-2', 'done', (s) => s.status === 'done');
      const runs = await agentRuns(d.logFile);
      expect(runs.map((r) => r.identifier)).toEqual(['SLOT-1', 'SLOT-2', 'SLOT-1']);
      // One slot: SLOT-1's retry started only after SLOT-2's agent stopped.
      expect(runs[2]!.start).toBeGreaterThanOrEqual(runs[1]!.stop!);
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
