import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePromptTemplate, renderPrompt } from '../../config/index.js';
import { BatonError } from '../../core/errors.js';
import type { Issue } from '../../core/issue.js';
import { caught } from './helpers.js';

const issue: Issue = {
  id: 'id-1',
  identifier: 'ABC-1',
  title: 'Fix the flaky test',
  description: null,
  priority: 2,
  state: 'Todo',
  branch_name: null,
  url: 'https://example.test/ABC-1',
  assignee_id: null,
  labels: ['agent', 'bug'],
  blocked_by: [{ id: 'b1', identifier: 'ABC-0', state: 'Done' }],
  dispatchable: true,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: null,
  native_ref: null,
};

const thrown = (fn: () => unknown): BatonError => caught(fn, BatonError);

describe('prompt rendering (SPEC §5.4, §12)', () => {
  it.each([
    ['§17.1 prompt renders issue fields', '{{ issue.identifier }}: {{ issue.title }}', {}, 'ABC-1: Fix the flaky test'],
    ['§17.1 prompt renders attempt as empty on the first run', 'a={{ attempt }}', {}, 'a='],
    ['§17.1 prompt renders attempt on a retry', 'a={{ attempt }}{% if attempt %} retry{% endif %}', { attempt: 2 }, 'a=2 retry'],
    ['§12.2 nested arrays iterate', '{% for l in issue.labels %}[{{ l }}]{% endfor %}', {}, '[agent][bug]'],
    ['§12.2 nested maps in arrays are reachable', '{{ issue.blocked_by[0].identifier }} is {{ issue.blocked_by[0].state }}', {}, 'ABC-0 is Done'],
    ['§12.2 null fields are defined', '{% if issue.description %}d{% else %}none{% endif %}', {}, 'none'],
    ['§12 stage variables render', '{{ stage.name }} {{ stage.turn }}/{{ stage.max_turns }}', { stage: { name: 'plan', states: ['Todo'], turn: 1, max_turns: 3 } }, 'plan 1/3'],
    ['§12 standard filters work', '{{ issue.title | upcase }}', {}, 'FIX THE FLAKY TEST'],
  ])('%s', (_name, template, extra, expected) => {
    expect(renderPrompt(template, { issue, ...extra })).toBe(expected);
  });

  it.each([
    ['§17.1 prompt rendering fails on an unknown variable', '{{ issue.nope }}', 'template_render_error', 'issue.nope'],
    ['§17.1 prompt rendering fails on an unknown top-level variable', 'hello {{ nobody }}', 'template_render_error', 'nobody'],
    ['§5.4 prompt rendering fails on an unknown filter', '{{ issue.title | shout }}', 'template_parse_error', 'shout'],
    ['§5.5 a malformed template is a template_parse_error', '{% if issue.title %}open', 'template_parse_error', 'if'],
  ])('%s', (_name, template, category, mentions) => {
    const err = thrown(() => renderPrompt(template, { issue }));
    expect(err.category).toBe(category);
    expect(err.message).toContain(mentions);
  });

  it('§5.5 parse errors carry the template line and column', () => {
    const err = thrown(() => parsePromptTemplate('line one\nline two {{ x | nope }}'));
    expect(err.category).toBe('template_parse_error');
    expect(err.details).toMatchObject({ line: 2 });
  });

  it('§12.2 the caller’s issue object is not changed by rendering', () => {
    const copy = structuredClone(issue);
    renderPrompt('{{ issue.labels | join: "," }}', { issue });
    expect(issue).toEqual(copy);
  });

  it('renders dates the same on a host with another locale (one engine locale, not the host’s)', () => {
    // The built module in a fresh process per locale: node takes its default locale from LANG.
    const prompt = fileURLToPath(new URL('../../dist/config/prompt.js', import.meta.url));
    const script = `import(${JSON.stringify(prompt)}).then((m) => process.stdout.write(m.renderPrompt('{{ issue.created_at | date: "%A, %B %-e, %Y" }}', { issue: { created_at: '2026-03-04T05:06:07Z' } })))`;
    const render = (lang: string) => execFileSync(process.execPath, ['-e', script], { env: { ...process.env, LANG: lang, LC_ALL: lang, TZ: 'UTC' }, encoding: 'utf8' });
    const german = render('de_DE.UTF-8');
    expect(german).toBe(render('en_US.UTF-8'));
    expect(german).toBe('Wednesday, March 4, 2026');
  });
});
