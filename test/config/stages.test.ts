import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { DEFAULT_PROMPT } from '../../config/schema.js';
import { configError, tempTree } from './helpers.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'config');
const memory = 'tracker:\n  kind: memory\n';

function load(files: Record<string, string>, name = Object.keys(files)[0]!) {
  const dir = tempTree(files);
  return { dir, ...loadConfig(join(dir, name), { env: {}, trackerProfiles }) };
}

function fail(files: Record<string, string>, name = Object.keys(files)[0]!) {
  const dir = tempTree(files);
  return { dir, error: configError(() => loadConfig(join(dir, name), { env: {}, trackerProfiles })) };
}

describe('WORKFLOW.md → one stage (Symphony compatibility)', () => {
  it('baton §4.3 a WORKFLOW.md without stages becomes one `run` stage routed from every active state', () => {
    const { config } = load({ 'WORKFLOW.md': `---\n${memory}  active_states: [Todo, In Progress, Rework]\n---\n\nDo {{ issue.identifier }}.\n` });
    expect(config.flavor).toBe('symphony');
    expect(config.stages).toHaveLength(1);
    const [run] = config.stages;
    expect(run).toMatchObject({
      name: 'run',
      states: ['Todo', 'In Progress', 'Rework'],
      prompt_template: 'Do {{ issue.identifier }}.',
      on_success: { add_labels: [], remove_labels: [] },
      policy: { backend: 'codex', max_turns: 20, turn_timeout_ms: 3_600_000, stall_timeout_ms: 300_000 },
    });
    expect(run!.gate).toBeUndefined();
    expect(run!.on_success.move_to).toBeUndefined();
  });

  it('§5.4 a blank body falls back to the default prompt', () => {
    const { config } = load({ 'WORKFLOW.md': `---\n${memory}---\n\n   \n` });
    expect(config.stages[0]!.prompt_template).toBe(DEFAULT_PROMPT);
  });

  it('§5.2 a file without front matter is all prompt, and still needs a tracker', () => {
    const { error } = fail({ 'WORKFLOW.md': 'Only a prompt.\n' });
    expect(error.errors[0]!.path).toBe('tracker');
  });

  it('baton §4.3 the run stage takes its limits from agent and codex', () => {
    const { config } = load({ 'WORKFLOW.md': `---\n${memory}agent:\n  max_turns: 4\ncodex:\n  turn_timeout_ms: 1000\n  stall_timeout_ms: 0\n---\nGo.` });
    expect(config.stages[0]!.policy).toEqual({ backend: 'codex', max_turns: 4, turn_timeout_ms: 1000, stall_timeout_ms: 0 });
  });

  it('baton §2.4 a WORKFLOW.md with stages is Baton-flavored and its body is the default prompt', () => {
    const { config } = load({ 'WORKFLOW.md': `---\n${memory}stages:\n  - name: plan\n    states: [Todo]\n  - name: build\n    states: [In Progress]\n    prompt: Build it.\n---\nPlan {{ issue.title }}.\n` });
    expect(config.flavor).toBe('baton');
    expect(config.stages.map((s) => s.prompt_template)).toEqual(['Plan {{ issue.title }}.', 'Build it.']);
  });

  it('§5.5 a template error in the body points at its line in the file', () => {
    const { error, dir } = fail({ 'WORKFLOW.md': `---\n${memory}---\n\nLine one.\n{{ issue.title | nope }}\n` });
    expect(error.category).toBe('template_parse_error');
    expect(error.errors[0]).toMatchObject({ file: join(dir, 'WORKFLOW.md'), line: 7 });
  });
});

describe('baton.yaml stages', () => {
  it('baton §4.4 a baton.yaml without stages gets the default plan → implement → review → merge stages', () => {
    const { config } = load({ 'baton.yaml': memory });
    expect(config.flavor).toBe('baton');
    expect(config.stages.map((s) => [s.name, s.states, s.on_success.move_to])).toEqual([
      ['plan', ['Todo'], 'In Progress'],
      ['implement', ['In Progress'], 'In Review'],
      ['review', ['In Review'], 'Merging'],
      ['merge', ['Merging'], 'Done'],
    ]);
    expect(config.stages[2]!.gate).toEqual({ wait_for: 'approval', on_reject: 'implement', max_rework: 3 });
    expect(config.stages.every((s) => s.prompt_template === DEFAULT_PROMPT)).toBe(true);
    // Omitted active_states default to every stage state, so the defaults route.
    expect(config.trackers[0]!.active_states).toEqual(['Todo', 'In Progress', 'In Review', 'Merging']);
  });

  it('baton §4.8 the example baton.yaml resolves prompts, policies and gates', () => {
    const { config } = loadConfig(join(fixtures, 'baton.yaml'), { env: {}, trackerProfiles });
    const [plan, implement, review] = config.stages;
    expect(plan!.prompt_template).toBe('Plan the work for {{ issue.identifier }}; do not change code yet.\n');
    expect(implement!.prompt_template).toBe('Implement {{ issue.identifier }}: {{ issue.title }} (stage {{ stage.name }}).\n');
    expect(implement!.policy).toEqual({ backend: 'codex', max_turns: 8, turn_timeout_ms: 3_600_000, stall_timeout_ms: 60_000 });
    expect(review!.policy).toEqual({ backend: 'command', command: './review.sh', max_turns: 20, turn_timeout_ms: 3_600_000, stall_timeout_ms: 300_000 });
    expect(review!.gate).toEqual({ wait_for: 'label', label: 'approved', on_reject: 'implement', max_rework: 2 });
    expect(config.trackers[0]).toMatchObject({ name: 'file', required_labels: ['agent'], active_states: ['Todo', 'In Progress', 'Rework', 'In Review'] });
    expect(config.trackers[0]!.provider.dir).toBe(join(fixtures, 'issues'));
  });

  const stage = (body: string) => `${memory}stages:\n${body}`;
  it.each([
    ['duplicate stage names', stage('  - {name: a, states: [Todo]}\n  - {name: a, states: [Doing]}\n'), 'stages[1].name', 'used twice'],
    ['a state routed to two stages', stage('  - {name: a, states: [Todo]}\n  - {name: b, states: [" todo "]}\n'), 'stages[1].states[0]', 'already routed to stage `a`'],
    ['a stage state outside active_states', `tracker:\n  kind: memory\n  active_states: [Todo]\nstages:\n  - {name: a, states: [Todo, Doing]}\n`, 'stages[0].states[1]', 'not in tracker.active_states'],
    ['on_reject naming no stage', stage('  - {name: a, states: [Todo], gate: {on_reject: nowhere}}\n'), 'stages[0].gate.on_reject', 'names no stage'],
    ['wait_for label without label', stage('  - {name: a, states: [Todo], gate: {wait_for: label}}\n'), 'stages[0].gate.label', 'needs the approving label'],
    ['wait_for state without state', stage('  - {name: a, states: [Todo], gate: {wait_for: state}}\n'), 'stages[0].gate.state', 'needs the approving tracker state'],
    ['command backend with no command', `${memory}agent:\n  backend: command\n`, 'agent.backend', 'no command is set'],
    ['prompt and prompt_file both', stage('  - {name: a, states: [Todo], prompt: x, prompt_file: p.md}\n'), 'stages[0].prompt_file', 'both'],
    ['a missing prompt file', stage('  - {name: a, states: [Todo], prompt_file: prompts/none.md}\n'), 'stages[0].prompt_file', 'cannot read prompt file'],
    ['an invalid stage prompt', stage('  - name: a\n    states: [Todo]\n    prompt: "{% if x %}"\n'), 'stages[0].prompt', 'does not parse'],
    ['an invalid on_success comment', stage('  - name: a\n    states: [Todo]\n    on_success: {comment: "{{ x | nope }}"}\n'), 'stages[0].on_success.comment', 'nope'],
    ['default stages outside explicit active_states', 'tracker:\n  kind: memory\n  active_states: [Todo]\n', 'stages', 'default stage `implement`'],
    ['a jira tracker without terminal_states', 'tracker:\n  kind: jira\n  provider: {base_url: "https://x.atlassian.net", project: ENG, email: a, api_token: b}\n', 'tracker', '`terminal_states` is required'],
  ])('baton §5 cross-check: %s', (_name, text, path, message) => {
    const { error } = fail({ 'baton.yaml': text });
    const found = error.errors.find((d) => d.path === path);
    expect(found, JSON.stringify(error.errors)).toBeDefined();
    expect(found!.message).toContain(message);
    expect(found!.hint).toBeTruthy();
    expect(found!.line).toBeGreaterThan(0);
  });

  it('§5.3.1 a symphony-flavored github file needs active_states (its profile has no default)', () => {
    const { error } = fail({ 'WORKFLOW.md': '---\ntracker:\n  kind: github\n  provider: {repo: a/b, token: t}\n---\n' });
    expect(error.errors[0]).toMatchObject({ path: 'tracker', category: 'invalid_tracker_config' });
    expect(error.errors[0]!.message).toContain('active_states');
  });

  it('§5.5 a prompt file template error names the prompt file and its line', () => {
    const { error, dir } = fail({ 'baton.yaml': stage('  - {name: a, states: [Todo], prompt_file: p.md}\n'), 'p.md': 'ok\n\n{% for x in issue.labels %}\n' });
    expect(error.errors[0]).toMatchObject({ category: 'template_parse_error', file: join(dir, 'p.md'), line: 3 });
  });

  it('baton §5 an explicit active state no stage handles is a warning', () => {
    const { warnings } = load({ 'baton.yaml': `tracker:\n  kind: memory\n  active_states: [Todo, Backlog]\nstages:\n  - {name: a, states: [Todo]}\n` });
    expect(warnings.find((w) => w.path === 'tracker.active_states[1]')?.message).toContain('Backlog');
  });
});

describe('template positions (§5.5)', () => {
  it.each([
    ['a block scalar', 'prompt: |\n  line one\n  {{ x | nope }}\n', 5],
    ['a quoted string', 'prompt: "{{ x | nope }}"\n', 3],
    ['a folded block', 'prompt: >\n  {{ x | nope }}\n', 4],
  ])('§5.5 an inline template error points at its line in the file (%s)', (_name, prompt, line) => {
    const { error } = fail({ 'baton.yaml': `${memory}${prompt}` });
    expect(error.errors[0]).toMatchObject({ category: 'template_parse_error', path: 'prompt', line });
  });
});
