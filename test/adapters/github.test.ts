/**
 * The `github` adapter against the GitHub fake: real octokit transport over HTTP on 127.0.0.1, every
 * REST request and response validated against GitHub's OpenAPI description and every GraphQL
 * document against its public schema. SPEC §11, §17.3.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ErrorCategory } from '../../core/errors.js';
import { type Issue } from '../../core/issue.js';
import { IssueSchema } from '../../core/issue-schema.js';
import { createTracker } from '../../adapters/trackers/index.js';
import { classifyGithubFailure } from '../../adapters/github/errors.js';
import { normalizeRecord, type GithubRecord } from '../../adapters/trackers/github/normalize.js';
import { priorityFromLabels } from '../../adapters/trackers/label-priority.js';
import { PROGRESS_MARKER } from '../../adapters/trackers/github/progress-comment.js';
import { issueStateFilter, planStateMove, stateFromLabels } from '../../adapters/trackers/github/states.js';
import { rejectApiPath } from '../../adapters/trackers/github/tools.js';
import { createGithubTracker, GithubTracker } from '../../adapters/trackers/github/tracker.js';
import { startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { rejection } from '../helpers/errors.js';
import { trackerUnderTest } from './tracker-under-test.js';

const REPO = 'acme/app';
let fake: GithubFake;
let logLines: string[];

const { config, tracker } = trackerUnderTest(
  createGithubTracker,
  () => ({
    name: 'gh',
    kind: 'github',
    provider: { repo: REPO, token: fake.token, api_url: fake.url, write_interval_ms: 0 },
    required_labels: ['agent'],
    active_states: ['open', 'Plan'],
    terminal_states: ['closed', 'Done'],
    secret_env: ['GITHUB_TOKEN'],
  }),
  { level: 'warn', lines: () => logLines },
);

const idOf = (number: number, repo = REPO) => `${repo}#${number}`;

beforeEach(async () => {
  fake = await startGithubFake();
  logLines = [];
});

afterEach(async () => {
  const problems = [...fake.problems];
  await fake.close();
  // Every request Baton sent was one GitHub accepts, and every answer one GitHub could give.
  expect(problems).toEqual([]);
});

describe('the fake', () => {
  it('refuses what GitHub refuses: an invalid body, an unknown query parameter, an invalid GraphQL field', async () => {
    const headers = { authorization: `token ${fake.token}`, 'content-type': 'application/json' };
    fake.addIssue(REPO);
    const emptyLabels = await fetch(`${fake.url}/repos/${REPO}/issues/1/labels`, { method: 'POST', headers, body: JSON.stringify({ labels: [] }) });
    expect(emptyLabels.status).toBe(422);
    const unknownParam = await fetch(`${fake.url}/repos/${REPO}/issues?label=agent`, { headers });
    expect(unknownParam.status).toBe(422);
    const badField = await fetch(`${fake.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ viewer { nope } }' }) });
    expect(((await badField.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    expect(fake.problems).toHaveLength(3);
    expect(fake.problems.join('\n')).toMatch(/must NOT have fewer than 1 items/);
    fake.problems.length = 0;
  });

  it('answers 401 without the token and counts no rate limit for it', async () => {
    const res = await fetch(`${fake.url}/repos/${REPO}/issues`);
    expect(res.status).toBe(401);
    expect(fake.rateLimitUsed()).toBe(0);
  });
});

describe('reads (SPEC §11.1, §17.3)', () => {
  it('makes no request for empty inputs', async () => {
    const gh = tracker();
    expect(await gh.fetchIssuesByStates([])).toEqual([]);
    expect(await gh.fetchIssuesByIds([])).toEqual([]);
    expect(await gh.poll([], [])).toMatchObject({ candidates: [], inflight: [], requests: 0 });
    expect(fake.requestCount).toBe(0);
  });

  it('follows Link pagination across pages, keeping creation order; required labels select the scope', async () => {
    for (let i = 1; i <= 230; i += 1) fake.addIssue(REPO, { labels: i % 7 === 0 ? ['bug'] : ['agent'] });
    const issues = await tracker().fetchIssuesByStates(['open']);
    const expected = Array.from({ length: 230 }, (_, i) => i + 1).filter((n) => n % 7 !== 0);
    expect(issues.map((i) => i.id)).toEqual(expected.map((n) => idOf(n)));
    expect(fake.requests.map((r) => new URL(r.url, fake.url).searchParams.get('page'))).toEqual([null, '2']);
    expect(new URL(fake.requests[0]!.url, fake.url).searchParams.get('labels')).toBe('agent');
    for (const issue of issues) expect(IssueSchema.parse(issue)).toEqual(issue);
  });

  it('normalizes labels, priority, identifiers and native_ref; pull requests are not dispatchable', async () => {
    fake.addIssue(REPO, { labels: ['agent', 'P2', 'baton:Plan', 'Bug'], assignee: 'octo', body: 'Do it' });
    fake.addIssue(REPO, { labels: ['agent', 'priority:high', 'p3'], body: null });
    fake.addIssue(REPO, { labels: ['agent', 'priority:someday'], body: '   ' });
    fake.addPullRequest(REPO, { head: 'feature', labels: ['agent'] });
    fake.addIssue(REPO, { labels: ['agent'], blocked_by: 2 });
    const issues = await tracker().fetchIssuesByStates(['open', 'plan']);
    const [first, second, third, pr, blocked] = issues as [Issue, Issue, Issue, Issue, Issue];
    expect(first).toMatchObject({
      id: idOf(1),
      identifier: 'GH-1',
      title: 'Issue 1',
      description: 'Do it',
      state: 'Plan',
      priority: 2,
      labels: ['agent', 'p2', 'baton:plan', 'bug'],
      assignee_id: 'octo',
      url: 'https://github.com/acme/app/issues/1',
      dispatchable: true,
      branch_name: null,
      blocked_by: [],
      created_at: '2026-01-01T00:01:00.000Z',
    });
    expect(first.native_ref).toEqual({ owner: 'acme', repo: 'app', number: 1, node_id: fake.issue(REPO, 1).node_id, is_pull_request: false });
    expect(second).toMatchObject({ state: 'open', priority: 2, description: null });
    // Unusable optional metadata becomes null; the required fields stay.
    expect(third).toMatchObject({ title: 'Issue 3', state: 'open', priority: null, description: null, assignee_id: null });
    expect(pr).toMatchObject({ id: idOf(4), dispatchable: false, native_ref: expect.objectContaining({ is_pull_request: true }) });
    expect(blocked).toMatchObject({ id: idOf(5), dispatchable: false });
  });

  it('names issues owner/repo#N when the tracker spans several repositories', async () => {
    fake.addIssue('acme/app', { labels: ['agent'] });
    fake.addIssue('acme/docs', { labels: ['agent'] });
    const issues = await tracker({ repo: ['acme/app', 'acme/docs'] }).fetchIssuesByStates(['open']);
    expect(issues.map((i) => [i.id, i.identifier])).toEqual([
      ['acme/app#1', 'acme/app#1'],
      ['acme/docs#1', 'acme/docs#1'],
    ]);
  });

  it('drops a malformed record from a state list (and logs it) but fails an id refresh of it', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    fake.addIssue(REPO, { labels: ['agent'], title: '   ' });
    const gh = tracker();
    expect((await gh.fetchIssuesByStates(['open'])).map((i) => i.id)).toEqual([idOf(1)]);
    expect(logLines.join('')).toMatch(/dropped a malformed issue.*acme\/app#2.*empty title|acme\/app#2.*empty title.*dropped a malformed issue/);
    const err = await rejection(gh.fetchIssuesByIds([idOf(1), idOf(2)]));
    expect(err.category).toBe(ErrorCategory.trackerResponse);
    expect(err.message).toContain('acme/app#2');
    // …and so does a poll that has it in flight.
    expect((await rejection(gh.poll(['open'], [idOf(2)]))).category).toBe(ErrorCategory.trackerResponse);
  });

  it('refreshes by id: full snapshots, deleted and foreign ids omitted, ids treated as a set', async () => {
    fake.addIssue(REPO, { labels: ['agent', 'baton:Plan'] });
    fake.addIssue(REPO, { labels: [] });
    fake.addIssue(REPO, { labels: ['agent'] });
    fake.removeIssue(REPO, 3);
    const issues = await tracker().fetchIssuesByIds([idOf(1), idOf(2), idOf(1), idOf(3), 'other/repo#1', 'garbage']);
    expect(issues.map((i) => [i.id, i.state, i.labels])).toEqual([
      [idOf(1), 'Plan', ['agent', 'baton:plan']],
      [idOf(2), 'open', []],
    ]);
    expect(fake.requests.map((r) => r.url).sort()).toEqual(['/repos/acme/app/issues/1', '/repos/acme/app/issues/2', '/repos/acme/app/issues/3']);
  });

  it('reads closed issues only when a requested state can be closed', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    fake.addIssue(REPO, { labels: ['agent', 'baton:Done'], state: 'closed' });
    fake.addIssue(REPO, { labels: ['agent'], state: 'closed' });
    const gh = tracker();
    expect((await gh.fetchIssuesByStates(['Done', 'closed'])).map((i) => [i.id, i.state])).toEqual([
      [idOf(2), 'Done'],
      [idOf(3), 'closed'],
    ]);
    expect(new URL(fake.requests.at(-1)!.url, fake.url).searchParams.get('state')).toBe('closed');
    const issueState = tracker({ state_source: 'issue_state' });
    expect((await issueState.fetchIssuesByStates(['open', 'closed'])).map((i) => i.state)).toEqual(['open', 'closed', 'closed']);
    expect(new URL(fake.requests.at(-1)!.url, fake.url).searchParams.get('state')).toBe('all');
  });

  it('goes through the tracker registry', async () => {
    const adapter = await createTracker(config(), { logger: pino({ level: 'silent' }), env: {} });
    expect(adapter.kind).toBe('github');
    expect(adapter.secretEnvNames()).toEqual(['GITHUB_TOKEN']);
  });
});

describe('errors (SPEC §11.4)', () => {
  it.each([
    ['500', { kind: 'server-error' } as const, ErrorCategory.trackerStatus, undefined],
    ['malformed body', { kind: 'malformed-body' } as const, ErrorCategory.trackerResponse, undefined],
    ['looping pagination', { kind: 'broken-pagination' } as const, ErrorCategory.trackerPagination, undefined],
    ['pagination off the API host', { kind: 'broken-pagination', next: 'http://203.0.113.9/repos/acme/app/issues?page=2' } as const, ErrorCategory.trackerPagination, undefined],
    ['primary limit (403)', { kind: 'primary-rate-limit', resetInSeconds: 120 } as const, ErrorCategory.trackerRateLimited, 120_000],
    ['primary limit (429)', { kind: 'primary-rate-limit', status: 429, resetInSeconds: 120 } as const, ErrorCategory.trackerRateLimited, 120_000],
    ['secondary limit (403)', { kind: 'secondary-rate-limit', retryAfterSeconds: 30 } as const, ErrorCategory.trackerRateLimited, 30_000],
    ['secondary limit (429)', { kind: 'secondary-rate-limit', status: 429, retryAfterSeconds: 7 } as const, ErrorCategory.trackerRateLimited, 7_000],
    ['connection reset', { kind: 'connection-reset' } as const, ErrorCategory.trackerRequest, undefined],
  ])('%s → %s', async (_name, fault, category, retryAfterMs) => {
    for (let i = 0; i < 3; i += 1) fake.addIssue(REPO, { labels: ['agent'] });
    // Small pages so a pagination fault has a page to break.
    const gh = tracker();
    fake.inject({ ...fault, method: 'GET' });
    const err = await rejection(
      fault.kind === 'broken-pagination'
        ? gh.client.paginate(`/repos/${REPO}/issues?per_page=1`, 'list issues', (i: { number: number }) => String(i.number))
        : gh.fetchIssuesByStates(['open']),
    );
    expect(err.category).toBe(category);
    if (retryAfterMs !== undefined) {
      // Derived from retry-after or x-ratelimit-reset (second precision).
      expect(err.retryAfterMs).toBeGreaterThan(retryAfterMs - 2_000);
      expect(err.retryAfterMs).toBeLessThanOrEqual(retryAfterMs);
    }
    expect(err.message.length).toBeGreaterThan(20);
  });

  it('a wrong token → tracker_status (401), not retryable; no token at all → missing_tracker_secret', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    const err = await rejection(tracker({ token: 'ghp_wrong' }).fetchIssuesByStates(['open']));
    expect(err).toMatchObject({ category: ErrorCategory.trackerStatus, retryable: false });
    expect(err.message).toMatch(/401.*GITHUB_TOKEN/);
    expect(() => tracker({ token: undefined })).toThrow(expect.objectContaining({ category: ErrorCategory.missingTrackerSecret }));
    expect(() => tracker({ repo: 'not-a-repo' })).toThrow(expect.objectContaining({ category: ErrorCategory.invalidTrackerConfig }));
  });

  it('a GraphQL RATE_LIMITED answer (HTTP 200) → tracker_rate_limited', async () => {
    const project = fake.addProject('acme', 1);
    fake.setProjectStatus(project, fake.addIssue(REPO, { labels: ['agent'] }), 'Todo');
    fake.inject({ kind: 'graphql-rate-limit', resetInSeconds: 60 });
    const err = await rejection(tracker({ state_source: 'project', project: { owner: 'acme', number: 1 } }).fetchIssuesByStates(['Todo']));
    expect(err.category).toBe(ErrorCategory.trackerRateLimited);
    expect(err.retryAfterMs).toBeGreaterThan(58_000);
  });

  const NOW = Date.parse('2026-06-01T00:00:00Z');
  it.each([
    { name: 'transport', failure: { status: null, headers: {} }, category: ErrorCategory.trackerRequest, retryAfterMs: undefined },
    { name: 'primary via reset', failure: { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 90) } }, category: ErrorCategory.trackerRateLimited, retryAfterMs: 90_000 },
    { name: 'primary, reset past', failure: { status: 429, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 5) } }, category: ErrorCategory.trackerRateLimited, retryAfterMs: 0 },
    { name: 'primary via retry-after', failure: { status: 403, headers: { 'x-ratelimit-remaining': '0', 'retry-after': '12' } }, category: ErrorCategory.trackerRateLimited, retryAfterMs: 12_000 },
    { name: 'secondary by message', failure: { status: 403, headers: {}, message: 'You have exceeded a secondary rate limit' }, category: ErrorCategory.trackerRateLimited, retryAfterMs: 60_000 },
    { name: 'plain 429', failure: { status: 429, headers: {} }, category: ErrorCategory.trackerRateLimited, retryAfterMs: 60_000 },
    { name: 'forbidden', failure: { status: 403, headers: { 'x-ratelimit-remaining': '4000' }, message: 'Resource not accessible by integration' }, category: ErrorCategory.trackerStatus, retryAfterMs: undefined },
    { name: 'graphql errors', failure: { status: 200, headers: {}, graphqlErrors: [{ type: 'FORBIDDEN', message: 'no' }] }, category: ErrorCategory.trackerResponse, retryAfterMs: undefined },
    { name: '502', failure: { status: 502, headers: {} }, category: ErrorCategory.trackerStatus, retryAfterMs: undefined },
  ])('classifies $name', ({ failure, category, retryAfterMs }) => {
    const err = classifyGithubFailure({ message: '', operation: 'test', ...failure } as Parameters<typeof classifyGithubFailure>[0], NOW);
    expect(err.category).toBe(category);
    expect(err.retryAfterMs).toBe(retryAfterMs);
  });
});

describe('writes change the fake as GitHub would', () => {
  async function snapshot(gh: GithubTracker, number: number): Promise<Issue> {
    const [issue] = await gh.fetchIssuesByIds([idOf(number)]);
    return issue!;
  }

  it('labels source: moves swap the state label; a terminal state closes, the default state reopens', async () => {
    fake.addIssue(REPO, { labels: ['agent', 'bug'] });
    const gh = tracker({}, { terminal_states: ['closed', 'Done'] });
    await gh.moveToState(await snapshot(gh, 1), 'Plan');
    expect(fake.issue(REPO, 1).labels).toEqual(['agent', 'bug', 'baton:Plan']);
    await gh.moveToState(await snapshot(gh, 1), 'Implement');
    expect(fake.issue(REPO, 1).labels).toEqual(['agent', 'bug', 'baton:Implement']);
    expect((await snapshot(gh, 1)).state).toBe('Implement');

    await gh.moveToState(await snapshot(gh, 1), 'Done');
    const done = fake.issue(REPO, 1);
    expect({ labels: done.labels, state: done.state, reason: done.state_reason, closed: done.closed_at !== null }).toEqual({
      labels: ['agent', 'bug', 'baton:Done'],
      state: 'closed',
      reason: 'completed',
      closed: true,
    });
    expect((await snapshot(gh, 1)).state).toBe('Done');

    await gh.moveToState(await snapshot(gh, 1), 'open');
    expect(fake.issue(REPO, 1)).toMatchObject({ labels: ['agent', 'bug'], state: 'open', state_reason: 'reopened', closed_at: null });
    const writes = fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.operation}`);
    // Add, then close/reopen, then remove: no poll in between can read a third state.
    expect(writes).toEqual([
      'POST issues/add-labels',
      'POST issues/add-labels',
      'DELETE issues/remove-label',
      'POST issues/add-labels',
      'PATCH issues/update',
      'DELETE issues/remove-label',
      'PATCH issues/update',
      'DELETE issues/remove-label',
    ]);
  });

  it('issue_state source: open/closed only; other targets are a configuration error', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    const gh = tracker({ state_source: 'issue_state' });
    await gh.moveToState(await snapshot(gh, 1), 'closed');
    expect(fake.issue(REPO, 1).state).toBe('closed');
    expect((await rejection(gh.moveToState(await snapshot(gh, 1), 'Plan'))).category).toBe(ErrorCategory.invalidTrackerConfig);
    await gh.moveToState(await snapshot(gh, 1), 'Open');
    expect(fake.issue(REPO, 1).state).toBe('open');
  });

  it('adds and removes labels; removing one that is not there is not an error', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    const gh = tracker();
    const issue = await snapshot(gh, 1);
    await gh.addLabels(issue, ['needs-review', 'Agent']);
    expect(fake.issue(REPO, 1).labels).toEqual(['agent', 'needs-review']);
    await gh.removeLabels(issue, ['needs-review', 'never-there']);
    expect(fake.issue(REPO, 1).labels).toEqual(['agent']);
    const before = fake.requestCount;
    await gh.addLabels(issue, []);
    expect(fake.requestCount).toBe(before);
  });

  it('keeps one progress comment, found again by its marker after a restart', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    fake.store.addComment(fake.issue(REPO, 1), 'a human wrote this', 'alice');
    const gh = tracker();
    const issue = await snapshot(gh, 1);
    await gh.upsertProgressComment(issue, 'plan: running');
    await gh.upsertProgressComment(issue, 'plan: done');
    await tracker().upsertProgressComment(issue, 'implement: running');
    const comments = fake.comments(REPO, 1);
    expect(comments.map((c) => c.body)).toEqual(['a human wrote this', `${PROGRESS_MARKER}\nimplement: running`]);
    // The restarted tracker found the comment by listing, the first one by its cache.
    expect(fake.requests.filter((r) => r.operation === 'issues/list-comments')).toHaveLength(2);
  });
});

describe('Projects v2 state source', () => {
  it('reads the state from the board, moves by option name, and leaves off-board issues out of scope', async () => {
    const project = fake.addProject('acme', 7, { options: ['Todo', 'In Progress', 'Done'] });
    const a = fake.addIssue(REPO, { labels: ['agent'] });
    const b = fake.addIssue(REPO, { labels: ['agent'] });
    fake.addIssue(REPO, { labels: ['agent'] }); // not on the board
    const other = fake.addIssue('other/repo', { labels: ['agent'] });
    fake.setProjectStatus(project, a, 'Todo');
    fake.setProjectStatus(project, b, null);
    fake.setProjectStatus(project, other, 'Todo');
    const pr = fake.addPullRequest(REPO, { head: 'feature', labels: ['agent'] });
    fake.setProjectStatus(project, pr, 'In Progress');
    const gh = tracker({ state_source: 'project', project: { owner: 'acme', number: 7 } }, { active_states: ['Todo', 'In Progress'] });

    expect((await gh.fetchIssuesByStates(['todo', 'in progress'])).map((i) => [i.id, i.state, i.dispatchable])).toEqual([
      [idOf(1), 'Todo', true],
      [idOf(4), 'In Progress', false],
    ]);
    expect((await gh.fetchIssuesByIds([idOf(1), idOf(2), idOf(3)])).map((i) => [i.id, i.state])).toEqual([
      [idOf(1), 'Todo'],
      [idOf(2), 'No Status'],
    ]);

    const [issue] = await gh.fetchIssuesByIds([idOf(1)]);
    await gh.moveToState(issue!, 'in progress');
    expect(fake.projectStatus(project, a)).toBe('In Progress');
    expect((await rejection(gh.moveToState(issue!, 'Shipped'))).category).toBe(ErrorCategory.invalidTrackerConfig);

    // An issue not yet on the board is added to it.
    const [offBoard] = await tracker().fetchIssuesByIds([idOf(3)]);
    await gh.moveToState(offBoard!, 'Todo');
    expect(fake.projectStatus(project, fake.issue(REPO, 3))).toBe('Todo');

    const polled = await gh.poll(['Todo', 'In Progress'], [idOf(2), idOf(9)]);
    expect(polled.candidates.map((i) => [i.id, i.state])).toEqual([
      [idOf(1), 'In Progress'],
      [idOf(4), 'In Progress'],
      [idOf(3), 'Todo'],
    ]);
    expect(polled.inflight.map((i) => [i.id, i.state])).toEqual([[idOf(2), 'No Status']]);
  });
});

describe('agent tools', () => {
  it('github_api is confined to the configured repositories', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    const gh = tracker();
    const [issue] = await gh.fetchIssuesByIds([idOf(1)]);
    const ok = await gh.executeAgentTool('github_api', { method: 'GET', path: '/repos/acme/app/issues/1' }, issue!);
    expect(ok.success).toBe(true);
    expect(JSON.parse(ok.output)).toMatchObject({ status: 200, body: { number: 1, title: 'Issue 1' } });
    const missing = await gh.executeAgentTool('github_api', { method: 'GET', path: '/repos/acme/app/issues/99' }, issue!);
    expect(missing.success).toBe(false);
    expect(JSON.parse(missing.output)).toMatchObject({ status: 404 });
    // Parameters only ever become the query string: they cannot redirect the request or its credential.
    const smuggled = await gh.executeAgentTool('github_api', { method: 'GET', path: '/repos/acme/app/issues', params: { baseUrl: 'http://127.0.0.1:9', headers: 'x', state: 'all' } }, issue!);
    expect(JSON.parse(smuggled.output)).toMatchObject({ status: 422 });
    expect(fake.requests.at(-1)!.url).toBe('/repos/acme/app/issues?baseUrl=http%3A%2F%2F127.0.0.1%3A9&headers=x&state=all');
    expect(fake.problems.splice(0)).toEqual([expect.stringContaining("must NOT have additional properties")]);
    const listed = await gh.executeAgentTool('github_api', { method: 'GET', path: '/repos/acme/app/issues', params: { state: 'all', per_page: 5 } }, issue!);
    expect(JSON.parse(listed.output)).toMatchObject({ status: 200, body: [{ number: 1 }] });
    const before = fake.requestCount;
    for (const path of ['/repos/other/repo/issues', '/user', '/repos/acme/app/../../orgs/acme', 'https://evil/repos/acme/app', '/repos/acme/app/issues?state=all']) {
      const denied = await gh.executeAgentTool('github_api', { method: 'GET', path }, issue!);
      expect(denied.success, path).toBe(false);
    }
    expect(fake.requestCount).toBe(before);
  });

  it('github_pr_status reports linked pull requests with review and check state; github_comment comments', async () => {
    fake.addIssue(REPO, { labels: ['agent'] });
    fake.addPullRequest(REPO, { head: 'baton/gh-1', closes: [1], reviewDecision: 'APPROVED', checks: 'SUCCESS' });
    fake.addPullRequest(REPO, { head: 'other', closes: [], reviewDecision: 'CHANGES_REQUESTED', checks: 'FAILURE' });
    fake.addPullRequest(REPO, { head: 'other', closes: [1], state: 'closed' });
    const gh = tracker();
    const [issue] = await gh.fetchIssuesByIds([idOf(1)]);
    const result = await gh.executeAgentTool('github_pr_status', { branch: 'other' }, issue!);
    expect(result.success).toBe(true);
    const pulls = (JSON.parse(result.output) as { pull_requests: Array<Record<string, unknown>> }).pull_requests;
    expect(pulls.map((p) => [p.number, p.state, p.review_decision, p.checks, p.linked_by])).toEqual([
      [2, 'OPEN', 'APPROVED', 'SUCCESS', ['closes_issue']],
      [3, 'OPEN', 'CHANGES_REQUESTED', 'FAILURE', ['branch']],
      [4, 'CLOSED', null, null, ['closes_issue', 'branch']],
    ]);
    const comment = await gh.executeAgentTool('github_comment', { body: 'PR is up' }, issue!);
    expect(comment.success).toBe(true);
    expect(fake.comments(REPO, 1).map((c) => c.body)).toEqual(['PR is up']);
    const bad = await gh.executeAgentTool('github_comment', { body: '' }, issue!);
    expect(bad.success).toBe(false);
    const unknown = await gh.executeAgentTool('github_merge', {}, issue!);
    expect(JSON.parse(unknown.output)).toMatchObject({ error: { supportedTools: ['github_api', 'github_pr_status', 'github_comment'] } });
    expect(gh.agentTools().map((t) => t.name)).toEqual(['github_api', 'github_pr_status', 'github_comment']);
  });

  it.each([
    ['/repos/acme/app', null],
    ['/repos/ACME/App/issues/3/comments', null],
    ['/repos/acme/app2/issues', 'not configured'],
    ['/repos/acme', 'must start with /repos'],
    ['/repos/acme/app/%2e%2e/x', 'encoded'],
    ['/repos/acme/app//issues', 'empty'],
    ['/repos/acme/app/issues\n', 'control'],
    ['/repos/acme/app/{x}', 'may not contain'],
  ])('rejectApiPath(%j)', (path, expected) => {
    const result = rejectApiPath(path, [{ owner: 'acme', name: 'app', full: 'acme/app' }]);
    if (expected === null) expect(result).toBeNull();
    else expect(result).toContain(expected);
  });
});

describe('pure decisions', () => {
  const settings = { stateSource: 'labels' as const, stateLabelPrefix: 'baton:', defaultState: 'open', terminalStates: ['closed', 'Done'], trackerName: 'gh' };

  it.each([
    { labels: [], open: true, expected: 'open' },
    { labels: ['baton:Plan'], open: true, expected: 'Plan' },
    { labels: ['BATON: Review '], open: true, expected: 'Review' },
    { labels: ['baton:Done', 'baton:Plan'], open: true, expected: 'Plan' },
    { labels: ['baton:Done'], open: true, expected: 'open' },
    { labels: ['baton:Done'], open: false, expected: 'Done' },
    { labels: ['baton:Plan'], open: false, expected: 'closed' },
    { labels: ['baton:'], open: true, expected: 'open' },
  ])('stateFromLabels($labels, open=$open) = $expected', ({ labels, open, expected }) => {
    expect(stateFromLabels(labels, open, settings)).toBe(expected);
  });

  it.each([
    { labels: ['x'], open: true, target: 'Plan', move: { addLabel: 'baton:Plan', removeLabels: [], setOpen: null } },
    { labels: ['baton:plan'], open: true, target: 'Plan', move: { addLabel: null, removeLabels: [], setOpen: null } },
    { labels: ['baton:Plan'], open: true, target: 'Review', move: { addLabel: 'baton:Review', removeLabels: ['baton:Plan'], setOpen: null } },
    { labels: ['baton:Review'], open: true, target: 'Done', move: { addLabel: 'baton:Done', removeLabels: ['baton:Review'], setOpen: false } },
    { labels: ['baton:Review'], open: true, target: 'closed', move: { addLabel: null, removeLabels: [], setOpen: false } },
    { labels: ['baton:Done'], open: false, target: 'Plan', move: { addLabel: 'baton:Plan', removeLabels: ['baton:Done'], setOpen: true } },
    { labels: ['baton:Plan', 'bug'], open: false, target: 'open', move: { addLabel: null, removeLabels: ['baton:Plan'], setOpen: true } },
  ])('planStateMove($labels → $target)', ({ labels, open, target, move }) => {
    expect(planStateMove({ labels, open }, target, settings)).toEqual(move);
  });

  it.each([
    { states: ['open', 'Plan'], source: 'labels' as const, expected: 'open' },
    { states: ['Done'], source: 'labels' as const, expected: 'closed' },
    { states: ['Plan', 'closed'], source: 'labels' as const, expected: 'all' },
    { states: ['open'], source: 'issue_state' as const, expected: 'open' },
    { states: ['closed', 'open'], source: 'issue_state' as const, expected: 'all' },
  ])('issueStateFilter($states, $source) = $expected', ({ states, source, expected }) => {
    expect(issueStateFilter(states, { stateSource: source, terminalStates: ['closed', 'Done'] })).toBe(expected);
  });

  it.each([
    [['P1'], 1],
    [['p-4', 'priority:2'], 2],
    [['Priority: Urgent'], 1],
    [['priority/low'], 4],
    [['p0', 'p5', 'plow', 'priority:someday'], null],
    [[], null],
  ])('priorityFromLabels(%j) = %j', (labels, expected) => {
    expect(priorityFromLabels(labels)).toBe(expected);
  });

  it('unusable optional fields become null or are dropped; required ones stay', () => {
    const record: GithubRecord = {
      repo: { owner: 'acme', name: 'app', full: 'acme/app' },
      number: 9,
      nodeId: 42,
      title: ' Fix it ',
      body: 17,
      open: true,
      url: '',
      createdAt: 'yesterday',
      updatedAt: '2026-02-03T04:05:06Z',
      labels: ['  ', { name: null }, 42, { name: 'Agent' }, 'agent'],
      assignee: { login: 'x' },
      isPullRequest: false,
      blockedByCount: null,
    };
    const result = normalizeRecord(record, 'open', { repos: [record.repo] });
    expect(result).toMatchObject({
      ok: true,
      issue: {
        id: 'acme/app#9',
        title: 'Fix it',
        description: null,
        url: null,
        assignee_id: null,
        labels: ['agent'],
        created_at: null,
        updated_at: '2026-02-03T04:05:06.000Z',
        native_ref: { node_id: null },
      },
    });
    expect(normalizeRecord({ ...record, number: '9' }, 'open', { repos: [record.repo] })).toMatchObject({ ok: false, reason: 'no usable issue number' });
    expect(normalizeRecord({ ...record, open: null }, 'open', { repos: [record.repo] })).toMatchObject({ ok: false, id: 'acme/app#9' });
  });
});

describe('polling cost', () => {
  it('unchanged polls are answered 304 and use no rate limit, with 0, 10 and 100 issues in flight', async () => {
    // 150 labelled open issues: 60 in the default state, 60 in Plan (both active), 30 waiting (not active);
    // plus 20 that left the listing (closed): in-flight sets draw from every group.
    for (let i = 0; i < 60; i += 1) fake.addIssue(REPO, { labels: ['agent'] });
    for (let i = 0; i < 60; i += 1) fake.addIssue(REPO, { labels: ['agent', 'baton:Plan'] });
    for (let i = 0; i < 30; i += 1) fake.addIssue(REPO, { labels: ['agent', 'baton:Waiting'] });
    for (let i = 0; i < 20; i += 1) fake.addIssue(REPO, { labels: ['agent'], state: 'closed' });
    const active = ['open', 'Plan'];
    const pick = (count: number) => {
      const fromActive = Math.round(count * 0.7);
      const fromWaiting = Math.round(count * 0.2);
      const fromClosed = count - fromActive - fromWaiting;
      return [
        ...Array.from({ length: fromActive }, (_, i) => idOf(1 + i)),
        ...Array.from({ length: fromWaiting }, (_, i) => idOf(121 + i)),
        ...Array.from({ length: fromClosed }, (_, i) => idOf(151 + i)),
      ];
    };
    const lines: string[] = [];
    for (const count of [0, 10, 100]) {
      const gh = tracker();
      const inflight = pick(count);
      const measure = async () => {
        fake.resetRequests();
        const result = await gh.poll(active, inflight);
        return {
          requests: fake.requestCount,
          notModified: fake.requests.filter((r) => r.status === 304).length,
          points: fake.rateLimitUsed(),
          result,
        };
      };
      const cold = await measure();
      const warm = await measure();
      fake.updateIssue(REPO, 2, (issue) => issue.labels.push('urgent'));
      const oneChange = await measure();
      fake.updateIssue(REPO, 2, (issue) => issue.labels.pop());

      expect(cold.result.candidates).toHaveLength(120);
      expect(cold.result.inflight.map((i) => i.id).sort()).toEqual(inflight.filter((id) => Number(id.split('#')[1]) > 120).sort());
      expect(warm.result).toEqual(cold.result);
      expect(warm.notModified).toBe(warm.requests);
      expect(warm.points).toBe(0);
      expect(oneChange.points).toBe(1);
      lines.push(
        `github poll cost, ${count} in flight: cold ${cold.requests} requests / ${cold.points} rate-limit points; ` +
          `unchanged ${warm.requests} requests (${warm.notModified} answered 304) / ${warm.points} points; ` +
          `one issue changed ${oneChange.requests} requests / ${oneChange.points} point`,
      );
    }
    console.log(lines.join('\n'));
  });
});
