/**
 * `baton doctor` through the real CLI: each broken setup gets a ✗ on the right check with its cause
 * and a fix, and exit 1; the demo config passes every check with exit 0. Real parts throughout: the
 * Linear fake (up, then down), the real `codex app-server` pointed at a model server that has been
 * shut down, a workspace root that cannot be created, and the demo's own config.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinearFake } from '../fakes/linear/index.js';
import { startModelServer } from '../support/model-server/index.js';
import { offlineCodexCommand } from '../agents/codex/harness.js';
import { scaled } from '../helpers/time.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Check {
  kind: string;
  name: string;
  ok: boolean;
  summary: string;
  cause: string | null;
  fix: string | null;
}
interface Report {
  ok: boolean;
  checks: Check[];
  stages: Record<string, { status: string; cause: string | null; fix: string | null; backend: string }>;
}

function baton(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: scaled(120_000) }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function doctor(configPath: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; report: Report; text: string }> {
  const [json, text] = await Promise.all([baton(['doctor', configPath, '--json'], env), baton(['doctor', configPath], env)]);
  expect(text.code).toBe(json.code);
  return { code: json.code, report: JSON.parse(json.stdout) as Report, text: text.stdout };
}

function check(report: Report, kind: string): Check {
  const found = report.checks.find((c) => c.kind === kind);
  if (!found) throw new Error(`no ${kind} check in ${JSON.stringify(report.checks.map((c) => c.kind))}`);
  return found;
}

let dir: string;

/** A config in `dir` with a command agent (`true`) unless `extra` says otherwise. */
async function writeConfig(name: string, extra: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  const config = {
    name,
    workspace: { root: path.join(dir, `${name}-workspaces`) },
    agent: { backend: 'command' },
    command: { command: 'true' },
    ...extra,
  };
  await writeFile(file, stringify(config));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'baton-doctor-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('baton doctor', () => {
  it('a missing tracker secret: ✗ on the tracker with the variable to set, exit 1', async () => {
    const file = await writeConfig('no-secret', { tracker: { kind: 'linear', provider: { project_slug: 'acme-1' } } });
    const { code, report, text } = await doctor(file, { LINEAR_API_KEY: '' });
    expect(code).toBe(1);
    const tracker = check(report, 'tracker');
    expect(tracker).toMatchObject({ ok: false, name: 'linear' });
    expect(tracker.cause).toMatch(/credentials missing: .*LINEAR_API_KEY/);
    expect(tracker.fix).toMatch(/set LINEAR_API_KEY/);
    expect(text).toMatch(/^✗ tracker linear: .*\n {4}cause: credentials missing.*\n {4}fix: {3}set LINEAR_API_KEY/m);
  });

  it('an unreachable tracker: ✓ while the Linear fake is up, ✗ with a fix once it is down, exit 1', async () => {
    const fake = await startLinearFake({ projectSlug: 'doctor-1' });
    const file = await writeConfig('linear-down', {
      tracker: { kind: 'linear', provider: { project_slug: 'doctor-1', api_key: '$DOCTOR_LINEAR_KEY', endpoint: fake.url } },
    });
    const env = { DOCTOR_LINEAR_KEY: fake.apiKey };
    const up = await doctor(file, env);
    expect(check(up.report, 'tracker')).toMatchObject({ ok: true });
    expect(up.code).toBe(0);
    await fake.close();
    const down = await doctor(file, env);
    expect(down.code).toBe(1);
    const tracker = check(down.report, 'tracker');
    expect(tracker.ok).toBe(false);
    expect(tracker.cause).toMatch(/tracker_request/);
    expect(tracker.fix).toContain(fake.url);
    expect(down.text).toMatch(/^✗ tracker linear: /m);
  });

  it('a codex backend whose model server refuses connections: ✗ on the backend and its stages, exit 1', async () => {
    const model = await startModelServer();
    const modelUrl = model.url;
    await model.close();
    const home = path.join(dir, 'codex-home');
    const tmp = path.join(dir, 'codex-tmp');
    await Promise.all([mkdir(home, { recursive: true }), mkdir(tmp, { recursive: true })]);
    const file = await writeConfig('codex-down', {
      trackers: [{ name: 'local', kind: 'file', provider: { dir: path.join(dir, 'codex-issues') } }],
      agent: { backend: 'codex' },
      codex: { command: offlineCodexCommand(modelUrl), read_timeout_ms: scaled(20_000) },
      stages: [{ name: 'implement', states: ['Todo'], prompt: 'do it' }],
    });
    await mkdir(path.join(dir, 'codex-issues'), { recursive: true });
    const { code, report, text } = await doctor(file, { CODEX_HOME: home, TMPDIR: tmp, FAKE_MODEL_API_KEY: 'dummy', RUST_LOG: 'error' });
    expect(code).toBe(1);
    const backend = check(report, 'backend');
    expect(backend.ok).toBe(false);
    expect(backend.summary).toMatch(/codex \d+\.\d+\.\d+ answers; account: /);
    expect(backend.cause).toContain(`${modelUrl}/models refuses connections`);
    expect(backend.fix).toContain(`start the model server at ${modelUrl}`);
    expect(report.stages.implement).toMatchObject({ status: 'failed', backend: 'codex' });
    expect(text).toMatch(/^✗ backend codex \(implement\): /m);
  });

  it('an unwritable workspace root: ✗ on the workspace with a fix, exit 1', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const file = await writeConfig('bad-root', {
      trackers: [{ name: 'local', kind: 'file', provider: { dir: dir } }],
      workspace: { root: path.join(blocker, 'workspaces') },
    });
    const { code, report, text } = await doctor(file);
    expect(code).toBe(1);
    const workspace = check(report, 'workspace');
    expect(workspace.ok).toBe(false);
    expect(workspace.cause).toMatch(/not writable \(ENOTDIR/);
    expect(workspace.fix).toMatch(/set workspace.root/);
    expect(text).toMatch(/^✗ workspace: .*\n {4}cause: not writable/m);
  });

  it('the demo config (examples/local/baton.yaml, seeded as `npm start` does): every check ✓, exit 0', async () => {
    const seed = await new Promise<number>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/seed-example.ts')], { cwd: ROOT }, (err) => resolve(err ? 1 : 0)),
    );
    expect(seed).toBe(0);
    const { code, report, text } = await doctor(path.join(ROOT, 'examples/local/baton.yaml'));
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.kind)).toEqual(['config', 'temporal', 'tracker', 'backend', 'workspace', 'bash']);
    expect(code).toBe(0);
    expect(text).toMatch(/all 6 checks passed/);
  });
});
