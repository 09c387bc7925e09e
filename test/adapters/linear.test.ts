/**
 * The `linear` adapter against the Linear fake (real @linear/sdk transport, real HTTP on 127.0.0.1,
 * every document validated against Linear's schema rebuilt from the SDK). SPEC §11, §17.3.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSchema, parse, printSchema, validate } from 'graphql';
import { pino } from 'pino';
import { LinearDocument } from '@linear/sdk';
import { BatonError, ErrorCategory } from '../../core/errors.js';
import { type Issue } from '../../core/issue.js';
import { IssueSchema } from '../../core/issue-schema.js';
import { createTracker } from '../../adapters/trackers/index.js';
import { createLinearTracker, LinearTracker, PROGRESS_MARKER } from '../../adapters/trackers/linear/tracker.js';
import { buildLinearSdl, startLinearFake, loadLinearSchema, type LinearFake } from '../fakes/linear/index.js';
import { rejection } from '../helpers/errors.js';
import { trackerUnderTest } from './tracker-under-test.js';
import { scaled } from '../helpers/time.js';

let fake: LinearFake;
let logLines: string[];

const { config, tracker } = trackerUnderTest(
  createLinearTracker,
  () => ({
    name: 'linear',
    kind: 'linear',
    provider: { endpoint: fake.url, api_key: fake.apiKey, project_slug: fake.store.defaultProjectSlug },
    required_labels: [],
    active_states: ['Todo', 'In Progress'],
    terminal_states: ['Done', 'Canceled', 'Duplicate'],
    secret_env: ['LINEAR_API_KEY'],
  }),
  { level: 'warn', lines: () => logLines },
);

beforeAll(async () => {
  await loadLinearSchema();
});

beforeEach(async () => {
  fake = await startLinearFake();
  logLines = [];
});

afterEach(async () => {
  await fake.close();
});

describe('the fake', () => {
  it('validates against a schema, rebuilt from the SDK types, that accepts every query and mutation the SDK ships', async () => {
    const schema = buildSchema(await buildLinearSdl());
    expect(printSchema(schema)).toBe(printSchema(await loadLinearSchema())); // the cached copy is current
    let checked = 0;
    for (const value of Object.values(LinearDocument as Record<string, unknown>)) {
      const source = String(value);
      if (!/^\s*(query|mutation)\b/.test(source)) continue;
      expect(validate(schema, parse(source)).map((e) => e.message)).toEqual([]);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(500);
    // and rejects what Linear would reject
    expect(validate(schema, parse('{ issues { nodes { nope } } }')).length).toBe(1);
  });
});

describe('the fake’s auth', () => {
  it('answers a request without an Authorization header with 401', async () => {
    const response = await fetch(fake.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }' }) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { type: 'authentication error' } }] });
  });
});

describe('reads (SPEC §11.1)', () => {
  it('makes no request for empty inputs', async () => {
    const linear = tracker();
    expect(await linear.fetchIssuesByStates([])).toEqual([]);
    expect(await linear.fetchIssuesByIds([])).toEqual([]);
    expect(await linear.poll([], [])).toEqual({ candidates: [], inflight: [] });
    expect(fake.requestCount).toBe(0);
  });

  it('pages through candidates in provider order, scoped to the project and the states (case-insensitive)', async () => {
    const { store } = fake;
    store.addProject('elsewhere', 'Other project');
    const expected: string[] = [];
    for (let i = 0; i < 5; i += 1) expected.push(store.addIssue({ state: i === 3 ? 'In Progress' : 'Todo' }).identifier);
    store.addIssue({ state: 'Done' });
    store.addIssue({ state: 'Todo', project: 'elsewhere' });
    store.addIssue({ state: 'Todo', project: null });
    const linear = tracker({ page_size: 2 });

    const issues = await linear.fetchIssuesByStates(['todo', 'IN PROGRESS']);

    expect(issues.map((i) => i.identifier)).toEqual(expected);
    expect(fake.requestCount).toBe(3);
    expect(fake.requests.every((r) => r.authorization === fake.apiKey)).toBe(true);
    for (const issue of issues) expect(IssueSchema.parse(issue)).toEqual(issue);
  });

  it('normalizes labels, priority, timestamps and optional fields', async () => {
    const { store } = fake;
    const a = store.addIssue({ title: 'Full', labels: ['Agent', 'Bug', 'needs review'], priority: 2, assignee: 'viewer' });
    store.addLabel(' AGENT ', store.teamByKey('ENG').id);
    store.patchIssue(a.id, { labelIds: [...a.labelIds, [...store.labels.values()].find((l) => l.name === ' AGENT ')!.id] });
    const b = store.addIssue({ title: 'Sparse', description: null, priority: 0, branchName: '' });
    const c = store.addIssue({ title: 'Odd priority' });
    store.patchIssue(c.id, { priority: 2.5 });

    const issues = await tracker().fetchIssuesByStates(['Todo']);
    const [full, sparse, odd] = issues;

    expect(full).toMatchObject({
      id: a.id,
      identifier: 'ENG-1',
      title: 'Full',
      description: 'Description of ENG-1',
      priority: 2,
      state: 'Todo',
      branch_name: 'bot/eng-1',
      url: 'https://linear.app/fake/issue/ENG-1',
      assignee_id: store.viewerId,
      labels: ['agent', 'bug', 'needs review'],
      blocked_by: [],
      dispatchable: true,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
    });
    expect(full!.native_ref).toMatchObject({ linear_issue_id: a.id, team_key: 'ENG', project_slug: store.defaultProjectSlug, state_type: 'unstarted' });
    // "No priority" and unusable values become null without hiding the required fields
    expect(sparse).toMatchObject({ id: b.id, title: 'Sparse', description: null, priority: null, branch_name: null, assignee_id: null });
    expect(odd).toMatchObject({ id: c.id, title: 'Odd priority', priority: null });
    expect(new Date(full!.created_at!).toISOString()).toBe(full!.created_at);
  });

  it('derives dispatchable from blockers of Todo issues and from the assignee filter', async () => {
    const { store } = fake;
    const blocker = store.addIssue({ title: 'blocker', state: 'In Progress', assignee: 'viewer' });
    const done = store.addIssue({ title: 'done blocker', state: 'Done' });
    const waiting = store.addIssue({ title: 'waits', state: 'Todo', assignee: 'viewer' });
    const free = store.addIssue({ title: 'free', state: 'Todo', assignee: 'viewer' });
    const started = store.addIssue({ title: 'started', state: 'In Progress', assignee: 'viewer' });
    const someoneElse = store.addIssue({ title: 'other', state: 'Todo', assignee: [...store.users.keys()][1]! });
    store.addBlocker(blocker.id, waiting.id);
    store.addBlocker(done.id, free.id);
    store.addBlocker(blocker.id, started.id);

    const all = await tracker().fetchIssuesByStates(['Todo', 'In Progress']);
    const byTitle = new Map(all.map((i) => [i.title, i]));
    expect(byTitle.get('waits')).toMatchObject({ dispatchable: false, blocked_by: [{ id: blocker.id, identifier: blocker.identifier, state: 'In Progress' }] });
    expect(byTitle.get('free')).toMatchObject({ dispatchable: true, blocked_by: [{ id: done.id, state: 'Done' }] });
    expect(byTitle.get('started')?.dispatchable).toBe(true);
    expect(byTitle.get('other')?.dispatchable).toBe(true);

    fake.resetCounters();
    const mine = await tracker({ assignee: 'me' }).fetchIssuesByStates(['Todo', 'In Progress']);
    expect(fake.requestCount).toBe(1); // the viewer rides along in the same query
    const mineByTitle = new Map(mine.map((i) => [i.title, i]));
    expect(mineByTitle.get('free')?.dispatchable).toBe(true);
    expect(mineByTitle.get('other')?.dispatchable).toBe(false);
    expect(mine.find((i) => i.id === someoneElse.id)).toBeDefined(); // listed, not dispatchable
  });

  it('drops a malformed record from a state list (and logs it) but fails an id refresh', async () => {
    const { store } = fake;
    const good = store.addIssue({ title: 'good' });
    const bad = store.addIssue({ title: 'bad' });
    store.patchIssue(bad.id, { title: '' }); // schema-valid (String!), unusable as an Issue title

    const listed = await tracker().fetchIssuesByStates(['Todo']);
    expect(listed.map((i) => i.id)).toEqual([good.id]);
    expect(logLines.some((line) => line.includes('malformed') && line.includes(bad.id))).toBe(true);

    const error = await rejection(tracker().fetchIssuesByIds([good.id, bad.id]));
    expect(error.category).toBe(ErrorCategory.trackerResponse);
    expect(error.message).toContain(bad.id);
  });

  it('re-reads by id that arrive together share a request, and a malformed one fails only its own caller', async () => {
    // Through createTracker, as Baton builds every adapter (the joining is joined-id-reads.ts's).
    const { store } = fake;
    const issues = Array.from({ length: 10 }, (_, i) => store.addIssue({ title: `stage ${i}` }));
    const linear = await createTracker(config(), { logger: pino({ level: 'silent' }), env: {} });
    const answers = await Promise.all(issues.map((issue) => linear.fetchIssuesByIds([issue.id])));
    expect(answers.map((found) => found.map((i) => i.id))).toEqual(issues.map((issue) => [issue.id]));
    expect(fake.requestCount, 'the first read, then one for the nine that asked while it ran').toBe(2);

    store.patchIssue(issues[3]!.id, { title: '' }); // schema-valid, unusable as an Issue title
    fake.resetCounters();
    const settled = await Promise.allSettled(issues.map((issue) => linear.fetchIssuesByIds([issue.id])));
    expect(settled.map((r) => r.status)).toEqual(issues.map((_, i) => (i === 3 ? 'rejected' : 'fulfilled')));
    const failed = settled[3] as PromiseRejectedResult;
    expect((failed.reason as BatonError).category).toBe(ErrorCategory.trackerResponse);
    // the first alone, the nine joined (refused for the bad record), then each of the nine alone
    expect(fake.requestCount).toBe(11);
  });

  it('refreshes by id with full snapshots, omitting ids that are gone or outside the project', async () => {
    const { store } = fake;
    store.addProject('elsewhere', 'Other project');
    const a = store.addIssue({ state: 'In Review', labels: ['agent'] });
    const b = store.addIssue({ state: 'Done' });
    const outside = store.addIssue({ project: 'elsewhere' });

    const issues = await tracker().fetchIssuesByIds([b.id, a.id, a.id, outside.id, 'missing-id']);

    expect(issues.map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect(issues.find((i) => i.id === a.id)).toMatchObject({ state: 'In Review', labels: ['agent'], title: a.title });
    expect(fake.requestCount).toBe(1);
  });

  it('polls candidates and in-flight snapshots in ONE request with 0, 10 and 100 in flight', async () => {
    const { store } = fake;
    for (let i = 0; i < 5; i += 1) store.addIssue({ state: 'Todo' });
    const inflight = Array.from({ length: 100 }, () => store.addIssue({ state: 'In Review' }).id);
    const linear = tracker();
    const figures: string[] = [];
    for (const n of [0, 10, 100]) {
      fake.resetCounters();
      const result = await linear.poll(['Todo', 'In Progress'], inflight.slice(0, n));
      expect(result.candidates).toHaveLength(5);
      expect(result.inflight.map((i) => i.id).sort()).toEqual(inflight.slice(0, n).sort());
      expect(fake.requestCount).toBe(1);
      figures.push(`${n} in flight → ${fake.requestCount} request`);
    }
    console.log(`linear poll requests per tick: ${figures.join('; ')}`);
  });

  it('keeps an in-flight issue that is also a candidate only among the candidates', async () => {
    const a = fake.store.addIssue({ state: 'Todo' });
    const result = await tracker().poll(['Todo'], [a.id]);
    expect(result.candidates.map((i) => i.id)).toEqual([a.id]);
    expect(result.inflight).toEqual([]);
  });
});

describe('errors (SPEC §11.4)', () => {
  beforeEach(() => {
    for (let i = 0; i < 5; i += 1) fake.store.addIssue({ state: 'Todo' });
  });

  it('maps HTTP 500 to tracker_status', async () => {
    fake.inject({ kind: 'status', status: 500 });
    const error = await rejection(tracker().fetchIssuesByStates(['Todo']));
    expect(error.category).toBe(ErrorCategory.trackerStatus);
    expect(error.message).toContain('HTTP 500');
  });

  it('maps a malformed body to tracker_response', async () => {
    fake.inject({ kind: 'malformed-body' });
    expect((await rejection(tracker().fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerResponse);
    fake.inject({ kind: 'status', status: 200, contentType: 'text/html', body: '<html>maintenance</html>' });
    expect((await rejection(tracker().fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerResponse);
  });

  it('maps a page without a cursor and a repeated cursor to tracker_pagination', async () => {
    fake.inject({ kind: 'broken-pagination', mode: 'missing-cursor' });
    expect((await rejection(tracker({ page_size: 2 }).fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerPagination);
    fake.inject({ kind: 'broken-pagination', mode: 'repeat-cursor' });
    const repeated = await rejection(tracker({ page_size: 2 }).fetchIssuesByStates(['Todo']));
    expect(repeated.category).toBe(ErrorCategory.trackerPagination);
    expect(repeated.message).toContain('same page cursor');
  });

  it.each([
    ['graphql-400', 7],
    ['code-only', 3],
    ['http-429', 11],
  ] as const)('maps a %s rate limit to tracker_rate_limited with retryAfterMs', async (form, seconds) => {
    fake.inject({ kind: 'rate-limit', form, retryAfterSeconds: seconds });
    const error = await rejection(tracker().poll(['Todo'], []));
    expect(error.category).toBe(ErrorCategory.trackerRateLimited);
    expect(error.retryAfterMs).toBe(seconds * 1000);
  });

  it("holds every request back while a rate limit's Retry-After runs: the same cause, the wait left, nothing sent", async () => {
    // Through createTracker, as Baton builds every adapter: the hold is rate-limit-hold.ts's.
    const linear = await createTracker(config(), { logger: pino({ level: 'silent' }), env: {} });
    fake.inject({ kind: 'rate-limit', form: 'http-429', retryAfterSeconds: 60 });
    const first = await rejection(linear.poll!(['Todo'], []));
    const sent = fake.requestCount;
    const held = await rejection(linear.fetchIssuesByIds(['any']));
    expect(fake.requestCount, 'no request inside the wait').toBe(sent);
    expect(held.category).toBe(ErrorCategory.trackerRateLimited);
    expect(held.message).toBe(first.message);
    expect(held.retryAfterMs).toBeGreaterThan(0);
    expect(held.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('refuses to start without a key, and maps a rejected key to tracker_status', async () => {
    let thrown: unknown;
    try {
      tracker({ api_key: '' });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as BatonError).category).toBe(ErrorCategory.missingTrackerSecret);
    expect(fake.requestCount).toBe(0);

    const error = await rejection(tracker({ api_key: 'lin_api_wrong' }).fetchIssuesByStates(['Todo']));
    expect(error.category).toBe(ErrorCategory.trackerStatus);
    expect(error.message).toMatch(/HTTP 401.*LINEAR_API_KEY/);
    expect(error.retryable).toBe(false);
  });

  it('maps transport failures to tracker_request', async () => {
    fake.inject({ kind: 'disconnect' });
    expect((await rejection(tracker().fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerRequest);
    const closed = tracker({ endpoint: 'http://127.0.0.1:9/graphql' });
    expect((await rejection(closed.fetchIssuesByStates(['Todo']))).category).toBe(ErrorCategory.trackerRequest);
    fake.inject({ kind: 'hang' });
    const timedOut = await rejection(tracker({ timeout_ms: scaled(150) }).fetchIssuesByStates(['Todo']));
    expect(timedOut.category).toBe(ErrorCategory.trackerRequest);
    expect(timedOut.message).toContain('did not answer in time');
    // each request gets its own timer: the next one succeeds
    expect(await tracker({ timeout_ms: scaled(150) }).fetchIssuesByStates(['Todo'])).toHaveLength(5);
  });

  it('rejects invalid provider config with invalid_tracker_config', () => {
    for (const provider of [{ project_slug: '' }, { endpoint: 'http://api.linear.app/graphql' }, { page_size: 1000 }]) {
      expect(() => tracker(provider)).toThrow(expect.objectContaining({ category: ErrorCategory.invalidTrackerConfig }));
    }
  });
});

describe('writes', () => {
  it('moves an issue to a state by name, resolving the team state once', async () => {
    const row = fake.store.addIssue({ state: 'Todo' });
    const linear = tracker();
    const issue = await readOne(linear, row.id);
    const before = fake.store.snapshot(row.id).updatedAt;

    await linear.moveToState(issue, 'in progress');
    expect(fake.store.snapshot(row.id).state).toBe('In Progress');
    expect(fake.store.snapshot(row.id).updatedAt > before).toBe(true);

    fake.resetCounters();
    await linear.moveToState(issue, 'In Review');
    expect(fake.store.snapshot(row.id).state).toBe('In Review');
    expect(fake.requests.map((r) => r.fields)).toEqual([['issueUpdate']]); // states cached

    const error = await rejection(linear.moveToState(issue, 'Shipped'));
    expect(error.category).toBe(ErrorCategory.invalidTrackerConfig);
    expect(error.message).toContain('Shipped');
  });

  it('looks the team up when the issue carries no native_ref', async () => {
    const row = fake.store.addIssue({ state: 'Todo' });
    const issue = { ...(await readOne(tracker(), row.id)), native_ref: null };
    await tracker().moveToState(issue, 'Done');
    expect(fake.store.snapshot(row.id).state).toBe('Done');
  });

  it('adds labels (creating missing ones) and removes labels case-insensitively', async () => {
    const row = fake.store.addIssue({ labels: ['agent'] });
    const linear = tracker();
    const issue = await readOne(linear, row.id);

    await linear.addLabels(issue, ['BUG', 'agent-done']);
    expect(fake.store.snapshot(row.id).labels.sort()).toEqual(['Bug', 'agent', 'agent-done']);
    expect([...fake.store.labels.values()].filter((l) => l.name.toLowerCase() === 'bug')).toHaveLength(1);

    await linear.removeLabels(issue, ['AGENT', 'never-existed']);
    expect(fake.store.snapshot(row.id).labels.sort()).toEqual(['Bug', 'agent-done']);
    expect((await readOne(linear, row.id)).labels.sort()).toEqual(['agent-done', 'bug']);
  });

  it('keeps exactly one progress comment, found by its hidden marker', async () => {
    const row = fake.store.addIssue();
    const linear = tracker();
    const issue = await readOne(linear, row.id);
    await linear.executeAgentTool('linear_comment', { body: 'a human-ish comment' }, issue);

    await linear.upsertProgressComment(issue, '**plan** done');
    await linear.upsertProgressComment(issue, '**plan** done\n**implement** running');
    fake.resetCounters();
    await linear.upsertProgressComment(issue, '**plan** done\n**implement** running');
    expect(fake.requestCount).toBe(1); // unchanged body: lookup only

    const comments = fake.store.snapshot(row.id).comments;
    expect(comments).toHaveLength(2);
    const progress = comments.filter((c) => c.body.includes(PROGRESS_MARKER));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.body).toBe(`**plan** done\n**implement** running\n\n${PROGRESS_MARKER}`);
    expect(comments.find((c) => !c.body.includes(PROGRESS_MARKER))!.body).toBe('a human-ish comment');
  });

  it('links a pull request as one attachment per URL; linking again updates it', async () => {
    const row = fake.store.addIssue();
    const linear = tracker();
    const issue = await readOne(linear, row.id);
    const link = { url: 'https://github.com/acme/app/pull/7', title: 'acme/app#7' };
    await linear.linkPullRequest!(issue, link);
    await linear.linkPullRequest!(issue, link);
    await linear.linkPullRequest!(issue, { url: 'https://github.com/acme/app/pull/9', title: 'acme/app#9' });
    const attached = [...fake.store.attachments.values()].filter((a) => a.issueId === row.id);
    expect(attached.map((a) => [a.url, a.title])).toEqual([
      ['https://github.com/acme/app/pull/7', 'acme/app#7'],
      ['https://github.com/acme/app/pull/9', 'acme/app#9'],
    ]);
  });
});

describe('agent tools', () => {
  it('offers linear_graphql, linear_get_issue and linear_comment with JSON Schemas', () => {
    const tools = tracker().agentTools();
    expect(tools.map((t) => t.name)).toEqual(['linear_graphql', 'linear_get_issue', 'linear_comment']);
    for (const tool of tools) expect(tool.inputSchema).toMatchObject({ type: 'object' });
  });

  it('runs queries, and mutations only on issues of the configured project', async () => {
    const { store } = fake;
    store.addProject('elsewhere', 'Other project');
    const mine = store.addIssue();
    const theirs = store.addIssue({ project: 'elsewhere' });
    const linear = tracker();
    const issue = await readOne(linear, mine.id);

    const read = await linear.executeAgentTool('linear_graphql', { query: 'query($id: String!) { issue(id: $id) { identifier } }', variables: { id: mine.id } }, issue);
    expect(read.success).toBe(true);
    expect(JSON.parse(read.output)).toEqual({ data: { issue: { identifier: mine.identifier } } });

    const mutation = 'mutation($input: CommentCreateInput!) { commentCreate(input: $input) { success } }';
    const allowed = await linear.executeAgentTool('linear_graphql', { query: mutation, variables: { input: { issueId: mine.identifier, body: 'hi' } } }, issue);
    expect(allowed.success).toBe(true);
    expect(store.snapshot(mine.id).comments.map((c) => c.body)).toEqual(['hi']);

    const refused = await linear.executeAgentTool('linear_graphql', { query: mutation, variables: { input: { issueId: theirs.id, body: 'no' } } }, issue);
    expect(refused.success).toBe(false);
    expect(refused.output).toContain('not in project');
    expect(store.snapshot(theirs.id).comments).toEqual([]);

    const outOfScope = await linear.executeAgentTool('linear_graphql', { query: `mutation { issueDelete(id: "${mine.id}") { success } }` }, issue);
    expect(outOfScope.success).toBe(false);
    expect(outOfScope.output).toContain('outside Baton');

    const moving = await linear.executeAgentTool(
      'linear_graphql',
      { query: 'mutation($id: String!) { issueUpdate(id: $id, input: { projectId: "x" }) { success } }', variables: { id: mine.id } },
      issue,
    );
    expect(moving.success).toBe(false);
  });

  it('answers bad arguments and invalid documents with a structured failure', async () => {
    const row = fake.store.addIssue();
    const linear = tracker();
    const issue = await readOne(linear, row.id);
    for (const args of [{}, { query: '   ' }, { query: '{ viewer { id } }', variables: [1] }, { query: '{ viewer { id } }', extra: 1 }]) {
      const result = await linear.executeAgentTool('linear_graphql', args, issue);
      expect(result.success).toBe(false);
      expect(JSON.parse(result.output)).toMatchObject({ error: { message: expect.stringContaining('invalid arguments') } });
    }
    const invalid = await linear.executeAgentTool('linear_graphql', '{ issues { nodes { nope } } }', issue);
    expect(invalid.success).toBe(false);
    expect(JSON.parse(invalid.output).errors[0].message).toContain('nope');

    const unknown = await linear.executeAgentTool('linear_delete_everything', {}, issue);
    expect(JSON.parse(unknown.output)).toMatchObject({ error: { supportedTools: ['linear_graphql', 'linear_get_issue', 'linear_comment'] } });
  });

  it('reads and comments on issues through the typed tools', async () => {
    const { store } = fake;
    store.addProject('elsewhere', 'Other project');
    const row = store.addIssue({ labels: ['agent'] });
    const theirs = store.addIssue({ project: 'elsewhere' });
    const linear = tracker();
    const issue = await readOne(linear, row.id);

    const got = await linear.executeAgentTool('linear_get_issue', {}, issue);
    expect(got.success).toBe(true);
    expect(JSON.parse(got.output)).toMatchObject({ identifier: row.identifier, labels: { nodes: [{ name: 'agent' }] } });
    expect((await linear.executeAgentTool('linear_get_issue', { identifier: theirs.identifier }, issue)).success).toBe(false);

    const commented = await linear.executeAgentTool('linear_comment', { body: 'Plan posted.' }, issue);
    expect(commented.success).toBe(true);
    expect(store.snapshot(row.id).comments.map((c) => c.body)).toEqual(['Plan posted.']);
    expect((await linear.executeAgentTool('linear_comment', { body: '' }, issue)).success).toBe(false);
  });
});

describe('registration', () => {
  it('is built by the tracker registry and strips its secret env names', async () => {
    const adapter = await createTracker(config(), { logger: pino({ level: 'silent' }), env: {} });
    expect(adapter).toBeInstanceOf(LinearTracker);
    expect(adapter.kind).toBe('linear');
    expect(adapter.secretEnvNames()).toEqual(['LINEAR_API_KEY']);
  });
});

async function readOne(linear: LinearTracker, id: string): Promise<Issue> {
  const [issue] = await linear.fetchIssuesByIds([id]);
  return issue!;
}
