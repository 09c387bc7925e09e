/**
 * The `jira` adapter against the Jira fake (Baton's REST client over real HTTP on 127.0.0.1, every
 * request and response checked against the REST v3 models jira.js publishes). SPEC §11, §17.3.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ErrorCategory } from '../../core/errors.js';
import { type Issue } from '../../core/issue.js';
import { IssueSchema } from '../../core/issue-schema.js';
import { createTracker } from '../../adapters/trackers/index.js';
import { adfToText, textToAdf } from '../../adapters/trackers/jira/adf.js';
import { buildReadJql, confineJql } from '../../adapters/trackers/jira/jql.js';
import { jiraDispatchable } from '../../adapters/trackers/jira/normalize.js';
import { createJiraTracker, JiraTracker, PROGRESS_PROPERTY } from '../../adapters/trackers/jira/tracker.js';
import { startJiraFake, type JiraFake } from '../fakes/jira/index.js';
import { RequestSchemas, ResponseSchemas } from '../fakes/jira/schemas.js';
import { rejection } from '../helpers/errors.js';
import { trackerUnderTest } from './tracker-under-test.js';

let fake: JiraFake;
let logLines: string[];

const TERMINAL = ['Done', "Won't Do"];

const { config, tracker } = trackerUnderTest(
  createJiraTracker,
  () => ({
    name: 'jira',
    kind: 'jira',
    provider: { base_url: fake.url, email: fake.email, api_token: fake.apiToken, project: fake.store.defaultProject },
    required_labels: [],
    active_states: ['To Do', 'In Progress'],
    terminal_states: TERMINAL,
    secret_env: ['JIRA_EMAIL', 'JIRA_API_TOKEN'],
  }),
  { level: 'info', lines: () => logLines },
);

async function readOne(jira: JiraTracker, id: string): Promise<Issue> {
  const [issue] = await jira.fetchIssuesByIds([id]);
  return issue!;
}

/** The JQL of every search the fake received. */
function searchedJql(): string[] {
  return fake.requests.filter((r) => r.path === '/rest/api/3/search/jql').map((r) => (r.body as { jql: string }).jql);
}

beforeEach(async () => {
  fake = await startJiraFake();
  logLines = [];
});

afterEach(async () => {
  expect(fake.schemaViolations).toEqual([]);
  await fake.close();
});

describe('pure parts', () => {
  it.each([
    [['To Do'], [], 'project = "ENG" AND status in ("To Do") ORDER BY created ASC, key ASC'],
    [[], ['10001', 'ENG-7'], 'project = "ENG" AND id in (10001, "ENG-7") ORDER BY created ASC, key ASC'],
    [['Say "hi"\\'], ['1'], 'project = "ENG" AND (status in ("Say \\"hi\\"\\\\") OR id in (1)) ORDER BY created ASC, key ASC'],
  ])('builds the read JQL for states %j and ids %j', (states, ids, expected) => {
    expect(buildReadJql({ projectKey: 'ENG', jql: null }, states, ids)).toBe(expected);
  });

  it('ANDs the extra JQL and confines an agent’s JQL to the project', () => {
    expect(buildReadJql({ projectKey: 'ENG', jql: 'labels = agent' }, ['To Do'], [])).toBe(
      'project = "ENG" AND (labels = agent) AND status in ("To Do") ORDER BY created ASC, key ASC',
    );
    expect(confineJql('ENG', 'status = Done OR project = OTHER order by key')).toBe('project = "ENG" AND (status = Done OR project = OTHER) order by key');
    expect(confineJql('ENG', '')).toBe('project = "ENG"');
  });

  it.each([
    ['To Do', 'new', [{ state: 'In Progress', category: 'indeterminate' }], false],
    ['To Do', 'new', [{ state: 'Done', category: 'done' }], true],
    ['To Do', 'new', [{ state: 'Closed', category: null }], false],
    ['To Do', 'new', [{ state: "Won't Do", category: null }], true],
    ['To Do', 'new', [{ state: null, category: null }], false],
    ['In Progress', 'indeterminate', [{ state: 'To Do', category: 'new' }], true],
    ['Todo', null, [{ state: 'In Progress', category: 'indeterminate' }], false],
    ['Backlog', null, [{ state: 'In Progress', category: 'indeterminate' }], true],
  ] as const)('dispatchable: %s (%s) with blockers %j → %s', (state, category, blockers, expected) => {
    expect(jiraDispatchable({ state, category, blockers: [...blockers] }, new Set(TERMINAL.map((s) => s.toLowerCase())))).toBe(expected);
  });

  it('turns progress text into ADF and ADF back into text', () => {
    const doc = textToAdf('# Baton\n\n**plan** done\n`implement` running\n\n- one\n- two');
    expect(doc.content.map((n) => n.type)).toEqual(['heading', 'paragraph', 'bulletList']);
    expect(doc.content[1]!.content).toEqual([
      { type: 'text', text: 'plan', marks: [{ type: 'strong' }] },
      { type: 'text', text: ' done' },
      { type: 'hardBreak' },
      { type: 'text', text: 'implement', marks: [{ type: 'code' }] },
      { type: 'text', text: ' running' },
    ]);
    expect(adfToText(doc)).toBe('Baton\nplan done\nimplement running\n- one\n- two');
    expect(adfToText({ type: 'doc', version: 1, content: [] })).toBeNull();
    expect(adfToText(42)).toBeNull();
  });
});

describe('the fake’s auth', () => {
  it('answers a request without an Authorization header with 401', async () => {
    const response = await fetch(`${fake.url}/rest/api/3/search/jql?jql=project%20%3D%20ENG`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errorMessages: [expect.stringContaining('authenticated')] });
  });
});

describe('the fake’s contract (jira.js’s published REST v3 models)', () => {
  const auth = () => ({ authorization: `Basic ${Buffer.from(`${fake.email}:${fake.apiToken}`).toString('base64')}`, 'content-type': 'application/json' });

  it.each([
    ['a search with a misspelled key', 'POST', '/rest/api/3/search/jql', { jql: 'project = ENG', maxResult: 5 }],
    ['a search whose fields is not a list', 'POST', '/rest/api/3/search/jql', { jql: 'project = ENG', fields: 'summary' }],
    ['a link without its inward issue', 'POST', '/rest/api/3/issueLink', { type: { name: 'Blocks' }, outwardIssue: { key: 'ENG-1' } }],
    ['a comment without a body', 'POST', '/rest/api/3/issue/ENG-1/comment', { visibility: { type: 'role', value: 'Developers' } }],
    ['a comment whose body is text, not ADF', 'POST', '/rest/api/3/issue/ENG-1/comment', { body: 'plain text' }],
    ['an edit with an unknown top-level key', 'PUT', '/rest/api/3/issue/ENG-1', { update: {}, labels: ['x'] }],
  ])('refuses %s with 400, as Jira does', async (_what, method, path, body) => {
    fake.store.addIssue({ status: 'To Do' });
    const response = await fetch(`${fake.url}${path}`, { method, headers: auth(), body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errorMessages: [expect.any(String)] });
  });

  it.each([
    ['an issue id that is a number', ResponseSchemas.issue, { id: 10001, key: 'ENG-1', fields: {} }],
    ['a summary that is not a string', ResponseSchemas.issue, { id: '10001', key: 'ENG-1', fields: { summary: 5 } }],
    ['a status without its name typed as a string', ResponseSchemas.issue, { id: '1', key: 'ENG-1', fields: { status: { name: 7 } } }],
    ['a field the fake has no schema for', ResponseSchemas.issue, { id: '1', key: 'ENG-1', fields: { customfield_1: 'x' } }],
    ['a transition list that is not a list', ResponseSchemas.transitions, { transitions: {} }],
    ['a search page token that is a number', ResponseSchemas.search, { issues: [], nextPageToken: 5 }],
  ])('would refuse to answer with %s', (_what, schema, body) => {
    expect(schema.safeParse(body).success).toBe(false);
  });

  it('accepts the answers and requests the adapter sends and reads', () => {
    expect(ResponseSchemas.issue.safeParse({ id: '1', key: 'ENG-1', fields: { summary: 's', labels: ['a'], status: { name: 'To Do' } } }).success).toBe(true);
    expect(RequestSchemas.search.safeParse({ jql: 'project = ENG', fields: ['summary'], maxResults: 50, nextPageToken: 't' }).success).toBe(true);
    expect(RequestSchemas.transition.safeParse({ transition: { id: '31' } }).success).toBe(true);
  });
});

describe('reads (SPEC §11.1)', () => {
  it('makes no request for empty inputs', async () => {
    const jira = tracker();
    expect(await jira.fetchIssuesByStates([])).toEqual([]);
    expect(await jira.fetchIssuesByIds([])).toEqual([]);
    expect(await jira.poll([], [])).toEqual({ candidates: [], inflight: [] });
    expect(fake.requestCount).toBe(0);
  });

  it('pages with nextPageToken in provider order, scoped to the project, with explicit fields', async () => {
    const { store } = fake;
    store.addProject('OPS', 'Operations');
    const expected: string[] = [];
    for (let i = 0; i < 5; i += 1) expected.push(store.addIssue({ status: i === 2 ? 'In Progress' : 'To Do' }).key);
    store.addIssue({ status: 'Done' });
    store.addIssue({ status: 'To Do', project: 'OPS' });

    const issues = await tracker({ page_size: 2 }).fetchIssuesByStates(['to do', 'In Progress']);

    expect(issues.map((i) => i.identifier)).toEqual(expected);
    expect(fake.requestCount).toBe(3);
    const searches = fake.requests.map((r) => r.body as { jql: string; fields: string[]; maxResults: number; nextPageToken?: string });
    expect(new Set(searches.map((s) => s.jql)).size).toBe(1);
    expect(searches[0]!.fields).toEqual(expect.arrayContaining(['summary', 'status', 'labels', 'issuelinks', 'priority', 'created', 'updated']));
    expect(searches.map((s) => Boolean(s.nextPageToken))).toEqual([false, true, true]);
    expect(fake.requests.every((r) => r.authorization === `Basic ${Buffer.from(`${fake.email}:${fake.apiToken}`).toString('base64')}`)).toBe(true);
    for (const issue of issues) expect(IssueSchema.parse(issue)).toEqual(issue);
  });

  it('normalizes labels, priority, ADF descriptions, Jira timestamps and optional fields', async () => {
    const { store } = fake;
    const a = store.addIssue({ summary: 'Full', labels: ['Agent', 'agent', 'Bug'], priority: '2', assignee: 'self', description: 'Fix the login redirect.' });
    const b = store.addIssue({ summary: 'Sparse', priority: null, description: null });
    const c = store.addIssue({ summary: 'Custom priority', priority: '10000' });
    store.patchIssue(c.id, { description: { type: 'doc', version: 1, content: [] } });

    const [full, sparse, custom] = await tracker().fetchIssuesByStates(['To Do']);

    expect(full).toMatchObject({
      id: a.id,
      identifier: 'ENG-1',
      title: 'Full',
      description: 'Fix the login redirect.',
      priority: 2,
      state: 'To Do',
      branch_name: null,
      url: `${fake.url}/browse/ENG-1`,
      assignee_id: store.selfId,
      labels: ['agent', 'bug'],
      blocked_by: [],
      dispatchable: true,
      created_at: new Date(Date.parse(a.created)).toISOString(),
    });
    expect(full!.native_ref).toEqual({ jira_issue_id: a.id, key: 'ENG-1', project_key: 'ENG', status_category: 'new' });
    expect(sparse).toMatchObject({ id: b.id, title: 'Sparse', priority: null, description: null, assignee_id: null, labels: [] });
    expect(custom).toMatchObject({ id: c.id, title: 'Custom priority', priority: null, description: null });
  });

  it('reads inward "Blocks" links as blockers and gates To Do issues on them', async () => {
    const { store } = fake;
    const blocker = store.addIssue({ summary: 'blocker', status: 'In Progress' });
    const finished = store.addIssue({ summary: 'finished', status: 'Done' });
    const waiting = store.addIssue({ summary: 'waits' });
    const free = store.addIssue({ summary: 'free' });
    const started = store.addIssue({ summary: 'started', status: 'In Progress' });
    store.addBlocker(blocker.id, waiting.id);
    store.addBlocker(finished.id, free.id);
    store.addBlocker(blocker.id, started.id);

    const byTitle = new Map((await tracker().fetchIssuesByStates(['To Do', 'In Progress'])).map((i) => [i.title, i]));
    expect(byTitle.get('waits')).toMatchObject({ dispatchable: false, blocked_by: [{ id: blocker.id, identifier: blocker.key, state: 'In Progress' }] });
    expect(byTitle.get('free')).toMatchObject({ dispatchable: true, blocked_by: [{ id: finished.id, state: 'Done' }] });
    expect(byTitle.get('started')?.dispatchable).toBe(true);
    // the outward side ("blocks") is not a blocker of the blocking issue
    expect(byTitle.get('blocker')?.blocked_by).toEqual([]);
  });

  it('drops a malformed record from a state list (and logs it) but fails an id refresh', async () => {
    const good = fake.store.addIssue({ summary: 'good' });
    const bad = fake.store.addIssue({ summary: 'bad' });
    fake.store.patchIssue(bad.id, { summary: '   ' });

    expect((await tracker().fetchIssuesByStates(['To Do'])).map((i) => i.id)).toEqual([good.id]);
    expect(logLines.some((line) => line.includes('malformed') && line.includes(bad.id))).toBe(true);

    const error = await rejection(tracker().fetchIssuesByIds([good.id, bad.id]));
    expect(error.category).toBe(ErrorCategory.trackerResponse);
    expect(error.message).toContain(bad.id);
  });

  it('re-reads by id that arrive together share one search, each caller getting its own issue', async () => {
    const ids = Array.from({ length: 10 }, () => fake.store.addIssue({ status: 'In Progress' }).id);
    const jira = tracker();
    const answers = await Promise.all(ids.map((id) => jira.fetchIssuesByIds([id])));
    expect(answers.map((found) => found.map((i) => i.id))).toEqual(ids.map((id) => [id]));
    expect(fake.requestCount, 'the first read, then one for the nine that asked while it ran').toBe(2);
  });

  it('refreshes by id, omitting issues outside the project and issues Jira says no longer exist', async () => {
    const { store } = fake;
    store.addProject('OPS', 'Operations');
    const a = store.addIssue({ status: 'In Review', labels: ['agent'] });
    const b = store.addIssue({ status: 'Done' });
    const elsewhere = store.addIssue({ project: 'OPS' });

    const issues = await tracker().fetchIssuesByIds([b.id, a.id, a.id, elsewhere.id]);
    expect(issues.map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect(issues.find((i) => i.id === a.id)).toMatchObject({ state: 'In Review', labels: ['agent'] });
    expect(fake.requestCount).toBe(1);

    fake.resetCounters();
    const again = await tracker().fetchIssuesByIds([a.id, '99999']);
    expect(again.map((i) => i.id)).toEqual([a.id]);
    expect(fake.requestCount).toBe(2); // Jira refuses a JQL naming a deleted issue; one retry without it
    expect(searchedJql()[1]).not.toContain('99999');
  });

  it('polls with ONE JQL query per tick with 0, 10 and 100 in flight (pages only past Jira’s page size)', async () => {
    const { store } = fake;
    for (let i = 0; i < 5; i += 1) store.addIssue({ status: 'To Do' });
    const inflight = Array.from({ length: 100 }, () => store.addIssue({ status: 'In Review' }).id);
    const jira = tracker();
    const figures: string[] = [];
    for (const n of [0, 10, 100]) {
      fake.resetCounters();
      const result = await jira.poll(['To Do', 'In Progress'], inflight.slice(0, n));
      expect(result.candidates).toHaveLength(5);
      expect(result.inflight.map((i) => i.id).sort()).toEqual(inflight.slice(0, n).sort());
      const queries = new Set(searchedJql()).size;
      expect(queries).toBe(1);
      // one request per page of that one query; the fake pages at 100 issues, as Jira does with fields
      expect(fake.requestCount).toBe(Math.ceil((5 + n) / 100));
      figures.push(`${n} in flight → ${queries} query, ${fake.requestCount} request${fake.requestCount > 1 ? 's' : ''}`);
    }
    console.log(`jira poll requests per tick: ${figures.join('; ')}`);
  });
});

describe('errors (SPEC §11.4)', () => {
  beforeEach(() => {
    for (let i = 0; i < 5; i += 1) fake.store.addIssue();
  });

  it('maps HTTP 500 to tracker_status', async () => {
    fake.inject({ kind: 'status', status: 500 });
    const error = await rejection(tracker().fetchIssuesByStates(['To Do']));
    expect(error.category).toBe(ErrorCategory.trackerStatus);
    expect(error.message).toContain('HTTP 500');
    expect(error.retryable).toBe(true);
  });

  it('maps a malformed body to tracker_response', async () => {
    fake.inject({ kind: 'malformed-body' });
    expect((await rejection(tracker().fetchIssuesByStates(['To Do']))).category).toBe(ErrorCategory.trackerResponse);
  });

  it('maps a missing and a repeated nextPageToken to tracker_pagination', async () => {
    fake.inject({ kind: 'broken-pagination', mode: 'missing-token' });
    expect((await rejection(tracker({ page_size: 2 }).fetchIssuesByStates(['To Do']))).category).toBe(ErrorCategory.trackerPagination);
    fake.inject({ kind: 'broken-pagination', mode: 'repeat-token' });
    const repeated = await rejection(tracker({ page_size: 2 }).fetchIssuesByStates(['To Do']));
    expect(repeated.category).toBe(ErrorCategory.trackerPagination);
    expect(repeated.message).toContain('same nextPageToken');
  });

  it('maps 429 to tracker_rate_limited with Retry-After as retryAfterMs', async () => {
    fake.inject({ kind: 'rate-limit', retryAfterSeconds: 9 });
    const error = await rejection(tracker().poll(['To Do'], []));
    expect(error.category).toBe(ErrorCategory.trackerRateLimited);
    expect(error.retryAfterMs).toBe(9000);
  });

  it('refuses to start without credentials, and maps rejected credentials to tracker_status', async () => {
    expect(() => tracker({ api_token: '' })).toThrow(expect.objectContaining({ category: ErrorCategory.missingTrackerSecret }));
    expect(() => tracker({ email: undefined })).toThrow(expect.objectContaining({ category: ErrorCategory.missingTrackerSecret }));
    expect(fake.requestCount).toBe(0);

    const error = await rejection(tracker({ api_token: 'wrong' }).fetchIssuesByStates(['To Do']));
    expect(error.category).toBe(ErrorCategory.trackerStatus);
    expect(error.message).toMatch(/HTTP 401.*JIRA_API_TOKEN/);
    expect(error.retryable).toBe(false);
  });

  it('maps a JQL Jira rejects to tracker_status naming the extra jql', async () => {
    const error = await rejection(tracker({ jql: 'sprint in openSprints()' }).fetchIssuesByStates(['To Do']));
    expect(error.category).toBe(ErrorCategory.trackerStatus);
    expect(error.message).toMatch(/Error in the JQL Query.*tracker\.provider\.jql/);
  });

  it('maps transport failures and timeouts to tracker_request', async () => {
    fake.inject({ kind: 'disconnect' });
    expect((await rejection(tracker().fetchIssuesByStates(['To Do']))).category).toBe(ErrorCategory.trackerRequest);
    fake.inject({ kind: 'hang' });
    const timedOut = await rejection(tracker({ timeout_ms: 150 }).fetchIssuesByStates(['To Do']));
    expect(timedOut.category).toBe(ErrorCategory.trackerRequest);
    expect(timedOut.message).toContain('150 ms');
  });

  it('rejects invalid provider config with invalid_tracker_config', () => {
    for (const provider of [
      { project: undefined },
      { project: 'not a key' },
      { jql: 'labels = agent ORDER BY key' },
      { base_url: 'http://jira.example.com' },
      { page_size: 500 },
    ]) {
      expect(() => tracker(provider), JSON.stringify(provider)).toThrow(expect.objectContaining({ category: ErrorCategory.invalidTrackerConfig }));
    }
    // Symphony's spelling of the project key is accepted
    expect(tracker({ project: undefined, project_key: 'ENG' })).toBeInstanceOf(JiraTracker);
  });
});

describe('writes', () => {
  it('moves an issue through the transition whose target is the requested state', async () => {
    const row = fake.store.addIssue();
    const jira = tracker();
    const issue = await readOne(jira, row.id);

    await jira.moveToState(issue, 'in progress');
    expect(fake.store.snapshot(row.id).status).toBe('In Progress');
    const transition = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/transitions'));
    expect(transition?.body).toEqual({ transition: { id: '21' } }); // "Start work" → In Progress

    const error = await rejection(jira.moveToState(issue, 'Shipped'));
    expect(error.category).toBe(ErrorCategory.invalidTrackerConfig);
    expect(error.message).toMatch(/Shipped.*Start work|Shipped.*offered/);

    fake.resetCounters();
    await jira.moveToState(await readOne(jira, row.id), 'In Progress'); // already there
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/transitions'))).toEqual([]);
  });

  it('adds and removes labels case-insensitively, keeping Jira’s spelling', async () => {
    const row = fake.store.addIssue({ labels: ['Agent', 'Bug'] });
    const jira = tracker();
    const issue = await readOne(jira, row.id);

    await jira.addLabels(issue, ['bug', 'agent-done']);
    expect(fake.store.snapshot(row.id).labels).toEqual(['Agent', 'Bug', 'agent-done']);
    await jira.removeLabels(issue, ['AGENT', 'never-there']);
    expect(fake.store.snapshot(row.id).labels).toEqual(['Bug', 'agent-done']);

    fake.resetCounters();
    await jira.addLabels(issue, ['BUG']);
    expect(fake.requests.filter((r) => r.method === 'PUT')).toEqual([]); // nothing to change

    const spaced = await rejection(jira.addLabels(issue, ['needs review']));
    expect(spaced.category).toBe(ErrorCategory.invalidTrackerConfig);
  });

  it('keeps exactly one ADF progress comment, found through a hidden issue property', async () => {
    const row = fake.store.addIssue();
    const jira = tracker();
    const issue = await readOne(jira, row.id);
    await jira.executeAgentTool('jira_comment', { body: 'a human-ish comment' }, issue);

    await jira.upsertProgressComment(issue, '**plan** done');
    await jira.upsertProgressComment(issue, '**plan** done\n**implement** running');

    let snapshot = fake.store.snapshot(row.id);
    expect(snapshot.comments).toHaveLength(2);
    const progressId = (snapshot.properties[PROGRESS_PROPERTY] as { commentId: string }).commentId;
    const progress = snapshot.comments.find((c) => c.id === progressId)!;
    expect(adfToText(progress.body)).toBe('plan done\nimplement running');
    expect(adfToText(snapshot.comments.find((c) => c.id !== progressId)!.body)).toBe('a human-ish comment');

    // someone deletes Baton's comment: the next upsert writes a new one and re-marks it
    fake.store.comments.delete(progressId);
    await jira.upsertProgressComment(issue, 'review waiting');
    snapshot = fake.store.snapshot(row.id);
    expect(snapshot.comments).toHaveLength(2);
    const newId = (snapshot.properties[PROGRESS_PROPERTY] as { commentId: string }).commentId;
    expect(newId).not.toBe(progressId);
    expect(adfToText(snapshot.comments.find((c) => c.id === newId)!.body)).toBe('review waiting');
  });

  it('links a pull request as a remote link keyed by its URL; linking again updates it', async () => {
    const row = fake.store.addIssue();
    const jira = tracker();
    const issue = await readOne(jira, row.id);
    const link = { url: 'https://github.com/acme/app/pull/7', title: 'acme/app#7' };
    await jira.linkPullRequest!(issue, link);
    await jira.linkPullRequest!(issue, link);
    const links = [...(fake.store.remoteLinks.get(row.id)?.values() ?? [])];
    expect(links).toEqual([expect.objectContaining({ url: link.url, title: 'acme/app#7', relationship: 'pull request' })]);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/remotelink'));
    expect(posts).toHaveLength(2);
    expect(posts[0]!.body).toEqual({ globalId: link.url, relationship: 'pull request', object: { url: link.url, title: 'acme/app#7' } });
  });
});

describe('agent tools', () => {
  it('offers jira_api, jira_get_issue and jira_comment with JSON Schemas', () => {
    const tools = tracker().agentTools();
    expect(tools.map((t) => t.name)).toEqual(['jira_api', 'jira_get_issue', 'jira_comment']);
    for (const tool of tools) expect(tool.inputSchema).toMatchObject({ type: 'object' });
  });

  it('lets jira_api reach issues of the project only', async () => {
    const { store } = fake;
    store.addProject('OPS', 'Operations');
    const mine = store.addIssue({ summary: 'mine' });
    const other = store.addIssue({ summary: 'other', status: 'To Do' });
    const theirs = store.addIssue({ project: 'OPS', summary: 'theirs' });
    const jira = tracker();
    const issue = await readOne(jira, mine.id);

    const read = await jira.executeAgentTool('jira_api', { method: 'GET', path: `/rest/api/3/issue/${mine.key}`, query: { fields: 'summary' } }, issue);
    expect(read.success).toBe(true);
    expect(JSON.parse(read.output)).toMatchObject({ body: { key: mine.key, fields: { summary: 'mine' } } });

    const comment = await jira.executeAgentTool(
      'jira_api',
      { method: 'POST', path: `/rest/api/3/issue/${mine.key}/comment`, body: { body: textToAdf('via api') } },
      issue,
    );
    expect(comment.success).toBe(true);
    expect(store.snapshot(mine.id).comments).toHaveLength(1);

    const refused = await jira.executeAgentTool('jira_api', { method: 'POST', path: `/rest/api/3/issue/${theirs.key}/comment`, body: { body: textToAdf('no') } }, issue);
    expect(refused.success).toBe(false);
    expect(refused.output).toContain('not in project ENG');
    expect(store.snapshot(theirs.id).comments).toEqual([]);

    const search = await jira.executeAgentTool('jira_api', { method: 'POST', path: '/rest/api/3/search/jql', body: { jql: 'status = "To Do"', fields: ['summary'] } }, issue);
    expect(search.success).toBe(true);
    expect((JSON.parse(search.output).body.issues as Array<{ key: string }>).map((i) => i.key).sort()).toEqual([mine.key, other.key].sort());

    const link = await jira.executeAgentTool(
      'jira_api',
      { method: 'POST', path: '/rest/api/3/issueLink', body: { type: { name: 'Blocks' }, inwardIssue: { key: other.key }, outwardIssue: { key: mine.key } } },
      issue,
    );
    expect(link.success).toBe(true);
    expect((await readOne(jira, mine.id)).blocked_by.map((b) => b.identifier)).toEqual([other.key]);
    const crossLink = await jira.executeAgentTool(
      'jira_api',
      { method: 'POST', path: '/rest/api/3/issueLink', body: { type: { name: 'Blocks' }, inwardIssue: { key: theirs.key }, outwardIssue: { key: mine.key } } },
      issue,
    );
    expect(crossLink.success).toBe(false);

    for (const args of [
      { method: 'DELETE', path: `/rest/api/3/issue/${mine.key}` },
      { method: 'GET', path: '/rest/api/3/users/search' },
      { method: 'POST', path: '/rest/api/3/issue', body: { fields: { project: { key: 'OPS' }, summary: 'x' } } },
    ]) {
      const result = await jira.executeAgentTool('jira_api', args, issue);
      expect(result.success, JSON.stringify(args)).toBe(false);
      expect(result.output).toContain('refused');
    }
  });

  it('answers bad arguments and HTTP errors with a structured failure', async () => {
    const row = fake.store.addIssue();
    const jira = tracker();
    const issue = await readOne(jira, row.id);
    for (const args of [{}, { method: 'GET', path: '/rest/api/2/issue/ENG-1' }, { method: 'PATCH', path: '/rest/api/3/issue/ENG-1' }, { method: 'GET', path: '/rest/api/3/issue/ENG-1', extra: 1 }]) {
      const result = await jira.executeAgentTool('jira_api', args, issue);
      expect(result.success).toBe(false);
      expect(JSON.parse(result.output)).toMatchObject({ error: { message: expect.stringContaining('invalid arguments') } });
    }
    const badTransition = await jira.executeAgentTool('jira_api', { method: 'POST', path: `/rest/api/3/issue/${row.key}/transitions`, body: { transition: { id: '999' } } }, issue);
    expect(badTransition.success).toBe(false);
    expect(JSON.parse(badTransition.output)).toMatchObject({ status: 400, body: { errorMessages: [expect.stringContaining('999')] } });

    const unknown = await jira.executeAgentTool('jira_delete_everything', {}, issue);
    expect(JSON.parse(unknown.output)).toMatchObject({ error: { supportedTools: ['jira_api', 'jira_get_issue', 'jira_comment'] } });
  });

  it('reads and comments on issues through the typed tools', async () => {
    const { store } = fake;
    store.addProject('OPS', 'Operations');
    const row = store.addIssue({ summary: 'Read me', labels: ['agent'], description: 'Details here.' });
    const theirs = store.addIssue({ project: 'OPS' });
    const jira = tracker();
    const issue = await readOne(jira, row.id);

    const commented = await jira.executeAgentTool('jira_comment', { body: 'Plan:\n- step one' }, issue);
    expect(commented.success).toBe(true);
    const got = await jira.executeAgentTool('jira_get_issue', {}, issue);
    expect(got.success).toBe(true);
    expect(JSON.parse(got.output)).toMatchObject({
      issue: { identifier: row.key, title: 'Read me', description: 'Details here.', labels: ['agent'] },
      comments: [{ text: 'Plan:\n- step one', author: 'Baton Bot' }],
    });
    expect((await jira.executeAgentTool('jira_get_issue', { key: theirs.key }, issue)).success).toBe(false);
    expect((await jira.executeAgentTool('jira_comment', { body: ' ' }, issue)).success).toBe(false);
  });
});

describe('registration', () => {
  it('is built by the tracker registry and strips its secret env names', async () => {
    const adapter = await createTracker(config(), { logger: pino({ level: 'silent' }), env: {} });
    expect(adapter).toBeInstanceOf(JiraTracker);
    expect(adapter.kind).toBe('jira');
    expect(adapter.secretEnvNames()).toEqual(['JIRA_EMAIL', 'JIRA_API_TOKEN']);
  });
});
