/**
 * Who writes to the tracker (spec/SPEC.md §4.3, Symphony §1 "Symphony is a scheduler/runner and
 * tracker reader"): on the real dev server, a Symphony WORKFLOW.md run makes no write of Baton's
 * own — no progress comment — while a baton.yaml run keeps its one progress comment; a WORKFLOW.md
 * that sets `progress_comment: true` gets the comment and nothing else. The memory tracker records
 * every write an adapter makes.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { memoryTrackerStore } from '../../adapters/trackers/memory.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, startWorker, waitFor, type Deployment } from '../helpers/deployment.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** The deployment's settings with a memory tracker on a store of its own. */
async function memoryDeployment(): Promise<{ d: Deployment; store: ReturnType<typeof memoryTrackerStore> }> {
  const d = await createDeployment({ issues: [] });
  const store = memoryTrackerStore(`progress-${randomUUID()}`);
  await d.writeConfig({ trackers: [{ name: 'local', kind: 'memory', provider: { store: store.name }, active_states: ['Todo'], terminal_states: ['Done'] }] });
  return { d, store };
}

/** The same deployment as a Symphony WORKFLOW.md: its settings as front matter, no `stages`. */
async function asWorkflowMd(d: Deployment, extra: Record<string, unknown> = {}): Promise<Deployment> {
  const { stages: _stages, ...front } = { ...d.config, ...extra };
  const file = path.join(d.dir, 'WORKFLOW.md');
  await writeFile(file, `---\n${stringify(front)}---\nWork on {{ issue.identifier }}.\n`);
  return { ...d, configPath: file };
}

/** Run one issue: wait for its first agent run, then close it in the tracker as a person would. */
async function runOnce(d: Deployment, store: ReturnType<typeof memoryTrackerStore>, identifier: string, closeAfterRun: boolean): Promise<void> {
  store.put({ identifier, state: 'Todo' });
  const worker = await startWorker(env, d);
  try {
    await waitFor(`${identifier} agent ran`, async () => (await agentRuns(d.logFile)).some((r) => r.identifier === identifier && r.stop !== undefined), 30_000);
    if (closeAfterRun) store.update(identifier, { state: 'Done' });
    await waitFor(`${identifier} done`, async () => (await issueStatus(env.client, identifier)).status === 'done', 30_000);
  } finally {
    worker.shutdown();
    await worker.done;
  }
}

describe('tracker writes of a Symphony WORKFLOW.md and of a baton.yaml', () => {
  it('baton §4.3 a WORKFLOW.md run writes no progress comment; a baton.yaml run writes one; progress_comment: true opts a WORKFLOW.md in', async () => {
    // Symphony's format: the agent's own writes only. Here the agent writes nothing; a person closes the issue.
    const symphony = await memoryDeployment();
    await runOnce(await asWorkflowMd(symphony.d), symphony.store, 'SYM-1', true);
    expect(symphony.store.writes).toEqual([]);
    expect(symphony.store.progressComment('SYM-1')).toBeUndefined();

    // The same WORKFLOW.md with the comment turned on: the comment, and still no other write.
    const optIn = await memoryDeployment();
    await runOnce(await asWorkflowMd(optIn.d, { progress_comment: true }), optIn.store, 'SYM-2', true);
    expect(optIn.store.writes.map((w) => w.op)).toEqual(['progress_comment']);
    expect(optIn.store.progressComment('SYM-2')).toMatch(/run/);

    // baton.yaml: the stage's move and its one progress comment.
    const baton = await memoryDeployment();
    await baton.d.writeConfig({ stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' } }] });
    await runOnce(baton.d, baton.store, 'BAT-1', false);
    expect(baton.store.writes.map((w) => w.op)).toEqual(['progress_comment', 'move_to_state']);
    expect(baton.store.progressComment('BAT-1')).toMatch(/plan/);
  });
});
