/**
 * The `openai` backend's workspace tools on real files and real processes: path confinement
 * (SPEC §15.2), argument validation, edit semantics, output bounds and shell timeouts.
 */
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathRefusedError, resolveWorkspaceFile } from '../../../adapters/agents/openai/paths.js';
import { OutputWindow, truncateMiddle } from '../../../adapters/agents/openai/output-window.js';
import { parseToolArguments, runWorkspaceTool, withUnset, workspaceToolDeclarations, type WorkspaceToolContext } from '../../../adapters/agents/openai/tools.js';
import { scaled } from '../../helpers/time.js';

let base: string;
let workspace: string;
let outside: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'baton-openai-tools-')));
  workspace = path.join(base, 'ws');
  outside = path.join(base, 'outside');
  await mkdir(path.join(workspace, 'inner'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(workspace, 'inner', 'a.txt'), 'inside');
  await writeFile(path.join(outside, 'secret.txt'), 'outside');
  await symlink(path.join(workspace, 'inner'), path.join(workspace, 'link-in'));
  await symlink(outside, path.join(workspace, 'link-out'));
  await symlink(path.join(outside, 'missing.txt'), path.join(workspace, 'dangling-out'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const ctx = (over: Partial<WorkspaceToolContext> = {}): WorkspaceToolContext => ({
  workspace,
  // An empty HOME keeps the login shell from sourcing this machine's profile (and its noise).
  env: { PATH: process.env.PATH, HOME: base },
  signal: new AbortController().signal,
  shellTimeoutMs: scaled(20_000),
  maxShellTimeoutMs: scaled(20_000),
  maxOutputChars: 10_000,
  ...over,
});

describe('resolveWorkspaceFile', () => {
  it.each([
    { requested: 'inner/a.txt', want: 'inner/a.txt' },
    { requested: 'new/dir/file.txt', want: 'new/dir/file.txt' },
    { requested: 'inner/../inner/a.txt', want: 'inner/a.txt' },
    { requested: 'link-in/a.txt', want: 'inner/a.txt' },
    { requested: '__ABS__/inner/a.txt', want: 'inner/a.txt' },
  ])('accepts $requested', async ({ requested, want }) => {
    const resolved = await resolveWorkspaceFile(workspace, requested.replace('__ABS__', workspace));
    expect(resolved).toBe(path.join(workspace, want));
  });

  it.each([
    { requested: '../outside/secret.txt', message: /outside the workspace/ },
    { requested: 'inner/../../x', message: /outside the workspace/ },
    { requested: '/etc/passwd', message: /outside the workspace/ },
    { requested: '.', message: /workspace directory itself/ },
    { requested: '', message: /non-empty string/ },
    { requested: 'a\0b', message: /NUL/ },
    { requested: 'link-out/secret.txt', message: /symbolic link/ },
    { requested: 'link-out/new.txt', message: /symbolic link/ },
    { requested: 'dangling-out', message: /symbolic link/ },
  ])('refuses $requested', async ({ requested, message }) => {
    const error = await resolveWorkspaceFile(workspace, requested).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PathRefusedError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('file tools', () => {
  it('write_file creates parent directories and refuses to write through a link out', async () => {
    const ok = await runWorkspaceTool('write_file', { path: 'deep/er/new.txt', content: 'hi' }, ctx());
    expect(ok).toMatchObject({ success: true, summary: 'wrote deep/er/new.txt (2 bytes)' });
    expect(await readFile(path.join(workspace, 'deep/er/new.txt'), 'utf8')).toBe('hi');
    const refused = await runWorkspaceTool('write_file', { path: 'dangling-out', content: 'x' }, ctx());
    expect(refused.success).toBe(false);
    expect(refused.output).toMatch(/^Refused: /);
    await expect(readFile(path.join(outside, 'missing.txt'), 'utf8')).rejects.toThrow();
  });

  it('edit_file replaces one exact occurrence, refuses ambiguity, honours replace_all, and keeps `$` literal', async () => {
    await writeFile(path.join(workspace, 'e.txt'), 'x = 1\nx = 1\ny = 2\n');
    const ambiguous = await runWorkspaceTool('edit_file', { path: 'e.txt', old_string: 'x = 1', new_string: 'x = 3' }, ctx());
    expect(ambiguous).toMatchObject({ success: false });
    expect(ambiguous.output).toContain('occurs 2 times');
    const unique = await runWorkspaceTool('edit_file', { path: 'e.txt', old_string: 'y = 2', new_string: "y = '$&$1'" }, ctx());
    expect(unique.success).toBe(true);
    const all = await runWorkspaceTool('edit_file', { path: 'e.txt', old_string: 'x = 1', new_string: 'x = 3', replace_all: true }, ctx());
    expect(all).toMatchObject({ success: true, output: 'Replaced 2 occurrences in e.txt.' });
    expect(await readFile(path.join(workspace, 'e.txt'), 'utf8')).toBe("x = 3\nx = 3\ny = '$&$1'\n");
  });

  it('read_file returns a line range, and refuses directories and binary files', async () => {
    await writeFile(path.join(workspace, 'lines.txt'), 'l1\nl2\nl3\nl4\n');
    await writeFile(path.join(workspace, 'bin.dat'), Buffer.from([0x7f, 0x45, 0x00, 0x01]));
    expect(await runWorkspaceTool('read_file', { path: 'lines.txt', offset: 2, limit: 2 }, ctx())).toMatchObject({ success: true, output: 'l2\nl3' });
    expect(await runWorkspaceTool('read_file', { path: 'inner' }, ctx())).toMatchObject({ success: false, output: 'inner is not a regular file.' });
    expect((await runWorkspaceTool('read_file', { path: 'bin.dat' }, ctx())).output).toContain('looks binary');
    expect((await runWorkspaceTool('read_file', { path: 'nope.txt' }, ctx())).output).toBe('nope.txt does not exist.');
  });

  it('answers invalid arguments with what is wrong', async () => {
    const outcome = await runWorkspaceTool('edit_file', { path: 'e.txt', old_string: '' }, ctx());
    expect(outcome.success).toBe(false);
    expect(outcome.output).toMatch(/^Invalid arguments for edit_file:/);
    expect(outcome.output).toContain('old_string');
    expect(outcome.output).toContain('new_string');
  });
});

describe('shell tool', () => {
  it('runs in the workspace with the given environment and reports the exit code', async () => {
    const outcome = await runWorkspaceTool('shell', { command: 'pwd; echo "$ONLY_VAR"; echo oops >&2; exit 3' }, ctx({ env: { PATH: process.env.PATH, HOME: base, ONLY_VAR: 'seen' } }));
    expect(outcome.success).toBe(false);
    expect(outcome.output).toBe(`Exit code: 3\n${workspace}\nseen\noops`);
    expect(outcome.summary).toContain('(exit 3)');
  });

  it('unsets secret names again after a login profile exported them', async () => {
    const home = path.join(base, 'leaky-home');
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, '.bash_profile'), 'export LEAKY_TOKEN=from-profile\n');
    const env = { PATH: process.env.PATH, HOME: home };
    const leaked = await runWorkspaceTool('shell', { command: 'echo "[$LEAKY_TOKEN]"' }, ctx({ env }));
    expect(leaked.output).toBe('Exit code: 0\n[from-profile]'); // the profile does run
    const kept = await runWorkspaceTool('shell', { command: 'echo "[$LEAKY_TOKEN]"' }, ctx({ env, unsetEnvNames: ['LEAKY_TOKEN', 'not a name; touch pwned'] }));
    expect(kept.output).toBe('Exit code: 0\n[]');
    await expect(readFile(path.join(workspace, 'pwned'))).rejects.toThrow();
  });

  it.each([
    { names: [], want: 'make test' },
    { names: ['A', 'B', 'A'], want: 'unset A B; make test' },
    { names: ['A', '$(id)', '1X'], want: 'unset A; make test' },
  ])('withUnset($names)', ({ names, want }) => {
    expect(withUnset('make test', names)).toBe(want);
  });

  it('kills a command that outlives its timeout, with its process group', async () => {
    const outcome = await runWorkspaceTool('shell', { command: 'sleep 30', timeout_ms: 200 }, ctx());
    expect(outcome.success).toBe(false);
    expect(outcome.output).toContain('ran longer than 200 ms and was killed');
  });

  it('caps the timeout the model may ask for', async () => {
    const outcome = await runWorkspaceTool('shell', { command: 'sleep 30', timeout_ms: 3_600_000 }, ctx({ shellTimeoutMs: 100, maxShellTimeoutMs: 300 }));
    expect(outcome.output).toContain('ran longer than 300 ms');
  });

  it('truncates long output in the middle, keeping its end', async () => {
    const outcome = await runWorkspaceTool('shell', { command: 'seq 1 20000' }, ctx({ maxOutputChars: 400 }));
    expect(outcome.success).toBe(true);
    expect(outcome.output.length).toBeLessThanOrEqual(400);
    expect(outcome.output).toContain('characters truncated');
    expect(outcome.output.startsWith('Exit code: 0\n1\n2\n3\n')).toBe(true);
    expect(outcome.output.endsWith('19999\n20000')).toBe(true);
    // `seq 1 20000` prints 108 894 characters; the marker counts every one that was left out.
    const kept = outcome.output.length - outcome.output.match(/\n…\[\d+ characters truncated\]…\n/)![0].length;
    const dropped = Number(/(\d+) characters truncated/.exec(outcome.output)![1]);
    expect(kept + dropped).toBe('Exit code: 0\n'.length + 108_894 - 1);
  });
});

describe('declarations and helpers', () => {
  it('declares the four tools with plain JSON Schemas', () => {
    const declared = workspaceToolDeclarations();
    expect(declared.map((d) => d.name)).toEqual(['shell', 'read_file', 'write_file', 'edit_file']);
    for (const d of declared) {
      expect(d).toMatchObject({ type: 'function', strict: false, parameters: { type: 'object' } });
      expect(d.parameters).not.toHaveProperty('$schema');
    }
    expect(declared[0]!.parameters.required).toEqual(['command']);
  });

  it.each([
    { raw: '{"a":1}', want: { ok: true, value: { a: 1 } } },
    { raw: '', want: { ok: true, value: {} } },
    { raw: '{not json', want: { ok: false } },
  ])('parseToolArguments($raw)', ({ raw, want }) => {
    expect(parseToolArguments(raw)).toMatchObject(want);
  });

  it.each([
    { text: 'short', max: 10, want: 'short' },
    { text: 'x'.repeat(100), max: 60, check: (s: string) => s.length <= 60 && s.includes('truncated') },
    { text: `${'a'.repeat(50)}${'b'.repeat(50)}`, max: 70, check: (s: string) => s.startsWith('aaa') && s.endsWith('bbb') },
  ])('truncateMiddle to $max', ({ text, max, want, check }) => {
    const out = truncateMiddle(text, max);
    if (want !== undefined) expect(out).toBe(want);
    if (check) expect(check(out)).toBe(true);
  });

  it.each([
    { name: 'short output is kept whole', lines: ['a', 'b'], max: 100, want: 'H\na\nb' },
    { name: 'an empty stream is the header alone', lines: [], max: 100, want: 'H' },
  ])('OutputWindow: $name', ({ lines, max, want }) => {
    const window = new OutputWindow(max);
    lines.forEach((l) => window.push(l));
    expect(window.render('H')).toBe(want);
  });

  it('OutputWindow keeps the first and last lines of a long stream and counts the rest', () => {
    const window = new OutputWindow(200);
    const lines = Array.from({ length: 5_000 }, (_, i) => `line ${i}`);
    lines.forEach((l) => window.push(l));
    const out = window.render('H');
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.startsWith('H\nline 0\nline 1\n')).toBe(true);
    expect(out.endsWith('line 4998\nline 4999')).toBe(true);
    const full = `H\n${lines.join('\n')}`;
    const dropped = Number(/(\d+) characters truncated/.exec(out)![1]);
    expect(out.length - out.match(/\n…\[\d+ characters truncated\]…\n/)![0].length + dropped).toBe(full.length);
  });
});
