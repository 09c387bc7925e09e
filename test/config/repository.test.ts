/**
 * The `repository:` block (spec/SPEC.md §4.10): secrets from the environment and never in the
 * view or the printed config, per-tracker overrides, PR gate and merge keys, and the load errors
 * that point at the line to fix.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { maskSecrets } from '../../config/mask-secrets.js';
import { toConfigView } from '../../config/view.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { configError, tempTree } from './helpers.js';

const env = { GITHUB_TOKEN: 'ghp_secret', CODE_TOKEN: 'ghp_code', HOOK: 'whsec' };

function yaml(body: string): string {
  return [
    'tracker:',
    '  kind: memory',
    '  active_states: [Todo, In Progress, In Review]',
    'stages:',
    '  - name: implement',
    '    states: [Todo, In Progress]',
    '    on_success: { move_to: In Review }',
    '    gate: { wait_for: checks, on_reject: implement, max_rework: 2 }',
    '  - name: review',
    '    states: [In Review]',
    '    agent: { backend: none }',
    '    gate: { wait_for: review, on_reject: implement, on_closed: implement, required_approvals: 2 }',
    '    on_success: { move_to: Done, merge_pull_request: { method: squash } }',
    body,
  ].join('\n');
}

function load(text: string, e: Record<string, string> = env) {
  const dir = tempTree({ 'baton.yaml': text });
  return loadConfig(join(dir, 'baton.yaml'), { env: e, trackerProfiles });
}

function errors(text: string, e: Record<string, string> = env) {
  const dir = tempTree({ 'baton.yaml': text });
  return configError(() => loadConfig(join(dir, 'baton.yaml'), { env: e, trackerProfiles })).diagnostics.filter((d) => d.severity === 'error');
}

describe('repository block', () => {
  it('§4.10 resolves the token from GITHUB_TOKEN, applies defaults, and gives every tracker the block', () => {
    const { config, warnings } = load(yaml('repository: { kind: github, repo: acme/app }'));
    expect(warnings).toEqual([]);
    expect(config.repository).toMatchObject({
      kind: 'github',
      repo: 'acme/app',
      token: 'ghp_secret',
      base: 'main',
      branch_prefix: 'baton/',
      use_tracker_branch: false,
      poll_interval_ms: 30_000,
      poll_max_interval_ms: 900_000,
      secret_env: ['GITHUB_TOKEN'],
    });
    expect(config.trackers[0]!.repository?.repo).toBe('acme/app');
    // Agents and hooks are stripped of every tracker secret_env: the repository's joins it.
    expect(config.trackers[0]!.secret_env).toContain('GITHUB_TOKEN');
    expect(config.stages[1]!.on_success.merge_pull_request).toEqual({ method: 'squash', delete_branch: true });
  });

  it('§4.10 the view workflows record has the repository without its token, and the PR gate keys', () => {
    const { config } = load(yaml('repository: { kind: github, repo: acme/app, token: $CODE_TOKEN, webhook_secret: $HOOK, base: trunk }'));
    const view = toConfigView(config, 'h');
    expect(view.trackers[0]!.repository).toEqual({ kind: 'github', repo: 'acme/app', base: 'trunk', branchPrefix: 'baton/', useTrackerBranch: false, pollIntervalMs: 30_000, pollMaxIntervalMs: 900_000 });
    expect(JSON.stringify(view)).not.toMatch(/ghp_code|whsec/);
    expect(view.stages[1]!.gate).toEqual({ wait_for: 'review', on_reject: 'implement', on_closed: 'implement', required_approvals: 2, max_rework: 3 });
    expect(view.stages[1]!.on_success.merge_pull_request).toEqual({ method: 'squash', delete_branch: true });
    expect([...(config.repository?.secret_env ?? [])].sort()).toEqual(['CODE_TOKEN', 'GITHUB_TOKEN', 'HOOK']);
  });

  it('§4.10 a tracker’s own repository overrides the top-level one', () => {
    const text = yaml('repository: { kind: github, repo: acme/app }').replace('  kind: memory\n', '  kind: memory\n  repository: { kind: github, repo: acme/other, token: $CODE_TOKEN }\n');
    const { config } = load(text);
    expect(config.trackers[0]!.repository).toMatchObject({ repo: 'acme/other', token: 'ghp_code' });
    expect(config.repository?.repo).toBe('acme/app');
  });

  it('§8 secrets are masked in the printed config', () => {
    const { config } = load(yaml('repository: { kind: github, repo: acme/app, webhook_secret: $HOOK }'));
    const text = JSON.stringify(maskSecrets(config, trackerProfiles));
    expect(text).not.toMatch(/ghp_secret|whsec/);
    expect(maskSecrets(config, trackerProfiles).repository?.token).toBe('***');
  });
});

describe('repository load errors point at the key and say what to do', () => {
  it('a PR gate or a merge without any repository', () => {
    const found = errors(yaml(''));
    expect(found.map((d) => [d.path, d.message])).toEqual([
      ['stages[0].gate.wait_for', '`wait_for: checks` needs a code host, and no `repository:` is configured'],
      ['stages[1].gate.wait_for', '`wait_for: review` needs a code host, and no `repository:` is configured'],
    ]);
    expect(found[0]!.line).toBe(8);
    expect(found[0]!.hint).toMatch(/repository: \{ kind: github, repo: owner\/name/);
  });

  it('a missing token names the variable to set', () => {
    const [found] = errors(yaml('repository: { kind: github, repo: acme/app, token: $NOPE }'), {});
    expect(found).toMatchObject({ path: 'repository.token', message: expect.stringMatching(/acme\/app has no `token`/), hint: "set NOPE in Baton's environment" });
  });

  it('on_closed must name a stage; a bad repo name is a schema error', () => {
    expect(errors(yaml('repository: { kind: github, repo: acme/app }').replace('on_closed: implement', 'on_closed: nowhere')).map((d) => d.message)).toEqual(['names no stage: `nowhere`']);
    expect(errors(yaml('repository: { kind: github, repo: acme }')).map((d) => d.path)).toEqual(['repository.repo']);
  });

  it('PR gate keys on another gate are warnings', () => {
    const text = yaml('repository: { kind: github, repo: acme/app }').replace('gate: { wait_for: checks, on_reject: implement, max_rework: 2 }', 'gate: { wait_for: approval, required_checks: [ci] }');
    const { warnings } = load(text);
    expect(warnings.map((w) => [w.path, w.message])).toEqual([['stages[0].gate.required_checks', 'is ignored: it applies to `wait_for: checks` and `wait_for: review` gates']]);
  });
});
