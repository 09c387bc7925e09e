/**
 * §17.4/§8.2 dispatch order end to end: with one agent slot, six issues that become eligible in
 * the same poll start their agents in Symphony's sort order — priority 1..4 ascending, then the
 * rest (0 and null alike), oldest first, then by identifier — ten rounds out of ten. The
 * orchestrator admits in that order; no issue workflow races another for the slot.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orchestratorWorkflowId, refreshSignal } from '../../core/protocol.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, readIssueFile, startWorker, waitFor } from '../helpers/deployment.js';
import { scaled } from '../helpers/time.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const PRIORITIES = [null, 4, 1, 2, 1, 0];
/** Indexes of PRIORITIES in dispatch order: 1, 1, 2, 4, then 0 and null (not 1..4) by identifier. */
const EXPECTED = [2, 4, 3, 1, 0, 5];
const ROUNDS = 10;

describe('dispatch order with one slot', () => {
  it('§17.4 starts six simultaneously eligible issues in sort order, 10 rounds out of 10', { timeout: scaled(300_000) }, async () => {
    const d = await createDeployment({
      issues: [],
      config: {
        // Only refresh signals poll: each round's six files are all there before the one poll that sees them.
        polling: { interval_ms: 3_600_000 },
        agent: { backend: 'command', max_concurrent_agents: 1, retry_base_ms: 300, max_retry_backoff_ms: 2_000, continuation_delay_ms: 200, heartbeat_timeout_ms: 3_000 },
        stages: [{ name: 'run', states: ['Todo'], prompt: 'run {{ issue.identifier }}', on_success: { move_to: 'Done' } }],
      },
    });
    const worker = await startWorker(env, d);
    const orchestrator = env.client.workflow.getHandle(orchestratorWorkflowId(d.name));
    try {
      const orders: string[][] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const ids = PRIORITIES.map((_, i) => `R${String(round).padStart(2, '0')}-${i}`);
        // Written to temp names first and renamed in one burst, so no poll sees half a round.
        const createdAt = new Date(Date.UTC(2026, 0, round)).toISOString();
        await Promise.all(
          ids.map((id, i) =>
            writeFile(path.join(d.issuesDir, `.${id}.tmp`), `---\n${stringify({ id: id.toLowerCase(), identifier: id, title: id, state: 'Todo', labels: ['agent'], priority: PRIORITIES[i], created_at: createdAt })}---\nround ${round}\n`),
          ),
        );
        for (const id of ids) await rename(path.join(d.issuesDir, `.${id}.tmp`), path.join(d.issuesDir, `${id}.md`));
        await orchestrator.signal(refreshSignal);
        for (const id of ids) await waitFor(`${id} Done`, async () => (await readIssueFile(d.issuesDir, id)).state === 'Done', 60_000);
        const runs = (await agentRuns(d.logFile)).filter((r) => ids.includes(r.identifier));
        orders.push(runs.sort((a, b) => a.start - b.start).map((r) => r.identifier));
      }
      const expected = (round: number) => EXPECTED.map((i) => `R${String(round).padStart(2, '0')}-${i}`);
      expect(orders).toEqual(Array.from({ length: ROUNDS }, (_, r) => expected(r + 1)));
      // One slot: no two agents ever overlapped.
      const runs = (await agentRuns(d.logFile)).sort((a, b) => a.start - b.start);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.stop!);
    } finally {
      worker.shutdown();
      await worker.done;
      await orchestrator.terminate('test finished').catch(() => undefined);
    }
  });
});
