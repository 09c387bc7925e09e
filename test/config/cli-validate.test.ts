import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findDefaultConfigPath } from '../../config/index.js';
import { configError, tempTree } from './helpers.js';
import { BATON_BIN } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'config');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `baton validate …` (the built bin) as a child process, with a clean environment. */
function validate(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const name of ['LINEAR_API_KEY', 'GITHUB_TOKEN', 'JIRA_API_TOKEN', 'JIRA_EMAIL']) if (!options.env?.[name]) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BATON_BIN, 'validate', ...args], { cwd: options.cwd ?? root, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** One child process per distinct invocation, shared by the tests that read it (each costs seconds). */
const runs = new Map<string, Promise<Run>>();
function validateOnce(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const key = JSON.stringify([args, options]);
  if (!runs.has(key)) runs.set(key, validate(args, options));
  return runs.get(key)!;
}

const symphonyText = readFileSync(join(fixtures, 'symphony-elixir-WORKFLOW.md'), 'utf8');
/** The Symphony fixture plus one Symphony-only key, so the file is valid with one warning. */
const withWarning = tempTree({ 'WORKFLOW.md': symphonyText.replace('\n---\n', '\nobservability:\n  dashboard_enabled: false\n---\n') });
const secretEnv = { LINEAR_API_KEY: 'lin_super_secret' };

describe.concurrent('baton validate (real CLI)', () => {
  it.each([
    ['bad-yaml.yaml', ':6:1: error: invalid YAML: ', 'workflow_parse_error'],
    ['non-map-WORKFLOW.md', ':2:1: error: the front matter must be a map', 'workflow_front_matter_not_a_map'],
    ['unknown-key.yaml', ':6:5: error: tracker.provider.project_slug: is required', 'invalid_tracker_config'],
    ['wrong-type.yaml', ':4:16: error: polling.interval_ms: expected a positive integer, got "abc"', 'invalid_config'],
    ['missing-secret-WORKFLOW.md', ':2:1: error: tracker: tracker `linear` has no `provider.api_key`: environment variable LINEAR_API_KEY is not set', 'missing_tracker_secret'],
  ])('§5.5 %s → file:line:col, a fix line, exit 1', async (name, located, category) => {
    const run = await validateOnce([join('test/fixtures/config/broken', name)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`test/fixtures/config/broken/${name}${located}`);
    expect(run.stderr).toMatch(/\n {2}fix: \S/);
    expect(run.stderr).toContain(`(${category})`);
    expect(run.stdout).toBe('');
  });

  it('baton §3.5 the unknown key is reported as a warning with a suggestion, next to the error it causes', async () => {
    const run = await validateOnce(['test/fixtures/config/broken/unknown-key.yaml']);
    expect(run.stderr).toContain('unknown-key.yaml:6:5: warning: tracker.provider.projet_slug: unknown key `projet_slug`: did you mean `project_slug`?');
    expect(run.stderr).toContain('fix: rename `projet_slug` to `project_slug`');
  });

  it('baton §8 a valid file prints the effective config with secrets masked and its warnings, exit 0', async () => {
    const run = await validateOnce(['WORKFLOW.md'], { cwd: withWarning, env: secretEnv });
    expect(run.code).toBe(0);
    const printed = parse(run.stdout) as { trackers: { provider: Record<string, unknown> }[]; stages: { name: string }[] };
    expect(printed.trackers[0]!.provider).toMatchObject({ api_key: '***', project_slug: 'symphony-0c79b11b75ea' });
    expect(printed.stages.map((s) => s.name)).toEqual(['run']);
    expect(run.stdout + run.stderr).not.toContain('lin_super_secret');
    expect(run.stderr).toMatch(/WORKFLOW\.md:\d+:1: warning: observability: is not used by Baton/);
    expect(run.stderr).toContain('ok: WORKFLOW.md');
  });

  it('baton §8 --json --strict: machine-readable, and warnings fail', async () => {
    const run = await validateOnce(['--json', '--strict', 'WORKFLOW.md'], { cwd: withWarning, env: secretEnv });
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as { ok: boolean; hash: string; config: { trackers: { provider: Record<string, unknown> }[] }; warnings: { path: string; line: number }[] };
    expect(out.ok).toBe(false);
    expect(out.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(out.config.trackers[0]!.provider.api_key).toBe('***');
    expect(out.warnings).toEqual([expect.objectContaining({ path: 'observability', line: expect.any(Number) })]);
  });
});

describe.concurrent('§17.7 config file path precedence', () => {
  const both = { 'baton.yaml': 'name: from-baton-yaml\ntracker:\n  kind: memory\n', 'WORKFLOW.md': '---\nname: from-workflow\ntracker:\n  kind: memory\n---\n', 'other.yaml': 'name: from-other\ntracker:\n  kind: memory\n' };

  it.each([
    ['explicit path is used when provided', both, 'other.yaml', 'other.yaml'],
    ['baton.yaml is the default when present', both, undefined, 'baton.yaml'],
    ['§17.1 cwd default is WORKFLOW.md when there is no baton.yaml', { 'WORKFLOW.md': both['WORKFLOW.md'] }, undefined, 'WORKFLOW.md'],
    ['an explicit path is not searched for', { 'WORKFLOW.md': both['WORKFLOW.md'] }, 'missing.yaml', 'missing.yaml'],
  ])('§17.1 %s', (_name, files, explicit, expected) => {
    const dir = tempTree(files);
    expect(findDefaultConfigPath(dir, explicit)).toBe(join(dir, expected));
  });

  it('§17.7 no default file is a missing_workflow_file error', () => {
    const err = configError(() => findDefaultConfigPath(tempTree({})));
    expect(err.category).toBe('missing_workflow_file');
  });

  it('§17.7 the CLI uses the default file of its working directory', async () => {
    const run = await validateOnce([], { cwd: tempTree(both) });
    expect(run.code).toBe(0);
    expect((parse(run.stdout) as { name: string }).name).toBe('from-baton-yaml');
  });

  it.each([
    ['a nonexistent explicit path', ['nope.yaml'], 'nope.yaml: error: config file not found'],
    ['no default file', [], 'error: no baton.yaml or WORKFLOW.md in'],
  ])('§17.7 the CLI errors on %s', async (_name, args, message) => {
    const run = await validateOnce(args, { cwd: tempTree({}) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('fix: ');
    expect(run.stderr).toContain('(missing_workflow_file)');
  });
});
