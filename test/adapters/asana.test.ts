/**
 * The `asana` adapter against the Asana fake (Baton's thin fetch client over real HTTP on
 * 127.0.0.1, every request and response validated against Asana's published OpenAPI description).
 * SPEC §11, §17.3; profile spec/adapters/asana.md.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import type { TrackerConfig } from '../../config/schema.js';
import { ErrorCategory } from '../../core/errors.js';
import { type Issue } from '../../core/issue.js';
import { IssueSchema } from '../../core/issue-schema.js';
import { createTracker, trackerProfiles } from '../../adapters/trackers/index.js';
import { classifyAsanaFailure } from '../../adapters/trackers/asana/client.js';
import { normalizeAsanaTask } from '../../adapters/trackers/asana/normalize.js';
import { classifyApiPath } from '../../adapters/trackers/asana/tools.js';
import { AsanaTracker, createAsanaTracker, PROGRESS_MARKER } from '../../adapters/trackers/asana/tracker.js';
import { startAsanaFake, type AsanaFake } from '../fakes/asana/index.js';
import { rejection } from '../helpers/errors.js';

let fake: AsanaFake;
let logLines: string[];

function config(provider: Record<string, unknown> = {}, overrides: Partial<TrackerConfig> = {}): TrackerConfig {
  return {
    name: 'asana',
    kind: 'asana',
    provider: { project_gid: fake.project.gid, endpoint: fake.endpoint, api_key: fake.token, ...provider },
    required_labels: [],
    active_states: ['Todo', 'In Progress'],
    terminal_states: ['Done'],
    secret_env: ['ASANA_PAT'],
    ...overrides,
  };
}

function tracker(provider: Record<string, unknown> = {}, overrides: Partial<TrackerConfig> = {}): AsanaTracker {
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  return createAsanaTracker(config(provider, overrides), { logger, env: {} });
}

async function readOne(t: AsanaTracker, gid: string): Promise<Issue> {
  const [issue] = await t.fetchIssuesByIds([gid]);
  return issue!;
}

const writes = () => fake.requests.filter((r) => r.method !== 'GET');
const sectionName = (gid: string) => fake.store.sectionOf(fake.store.tasks.get(gid)!).name;
const tagNames = (gid: string) => fake.store.tasks.get(gid)!.tags.map((t) => fake.store.tags.get(t)!.name);

beforeEach(async () => {
  fake = await startAsanaFake();
  logLines = [];
});

afterEach(async () => {
  expect(fake.problems).toEqual([]);
  await fake.close();
});

describe('pure parts', () => {
  it.each([
    [{ completed: false, deps: [] }, true],
    [{ completed: true, deps: [] }, false],
    [{ completed: false, deps: [true] }, true],
    [{ completed: false, deps: [true, false] }, false],
  ])('dispatchable for %j is %s', (t, expected) => {
    const raw = {
      gid: '1',
      name: 'x',
      completed: t.completed,
      memberships: [{ project: { gid: 'P' }, section: { gid: 'S', name: 'Todo' } }],
      dependencies: t.deps.map((c, i) => ({ gid: String(10 + i), completed: c })),
    };
    const result = normalizeAsanaTask(raw, 'P');
    expect(result.ok && result.issue.dispatchable).toBe(expected);
  });

  it('a task outside the project has no state here', () => {
    expect(normalizeAsanaTask({ gid: '1', name: 'x', memberships: [{ project: { gid: 'Q' }, section: { gid: 'S', name: 'Todo' } }] }, 'P')).toMatchObject({ ok: false, outside: true });
  });

  it.each([
    [429, '12', ErrorCategory.trackerRateLimited, 12_000],
    [429, null, ErrorCategory.trackerRateLimited, 60_000],
    [500, null, ErrorCategory.trackerStatus, undefined],
    [401, null, ErrorCategory.trackerStatus, undefined],
    [null, null, ErrorCategory.trackerRequest, undefined],
  ] as const)('classifies HTTP %s (Retry-After %s) as %s', (status, retryAfter, category, wait) => {
    const error = classifyAsanaFailure({ status, retryAfter, message: 'm', operation: 'op' });
    expect(error.category).toBe(category);
    expect(error.retryAfterMs).toBe(wait);
  });

  it('confines asana_api to the project and its tasks', () => {
    expect(classifyApiPath('/projects/77/sections', '77')).toEqual({ kind: 'project' });
    expect(classifyApiPath('/tasks/123/stories', '77')).toEqual({ kind: 'task', gid: '123' });
    for (const bad of ['/projects/78', '/workspaces/1/tasks/search', '/users/me', '/tasks/../users', 'tasks/1', '/tasks/1?opt_fields=x', '/tasks/%31']) {
      expect(classifyApiPath(bad, '77').kind, bad).toBe('refused');
    }
  });
});

describe('the fake', () => {
  it('answers a request without a token with 401 in Asana’s error shape', async () => {
    const res = await fetch(`${fake.endpoint}/projects/${fake.project.gid}/tasks`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ errors: [{ message: 'Not Authorized' }] });
  });
});

describe('reads (SPEC §11.1)', () => {
  it('makes no request for empty inputs', async () => {
    const t = tracker();
    expect(await t.fetchIssuesByStates([])).toEqual([]);
    expect(await t.fetchIssuesByIds([])).toEqual([]);
    expect(await t.poll([], [])).toEqual({ candidates: [], inflight: [] });
    expect(fake.requests).toEqual([]);
  });

  it('pages the project’s incomplete tasks with every field in one listing, filtering by section and required tags', async () => {
    const expected = [0, 1, 2, 3, 4].map((i) => fake.addTask({ name: `t${i}`, tags: ['Agent'], section: i === 2 ? 'In Progress' : 'Todo' }).gid);
    fake.addTask({ name: 'done', tags: ['Agent'], section: 'Done', completed: true });
    fake.addTask({ name: 'untagged' });
    fake.addTask({ name: 'review', tags: ['Agent'], section: 'In Review' });
    const issues = await tracker({ page_size: 2 }, { required_labels: ['agent'] }).fetchIssuesByStates(['todo', 'In Progress']);
    expect(issues.map((i) => i.id).sort()).toEqual([...expected].sort());
    expect(fake.requests.map((r) => [r.operation, r.query.get('completed_since'), r.query.get('limit'), Boolean(r.query.get('offset'))])).toEqual([
      ['getTasksForProject', 'now', '2', false],
      ['getTasksForProject', 'now', '2', true],
      ['getTasksForProject', 'now', '2', true],
      ['getTasksForProject', 'now', '2', true],
    ]);
    expect(fake.requests.every((r) => r.authorization === `Bearer ${fake.token}`)).toBe(true);
    for (const issue of issues) expect(IssueSchema.parse(issue)).toEqual(issue);
  });

  it('normalizes a task to the shared model, with dependencies as blockers', async () => {
    const blocker = fake.addTask({ name: 'blocker' });
    const task = fake.addTask({ name: 'Fix login', notes: 'Steps.', tags: ['Agent', 'priority::2'], section: 'In Progress' });
    task.dependencies.push(blocker.gid);
    task.assigneeGid = fake.store.botGid;
    const issue = await readOne(tracker(), task.gid);
    expect(issue).toEqual({
      id: task.gid,
      identifier: `ASANA-${task.gid}`,
      title: 'Fix login',
      description: 'Steps.',
      priority: 2,
      state: 'In Progress',
      branch_name: null,
      url: `${fake.endpoint.replace('/api/1.0', '')}/0/${fake.project.gid}/${task.gid}`,
      assignee_id: fake.store.botGid,
      labels: ['agent', 'priority::2'],
      blocked_by: [{ id: blocker.gid, identifier: `ASANA-${blocker.gid}`, state: 'incomplete' }],
      dispatchable: false,
      created_at: task.created_at,
      updated_at: task.modified_at,
      native_ref: { task_gid: task.gid, project_gid: fake.project.gid, section_gid: task.sectionGid, completed: false, resource_subtype: 'default_task' },
    });
    fake.update(blocker.gid, { completed: true });
    expect((await readOne(tracker(), task.gid)).dispatchable).toBe(true);
  });

  it('refreshes by gid, omitting deleted tasks and tasks outside the project', async () => {
    const a = fake.addTask();
    const other = fake.store.addTask(fake.store.addProject('Other', ['Todo']));
    const issues = await tracker().fetchIssuesByIds([a.gid, a.gid, other.gid, '999', 'x']);
    expect(issues.map((i) => i.id)).toEqual([a.gid]);
    expect(fake.requests.map((r) => r.operation)).toEqual(['getTask', 'getTask', 'getTask']);
  });

  it('polls with ONE listing per tick at 0, 10 and 100 in flight, re-reading only in-flight tasks that left it', async () => {
    for (let i = 0; i < 5; i += 1) fake.addTask({ tags: ['agent'] });
    const inflight = Array.from({ length: 100 }, () => fake.addTask({ tags: ['agent'], section: 'In Review' }).gid);
    const t = tracker({}, { required_labels: ['agent'] });
    const figures: string[] = [];
    for (const n of [0, 10, 100]) {
      fake.resetRequests();
      const result = await t.poll(['Todo'], inflight.slice(0, n));
      expect(result.candidates).toHaveLength(5);
      expect(result.inflight.map((i) => i.id).sort()).toEqual(inflight.slice(0, n).sort());
      expect(fake.requests.every((r) => r.operation === 'getTasksForProject')).toBe(true);
      expect(fake.requests).toHaveLength(2); // 105 incomplete tasks, 100 per page
      figures.push(`${n} in flight → ${fake.requests.length} requests`);
    }
    fake.update(inflight[0]!, { section: 'Done', completed: true });
    fake.resetRequests();
    const result = await t.poll(['Todo'], inflight.slice(0, 10));
    expect(result.inflight.find((i) => i.id === inflight[0])).toMatchObject({ state: 'Done', dispatchable: false });
    expect(fake.requests.map((r) => r.operation)).toEqual(['getTasksForProject', 'getTasksForProject', 'getTask']);
    figures.push(`10 in flight, 1 completed since → ${fake.requests.length} requests`);
    console.log(`asana poll requests per tick (105 incomplete tasks): ${figures.join('; ')}`);
  });

  it('drops a malformed listed task (and logs it) but fails a refresh of it', async () => {
    const good = fake.addTask({ name: 'good' });
    const bad = fake.addTask({ name: 'bad' });
    bad.name = '  ';
    expect((await tracker().fetchIssuesByStates(['Todo'])).map((i) => i.id)).toEqual([good.gid]);
    expect(logLines.some((l) => l.includes('malformed') && l.includes(bad.gid))).toBe(true);
    expect((await rejection(tracker().fetchIssuesByIds([bad.gid]))).category).toBe(ErrorCategory.trackerResponse);
  });
});

describe('errors (SPEC §11.4)', () => {
  beforeEach(() => {
    for (let i = 0; i < 5; i += 1) fake.addTask();
  });

  it('maps 500 to tracker_status and a malformed body to tracker_response', async () => {
    fake.inject({ kind: 'status', status: 500 });
    expect(await rejection(tracker().fetchIssuesByStates(['Todo']))).toMatchObject({ category: ErrorCategory.trackerStatus, retryable: true });
    fake.inject({ kind: 'malformed-body' });
    expect((await rejection(tracker().fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerResponse);
  });

  it('maps 429 to tracker_rate_limited with Retry-After', async () => {
    fake.inject({ kind: 'rate-limit', retryAfterSeconds: 9 });
    expect(await rejection(tracker().poll(['Todo'], []))).toMatchObject({ category: ErrorCategory.trackerRateLimited, retryAfterMs: 9000 });
  });

  it('maps a repeated next_page offset to tracker_pagination', async () => {
    fake.inject({ kind: 'broken-pagination' });
    expect((await rejection(tracker({ page_size: 2 }).fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerPagination);
  });

  it('maps a wrong token to tracker_status (not retryable) and refuses to start without one', async () => {
    expect(await rejection(tracker({ api_key: 'wrong' }).fetchIssuesByStates(['Todo']))).toMatchObject({ category: ErrorCategory.trackerStatus, retryable: false });
    expect(() => tracker({ api_key: undefined })).toThrow(expect.objectContaining({ category: ErrorCategory.missingTrackerSecret }));
  });

  it('maps transport failures and timeouts to tracker_request; invalid config to invalid_tracker_config', async () => {
    fake.inject({ kind: 'disconnect' });
    expect((await rejection(tracker().fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerRequest);
    fake.inject({ kind: 'hang' });
    expect((await rejection(tracker({ timeout_ms: 150 }).fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerRequest);
    for (const provider of [{ project_gid: 'abc' }, { endpoint: 'http://app.asana.example/api/1.0' }, { page_size: 0 }]) {
      expect(() => tracker(provider), JSON.stringify(provider)).toThrow(expect.objectContaining({ category: ErrorCategory.invalidTrackerConfig }));
    }
  });
});

describe('writes', () => {
  it('moves through sections: addTask, completing at a terminal section and un-completing out of it', async () => {
    const task = fake.addTask({ tags: ['agent'] });
    const t = tracker();
    await t.moveToState(await readOne(t, task.gid), 'in progress');
    expect(sectionName(task.gid)).toBe('In Progress');
    expect(writes().map((r) => [r.operation, r.body])).toEqual([['addTaskForSection', { data: { task: task.gid } }]]);
    fake.resetRequests();
    await t.moveToState(await readOne(t, task.gid), 'Done');
    expect(writes().map((r) => [r.operation, r.body])).toEqual([
      ['addTaskForSection', { data: { task: task.gid } }],
      ['updateTask', { data: { completed: true } }],
    ]);
    expect(fake.store.tasks.get(task.gid)!.completed).toBe(true);
    fake.resetRequests();
    await t.moveToState(await readOne(t, task.gid), 'Todo');
    expect(writes().map((r) => r.operation)).toEqual(['updateTask', 'addTaskForSection']);
    expect(fake.store.tasks.get(task.gid)).toMatchObject({ completed: false });
    fake.resetRequests();
    await t.moveToState(await readOne(t, task.gid), 'Todo');
    expect(writes()).toEqual([]);
    const error = await rejection(t.moveToState(await readOne(t, task.gid), 'Shipped'));
    expect(error.category).toBe(ErrorCategory.invalidTrackerConfig);
    expect(error.message).toContain('Todo, In Progress, In Review, Merging, Done');
  });

  it('complete_on_terminal: false leaves completion alone', async () => {
    const task = fake.addTask();
    const t = tracker({ complete_on_terminal: false });
    await t.moveToState(await readOne(t, task.gid), 'Done');
    expect(fake.store.tasks.get(task.gid)!.completed).toBe(false);
  });

  it('adds tags (finding or creating the workspace tag) and removes them case-insensitively', async () => {
    const task = fake.addTask({ tags: ['Agent', 'Bug'] });
    const t = tracker();
    const issue = await readOne(t, task.gid);
    await t.addLabels(issue, ['bug', 'approved']);
    expect(tagNames(task.gid)).toEqual(['Agent', 'Bug', 'approved']);
    await t.removeLabels(issue, ['AGENT', 'never-there']);
    expect(tagNames(task.gid)).toEqual(['Bug', 'approved']);
    expect(fake.requests.filter((r) => r.operation === 'createTagForWorkspace')).toHaveLength(1);
    fake.resetRequests();
    await t.addLabels(issue, ['APPROVED']);
    expect(writes()).toEqual([]);
  });

  it('keeps exactly one progress comment, edited in place, found again by its marker after a restart', async () => {
    const task = fake.addTask();
    const t = tracker();
    const issue = await readOne(t, task.gid);
    await t.executeAgentTool('asana_comment', { text: 'a human-ish comment' }, issue);
    await t.upsertProgressComment(issue, 'plan done');
    await t.upsertProgressComment(issue, 'plan done\nimplement running');
    await tracker().upsertProgressComment(issue, 'review waiting');
    const comments = () => fake.store.tasks.get(task.gid)!.stories.filter((s) => s.type === 'comment').map((s) => s.text);
    expect(comments()).toEqual(['a human-ish comment', `${PROGRESS_MARKER}\nreview waiting`]);
    expect(fake.requests.filter((r) => r.operation === 'updateStory')).toHaveLength(2);
    const stories = fake.store.tasks.get(task.gid)!.stories;
    stories.splice(stories.findIndex((s) => s.text.startsWith(PROGRESS_MARKER)), 1);
    await t.upsertProgressComment(issue, 'merge done');
    expect(comments()).toEqual(['a human-ish comment', `${PROGRESS_MARKER}\nmerge done`]);
  });
});

describe('agent tools', () => {
  it('asana_api reaches the project and its tasks only; HTTP errors answer success:false', async () => {
    const task = fake.addTask({ name: 'mine' });
    const foreign = fake.store.addTask(fake.store.addProject('Other', ['Todo']));
    const t = tracker();
    const issue = await readOne(t, task.gid);
    const read = await t.executeAgentTool('asana_api', { method: 'GET', path: `/tasks/${task.gid}`, query: { opt_fields: 'name,notes' } }, issue);
    expect(JSON.parse(read.output)).toMatchObject({ status: 200, body: { data: { gid: task.gid, name: 'mine' } } });
    const commented = await t.executeAgentTool('asana_api', { method: 'POST', path: `/tasks/${task.gid}/stories`, body: { text: 'via api' } }, issue);
    expect(commented.success).toBe(true);
    const sections = await t.executeAgentTool('asana_api', { method: 'GET', path: `/projects/${fake.project.gid}/sections` }, issue);
    expect(sections.success).toBe(true);
    for (const args of [{ method: 'GET', path: `/tasks/${foreign.gid}` }, { method: 'GET', path: '/users/me' }, { method: 'PATCH', path: '/tasks/1' }, {}]) {
      expect((await t.executeAgentTool('asana_api', args, issue)).success, JSON.stringify(args)).toBe(false);
    }
  });

  it('asana_get_task and asana_comment work on the current task; unknown tools list the supported ones', async () => {
    const task = fake.addTask({ name: 'Read me', tags: ['agent'] });
    const t = tracker();
    const issue = await readOne(t, task.gid);
    expect((await t.executeAgentTool('asana_comment', { text: 'Plan: one' }, issue)).success).toBe(true);
    fake.update(task.gid, { section: 'In Progress' }); // a system story, left out of comments
    const got = JSON.parse((await t.executeAgentTool('asana_get_task', {}, issue)).output);
    expect(got).toMatchObject({ issue: { identifier: `ASANA-${task.gid}`, state: 'In Progress' }, comments: [{ text: 'Plan: one', author: 'Baton Bot' }] });
    expect(got.comments).toHaveLength(1);
    expect((await t.executeAgentTool('asana_comment', { text: ' ' }, issue)).success).toBe(false);
    expect(JSON.parse((await t.executeAgentTool('asana_nope', {}, issue)).output)).toMatchObject({ error: { supportedTools: ['asana_api', 'asana_get_task', 'asana_comment'] } });
  });
});

describe('registration', () => {
  it('is built by the tracker registry and strips its secret env names', async () => {
    const adapter = await createTracker(config(), { logger: pino({ level: 'silent' }), env: {} });
    expect(adapter).toBeInstanceOf(AsanaTracker);
    expect(adapter.secretEnvNames()).toEqual(['ASANA_PAT']);
  });

  it('loads a Symphony-format WORKFLOW.md for Asana (Symphony’s documented keys, section names as states) and reads through it', async () => {
    // Upstream ships no example WORKFLOW.md for Asana; this front matter follows its README.
    const dir = await mkdtemp(join(tmpdir(), 'baton-asana-wf-'));
    const file = join(dir, 'WORKFLOW.md');
    await writeFile(
      file,
      `---\ntracker:\n  kind: asana\n  provider:\n    project_gid: "${fake.project.gid}"\n    endpoint: "${fake.endpoint}"\n    api_key: "$ASANA_PAT"\n  active_states: ["Todo"]\n  terminal_states: ["Done"]\n---\n\nWork on {{ issue.identifier }}: {{ issue.title }}\n`,
    );
    const { config: loaded, warnings } = loadConfig(file, { env: { ASANA_PAT: fake.token }, trackerProfiles });
    expect(warnings).toEqual([]);
    expect(loaded.trackers[0]).toMatchObject({ kind: 'asana', active_states: ['Todo'], terminal_states: ['Done'], secret_env: ['ASANA_PAT'] });
    const task = fake.addTask({ name: 'from the workflow' });
    const adapter = await createTracker(loaded.trackers[0]!, { logger: pino({ level: 'silent' }), env: {} });
    expect((await adapter.fetchIssuesByStates(['Todo'])).map((i) => i.identifier)).toEqual([`ASANA-${task.gid}`]);
  });
});
