/**
 * Preflight before dispatch (issue 9 §2): a worker whose codex backend cannot reach its model
 * (the real `codex app-server` pointed at a model server that has been shut down) holds the stage
 * instead of letting an issue sit `running` against an agent that can never answer. The reason is
 * the doctor's, and it shows where operators look: the orchestrator's status (so `baton status`
 * and the API) and the worker's log. Real parts: the shared dev server, `baton worker` as a child
 * process, the codex binary.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orchestratorStatusQuery, orchestratorWorkflowId, type OrchestratorStatus } from '../../core/protocol.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/processes.js';
import { waitFor } from '../helpers/deployment.js';
import { runBaton } from '../helpers/cli.js';
import { startModelServer } from '../support/model-server/index.js';
import { offlineCodexCommand } from '../agents/codex/harness.js';
import { scaled } from '../helpers/time.js';

let env: TestTemporalEnv;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await worker?.exited;
  await env?.teardown();
});

describe('a stage whose backend fails preflight', () => {
  it('is held, with the doctor’s reason, and its issue waits queued instead of running', { timeout: scaled(180_000) }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-held-'));
    const model = await startModelServer();
    const modelUrl = model.url;
    await model.close(); // nothing answers there now
    const issues = path.join(dir, 'issues');
    const home = path.join(dir, 'codex-home');
    await Promise.all([mkdir(issues), mkdir(home)]);
    await writeFile(path.join(issues, 'HELD-1.md'), `---\n${stringify({ id: 'held-1', identifier: 'HELD-1', title: 'Held', state: 'Todo', labels: [] })}---\nbody\n`);
    const name = `held-${randomUUID().slice(0, 8)}`;
    const configPath = path.join(dir, 'baton.yaml');
    await writeFile(
      configPath,
      stringify({
        name,
        temporal: { address: inject('temporalAddress'), namespace: inject('temporalNamespace'), task_queue: `baton-${name}` },
        trackers: [{ name: 'local', kind: 'file', provider: { dir: issues }, active_states: ['Todo'], terminal_states: ['Done'] }],
        polling: { interval_ms: 500 },
        workspace: { root: path.join(dir, 'workspaces') },
        agent: { backend: 'codex' },
        codex: { command: offlineCodexCommand(modelUrl), read_timeout_ms: scaled(20_000) },
        stages: [{ name: 'implement', states: ['Todo'], prompt: 'do it', on_success: { move_to: 'Done' } }],
      }),
    );
    worker = await startWorkerProcess({
      configPath,
      hostId: `held-${name}`,
      logFile: path.join(dir, 'worker.log'),
      env: { CODEX_HOME: home, FAKE_MODEL_API_KEY: 'dummy', RUST_LOG: 'error' },
    });

    const orchestrator = env.client.workflow.getHandle(orchestratorWorkflowId(name));
    const status = await waitFor(
      'the stage held and the issue queued',
      async () => {
        const s: OrchestratorStatus = await orchestrator.query(orchestratorStatusQuery);
        return s.heldStages.length > 0 && Object.keys(s.queue).length === 1 && s.lastPollOk ? s : null;
      },
      120_000,
    );
    expect(status.heldStages).toEqual([expect.objectContaining({ stage: 'implement', backend: 'codex' })]);
    expect(status.heldStages[0]!.cause).toContain(`${modelUrl}/models refuses connections`);
    // Nothing was admitted: no issue workflow, no slot, and no agent ever started.
    expect(status.inflight).toEqual({});
    expect(status.holders).toEqual({});
    expect(Object.values(status.queue).map((q) => q.issue.identifier)).toEqual(['HELD-1']);

    // Operators see why: `baton status --json` (the API's shape) and the worker's log.
    const cli = await runBaton(['status', configPath, '--json']);
    expect(cli.code).toBe(0);
    const state = JSON.parse(cli.stdout) as { baton: { held_stages: { stage: string; cause: string; fix: string | null }[] } };
    expect(state.baton.held_stages).toEqual([expect.objectContaining({ stage: 'implement', cause: status.heldStages[0]!.cause })]);
    const log = await readFile(path.join(dir, 'worker.log'), 'utf8');
    expect(log).toMatch(/stage implement held: its codex backend failed preflight/);
    await orchestrator.terminate('test finished').catch(() => undefined);
  });
});
