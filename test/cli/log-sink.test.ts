/**
 * A failing log sink does not stop Baton (SPEC §13.2, §17.6): `baton worker` logs to stdout, and
 * the reader of that pipe goes away (a log shipper that died, `baton … | head`). Every later line
 * fails with EPIPE; Baton keeps working — an issue labelled afterwards still runs to Done — and
 * still shuts down cleanly.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, issueStatus, readIssueFile, waitFor, writeIssue } from '../helpers/deployment.js';
import { BATON_BIN } from '../helpers/cli.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('a log sink that fails', () => {
  it('§17.6 with stdout closed under it, the worker keeps running issues to Done and exits cleanly', async () => {
    const d = await createDeployment({ issues: [] });
    const child = spawn(process.execPath, [BATON_BIN, 'worker', d.configPath], {
      env: { ...process.env, BATON_LOG_FORMAT: 'json', BATON_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor('Baton running', async () => stdout.includes('Baton is running') || child.exitCode !== null || null, 60_000);
      expect(child.exitCode, stderr).toBeNull();

      // The log reader goes away: from now on every line Baton writes to stdout fails (EPIPE).
      child.stdout.destroy();
      await writeIssue(d.issuesDir, { identifier: 'SINK-1' });
      await waitFor('SINK-1 done', async () => (await issueStatus(env.client, 'SINK-1')).status === 'done', 60_000);
      expect((await readIssueFile(d.issuesDir, 'SINK-1')).state).toBe('Done');
      expect(child.exitCode, stderr).toBeNull();

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
