/**
 * Codex approvals as an operator gate, end to end: under `codex.approval_policy: untrusted` the
 * real `codex app-server` asks before running the model's command; the issue shows as `gated`
 * with the request; `baton approve|reject <id>` (the real CLI) answers it; the command runs or
 * not, and the stage completes. Waiting for the operator is not a stall.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployment, readIssueFile } from '../helpers/deployment.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startModelServer, type ModelServer } from '../support/model-server/index.js';
import { BATON_BIN } from '../helpers/cli.js';
import { agentSettings, prepareOfflineCodex, requestText, startAgentWorker, uniqueIdentifier, waitForStatus, type OfflineCodex } from '../helpers/agents.js';
import { scaled } from '../helpers/time.js';

const run = promisify(execFile);
/**
 * Short enough to wait out in a test; scaled, so a busy machine's slow codex start is not taken
 * for silence. The wait for the operator below is longer still, and must not count as silence.
 */
const STALL_MS = scaled(5_000);

let env: TestTemporalEnv;
let codex: OfflineCodex;
let server: ModelServer;

beforeAll(async () => {
  env = await connectTestEnv();
  codex = await prepareOfflineCodex();
  server = await startModelServer();
});
afterAll(async () => {
  await server?.close();
  await codex?.cleanup();
  await env?.teardown();
});

/** `baton <action> <identifier> -c <config>` as an operator runs it. */
async function operator(action: 'approve' | 'reject', identifier: string, configPath: string): Promise<string> {
  const { stdout } = await run(process.execPath, [BATON_BIN, action, identifier, '-c', configPath], { cwd: process.cwd() });
  return stdout;
}

/** One issue whose only stage asks codex to run `command`; a finished stage parks the issue (released, workspace kept). */
async function deployment(identifier: string, file: string) {
  return createDeployment({
    issues: [{ identifier }],
    config: {
      agent: agentSettings({ backend: 'codex' }),
      codex: codex.settings(server.url, { approval_policy: 'untrusted', stall_timeout_ms: STALL_MS }),
      stages: [{ name: 'implement', states: ['Todo'], prompt: `Implement.\n@@shell echo yes > ${file}\n@@say finished`, on_success: { move_to: 'Parked' } }],
    },
  });
}

describe('codex approval requests through the issue workflow', () => {
  it('gates the issue until `baton approve`, then the command runs and the stage completes', { timeout: scaled(90_000) }, async () => {
    const id = uniqueIdentifier('CXA');
    const d = await deployment(id, 'APPROVED.txt');
    const worker = await startAgentWorker(env, d, codex.env);
    try {
      const gated = await waitForStatus(env, id, 'gated on the agent request', (s) => s.status === 'gated' && s.pendingApproval !== null, 45_000);
      expect(gated.stage).toBe('implement');
      expect(gated.pendingApproval).toMatchObject({ kind: 'command' });
      expect(gated.pendingApproval!.summary).toContain('echo yes > APPROVED.txt');
      expect(gated.reason).toContain('agent asks for approval');
      const file = path.join(d.dir, 'workspaces', id, 'APPROVED.txt');
      expect(existsSync(file)).toBe(false);
      // Longer than the stall timeout: an agent waiting for a person is not stalled.
      await new Promise((r) => setTimeout(r, STALL_MS + scaled(1_000)));
      expect((await waitForStatus(env, id, 'still gated', (s) => s.status === 'gated')).history).toEqual([]);

      const said = await operator('approve', id, d.configPath);
      expect(said).toMatch(new RegExp(`${id}: agent request \\S+ approved`));
      const released = await waitForStatus(env, id, 'released', (s) => s.status === 'released', 30_000);
      expect(existsSync(file)).toBe(true);
      expect(released.pendingApproval).toBeNull();
      expect(released.history.map((h) => `${h.stage}:${h.outcome}`)).toEqual(['implement:succeeded']);
      expect((await readIssueFile(d.issuesDir, id)).state).toBe('Parked');
    } finally {
      await worker.stop();
    }
  });

  it('on `baton reject` the command does not run, the model is told, and the stage completes', { timeout: scaled(90_000) }, async () => {
    const id = uniqueIdentifier('CXJ');
    const d = await deployment(id, 'REJECTED.txt');
    const worker = await startAgentWorker(env, d, codex.env);
    const from = server.requests().length;
    try {
      await waitForStatus(env, id, 'gated on the agent request', (s) => s.status === 'gated' && s.pendingApproval !== null, 45_000);
      expect(await operator('reject', id, d.configPath)).toMatch(new RegExp(`${id}: agent request \\S+ rejected`));
      const released = await waitForStatus(env, id, 'released', (s) => s.status === 'released', 30_000);
      expect(existsSync(path.join(d.dir, 'workspaces', id))).toBe(true);
      expect(existsSync(path.join(d.dir, 'workspaces', id, 'REJECTED.txt'))).toBe(false);
      expect(released.history.map((h) => `${h.stage}:${h.outcome}`)).toEqual(['implement:succeeded']);
      const last = server.requests().slice(from).at(-1)!;
      expect(requestText(last)).toMatch(/rejected/i);
    } finally {
      await worker.stop();
    }
  });
});
