/**
 * Environment fallbacks Symphony reads for non-secret tracker settings (issue 12; spec/SPEC.md §3.2):
 * `LINEAR_ASSIGNEE`, `JIRA_BASE_URL`, `GITHUB_REPO`, `GITLAB_PROJECT_PATH`. Each row loads a real file with a test
 * environment; failures must carry file:line:col, the variable to set and a fix.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { configError, tempTree } from './helpers.js';

type Env = Record<string, string | undefined>;

const SECRETS: Env = { LINEAR_API_KEY: 'lin_k', JIRA_EMAIL: 'dev@example.com', JIRA_API_TOKEN: 'jt', GITHUB_TOKEN: 'ght', GITLAB_PAT: 'glpat' };

/** A `tracker:` block of `kind` with `providerLines` (YAML, two-space indented under provider). */
function file(kind: string, providerLines: string[]): string {
  const provider = providerLines.length ? `  provider:\n${providerLines.map((l) => `    ${l}`).join('\n')}\n` : '';
  // Jira has no default terminal states; the others accept this list too.
  return `tracker:\n  kind: ${kind}\n  terminal_states: [Done]\n${provider}`;
}

function load(text: string, env: Env) {
  const dir = tempTree({ 'baton.yaml': text });
  return loadConfig(join(dir, 'baton.yaml'), { env: { ...SECRETS, ...env }, trackerProfiles });
}

const LINEAR = ['project_slug: proj'];
const JIRA = ['project: ENG'];
const GITHUB: string[] = [];
const GITLAB: string[] = [];

describe('environment fallbacks for non-secret provider keys (SPEC §3.2)', () => {
  it.each([
    { kind: 'linear', key: 'assignee', lines: LINEAR, env: { LINEAR_ASSIGNEE: 'user-1' }, want: 'user-1', why: 'omitted → LINEAR_ASSIGNEE' },
    { kind: 'linear', key: 'assignee', lines: [...LINEAR, 'assignee: me'], env: { LINEAR_ASSIGNEE: 'user-1' }, want: 'me', why: 'written → the file wins' },
    { kind: 'linear', key: 'assignee', lines: [...LINEAR, 'assignee: $WHO'], env: { WHO: 'user-2', LINEAR_ASSIGNEE: 'user-1' }, want: 'user-2', why: '$WHO set → WHO' },
    { kind: 'linear', key: 'assignee', lines: [...LINEAR, 'assignee: $WHO'], env: { LINEAR_ASSIGNEE: 'user-1' }, want: 'user-1', why: '$WHO unset → LINEAR_ASSIGNEE' },
    { kind: 'linear', key: 'assignee', lines: [...LINEAR, 'assignee: $WHO'], env: { WHO: '', LINEAR_ASSIGNEE: 'user-1' }, want: undefined, why: '$WHO empty → no assignee filter' },
    { kind: 'linear', key: 'assignee', lines: LINEAR, env: {}, want: undefined, why: 'omitted, LINEAR_ASSIGNEE unset → no assignee filter' },
    { kind: 'linear', key: 'assignee', lines: ['project_slug: proj'], env: { LINEAR_ASSIGNEE: '' }, want: undefined, why: 'LINEAR_ASSIGNEE empty → no assignee filter' },
    { kind: 'jira', key: 'base_url', lines: JIRA, env: { JIRA_BASE_URL: 'https://acme.atlassian.net' }, want: 'https://acme.atlassian.net', why: 'omitted → JIRA_BASE_URL' },
    { kind: 'jira', key: 'base_url', lines: [...JIRA, 'base_url: https://file.atlassian.net'], env: { JIRA_BASE_URL: 'https://env.atlassian.net' }, want: 'https://file.atlassian.net', why: 'written → the file wins' },
    { kind: 'jira', key: 'base_url', lines: [...JIRA, 'base_url: $SITE'], env: { SITE: 'https://site.atlassian.net' }, want: 'https://site.atlassian.net', why: '$SITE set → SITE' },
    { kind: 'jira', key: 'base_url', lines: [...JIRA, 'base_url: $SITE'], env: { JIRA_BASE_URL: 'https://env.atlassian.net' }, want: 'https://env.atlassian.net', why: '$SITE unset → JIRA_BASE_URL' },
    { kind: 'github', key: 'repo', lines: GITHUB, env: { GITHUB_REPO: 'acme/app' }, want: 'acme/app', why: 'omitted → GITHUB_REPO' },
    { kind: 'github', key: 'repo', lines: ['repo: acme/web'], env: { GITHUB_REPO: 'acme/app' }, want: 'acme/web', why: 'written → the file wins' },
    { kind: 'gitlab', key: 'project_path', lines: GITLAB, env: { GITLAB_PROJECT_PATH: 'acme/widgets' }, want: 'acme/widgets', why: 'omitted → GITLAB_PROJECT_PATH' },
    { kind: 'gitlab', key: 'project_path', lines: ['project_path: $PROJ'], env: { PROJ: 'acme/tools' }, want: 'acme/tools', why: '$PROJ set → PROJ' },
  ])('$kind $key: $why', ({ kind, key, lines, env, want }) => {
    const { config } = load(file(kind, lines), env);
    expect(config.trackers[0]!.provider[key]).toBe(want);
  });

  it.each([
    { kind: 'jira', lines: JIRA, env: {}, line: 1, variable: 'JIRA_BASE_URL', why: 'omitted and JIRA_BASE_URL unset: points at the tracker' },
    { kind: 'jira', lines: [...JIRA, 'base_url: $SITE'], env: {}, line: 6, variable: 'SITE', why: '$SITE and JIRA_BASE_URL unset: points at the key' },
    { kind: 'jira', lines: [...JIRA, 'base_url: $SITE'], env: { SITE: '', JIRA_BASE_URL: 'https://env.atlassian.net' }, line: 6, variable: 'SITE', why: '$SITE empty' },
    { kind: 'github', lines: GITHUB, env: {}, line: 1, variable: 'GITHUB_REPO', why: 'omitted and GITHUB_REPO unset' },
    { kind: 'gitlab', lines: GITLAB, env: {}, line: 1, variable: 'GITLAB_PROJECT_PATH', why: 'omitted and GITLAB_PROJECT_PATH unset' },
  ])('a required setting missing from file and environment fails: $kind, $why', ({ kind, lines, env, line, variable }) => {
    const dir = tempTree({ 'baton.yaml': file(kind, lines) });
    const error = configError(() => loadConfig(join(dir, 'baton.yaml'), { env: { ...SECRETS, ...env }, trackerProfiles }));
    const diagnostic = error.errors.find((d) => d.message.includes(variable));
    expect(diagnostic, JSON.stringify(error.errors)).toBeDefined();
    expect(diagnostic).toMatchObject({ category: 'invalid_tracker_config', file: join(dir, 'baton.yaml'), line });
    expect(diagnostic!.column).toBeGreaterThan(0);
    expect(diagnostic!.hint).toMatch(new RegExp(`set ${variable}|${variable}`));
  });

  it('a value read from the environment is validated, and the error names the variable', () => {
    const dir = tempTree({ 'baton.yaml': file('jira', JIRA) });
    const error = configError(() => loadConfig(join(dir, 'baton.yaml'), { env: { ...SECRETS, JIRA_BASE_URL: 'not a url' }, trackerProfiles }));
    const diagnostic = error.errors.find((d) => d.path === 'tracker');
    expect(diagnostic).toMatchObject({ line: 1, category: 'invalid_tracker_config' });
    expect(diagnostic!.message).toContain('read from JIRA_BASE_URL');
    expect(diagnostic!.hint).toContain('fix JIRA_BASE_URL');
  });

  it('settings are not secrets: not masked, not stripped from agents, no literal warning', () => {
    const { config, warnings } = load(file('jira', [...JIRA, 'base_url: https://file.atlassian.net']), {});
    const tracker = config.trackers[0]!;
    expect(tracker.secret_env).not.toContain('JIRA_BASE_URL');
    expect(warnings.filter((w) => w.path.endsWith('base_url'))).toEqual([]);
    expect(maskSecrets(config, trackerProfiles).trackers[0]!.provider.base_url).toBe('https://file.atlassian.net');
  });
});
