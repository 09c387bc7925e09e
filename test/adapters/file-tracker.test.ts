/**
 * The `file` tracker on real files in a temp folder (SPEC §11.1–§11.4; profile spec/adapters/file.md):
 * reads and normalization, malformed files in both read kinds, blockers, empty inputs making no
 * read, atomic writes that keep unknown keys and the body, the progress section, agent tools.
 */
import * as nodeFs from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBatonError } from '../../core/errors.js';
import type { Issue } from '../../core/issue.js';
import type { TrackerConfig } from '../../config/schema.js';
import { createFileTracker, type FileTracker, type FileTrackerFs } from '../../adapters/trackers/file.js';
import { createTracker } from '../../adapters/trackers/index.js';
import { parseMarkdownIssue, setProgressSection, PROGRESS_START } from '../../adapters/trackers/markdown-issue.js';
import { silentLogger } from '../../base/logger.js';

let dir: string;
let warnings: string[];
let counts: { readdir: number; readFile: number; rename: number };
const NOW = new Date('2030-01-02T03:04:05.000Z');

function config(extra: Partial<TrackerConfig> = {}): TrackerConfig {
  return {
    name: 'files',
    kind: 'file',
    provider: { dir },
    required_labels: [],
    active_states: ['Todo', 'In Progress'],
    terminal_states: ['Done', 'Cancelled'],
    secret_env: [],
    ...extra,
  };
}

/** node:fs/promises with readdir/readFile counted, so "no read" is observed, not assumed. */
function countingFs(): FileTrackerFs {
  return {
    ...nodeFs,
    readdir: ((...args: Parameters<typeof nodeFs.readdir>) => {
      counts.readdir += 1;
      return nodeFs.readdir(...args);
    }) as typeof nodeFs.readdir,
    readFile: ((...args: Parameters<typeof nodeFs.readFile>) => {
      counts.readFile += 1;
      return nodeFs.readFile(...args);
    }) as typeof nodeFs.readFile,
    rename: ((...args: Parameters<typeof nodeFs.rename>) => {
      counts.rename += 1;
      return nodeFs.rename(...args);
    }) as typeof nodeFs.rename,
  };
}

function tracker(extra: Partial<TrackerConfig> = {}): FileTracker {
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  return createFileTracker(config(extra), { logger, env: {} }, { fs: countingFs(), now: () => NOW });
}

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await nodeFs.writeFile(file, text);
  return file;
}

const read = (name: string) => nodeFs.readFile(path.join(dir, name), 'utf8');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'baton-file-tracker-'));
  warnings = [];
  counts = { readdir: 0, readFile: 0, rename: 0 };
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('reads', () => {
  it('many reads asked for at once share scans: 300 revalidations of 300 new files cost at most two scans', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `N-${i + 1}`);
    for (const id of ids) await write(`${id}.md`, `---\ntitle: ${id}\nstate: Todo\n---\n`);
    const t = tracker();
    const found = await Promise.all(ids.map((id) => t.fetchIssuesByIds([id])));
    expect(found.map(([issue]) => issue?.identifier)).toEqual(ids);
    expect(counts.readdir).toBeLessThanOrEqual(2);
    // The files are new (inside the cache's racy window), so each scan reads them all: 2 x 300 at most.
    expect(counts.readFile).toBeLessThanOrEqual(2 * ids.length);
  });

  it('normalizes a Markdown issue per SPEC §11.3', async () => {
    const file = await write(
      'ABC-1.md',
      `---
title: Fix the thing
state: Todo
labels: [Agent, " agent ", BUG, ""]
priority: "2"
assignee: ana
created_at: 2024-01-02T03:04:05+01:00
updated_at: not a date
---
Steps to reproduce.
`,
    );
    const [issue] = await tracker().fetchIssuesByStates(['todo']);
    expect(issue).toEqual({
      id: 'ABC-1',
      identifier: 'ABC-1',
      title: 'Fix the thing',
      description: 'Steps to reproduce.',
      priority: 2,
      state: 'Todo',
      branch_name: null,
      url: `file://${file}`,
      assignee_id: 'ana',
      labels: ['agent', 'bug'],
      blocked_by: [],
      dispatchable: true,
      created_at: '2024-01-02T02:04:05.000Z',
      updated_at: null,
      native_ref: { path: file },
    } satisfies Issue);
  });

  it('takes id and identifier from front matter over the file name; unusable priority becomes null', async () => {
    await write('whatever.md', '---\nid: "u-1"\nidentifier: ENG-7\ntitle: T\nstate: In Progress\npriority: high\n---\n');
    const [issue] = await tracker().fetchIssuesByStates(['In Progress']);
    expect(issue).toMatchObject({ id: 'u-1', identifier: 'ENG-7', priority: null, description: null });
  });

  it('returns only the requested states, matched case-insensitively, and ignores non-issue files', async () => {
    await write('A-1.md', '---\ntitle: a\nstate: Todo\n---\n');
    await write('A-2.md', '---\ntitle: b\nstate: Done\n---\n');
    await write('A-3.md', '---\ntitle: c\nstate: in progress\n---\n');
    await write('notes.txt', 'not an issue');
    await write('README.md', '# What this folder is');
    await write('.A-4.md.abc.tmp', '---\ntitle: temp\nstate: Todo\n---\n');
    const t = tracker();
    expect((await t.fetchIssuesByStates(['TODO', 'In Progress'])).map((i) => i.identifier)).toEqual(['A-1', 'A-3']);
    expect((await t.fetchIssuesByStates(['done'])).map((i) => i.identifier)).toEqual(['A-2']);
    expect(warnings).toEqual([]);
  });

  it('makes no read at all for empty inputs', async () => {
    await write('A-1.md', '---\ntitle: a\nstate: Todo\n---\n');
    const t = tracker();
    expect(await t.fetchIssuesByStates([])).toEqual([]);
    expect(await t.fetchIssuesByIds([])).toEqual([]);
    expect(await t.poll([], [])).toEqual({ candidates: [], inflight: [] });
    expect(counts).toMatchObject({ readdir: 0, readFile: 0 });
    await t.fetchIssuesByIds(['A-1']);
    expect(counts).toMatchObject({ readdir: 1, readFile: 1 });
  });

  it('fetchIssuesByIds omits ids that are gone and returns each issue once', async () => {
    await write('A-1.md', '---\ntitle: a\nstate: Todo\n---\n');
    await write('A-2.md', '---\ntitle: b\nstate: Done\n---\n');
    const issues = await tracker().fetchIssuesByIds(['A-2', 'A-2', 'gone']);
    expect(issues.map((i) => i.id)).toEqual(['A-2']);
  });

  it('poll answers candidates and in-flight snapshots from one directory scan', async () => {
    await write('A-1.md', '---\ntitle: a\nstate: Todo\n---\n');
    await write('A-2.md', '---\ntitle: b\nstate: Done\n---\n');
    await write('A-3.md', '---\ntitle: c\nstate: Backlog\n---\n');
    const t = tracker();
    const result = await t.poll(['Todo'], ['A-1', 'A-2', 'gone']);
    expect(result.candidates.map((i) => i.id)).toEqual(['A-1']);
    expect(result.inflight.map((i) => i.id)).toEqual(['A-2']);
    expect(counts.readdir).toBe(1);
  });

  it('fails with tracker_request when the folder is missing', async () => {
    const t = tracker({ provider: { dir: path.join(dir, 'nope') } });
    // Thunks: a call made before the previous one is awaited would reject unobserved meanwhile.
    for (const call of [() => t.fetchIssuesByStates(['Todo']), () => t.fetchIssuesByIds(['A-1']), () => t.poll(['Todo'], [])]) {
      await expect(call()).rejects.toMatchObject({
        name: 'BatonError',
        category: 'tracker_request',
        message: expect.stringContaining('tracker.provider.dir'),
      });
    }
  });

  it('rejects a provider.dir that is not an absolute path', () => {
    let err: unknown;
    try {
      createFileTracker(config({ provider: { dir: 'relative/issues' } }), { logger: silentLogger, env: {} });
    } catch (e) {
      err = e;
    }
    expect(isBatonError(err) && err.category).toBe('invalid_tracker_config');
  });
});

describe('malformed files', () => {
  const malformed: Record<string, string> = {
    'M-1.md': 'no front matter at all\n',
    'M-2.md': '---\ntitle: [unclosed\nstate: Todo\n---\n',
    'M-3.md': '---\n- a list\n- not a map\n---\n',
    'M-4.md': '---\nstate: Todo\n---\nno title\n',
    'M-5.md': '---\ntitle: no state\n---\n',
  };

  beforeEach(async () => {
    await write('OK-1.md', '---\ntitle: fine\nstate: Todo\n---\n');
    for (const [name, text] of Object.entries(malformed)) await write(name, text);
  });

  it('are logged once and dropped from state reads', async () => {
    const t = tracker();
    expect((await t.fetchIssuesByStates(['Todo'])).map((i) => i.id)).toEqual(['OK-1']);
    expect(warnings).toHaveLength(Object.keys(malformed).length);
    for (const name of Object.keys(malformed)) expect(warnings.some((w) => w.includes(name))).toBe(true);
    await t.fetchIssuesByStates(['Todo']);
    expect(warnings).toHaveLength(Object.keys(malformed).length);
  });

  it.each(Object.keys(malformed))('fail an id read that requests %s with tracker_response', async (name) => {
    const t = tracker();
    const id = name.replace(/\.md$/, '');
    await expect(t.fetchIssuesByIds(['OK-1', id])).rejects.toMatchObject({
      name: 'BatonError',
      category: 'tracker_response',
      message: expect.stringContaining(name),
    });
    await expect(t.poll(['Todo'], [id])).rejects.toMatchObject({ category: 'tracker_response' });
  });

  it('do not fail an id read that does not request them', async () => {
    expect((await tracker().fetchIssuesByIds(['OK-1'])).map((i) => i.id)).toEqual(['OK-1']);
  });

  it('two files claiming one identifier are both dropped', async () => {
    await write('x.md', '---\nidentifier: OK-1\ntitle: impostor\nstate: Todo\n---\n');
    const t = tracker();
    expect(await t.fetchIssuesByStates(['Todo'])).toEqual([]);
    await expect(t.fetchIssuesByIds(['OK-1'])).rejects.toMatchObject({ category: 'tracker_response' });
  });
});

describe('blockers and dispatchable', () => {
  it.each([
    { state: 'Todo', blocker: 'Done', dispatchable: true },
    { state: 'Todo', blocker: 'cancelled', dispatchable: true },
    { state: 'Todo', blocker: 'In Progress', dispatchable: false },
    { state: 'todo', blocker: 'Backlog', dispatchable: false },
    { state: 'Todo', blocker: null, dispatchable: false },
    { state: 'In Progress', blocker: 'In Progress', dispatchable: true },
  ])('$state blocked by an issue in $blocker → dispatchable $dispatchable', async ({ state, blocker, dispatchable }) => {
    await write('B-1.md', `---\ntitle: blocked\nstate: ${state}\nblocked_by: [B-2]\n---\n`);
    if (blocker) await write('B-2.md', `---\ntitle: blocker\nstate: ${blocker}\n---\n`);
    const [issue] = await tracker().fetchIssuesByIds(['B-1']);
    expect(issue?.dispatchable).toBe(dispatchable);
    expect(issue?.blocked_by).toEqual([
      blocker ? { id: 'B-2', identifier: 'B-2', state: blocker } : { id: null, identifier: 'B-2', state: null },
    ]);
  });
});

describe('writes', () => {
  const original = `---
# Keep this comment.
title: Original title
state: Todo
labels: [Agent, bug]
custom: {nested: [1, 2]}
estimate: 3
---
# Heading

Body text with trailing spaces   
and a second line.
`;

  async function seed(): Promise<Issue> {
    await write('W-1.md', original);
    const [issue] = await tracker().fetchIssuesByIds(['W-1']);
    if (!issue) throw new Error('seed failed');
    return issue;
  }

  it('writeBatch applies labels, the progress section and the state move in one atomic rewrite', async () => {
    const issue = await seed();
    counts.rename = 0;
    await tracker().writeBatch(issue, { removeLabels: ['bug'], addLabels: ['built'], progress: 'stage run: succeeded', moveTo: 'In Progress' });
    expect(counts.rename).toBe(1);
    const [after] = await tracker().fetchIssuesByIds(['W-1']);
    expect(after).toMatchObject({ state: 'In Progress', labels: ['agent', 'built'], updated_at: NOW.toISOString() });
    expect(await read('W-1.md')).toContain('stage run: succeeded');
    // The same batch again changes nothing: no rewrite at all.
    counts.rename = 0;
    await tracker().writeBatch(after!, { removeLabels: [], addLabels: [], progress: 'stage run: succeeded', moveTo: 'In Progress' });
    expect(counts.rename).toBe(0);
  });

  it('moveToState sets state and updated_at and keeps unknown keys, comments and the body', async () => {
    const issue = await seed();
    await tracker().moveToState(issue, 'In Progress');
    const text = await read('W-1.md');
    expect(text).toContain('# Keep this comment.');
    expect(text.endsWith('---\n# Heading\n\nBody text with trailing spaces   \nand a second line.\n')).toBe(true);
    const parsed = parseMarkdownIssue(text);
    expect(parsed.ok && parsed.fields).toEqual({
      title: 'Original title',
      state: 'In Progress',
      labels: ['Agent', 'bug'],
      custom: { nested: [1, 2] },
      estimate: 3,
      updated_at: NOW.toISOString(),
    });
    const [after] = await tracker().fetchIssuesByIds(['W-1']);
    expect(after).toMatchObject({ state: 'In Progress', updated_at: NOW.toISOString() });
  });

  it('re-applying a write changes nothing (an activity retry is harmless)', async () => {
    const issue = await seed();
    await tracker().moveToState(issue, 'In Progress');
    await tracker().addLabels(issue, ['Review']);
    await tracker().upsertProgressComment(issue, 'p');
    const once = await read('W-1.md');
    const later = createFileTracker(config(), { logger: silentLogger, env: {} }, { now: () => new Date('2031-01-01T00:00:00Z') });
    await later.moveToState(issue, 'In Progress');
    await later.addLabels(issue, ['review']);
    await later.upsertProgressComment(issue, 'p');
    expect(await read('W-1.md')).toBe(once);
  });

  it('links a pull request as the front matter\'s pull_request line, leaving updated_at and the body alone', async () => {
    const issue = await seed();
    const before = await read('W-1.md');
    await tracker().linkPullRequest!(issue, { url: 'https://github.com/acme/app/pull/7', title: 'acme/app#7' });
    const once = await read('W-1.md');
    const parsed = parseMarkdownIssue(once);
    const original = parseMarkdownIssue(before);
    expect(parsed.ok && original.ok).toBe(true);
    if (!parsed.ok || !original.ok) return;
    expect(parsed.fields).toEqual({ ...original.fields, pull_request: 'https://github.com/acme/app/pull/7' });
    expect(parsed.body).toBe(original.body);
    await tracker().linkPullRequest!(issue, { url: 'https://github.com/acme/app/pull/7', title: 'acme/app#7' });
    expect(await read('W-1.md')).toBe(once);
  });

  it('adds and removes labels case-insensitively, keeping the spelling already there', async () => {
    const issue = await seed();
    const t = tracker();
    await t.addLabels(issue, ['AGENT', 'Review']);
    expect(parseMarkdownIssue(await read('W-1.md'))).toMatchObject({ fields: { labels: ['Agent', 'bug', 'Review'] } });
    await t.removeLabels(issue, ['agent', 'BUG']);
    expect(parseMarkdownIssue(await read('W-1.md'))).toMatchObject({ fields: { labels: ['Review'] } });
    expect((await read('W-1.md')).includes('labels: [Review]')).toBe(true);
  });

  it('replaces the progress section in place instead of adding another', async () => {
    const issue = await seed();
    const t = tracker();
    await t.upsertProgressComment(issue, 'plan: started');
    await t.upsertProgressComment(issue, 'plan: done\n\nimplement: started');
    const text = await read('W-1.md');
    expect(text.split(PROGRESS_START)).toHaveLength(2);
    expect(text).not.toContain('plan: started');
    expect(text.endsWith('and a second line.\n\n<!-- baton:progress -->\nplan: done\n\nimplement: started\n<!-- /baton:progress -->\n')).toBe(true);
    const [after] = await t.fetchIssuesByIds(['W-1']);
    expect(after?.description).toBe('# Heading\n\nBody text with trailing spaces   \nand a second line.');
  });

  it('serializes concurrent writes to one file so none is lost', async () => {
    const issue = await seed();
    const t = tracker();
    await Promise.all([
      t.addLabels(issue, ['one']),
      t.addLabels(issue, ['two']),
      t.moveToState(issue, 'In Progress'),
      t.upsertProgressComment(issue, 'p'),
      t.addLabels(issue, ['three']),
    ]);
    const [after] = await t.fetchIssuesByIds(['W-1']);
    // Concurrent callers get no order guarantee, only that every edit lands.
    expect(after?.labels.slice().sort()).toEqual(['agent', 'bug', 'one', 'three', 'two']);
    expect(after?.state).toBe('In Progress');
  });

  it('a concurrent reader never sees a partial file, and no temp file is left behind', async () => {
    const issue = await seed();
    const t = tracker();
    const big = 'x'.repeat(256 * 1024);
    let writing = true;
    let reads = 0;
    const bad: string[] = [];
    const reader = (async () => {
      while (writing) {
        const text = await nodeFs.readFile(path.join(dir, 'W-1.md'), 'utf8');
        reads += 1;
        const parsed = parseMarkdownIssue(text);
        const whole = text === original || text.endsWith('<!-- /baton:progress -->\n');
        if (!parsed.ok || parsed.fields.title !== 'Original title' || !whole) bad.push(`${text.length}: ${text.slice(-60)}`);
      }
    })();
    for (let i = 0; i < 40; i += 1) await t.upsertProgressComment(issue, `round ${i}\n${big.slice(i)}`);
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(bad).toEqual([]);
    expect((await nodeFs.readdir(dir)).sort()).toEqual(['W-1.md']);
  });

  it('finds a renamed file by id and fails with tracker_status for a deleted one', async () => {
    const issue = await seed();
    await nodeFs.writeFile(path.join(dir, 'renamed.md'), original.replace('title:', 'identifier: W-1\ntitle:'));
    await nodeFs.rm(path.join(dir, 'W-1.md'));
    await tracker().moveToState(issue, 'Done');
    expect(parseMarkdownIssue(await read('renamed.md'))).toMatchObject({ fields: { state: 'Done' } });
    await nodeFs.rm(path.join(dir, 'renamed.md'));
    await expect(tracker().moveToState(issue, 'Todo')).rejects.toMatchObject({ name: 'BatonError', category: 'tracker_status' });
  });

  it('refuses to rewrite a file whose front matter became invalid', async () => {
    const issue = await seed();
    await write('W-1.md', '---\ntitle: [broken\n---\n');
    await expect(tracker().moveToState(issue, 'Done')).rejects.toMatchObject({ name: 'BatonError', category: 'tracker_response' });
    expect(await read('W-1.md')).toBe('---\ntitle: [broken\n---\n');
  });
});

describe('agent tools', () => {
  async function seed(): Promise<{ t: FileTracker; issue: Issue }> {
    await write('T-1.md', '---\ntitle: current\nstate: Todo\nlabels: [agent]\n---\nBody.\n');
    await write('T-2.md', '---\ntitle: other\nstate: Done\n---\nOther body.\n');
    const t = tracker();
    const [issue] = await t.fetchIssuesByIds(['T-1']);
    if (!issue) throw new Error('seed failed');
    return { t, issue };
  }

  const errorOf = (output: string) => (JSON.parse(output) as { error: { message: string; supportedTools?: string[] } }).error;

  it('advertises two tools with JSON Schemas that reject unknown keys', async () => {
    const { t } = await seed();
    expect(t.agentTools().map((s) => s.name)).toEqual(['file_issue_read', 'file_issue_update']);
    for (const spec of t.agentTools()) expect(spec.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('file_issue_read reads another issue of the folder by identifier', async () => {
    const { t, issue } = await seed();
    const result = await t.executeAgentTool('file_issue_read', { identifier: 'T-2' }, issue);
    expect(result.success).toBe(true);
    expect(JSON.parse(result.output)).toMatchObject({ identifier: 'T-2', state: 'Done', description: 'Other body.' });
  });

  it.each([
    { args: { identifier: '../T-2' }, message: /no issue/ },
    { args: { identifier: 'nope' }, message: /no issue/ },
    { args: {}, message: /identifier/ },
    { args: { identifier: 'T-2', extra: 1 }, message: /extra/ },
    { args: 'T-2', message: /object/ },
  ])('file_issue_read fails with a JSON error for $args', async ({ args, message }) => {
    const { t, issue } = await seed();
    const result = await t.executeAgentTool('file_issue_read', args, issue);
    expect(result.success).toBe(false);
    expect(errorOf(result.output).message).toMatch(message);
  });

  it('file_issue_update changes state, labels and adds a comment in one write', async () => {
    const { t, issue } = await seed();
    const result = await t.executeAgentTool(
      'file_issue_update',
      { state: 'In Review', add_labels: ['Reviewed'], remove_labels: ['agent'], comment: 'Opened PR #4.\nPlease look.' },
      issue,
    );
    expect(result.success).toBe(true);
    expect(JSON.parse(result.output)).toMatchObject({ id: 'T-1', state: 'In Review', labels: ['reviewed'] });
    const text = await read('T-1.md');
    expect(text).toContain('> Opened PR #4.\n> Please look.');
    expect(parse(text.split('---\n')[1] ?? '')).toMatchObject({ updated_at: NOW.toISOString() });
    expect(await read('T-2.md')).toBe('---\ntitle: other\nstate: Done\n---\nOther body.\n');
  });

  it.each([{ args: {} }, { args: { state: '' } }, { args: { labels: ['x'] } }, { args: null }])(
    'file_issue_update fails with a JSON error for $args and writes nothing',
    async ({ args }) => {
      const { t, issue } = await seed();
      const before = await read('T-1.md');
      const result = await t.executeAgentTool('file_issue_update', args, issue);
      expect(result.success).toBe(false);
      expect(errorOf(result.output).message).toMatch(/file_issue_update/);
      expect(await read('T-1.md')).toBe(before);
    },
  );

  it('an unknown tool fails with the supported tool names', async () => {
    const { t, issue } = await seed();
    const result = await t.executeAgentTool('linear_graphql', {}, issue);
    expect(result.success).toBe(false);
    expect(errorOf(result.output)).toEqual({
      message: 'Unsupported dynamic tool: "linear_graphql".',
      supportedTools: ['file_issue_read', 'file_issue_update'],
    });
  });

  it('declares no secrets', async () => {
    const { t } = await seed();
    expect(t.secretEnvNames()).toEqual([]);
  });
});

describe('Markdown issue format', () => {
  it.each([
    { body: '', expected: `${PROGRESS_START}\nnew\n<!-- /baton:progress -->\n` },
    { body: 'Text\n\n\n', expected: `Text\n\n${PROGRESS_START}\nnew\n<!-- /baton:progress -->\n` },
    {
      body: `A\n\n${PROGRESS_START}\nold\n<!-- /baton:progress -->\nafter\n`,
      expected: `A\n\n${PROGRESS_START}\nnew\n<!-- /baton:progress -->\nafter\n`,
    },
  ])('setProgressSection on $body', ({ body, expected }) => {
    expect(setProgressSection(body, 'new')).toBe(expected);
  });

  it('a progress body quoting the end marker cannot end the section early', () => {
    const once = setProgressSection('', 'a <!-- /baton:progress --> b');
    expect(setProgressSection(once, 'second')).toBe(`${PROGRESS_START}\nsecond\n<!-- /baton:progress -->\n`);
  });

  it.each([
    { text: '---\ntitle: a\n---\nbody', ok: true },
    { text: '\uFEFF---\ntitle: a\n---\n', ok: true },
    { text: '---\n---\n', ok: true },
    { text: 'title: a\n', ok: false },
    { text: '\n---\ntitle: a\n---\n', ok: false },
    { text: '---\n"just a string"\n---\n', ok: false },
  ])('parseMarkdownIssue($text).ok is $ok', ({ text, ok }) => {
    expect(parseMarkdownIssue(text).ok).toBe(ok);
  });
});

describe('registry', () => {
  it('builds a file tracker for kind file and rejects unknown kinds', async () => {
    const t = await createTracker(config(), { logger: silentLogger, env: {} });
    expect(t.kind).toBe('file');
    await expect(createTracker(config({ kind: 'trello' }), { logger: silentLogger, env: {} })).rejects.toMatchObject({
      name: 'BatonError',
      category: 'unsupported_tracker_kind',
      message: expect.stringContaining('trello'),
    });
  });
});
