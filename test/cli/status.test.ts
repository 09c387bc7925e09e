/**
 * `baton status` through the real CLI against a running deployment: it shows a retrying issue's
 * last error and when the retry is due, `--json` has the HTTP API's shape, it still answers when
 * the YAML is broken (with the orchestrator's config error above the table), and `--watch` redraws.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor, type Deployment } from '../helpers/deployment.js';
import { StateResponseSchema } from '../../server/contract.js';
import { scaled } from '../helpers/time.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', path.join(ROOT, 'cli/main.ts')];

function status(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, 'status', ...args], { cwd: ROOT, timeout: scaled(60_000) }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let env: TestTemporalEnv;
let d: Deployment;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  env = await connectTestEnv();
  d = await createDeployment({
    issues: [{ identifier: 'STAT-1', title: 'Broken build', state: 'In Progress', labels: ['agent'] }],
    agentBody: 'echo "compile error: missing semicolon" >&2; exit 1',
    config: {
      agent: { backend: 'command', max_concurrent_agents: 10, retry_base_ms: 120_000, max_retry_backoff_ms: 240_000, continuation_delay_ms: 200, heartbeat_timeout_ms: scaled(5_000) },
    },
  });
  worker = await startWorker(env, d);
  await waitFor('STAT-1 retrying', async () => (await issueStatus(env.client, 'STAT-1').catch(() => null))?.status === 'retrying', 60_000);
});

afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await worker.done;
  }
  await env?.teardown();
});

describe('baton status', () => {
  it('shows the retrying issue with its last error and the retry due time', async () => {
    const { code, stdout } = await status([d.configPath]);
    expect(code).toBe(0);
    const due = (await issueStatus(env.client, 'STAT-1')).retryDueAt!;
    expect(stdout).toMatch(/^IDENTIFIER +STAGE +STATE +STATUS +ATT +RUNTIME +TOKENS +SESSION +LAST ERROR \/ WHY/m);
    expect(stdout).toMatch(/^STAT-1 +implement +In Progress +retrying +\d+ /m);
    expect(stdout).toContain('compile error: missing semicolon');
    // The last column wraps; read it as one line.
    expect(stdout.replace(/\s+/g, ' ')).toContain(`retry at ${due.slice(11, 19)}Z (in `);
  });

  it('--json answers in the shape of GET /api/v1/state', async () => {
    const { code, stdout } = await status([d.configPath, '--json']);
    expect(code).toBe(0);
    const parsed = StateResponseSchema.safeParse(JSON.parse(stdout));
    expect(parsed.success).toBe(true);
    const attempt = (await issueStatus(env.client, 'STAT-1')).attempt;
    expect(parsed.data!.retrying.map((r) => [r.issue_identifier, r.attempt])).toEqual([['STAT-1', attempt]]);
    expect(parsed.data!.retrying[0]!.error).toContain('compile error');
  });

  it('--watch redraws until interrupted', async () => {
    const child = spawn(process.execPath, [...CLI, 'status', d.configPath, '--watch', '--interval', '300'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('three frames', async () => (out.match(/baton status --watch/g)?.length ?? 0) >= 3, 30_000, 100);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('STAT-1');
  });

  it('still answers while the YAML is broken, with the orchestrator’s config error above the table', async () => {
    const good = await readFile(d.configPath, 'utf8');
    await writeFile(d.configPath, `${good}\nstages: [unclosed\n`);
    try {
      await waitFor('the orchestrator to see the broken file', async () => (await orchestratorStatus(env.client, d)).configError !== null, 30_000);
      const { code, stdout, stderr } = await status([d.configPath]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const [head] = stdout.split('IDENTIFIER');
      expect(head).toMatch(/CONFIG ERROR \(the orchestrator keeps the last good config/);
      expect(head).toMatch(/invalid YAML/);
      expect(stdout).toMatch(/^STAT-1 /m);
    } finally {
      await writeFile(d.configPath, good);
    }
  });
});
