import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertAgentCwd,
  assertInsideRoot,
  buildChildEnv,
  ensureWorkspace,
  HOOK_OUTPUT_LOG_BYTES,
  removeWorkspace,
  resolveWorkspacePath,
  runAfterRun,
  runBeforeRun,
  runHook,
  workspaceSettingsFromConfig,
  type WorkspaceHooks,
} from '../../workspace/workspace.js';
import { workspaceKey } from '../../core/workspace-key.js';
import { rejection } from '../helpers/errors.js';
import { pollUntil, scaled } from '../helpers/time.js';

/** Long enough for a login shell on a busy machine; short cases use FAST_TIMEOUT_MS and sleep. */
const HOOK_TIMEOUT_MS = scaled(15_000);
const FAST_TIMEOUT_MS = 300;

let tmp: string;
let root: string;
let outside: string;

beforeEach(async () => {
  tmp = await realpath(await mkdtemp(path.join(tmpdir(), 'baton-ws-test-')));
  root = path.join(tmp, 'workspaces');
  outside = path.join(tmp, 'outside');
  await mkdir(outside);
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const issue = (identifier: string, id = `id-${identifier}`) => ({ id, identifier });


async function countLines(file: string): Promise<number> {
  if (!existsSync(file)) return 0;
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
}

/** A log sink whose lines the test can read back. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** True once `pid` is gone or a zombie (a container's init may not reap orphans). */
async function processGone(pid: number): Promise<boolean> {
  return pollUntil(async () => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  }, 5_000);
}

describe('§17.2 workspace manager and safety', () => {
  it.each([['MT-101'], ['ABC/123'], ['proj#7'], ['..']])(
    '§17.2 deterministic workspace path per issue identifier: %j',
    async (identifier) => {
      const expected = path.join(root, workspaceKey(identifier));
      expect(await resolveWorkspacePath(root, identifier)).toBe(expected);
      const first = await ensureWorkspace({ root, issue: issue(identifier) });
      const second = await ensureWorkspace({ root, issue: issue(identifier) });
      expect(first).toEqual({ path: expected, key: workspaceKey(identifier), createdNow: true });
      expect(second).toEqual({ path: expected, key: workspaceKey(identifier), createdNow: false });
      expect(path.dirname(first.path)).toBe(root);
    },
  );

  it.each([
    ['the root exists', true],
    ['the root does not exist yet', false],
  ])('§17.2 missing workspace directory is created when %s', async (_label, rootExists) => {
    const nestedRoot = path.join(root, 'nested', 'deeper');
    if (rootExists) await mkdir(nestedRoot, { recursive: true });
    const ws = await ensureWorkspace({ root: nestedRoot, issue: issue('MT-1') });
    expect(ws.createdNow).toBe(true);
    expect(ws.path).toBe(path.join(nestedRoot, 'MT-1'));
    expect(existsSync(ws.path)).toBe(true);
  });

  it.each([
    ['a plain directory', async (_ws: string) => undefined],
    ['a symlink to a directory inside the root', async (ws: string) => {
      await mkdir(path.join(root, 'real-dir'), { recursive: true });
      await symlink(path.join(root, 'real-dir'), ws);
    }],
  ])('§17.2 existing workspace directory is reused untouched: %s', async (_label, prepare) => {
    const counter = path.join(tmp, 'after_create.count');
    const hooks: WorkspaceHooks = { after_create: `echo x >> "${counter}"` };
    await mkdir(root, { recursive: true });
    await prepare(path.join(root, 'MT-2'));
    const first = await ensureWorkspace({ root, issue: issue('MT-2'), hooks, hookTimeoutMs: HOOK_TIMEOUT_MS });
    await writeFile(path.join(first.path, 'work.txt'), 'progress');
    const runs = await countLines(counter);
    const again = await ensureWorkspace({ root, issue: issue('MT-2'), hooks, hookTimeoutMs: HOOK_TIMEOUT_MS });
    expect(again.createdNow).toBe(false);
    expect(again.path).toBe(first.path);
    expect(await readFile(path.join(again.path, 'work.txt'), 'utf8')).toBe('progress');
    expect(await countLines(counter)).toBe(runs);
  });

  it.each([
    ['a regular file', async (target: string) => writeFile(target, 'stray')],
    ['a dangling symlink inside the root', async (target: string) => symlink(path.join(root, 'gone'), target)],
  ])('§17.2 existing non-directory at the workspace location is replaced by a directory: %s', async (_label, prepare) => {
    await mkdir(root, { recursive: true });
    const target = path.join(root, 'MT-3');
    await prepare(target);
    const counter = path.join(tmp, 'after_create.count');
    const ws = await ensureWorkspace({
      root,
      issue: issue('MT-3'),
      hooks: { after_create: `echo x >> "${counter}"` },
      hookTimeoutMs: HOOK_TIMEOUT_MS,
    });
    expect(ws.createdNow).toBe(true);
    expect(await countLines(counter)).toBe(1);
    await writeFile(path.join(ws.path, 'probe'), '');
    expect(existsSync(path.join(ws.path, 'probe'))).toBe(true);
  });

  it.each([
    ['fails', 'echo cloning; echo boom >&2; exit 3', HOOK_TIMEOUT_MS, 'hook_failed', /boom/],
    ['times out', 'touch partial; sleep 30', FAST_TIMEOUT_MS, 'hook_timeout', /300 ms/],
  ])(
    '§17.2 workspace population error is surfaced when after_create %s, and the new directory is removed',
    async (_label, script, timeoutMs, category, message) => {
      const err = await rejection(
        ensureWorkspace({ root, issue: issue('MT-4'), hooks: { after_create: script }, hookTimeoutMs: timeoutMs }),
      );
      expect(err.category).toBe(category);
      expect(err.message).toMatch(message);
      expect(err.message).toContain('after_create');
      expect(existsSync(path.join(root, 'MT-4'))).toBe(false);
      // The next attempt bootstraps from scratch.
      const ws = await ensureWorkspace({ root, issue: issue('MT-4'), hooks: { after_create: 'touch ready' }, hookTimeoutMs: HOOK_TIMEOUT_MS });
      expect(ws.createdNow).toBe(true);
      expect(existsSync(path.join(ws.path, 'ready'))).toBe(true);
    },
  );

  it('§17.2 after_create runs only when the workspace is newly created', async () => {
    const counter = path.join(tmp, 'after_create.count');
    const hooks: WorkspaceHooks = { after_create: `echo "$PWD" >> "${counter}"` };
    const steps: [string, () => Promise<unknown>, number][] = [
      ['create', () => ensureWorkspace({ root, issue: issue('MT-5'), hooks, hookTimeoutMs: HOOK_TIMEOUT_MS }), 1],
      ['reuse', () => ensureWorkspace({ root, issue: issue('MT-5'), hooks, hookTimeoutMs: HOOK_TIMEOUT_MS }), 1],
      ['reuse again', () => ensureWorkspace({ root, issue: issue('MT-5'), hooks, hookTimeoutMs: HOOK_TIMEOUT_MS }), 1],
      ['remove', () => removeWorkspace({ root, identifier: 'MT-5' }), 1],
      ['recreate', () => ensureWorkspace({ root, issue: issue('MT-5'), hooks, hookTimeoutMs: HOOK_TIMEOUT_MS }), 2],
    ];
    for (const [label, step, expected] of steps) {
      await step();
      expect(await countLines(counter), label).toBe(expected);
    }
    expect((await readFile(counter, 'utf8')).split('\n')[0]).toBe(path.join(root, 'MT-5'));
  });

  it.each([
    ['succeeds', 'echo ran > "$BATON_WORKSPACE/before_run.txt"', HOOK_TIMEOUT_MS, undefined],
    ['fails', 'exit 7', HOOK_TIMEOUT_MS, 'hook_failed'],
    ['times out', 'sleep 30', FAST_TIMEOUT_MS, 'hook_timeout'],
  ])('§17.2 before_run runs before each attempt; when it %s the attempt is aborted on failure', async (_l, script, timeoutMs, category) => {
    const ws = await ensureWorkspace({ root, issue: issue('MT-6') });
    const attempt = runBeforeRun({ workspace: ws.path, issue: issue('MT-6'), hooks: { before_run: script }, hookTimeoutMs: timeoutMs });
    if (category === undefined) {
      await expect(attempt).resolves.toMatchObject({ hook: 'before_run', exitCode: 0 });
      expect(await readFile(path.join(ws.path, 'before_run.txt'), 'utf8')).toBe('ran\n');
    } else {
      expect((await rejection(attempt)).category).toBe(category);
    }
    expect(existsSync(ws.path)).toBe(true); // a reused workspace is never reset
  });

  it.each([
    ['succeeds', 'touch after_run.txt', HOOK_TIMEOUT_MS, undefined],
    ['fails', 'echo nope >&2; exit 9', HOOK_TIMEOUT_MS, 'hook_failed'],
    ['times out', 'sleep 30', FAST_TIMEOUT_MS, 'hook_timeout'],
  ])('§17.2 after_run runs after each attempt; when it %s the failure is logged and ignored', async (_l, script, timeoutMs, category) => {
    const ws = await ensureWorkspace({ root, issue: issue('MT-7') });
    const { logger, lines } = capturingLogger();
    const outcome = await runAfterRun({ workspace: ws.path, issue: issue('MT-7'), hooks: { after_run: script }, hookTimeoutMs: timeoutMs, logger });
    expect(outcome.ran).toBe(true);
    expect(outcome.error?.category).toBe(category);
    if (category) expect(lines.some((l) => l.level === 40 && String(l.msg).includes('ignored'))).toBe(true);
    else expect(existsSync(path.join(ws.path, 'after_run.txt'))).toBe(true);
  });

  it.each([
    ['succeeds', 'echo "$PWD" > "$MARK"', HOOK_TIMEOUT_MS],
    ['fails', 'echo "$PWD" > "$MARK"; exit 1', HOOK_TIMEOUT_MS],
    // Long enough for the login shell to write the mark before it is killed.
    ['times out', 'echo "$PWD" > "$MARK"; sleep 30', 1_500],
  ])('§17.2 before_remove runs on cleanup; when it %s the workspace is still removed', async (_l, script, timeoutMs) => {
    const mark = path.join(tmp, 'before_remove.mark');
    const ws = await ensureWorkspace({ root, issue: issue('MT-8') });
    await writeFile(path.join(ws.path, 'file'), 'x');
    const options = {
      root,
      identifier: 'MT-8',
      hooks: { before_remove: script },
      hookTimeoutMs: timeoutMs,
      env: { ...process.env, MARK: mark },
    };
    expect(await removeWorkspace(options)).toEqual({ path: ws.path, removed: true });
    expect(existsSync(ws.path)).toBe(false);
    expect((await readFile(mark, 'utf8')).trim()).toBe(ws.path);
    // Idempotent, and the hook does not run for a missing directory.
    await rm(mark);
    expect(await removeWorkspace(options)).toEqual({ path: ws.path, removed: false });
    expect(existsSync(mark)).toBe(false);
  });

  it('§17.2 sanitization, original-identifier hash collision resistance and root containment are enforced', async () => {
    const identifiers = ['ABC/123', 'ABC_123', 'ABC 123', 'MT-101'];
    const paths = await Promise.all(identifiers.map(async (id) => (await ensureWorkspace({ root, issue: issue(id) })).path));
    expect(new Set(paths).size).toBe(identifiers.length);
    for (const p of paths) expect(path.dirname(p)).toBe(root);
    expect(paths[3]).toBe(path.join(root, 'MT-101'));

    // <root>/<key> is a symlink leading out of the root: refused, and nothing outside is touched.
    await symlink(outside, path.join(root, 'EVIL-1'));
    const hooks = { after_create: `touch "${outside}/pwned"` };
    const cases: [string, () => Promise<unknown>, string][] = [
      ['resolve', () => resolveWorkspacePath(root, 'EVIL-1'), 'workspace_symlink_escape'],
      ['ensure', () => ensureWorkspace({ root, issue: issue('EVIL-1'), hooks, hookTimeoutMs: HOOK_TIMEOUT_MS }), 'workspace_symlink_escape'],
      ['remove recorded', () => removeWorkspace({ root, recordedPath: path.join(root, 'EVIL-1') }), 'workspace_symlink_escape'],
      ['remove by identifier', () => removeWorkspace({ root, identifier: 'EVIL-1' }), 'workspace_symlink_escape'],
      ['recorded root itself', () => removeWorkspace({ root, recordedPath: root }), 'workspace_equals_root'],
      ['recorded outside', () => removeWorkspace({ root, recordedPath: outside }), 'workspace_outside_root'],
      ['recorded dot-dot', () => removeWorkspace({ root, recordedPath: path.join(root, '..', 'outside') }), 'workspace_outside_root'],
    ];
    for (const [label, run, category] of cases) expect((await rejection(run())).category, label).toBe(category);
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(path.join(outside, 'pwned'))).toBe(false);
  });

  it('§17.2 containment is checked against the canonical root, segment by segment', async () => {
    await mkdir(root, { recursive: true });
    const linkedRoot = path.join(tmp, 'root-link');
    await symlink(root, linkedRoot);
    await symlink(root, path.join(root, 'SELF'));
    await mkdir(path.join(root, 'inner'));
    await symlink(path.join(root, 'inner'), path.join(root, 'ALIAS'));
    await symlink(path.join(root, 'loop-b'), path.join(root, 'loop-a'));
    await symlink(path.join(root, 'loop-a'), path.join(root, 'loop-b'));
    await symlink(path.join(outside, 'not-yet'), path.join(root, 'DANGLING-OUT'));
    const cases: [string, string, string][] = [
      ['through a symlinked root', path.join(linkedRoot, 'MT-1'), path.join(root, 'MT-1')],
      ['a link that stays inside', path.join(root, 'ALIAS'), path.join(root, 'inner')],
      ['a missing tail is kept', path.join(root, 'ALIAS', 'not', 'yet'), path.join(root, 'inner', 'not', 'yet')],
      ['a dotted name is not a parent', path.join(root, '..x'), path.join(root, '..x')],
    ];
    for (const [label, candidate, expected] of cases) expect(await assertInsideRoot(linkedRoot, candidate), label).toBe(expected);
    const failures: [string, string, string][] = [
      ['link back to the root', path.join(root, 'SELF'), 'workspace_equals_root'],
      ['symlink loop', path.join(root, 'loop-a'), 'workspace_path_unreadable'],
      // realpath refuses a dangling link; the walk follows it to where it would lead.
      ['a dangling link leading out of the root', path.join(root, 'DANGLING-OUT', 'x'), 'workspace_symlink_escape'],
      ['sibling with a common prefix', `${root}-other/x`, 'workspace_outside_root'],
    ];
    for (const [label, candidate, category] of failures) {
      expect((await rejection(assertInsideRoot(root, candidate))).category, label).toBe(category);
    }
  });

  it('§17.2 agent launch uses the per-issue workspace path as cwd and rejects out-of-root paths', async () => {
    const ws = await ensureWorkspace({ root, issue: issue('MT-9') });
    const other = await ensureWorkspace({ root, issue: issue('MT-10') });
    await mkdir(path.join(ws.path, 'sub'));
    await symlink(outside, path.join(root, 'ESCAPE'));
    expect(await assertAgentCwd(root, ws.path)).toBe(ws.path);
    expect(await assertAgentCwd(root, ws.path, 'MT-9')).toBe(ws.path);
    const cases: [string, string, string | undefined, string][] = [
      ['the root itself', root, undefined, 'workspace_equals_root'],
      ['the root with a trailing slash', `${root}/`, undefined, 'workspace_equals_root'],
      ['outside the root', outside, undefined, 'workspace_outside_root'],
      ['escaping through a symlink', path.join(root, 'ESCAPE'), undefined, 'workspace_symlink_escape'],
      ['a subdirectory of a workspace', path.join(ws.path, 'sub'), undefined, 'not_issue_workspace'],
      ["another issue's workspace", other.path, 'MT-9', 'not_issue_workspace'],
      ['a workspace that does not exist', path.join(root, 'MT-404'), 'MT-404', 'missing'],
    ];
    for (const [label, cwd, identifier, reason] of cases) {
      const err = await rejection(assertAgentCwd(root, cwd, identifier));
      expect(err.category, label).toBe('invalid_workspace_cwd');
      expect(err.details?.reason, label).toBe(reason);
    }
  });
});

describe('hook execution', () => {
  it.each([
    ['after_create', 'after_create'],
    ['before_run', 'before_run'],
    ['after_run', 'after_run'],
    ['before_remove', 'before_remove'],
  ])('%s sees the BATON_* issue variables and never a tracker secret', async (_label, hook) => {
    const dump = path.join(tmp, `${hook}.env`);
    const hooks: WorkspaceHooks = { [hook]: `env > "${dump}"` };
    const base = { ...process.env, LINEAR_API_KEY: 'lin_secret', GITHUB_TOKEN: 'ghp_secret', KEEP_ME: 'visible' };
    const common = { hooks, hookTimeoutMs: HOOK_TIMEOUT_MS, env: base, secretEnvNames: ['LINEAR_API_KEY', 'GITHUB_TOKEN'], stage: 'implement' };
    const subject = issue('MT-11', 'uuid-11');
    const ws = await ensureWorkspace({ root, issue: subject, ...common });
    if (hook === 'before_run') await runBeforeRun({ workspace: ws.path, issue: subject, ...common });
    if (hook === 'after_run') await runAfterRun({ workspace: ws.path, issue: subject, ...common });
    if (hook === 'before_remove') await removeWorkspace({ root, issue: subject, ...common });
    const env = Object.fromEntries(
      (await readFile(dump, 'utf8')).split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      BATON_ISSUE_ID: 'uuid-11',
      BATON_ISSUE_IDENTIFIER: 'MT-11',
      BATON_STAGE: 'implement',
      BATON_WORKSPACE: ws.path,
      KEEP_ME: 'visible',
    });
    expect(env).not.toHaveProperty('LINEAR_API_KEY');
    expect(env).not.toHaveProperty('GITHUB_TOKEN');
    expect(await readFile(dump, 'utf8')).not.toMatch(/lin_secret|ghp_secret/);
  });

  it('buildChildEnv drops every listed secret, even one passed again in extra', () => {
    const env = buildChildEnv({
      base: { PATH: '/bin', LINEAR_API_KEY: 'a', JIRA_API_TOKEN: 'b', UNSET: undefined },
      secretEnvNames: ['LINEAR_API_KEY', 'JIRA_API_TOKEN'],
      extra: { BATON_STAGE: 'plan', JIRA_API_TOKEN: 'again' },
    });
    expect(env).toEqual({ PATH: '/bin', BATON_STAGE: 'plan' });
  });

  it('workspaceSettingsFromConfig collects every tracker secret name', () => {
    const settings = workspaceSettingsFromConfig({
      workspace: { root: '/srv/ws' },
      hooks: { timeout_ms: 1234, before_run: 'true' },
      trackers: [
        { secret_env: ['LINEAR_API_KEY'] },
        { secret_env: ['GITHUB_TOKEN', 'LINEAR_API_KEY'] },
      ] as never,
    });
    expect(settings).toEqual({
      root: '/srv/ws',
      hooks: { timeout_ms: 1234, before_run: 'true' },
      hookTimeoutMs: 1234,
      secretEnvNames: ['LINEAR_API_KEY', 'GITHUB_TOKEN'],
    });
  });

  it('a hook timeout kills its whole process group, leaving no orphan', async () => {
    await mkdir(root, { recursive: true });
    const pidFile = path.join(tmp, 'bg.pid');
    // The timeout must outlast login-shell start-up so the pid is written before the kill.
    const err = await rejection(
      runHook('before_run', `sleep 100 & echo $! > "${pidFile}"; wait`, { cwd: root, env: process.env, timeoutMs: 2_000 }),
    );
    expect(err.category).toBe('hook_timeout');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(pid).toBeGreaterThan(0);
    expect(await processGone(pid)).toBe(true);
  });

  it(`hook output in logs and errors is truncated to ${HOOK_OUTPUT_LOG_BYTES} bytes, keeping the end`, async () => {
    await mkdir(root, { recursive: true });
    const { logger, lines } = capturingLogger();
    const script = 'for i in $(seq 1 400); do echo "line $i of noisy output"; done; echo LAST-LINE >&2; exit 2';
    const err = await rejection(runHook('after_create', script, { cwd: root, env: process.env, timeoutMs: HOOK_TIMEOUT_MS, logger }));
    expect(err.category).toBe('hook_failed');
    const output = String(err.details?.output);
    expect(output).toContain('LAST-LINE');
    expect(output).toMatch(/earlier bytes truncated/);
    expect(output).not.toContain('line 1 of');
    expect(Buffer.byteLength(output)).toBeLessThan(HOOK_OUTPUT_LOG_BYTES + 100);
    const failure = lines.find((l) => l.hook === 'after_create' && l.level === 40);
    expect(String(failure?.output)).toContain('LAST-LINE');
    expect(Buffer.byteLength(String(failure?.output))).toBeLessThan(HOOK_OUTPUT_LOG_BYTES + 100);
  });
});
