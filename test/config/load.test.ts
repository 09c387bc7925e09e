import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Diagnostic } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { splitFrontMatter } from '../../config/front-matter.js';
import { configError, tempTree } from './helpers.js';

/** Loads one file written into a fresh directory. */
function load(name: string, text: string, env: Record<string, string> = {}, home = '/home/tester') {
  const dir = tempTree({ [name]: text });
  return { dir, ...loadConfig(join(dir, name), { env, home, trackerProfiles }) };
}

function fail(name: string, text: string, env: Record<string, string> = {}) {
  const dir = tempTree({ [name]: text });
  return { dir, error: configError(() => loadConfig(join(dir, name), { env, home: '/home/tester', trackerProfiles })) };
}

const memory = 'tracker:\n  kind: memory\n';

describe('§5.2 front matter split', () => {
  it.each([
    ['front matter and body', '---\na: 1\n---\n\n  Body text  \n', 'a: 1', 'Body text', 5],
    ['no leading fence: the whole file is the prompt', 'Hello\n---\na: 1\n---\n', null, 'Hello\n---\na: 1\n---', 1],
    ['a fence with trailing space is not a fence', '--- \na: 1\n---\nBody', null, '--- \na: 1\n---\nBody', 1],
    ['no closing fence: everything is front matter', '---\na: 1\nb: 2\n', 'a: 1\nb: 2\n', '', 4],
    ['empty front matter', '---\n---\nBody', '', 'Body', 3],
    ['CRLF line ends', '---\r\na: 1\r\n---\r\nBody\r\n', 'a: 1', 'Body', 4],
  ])('§5.2 %s', (_name, text, frontMatter, body, bodyLine) => {
    const split = splitFrontMatter(text);
    expect(split.frontMatter).toBe(frontMatter);
    expect(split.body).toBe(body);
    expect(split.bodyLine).toBe(bodyLine);
  });
});

describe('§17.1 workflow and config parsing', () => {
  it('§17.1 missing WORKFLOW.md returns typed error', () => {
    const dir = tempTree({});
    const err = configError(() => loadConfig(join(dir, 'WORKFLOW.md'), { trackerProfiles }));
    expect(err.category).toBe('missing_workflow_file');
    expect(err.errors[0]).toMatchObject({ file: join(dir, 'WORKFLOW.md'), category: 'missing_workflow_file' });
    expect(err.errors[0]!.hint).toBeTruthy();
  });

  it.each([
    ['WORKFLOW.md', '---\ntracker:\n  kind: memory\npolling: {interval_ms: [1\n---\nbody', 4],
    ['baton.yaml', 'tracker:\n  kind: memory\n   bad: indent\n', 2],
    ['WORKFLOW.md', '---\ntracker: 1\ntracker: 2\n---\n', 3],
  ])('§17.1 invalid YAML front matter returns typed error (%s)', (name, text, line) => {
    const { error } = fail(name, text);
    expect(error.category).toBe('workflow_parse_error');
    expect(error.errors[0]!.line).toBe(line);
    expect(error.errors[0]!.column).toBeGreaterThan(0);
    expect(error.errors[0]!.hint).toBeTruthy();
  });

  it.each([
    ['a list', '---\n- a\n- b\n---\nbody', 'a list'],
    ['a scalar', '---\njust text\n---\nbody', 'a single value'],
  ])('§17.1 front matter non-map returns typed error (%s)', (_name, text, said) => {
    const { error } = fail('WORKFLOW.md', text);
    expect(error.category).toBe('workflow_front_matter_not_a_map');
    expect(error.errors[0]).toMatchObject({ line: 2, column: 1 });
    expect(error.message).toContain(said);
  });

  it('§17.1 config defaults apply when OPTIONAL values are missing', () => {
    const { config, dir } = load('WORKFLOW.md', `---\n${memory}---\n`);
    expect(config.polling).toEqual({ interval_ms: 30_000 });
    expect(config.workspace.root).toBe(join(tmpdir(), 'baton_workspaces'));
    expect(config.hooks).toEqual({ timeout_ms: 60_000 });
    expect(config.agent).toMatchObject({ max_concurrent_agents: 10, max_turns: 20, max_retry_backoff_ms: 300_000, max_concurrent_agents_by_state: {} });
    expect(config.codex).toMatchObject({ command: 'codex app-server', turn_timeout_ms: 3_600_000, read_timeout_ms: 5_000, stall_timeout_ms: 300_000 });
    expect(config.trackers[0]).toMatchObject({
      name: 'memory',
      kind: 'memory',
      required_labels: [],
      active_states: ['Todo', 'In Progress'],
      terminal_states: ['Closed', 'Cancelled', 'Canceled', 'Duplicate', 'Done'],
    });
    expect(config.server).toEqual({ host: '127.0.0.1' });
    expect(config.temporal.embedded.db_file).toBe(join(dir, '.baton/temporal.sqlite'));
  });

  it('§5.2 an empty front matter means an empty map, and a missing tracker is named', () => {
    const { error } = fail('WORKFLOW.md', '---\n---\nJust a prompt');
    expect(error.category).toBe('invalid_tracker_config');
    expect(error.errors[0]!.path).toBe('tracker');
    expect(error.errors[0]!.hint).toContain('kind');
  });

  it.each([
    ['an unsupported kind', 'tracker:\n  kind: trello\n', 'unsupported_tracker_kind', '"trello" is not a supported tracker kind; must be one of: file, memory, linear, github, jira, gitlab, asana', 2],
    ['a missing kind', 'tracker:\n  provider: {}\n', 'unsupported_tracker_kind', 'is required: must be one of: file, memory, linear, github, jira, gitlab, asana', 1],
  ])('§17.1 tracker.kind validation enforces a supported adapter (%s)', (_name, text, category, message, line) => {
    const { error } = fail('baton.yaml', text);
    expect(error.category).toBe(category);
    expect(error.errors[0]).toMatchObject({ path: 'tracker.kind', message, line });
  });

  it('§17.1 tracker.provider preserves adapter-owned keys (with a warning naming the unknown key)', () => {
    const { config, warnings } = load('baton.yaml', 'tracker:\n  kind: file\n  provider:\n    dir: ./tickets\n    extra_knob: 7\n');
    expect(config.trackers[0]!.provider).toMatchObject({ extra_knob: 7 });
    expect(warnings.map((w) => w.path)).toContain('tracker.provider.extra_knob');
  });

  it.each([
    ['github without repo (nor GITHUB_REPO)', 'tracker:\n  kind: github\n  provider: {token: abc}\n  active_states: [todo]\n', 'tracker', 'has no `provider.repo`: it is not written and GITHUB_REPO is not set'],
    ['linear endpoint that is not a URL', 'tracker:\n  kind: linear\n  provider: {project_slug: p, api_key: k, endpoint: nope}\n', 'tracker.provider.endpoint', 'expected a URL, got "nope"'],
    ['github state_source outside its enum', 'tracker:\n  kind: github\n  provider: {repo: a/b, token: t, state_source: column}\n', 'tracker.provider.state_source', 'expected one of: labels, issue_state, project, got "column"'],
  ])('§17.1 tracker.provider is validated through the selected adapter (%s)', (_name, text, path, message) => {
    const { error } = fail('baton.yaml', text);
    expect(error.category).toBe('invalid_tracker_config');
    const found = error.errors.find((d) => d.path === path);
    expect(found?.message).toContain(message);
  });

  describe('§17.1 $VAR resolution for documented secret keys', () => {
    const linear = (apiKey?: string) =>
      `tracker:\n  kind: linear\n  provider:\n    project_slug: p\n${apiKey === undefined ? '' : `    api_key: ${JSON.stringify(apiKey)}\n`}`;
    it.each([
      ['a $NAME reference', '$MY_KEY', { MY_KEY: 'from-my-key', LINEAR_API_KEY: 'fallback' }, 'from-my-key', ['MY_KEY', 'LINEAR_API_KEY']],
      ['a ${NAME} reference', '${MY_KEY}', { MY_KEY: 'braced' }, 'braced', ['MY_KEY', 'LINEAR_API_KEY']],
      ['an unset reference falls back to the documented variable', '$MY_KEY', { LINEAR_API_KEY: 'fallback' }, 'fallback', ['MY_KEY', 'LINEAR_API_KEY']],
      ['an omitted key reads the documented variable', undefined, { LINEAR_API_KEY: 'fallback' }, 'fallback', ['LINEAR_API_KEY']],
      ['a literal stays (with a warning)', 'lin_literal', {}, 'lin_literal', ['LINEAR_API_KEY']],
    ])('§17.1 $VAR secret: %s', (_name, apiKey, env, value, secretEnv) => {
      const { config } = load('baton.yaml', linear(apiKey), env);
      expect(config.trackers[0]!.provider.api_key).toBe(value);
      expect(config.trackers[0]!.secret_env).toEqual(secretEnv);
    });

    it.each([
      ['an empty variable is missing', '$MY_KEY', { MY_KEY: '', LINEAR_API_KEY: 'fallback' }, 'MY_KEY'],
      ['an omitted key with the fallback unset', undefined, {}, 'LINEAR_API_KEY'],
      ['an empty literal', '', {}, 'LINEAR_API_KEY'],
    ])('§6.1 %s → missing_tracker_secret naming the variable', (_name, apiKey, env, variable) => {
      const { error } = fail('baton.yaml', linear(apiKey), env);
      expect(error.category).toBe('missing_tracker_secret');
      expect(error.errors[0]!.message).toContain(variable);
      expect(error.errors[0]!.hint).toContain(variable);
      expect(error.errors[0]!.line).toBeGreaterThan(0);
    });

    it('§6.1 an illegal variable name is an error', () => {
      const { error } = fail('baton.yaml', linear('$9bad-name'));
      expect(error.errors[0]).toMatchObject({ category: 'invalid_tracker_config', path: 'tracker.provider.api_key', line: 5 });
    });

    it('§15.3 a literal secret draws a warning', () => {
      const { warnings } = load('baton.yaml', linear('lin_literal'));
      expect(warnings.find((w) => w.path === 'tracker.provider.api_key')?.hint).toContain('$LINEAR_API_KEY');
    });

    it('§6.1 the environment is not read where nothing refers to it', () => {
      const env = { GITHUB_TOKEN: 'gh', LINEAR_API_KEY: 'k', JIRA_API_TOKEN: 'j', HOME: '/elsewhere' };
      const { config } = load('baton.yaml', `${linear('$LINEAR_API_KEY')}workspace:\n  root: ./ws\ncodex:\n  command: $HOME/bin/codex app-server\n`, env);
      expect(config.trackers[0]!.secret_env).toEqual(['LINEAR_API_KEY']);
      expect(config.codex.command).toBe('$HOME/bin/codex app-server');
      expect(JSON.stringify(config)).not.toContain('"gh"');
    });
  });

  describe('§17.1 $VAR resolution and ~ for path values', () => {
    it.each([
      ['$VAR', '$WS_ROOT', { WS_ROOT: '/srv/ws' }, '/srv/ws'],
      ['$VAR holding ~', '$WS_ROOT', { WS_ROOT: '~/ws' }, '/home/tester/ws'],
      ['unset $VAR → default', '$WS_ROOT', {}, join(tmpdir(), 'baton_workspaces')],
      ['empty $VAR → default', '$WS_ROOT', { WS_ROOT: '' }, join(tmpdir(), 'baton_workspaces')],
      ['§17.1 ~ path expansion works', '~/code/ws', {}, '/home/tester/code/ws'],
      ['bare ~', '~', {}, '/home/tester'],
      ['relative to the config file', 'ws/here', {}, 'DIR/ws/here'],
      ['absolute stays', '/abs/ws', {}, '/abs/ws'],
    ])('§17.1 workspace.root: %s', (_name, root, env, expected) => {
      const { config, dir } = load('WORKFLOW.md', `---\n${memory}workspace:\n  root: ${JSON.stringify(root)}\n---\n`, env);
      expect(config.workspace.root).toBe(expected.replace('DIR', dir));
    });

    it('§5.3.3 an unset workspace.root variable warns that the default is used', () => {
      const { warnings } = load('WORKFLOW.md', `---\n${memory}workspace:\n  root: $WS_ROOT\n---\n`);
      expect(warnings.find((w) => w.path === 'workspace.root')?.message).toContain('WS_ROOT');
    });

    it.each([
      ['relative', './tickets', {}, 'DIR/tickets'],
      ['$VAR', '$ISSUES', { ISSUES: '~/issues' }, '/home/tester/issues'],
      ['default', undefined, {}, 'DIR/issues'],
    ])('§17.1 provider path keys expand like paths (%s)', (_name, value, env, expected) => {
      const provider = value === undefined ? '{}' : `{dir: ${JSON.stringify(value)}}`;
      const { config, dir } = load('baton.yaml', `tracker:\n  kind: file\n  provider: ${provider}\n`, env);
      expect(config.trackers[0]!.provider.dir).toBe(expected.replace('DIR', dir));
    });

    it('§6.1 an unset provider path variable is an error', () => {
      const { error } = fail('baton.yaml', 'tracker:\n  kind: file\n  provider: {dir: $NOPE}\n');
      expect(error.errors[0]).toMatchObject({ path: 'tracker.provider.dir', category: 'invalid_tracker_config' });
      expect(error.errors[0]!.message).toContain('NOPE');
    });
  });

  it.each([
    ['quotes and nested config', `codex --config 'model="gpt-5.5"' --config x=y app-server`],
    ['$VAR and ~ are left for the shell', '~/bin/codex --home "$CODEX_HOME" app-server'],
  ])('§17.1 codex.command is preserved as a shell command string (%s)', (_name, command) => {
    const { config } = load('WORKFLOW.md', `---\n${memory}codex:\n  command: ${JSON.stringify(command)}\n---\n`, { CODEX_HOME: '/x' });
    expect(config.codex.command).toBe(command);
  });

  it('§17.1 per-state concurrency map normalizes state names and ignores invalid values', () => {
    const map = '{" In Progress ": 2, TODO: "3", Rework: 0, Merging: -1, Review: 1.5, Blocked: abc, "  ": 4}';
    const { config, warnings } = load('WORKFLOW.md', `---\n${memory}agent:\n  max_concurrent_agents_by_state: ${map}\n---\n`);
    expect(config.agent.max_concurrent_agents_by_state).toEqual({ 'in progress': 2, todo: 3 });
    expect(warnings.filter((w) => w.path.startsWith('agent.max_concurrent_agents_by_state')).length).toBe(5);
  });
});

describe('normalization (baton §3, §4)', () => {
  it('baton §4.2 legacy flat Linear aliases merge into provider, provider wins', () => {
    const text = 'tracker:\n  kind: linear\n  project_slug: flat\n  endpoint: https://flat.example/graphql\n  api_key: $K\n  provider:\n    endpoint: https://provider.example/graphql\n';
    const { config } = load('WORKFLOW.md', `---\n${text}---\n`, { K: 'key' });
    expect(config.trackers[0]!.provider).toMatchObject({ project_slug: 'flat', endpoint: 'https://provider.example/graphql', api_key: 'key' });
    expect(config.trackers[0]).not.toHaveProperty('project_slug');
  });

  it('baton §4.2 an error in a legacy alias points at the alias', () => {
    const { error } = fail('WORKFLOW.md', '---\ntracker:\n  kind: linear\n  project_slug: p\n  endpoint: not-a-url\n  api_key: k\n---\n');
    expect(error.errors[0]).toMatchObject({ path: 'tracker.endpoint', line: 5 });
  });

  it('§5.3.1 required_labels are trimmed, lower-cased and de-duplicated', () => {
    const { config } = load('baton.yaml', 'tracker:\n  kind: memory\n  required_labels: [" Agent ", agent, AGENT, Ready]\n');
    expect(config.trackers[0]!.required_labels).toEqual(['agent', 'ready']);
  });

  it('baton §4.1 both tracker and trackers is an error; trackers get names; duplicates are an error', () => {
    expect(fail('baton.yaml', `${memory}trackers:\n  - kind: memory\n`).error.errors[0]!.path).toBe('trackers');
    const { config } = load('baton.yaml', 'trackers:\n  - kind: memory\n  - kind: file\n    name: local-files\n');
    expect(config.trackers.map((t) => t.name)).toEqual(['memory', 'local-files']);
    const dup = fail('baton.yaml', 'trackers:\n  - kind: memory\n  - kind: memory\n').error;
    expect(dup.errors[0]).toMatchObject({ path: 'trackers[1]', line: 3 });
  });

  it('baton §3.4 integer strings are accepted where integers are expected (as Symphony casts them)', () => {
    const { config } = load('baton.yaml', `${memory}polling:\n  interval_ms: "45000"\n`);
    expect(config.polling.interval_ms).toBe(45_000);
  });

  it.each([
    ['a top-level typo', `${memory}pollng:\n  interval_ms: 5\n`, 'pollng', 3, '`polling`'],
    ['a nested typo', `${memory}polling:\n  intervl_ms: 5\n`, 'polling.intervl_ms', 4, '`interval_ms`'],
    ['a provider typo', 'tracker:\n  kind: file\n  provider:\n    dri: ./x\n', 'tracker.provider.dri', 4, '`dir`'],
    ['a stage typo', `${memory}stages:\n  - name: plan\n    states: [Todo]\n    promt: hi\n`, 'stages[0].promt', 6, '`prompt`'],
  ])('baton §3.5 unknown keys warn with a suggestion and are not fatal (%s)', (_name, text, path, line, suggestion) => {
    const { warnings } = load('baton.yaml', text);
    const w = warnings.find((d) => d.path === path);
    expect(w).toMatchObject({ severity: 'warning', line, column: expect.any(Number) });
    expect(w!.message).toContain(`did you mean ${suggestion}?`);
  });

  it('baton §3.5 Symphony-only keys are accepted with a note on what replaces them', () => {
    const { warnings } = load('WORKFLOW.md', `---\n${memory}observability:\n  dashboard_enabled: false\nworker:\n  ssh_hosts: []\n---\n`);
    expect(warnings.map((w) => w.path)).toEqual(['observability', 'worker']);
    expect(warnings[1]!.message).toContain('Temporal');
  });

  it.each<[string, string, Partial<Diagnostic>]>([
    ['wrong type', `${memory}polling:\n  interval_ms: abc\n`, { path: 'polling.interval_ms', line: 4, column: 16, message: 'expected a positive integer, got "abc"' }],
    ['non-positive', `${memory}agent:\n  max_turns: 0\n`, { path: 'agent.max_turns', line: 4, message: 'expected a positive integer, got 0' }],
    ['enum', `${memory}agent:\n  backend: claude\n`, { path: 'agent.backend', message: 'expected one of: codex, command, openai, none, got "claude"' }],
    ['bad name', 'name: has space\n' + memory, { path: 'name', line: 1, column: 7 }],
    ['empty states', `${memory}stages:\n  - name: plan\n    states: []\n`, { path: 'stages[0].states', line: 5, message: 'must list at least 1 item' }],
    ['missing key', `${memory}stages:\n  - states: [Todo]\n`, { path: 'stages[0].name', line: 4, message: 'is required (a string)' }],
  ])('baton §8 errors say what is allowed and where (%s)', (_name, text, expected) => {
    const { error } = fail('baton.yaml', text);
    expect(error.category).toBe('invalid_config');
    expect(error.errors[0]).toMatchObject(expected);
    expect(error.errors[0]!.hint).toBeTruthy();
  });

  it('baton §3.5 a missing required key next to its misspelling points at the misspelling', () => {
    const { error } = fail('baton.yaml', 'tracker:\n  kind: linear\n  provider:\n    projct_slug: p\n    api_key: k\n');
    expect(error.errors[0]).toMatchObject({ path: 'tracker.provider.project_slug', line: 4, column: 5 });
    expect(error.errors[0]!.hint).toBe('rename `projct_slug` to `project_slug`');
  });

  it('baton §8 every error of a file is reported at once', () => {
    const { error } = fail('baton.yaml', `${memory}polling:\n  interval_ms: x\nagent:\n  max_turns: -2\nhooks:\n  timeout_ms: y\n`);
    expect(error.errors.map((d) => d.path)).toEqual(['polling.interval_ms', 'agent.max_turns', 'hooks.timeout_ms']);
    expect(error.message).toContain('and 2 more errors');
  });
});

describe('Symphony compatibility details (baton §3, §4.2)', () => {
  it('§5.3.1 an omitted provider is still validated by the adapter and gets its defaults', () => {
    const { error } = fail('baton.yaml', 'tracker:\n  kind: linear\n', { LINEAR_API_KEY: 'k' });
    expect(error.errors[0]).toMatchObject({ path: 'tracker.provider.project_slug', category: 'invalid_tracker_config', line: 1 });
    const { config } = load('baton.yaml', 'tracker:\n  kind: file\n');
    expect(config.trackers[0]!.provider.dir).toMatch(/\/issues$/);
  });

  it('baton §3.6 a key with an empty value means "use the default", as in Symphony', () => {
    const { config } = load('WORKFLOW.md', `---\n${memory}hooks:\nworkspace:\n  root:\ncodex:\n  approval_policy:\n---\n`);
    expect(config.hooks).toEqual({ timeout_ms: 60_000 });
    expect(config.workspace.root).toBe(join(tmpdir(), 'baton_workspaces'));
    expect(config.codex.approval_policy).toBeUndefined();
  });

  it.each([
    ['$NAME set but empty', '$MY_KEY', { MY_KEY: '' }, 'MY_KEY is set but empty'],
    ['$NAME unset, fallback unset', '$MY_KEY', {}, 'MY_KEY is not set, nor is the fallback LINEAR_API_KEY'],
  ])('§15.3 missing secret messages say which variable and never a value (%s)', (_name, apiKey, env, message) => {
    const { error } = fail('baton.yaml', `tracker:\n  kind: linear\n  provider: {project_slug: p, api_key: "${apiKey}"}\n`, env);
    expect(error.errors[0]!.message).toContain(message);
  });
});
