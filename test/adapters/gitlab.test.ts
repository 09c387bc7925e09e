/**
 * The `gitlab` adapter against the GitLab fake (real @gitbeaker/rest resources over real HTTP on
 * 127.0.0.1, every request and response checked against GitLab's documented fields). SPEC §11,
 * §17.3; profile spec/adapters/gitlab.md.
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
import { classifyGitlabFailure } from '../../adapters/trackers/gitlab/errors.js';
import { priorityFromLabels } from '../../adapters/trackers/label-priority.js';
import { gitlabState, listStateFilter, planStateMove } from '../../adapters/trackers/gitlab/states.js';
import { rejectApiPath } from '../../adapters/trackers/gitlab/tools.js';
import { createGitlabTracker, GitlabTracker, PROGRESS_MARKER } from '../../adapters/trackers/gitlab/tracker.js';
import { startGitlabFake, type GitlabFake } from '../fakes/gitlab/index.js';
import { rejection } from '../helpers/errors.js';

let fake: GitlabFake;
let logLines: string[];
const TERMINAL = ['Done', 'closed'];
const P = 'workflow::';

function config(provider: Record<string, unknown> = {}, overrides: Partial<TrackerConfig> = {}): TrackerConfig {
  return {
    name: 'gitlab',
    kind: 'gitlab',
    provider: { project_path: fake.project.path, api_url: fake.apiUrl, api_key: fake.token, ...provider },
    required_labels: [],
    active_states: ['opened', 'In Progress'],
    terminal_states: TERMINAL,
    secret_env: ['GITLAB_PAT'],
    ...overrides,
  };
}

function tracker(provider: Record<string, unknown> = {}, overrides: Partial<TrackerConfig> = {}, env: NodeJS.ProcessEnv = {}): GitlabTracker {
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  return createGitlabTracker(config(provider, overrides), { logger, env });
}

async function readOne(t: GitlabTracker, iid: number): Promise<Issue> {
  const [issue] = await t.fetchIssuesByIds([String(iid)]);
  return issue!;
}

const writes = () => fake.requests.filter((r) => r.method !== 'GET');

beforeEach(async () => {
  fake = await startGitlabFake();
  logLines = [];
});

afterEach(async () => {
  expect(fake.problems).toEqual([]);
  await fake.close();
});

const settings = { stateSource: 'labels' as const, stateLabelPrefix: P, defaultState: 'opened', terminalStates: new Set(['done', 'closed']), trackerName: 't' };

describe('pure parts', () => {
  it.each([
    [[], true, 'opened'],
    [[`${P}In Progress`, 'bug'], true, 'In Progress'],
    [[`${P}Done`], true, 'opened'],
    [[`${P}Done`], false, 'Done'],
    [[`${P}In Progress`], false, 'closed'],
    [[], false, 'closed'],
    [['Workflow::Review'], true, 'Review'],
  ] as const)('labels %j, open %s → state %s', (labels, open, state) => {
    expect(gitlabState(labels, open, settings)).toBe(state);
  });

  it('issue_state reads and moves opened/closed only', () => {
    const s = { ...settings, stateSource: 'issue_state' as const };
    expect(gitlabState([`${P}Doing`], true, s)).toBe('opened');
    expect(planStateMove({ labels: [], open: true }, 'closed', s)).toEqual({ addLabels: [], removeLabels: [], stateEvent: 'close' });
    expect(planStateMove({ labels: [], open: false }, 'opened', s)).toEqual({ addLabels: [], removeLabels: [], stateEvent: 'reopen' });
    expect(() => planStateMove({ labels: [], open: true }, 'In Review', s)).toThrow(expect.objectContaining({ category: ErrorCategory.invalidTrackerConfig }));
  });

  it.each([
    [{ labels: [`${P}Todo`, 'agent'], open: true }, 'In Progress', { addLabels: [`${P}In Progress`], removeLabels: [`${P}Todo`], stateEvent: null }],
    [{ labels: [`${P}Merging`], open: true }, 'Done', { addLabels: [`${P}Done`], removeLabels: [`${P}Merging`], stateEvent: 'close' }],
    [{ labels: [`${P}Done`], open: false }, 'Todo', { addLabels: [`${P}Todo`], removeLabels: [`${P}Done`], stateEvent: 'reopen' }],
    [{ labels: [`${P}Review`], open: true }, 'opened', { addLabels: [], removeLabels: [`${P}Review`], stateEvent: null }],
    [{ labels: [`${P}Review`], open: true }, 'closed', { addLabels: [], removeLabels: [`${P}Review`], stateEvent: 'close' }],
    [{ labels: [`${P}review`], open: true }, 'Review', { addLabels: [], removeLabels: [], stateEvent: null }],
  ] as const)('moving %j to %s is one update %j', (current, target, plan) => {
    expect(planStateMove(current, target, settings)).toEqual(plan);
  });

  it('lists the GitLab state that covers the wanted states', () => {
    expect(listStateFilter(['opened', 'In Progress'], settings)).toBe('opened');
    expect(listStateFilter(['Done'], settings)).toBe('closed');
    expect(listStateFilter(['Todo', 'Done'], settings)).toBe('all');
  });

  it.each([
    [['priority::1'], 1],
    [['Priority::High', 'p4'], 2],
    [['P3'], 3],
    [['plow', 'priority'], null],
  ] as const)('priority of %j is %s', (labels, expected) => {
    expect(priorityFromLabels(labels)).toBe(expected);
  });

  it.each([
    [{ status: 429, headers: { 'retry-after': '7' } }, ErrorCategory.trackerRateLimited, 7000],
    [{ status: 429, headers: { 'ratelimit-reset': String(1_000 + 30) } }, ErrorCategory.trackerRateLimited, 30_000],
    [{ status: 429, headers: {} }, ErrorCategory.trackerRateLimited, 60_000],
    [{ status: 500, headers: {} }, ErrorCategory.trackerStatus, undefined],
    [{ status: 401, headers: {} }, ErrorCategory.trackerStatus, undefined],
    [{ status: null, headers: {} }, ErrorCategory.trackerRequest, undefined],
  ] as const)('classifies %j as %s (retry after %s ms)', (failure, category, wait) => {
    const error = classifyGitlabFailure({ ...failure, headers: { ...failure.headers }, message: 'm', operation: 'op' }, 1_000_000);
    expect(error.category).toBe(category);
    expect(error.retryAfterMs).toBe(wait);
  });

  it('confines gitlab_api paths to the configured project', () => {
    const project = { path: 'acme/widgets', id: 1001 };
    expect(rejectApiPath('/projects/acme%2Fwidgets/issues/3/notes', project)).toBeNull();
    expect(rejectApiPath('/projects/1001/merge_requests', project)).toBeNull();
    for (const bad of ['/projects/other%2Frepo/issues', '/users', 'projects/acme%2Fwidgets', '/projects/acme%2Fwidgets/../x', '/projects/acme%2Fwidgets/issues?x=1', 'https://evil/projects/1001']) {
      expect(rejectApiPath(bad, project), bad).not.toBeNull();
    }
  });
});

describe('the fake’s auth', () => {
  it('answers a request without a token with 401', async () => {
    const res = await fetch(`${fake.apiUrl}/projects/${fake.project.id}/issues`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401 Unauthorized' });
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

  it('pages an opened listing in creation order with the required label in GitLab’s spelling', async () => {
    const expected: number[] = [];
    for (let i = 0; i < 5; i += 1) expected.push(fake.addIssue({ labels: ['Agent', ...(i === 2 ? [`${P}In Progress`] : [])] }).iid);
    fake.addIssue({ labels: ['Agent'], state: 'closed' });
    fake.addIssue({ labels: ['other'] });
    const issues = await tracker({ page_size: 2 }, { required_labels: ['agent'] }).fetchIssuesByStates(['opened', 'In Progress']);
    expect(issues.map((i) => Number(i.id))).toEqual(expected);
    expect(issues.map((i) => i.state)).toEqual(['opened', 'opened', 'In Progress', 'opened', 'opened']);
    const lists = fake.requests.filter((r) => r.route === 'list-issues');
    expect(lists.map((r) => [r.query.get('page'), r.query.get('labels'), r.query.get('state'), r.query.get('sort')])).toEqual([
      ['1', 'Agent', 'opened', 'asc'],
      ['2', 'Agent', 'opened', 'asc'],
      ['3', 'Agent', 'opened', 'asc'],
    ]);
    expect(fake.requests.filter((r) => r.route === 'list-labels')).toHaveLength(1);
    expect(fake.requests.every((r) => r.token === fake.token)).toBe(true);
    for (const issue of issues) expect(IssueSchema.parse(issue)).toEqual(issue);
  });

  it('normalizes an issue to the shared model', async () => {
    const row = fake.addIssue({ title: 'Fix login', description: 'Steps.', labels: ['Agent', 'priority::2', `${P}In Progress`], assignee: fake.store.bot });
    const [issue] = await tracker().fetchIssuesByStates(['In Progress']);
    expect(issue).toEqual({
      id: String(row.iid),
      identifier: `GL-${row.iid}`,
      title: 'Fix login',
      description: 'Steps.',
      priority: 2,
      state: 'In Progress',
      branch_name: null,
      url: `${fake.apiUrl.replace('/api/v4', '')}/acme/widgets/-/issues/${row.iid}`,
      assignee_id: String(fake.store.bot.id),
      labels: ['agent', 'priority::2', 'workflow::in progress'],
      blocked_by: [],
      dispatchable: true,
      created_at: row.created_at,
      updated_at: row.updated_at,
      native_ref: { project_path: 'acme/widgets', project_id: fake.project.id, issue_id: row.id, iid: row.iid, reference: `acme/widgets#${row.iid}`, issue_type: 'issue' },
    });
  });

  it('reads "is blocked by" links of new candidates when blockers are on, and gates them on open blockers', async () => {
    const blocker = fake.addIssue({ title: 'blocker' });
    const done = fake.addIssue({ title: 'finished', state: 'closed' });
    const waiting = fake.addIssue({ title: 'waits' });
    const free = fake.addIssue({ title: 'free' });
    waiting.blockedBy.push(blocker.iid);
    free.blockedBy.push(done.iid);
    const byTitle = new Map((await tracker({ blockers: true }).fetchIssuesByStates(['opened'])).map((i) => [i.title, i]));
    expect(byTitle.get('waits')).toMatchObject({ dispatchable: false, blocked_by: [{ id: String(blocker.iid), identifier: `GL-${blocker.iid}`, state: 'opened' }] });
    expect(byTitle.get('free')).toMatchObject({ dispatchable: true, blocked_by: [{ state: 'closed' }] });
    expect(fake.requests.filter((r) => r.route === 'list-links')).toHaveLength(3);
    // Off by default: no link reads.
    fake.resetRequests();
    expect((await tracker().fetchIssuesByStates(['opened'])).find((i) => i.title === 'waits')?.dispatchable).toBe(true);
    expect(fake.requests.filter((r) => r.route === 'list-links')).toEqual([]);
  });

  it('re-reads by iid that arrive together share one listing, each caller getting its own issue', async () => {
    const ids = Array.from({ length: 10 }, () => String(fake.addIssue({ labels: [`${P}Review`] }).iid));
    const t = tracker();
    const answers = await Promise.all(ids.map((id) => t.fetchIssuesByIds([id])));
    expect(answers.map((found) => found.map((i) => i.id))).toEqual(ids.map((id) => [id]));
    expect(fake.requests.filter((r) => r.route === 'list-issues'), 'the first read, then one for the nine that asked while it ran').toHaveLength(2);
  });

  it('refreshes by iid in one request, omitting deleted issues; a malformed requested record fails the read, a malformed candidate is dropped', async () => {
    const a = fake.addIssue({ labels: [`${P}Review`] });
    const b = fake.addIssue({ state: 'closed' });
    const issues = await tracker().fetchIssuesByIds([String(b.iid), String(a.iid), String(a.iid), '999', 'not-an-iid']);
    expect(issues.map((i) => i.id).sort()).toEqual([String(a.iid), String(b.iid)].sort());
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.query.get('state')).toBe('all');
    expect(fake.requests[0]!.query.getAll('iids[]').sort()).toEqual([String(a.iid), String(b.iid), '999'].sort());

    const good = fake.addIssue({ title: 'good' });
    const bad = fake.addIssue({ title: 'bad' });
    bad.title = '   ';
    expect((await tracker().fetchIssuesByStates(['opened'])).map((i) => i.title)).toEqual(expect.arrayContaining(['good']));
    expect(logLines.some((l) => l.includes('malformed') && l.includes(`"issue_id":"${bad.iid}"`))).toBe(true);
    const error = await rejection(tracker().fetchIssuesByIds([String(good.iid), String(bad.iid)]));
    expect(error.category).toBe(ErrorCategory.trackerResponse);
  });

  it('polls with ONE listing per tick at 0, 10 and 100 in flight, plus one iids[] read when in-flight issues left the listing', async () => {
    for (let i = 0; i < 5; i += 1) fake.addIssue({ labels: ['agent'] });
    const inflight = Array.from({ length: 100 }, () => String(fake.addIssue({ labels: ['agent', `${P}Review`] }).iid));
    const t = tracker({}, { required_labels: ['agent'] });
    await t.poll(['opened'], []); // resolves the label spelling once
    const figures: string[] = [];
    for (const n of [0, 10, 100]) {
      fake.resetRequests();
      const result = await t.poll(['opened'], inflight.slice(0, n));
      expect(result.candidates).toHaveLength(5);
      expect(result.inflight.map((i) => i.id).sort()).toEqual(inflight.slice(0, n).sort());
      // one listing; GitLab pages at 100 issues
      expect(fake.requests.every((r) => r.route === 'list-issues' && !r.query.has('iids[]'))).toBe(true);
      expect(fake.requests).toHaveLength(Math.ceil((5 + 100) / 100));
      figures.push(`${n} in flight → ${fake.requests.length} request(s)`);
    }
    // In-flight issues closed or unlabelled since: one extra request for all of them.
    fake.update(Number(inflight[0]), { state: 'closed' });
    fake.update(Number(inflight[1]), { labels: [`${P}Review`] });
    fake.resetRequests();
    const result = await t.poll(['opened'], inflight.slice(0, 10));
    expect(result.inflight.find((i) => i.id === inflight[0])?.state).toBe('closed');
    expect(result.inflight.find((i) => i.id === inflight[1])?.labels).not.toContain('agent');
    expect(fake.requests.filter((r) => r.query.has('iids[]'))).toHaveLength(1);
    figures.push(`10 in flight with 2 gone from the listing → ${fake.requests.length} requests`);
    console.log(`gitlab poll requests per tick (105 open labelled issues): ${figures.join('; ')}`);
  });
});

describe('errors (SPEC §11.4)', () => {
  beforeEach(() => {
    for (let i = 0; i < 5; i += 1) fake.addIssue();
  });

  it('maps 500 to tracker_status (retryable), a malformed body to tracker_response', async () => {
    fake.inject({ kind: 'status', status: 502 });
    const error = await rejection(tracker().fetchIssuesByStates(['opened']));
    expect(error.category).toBe(ErrorCategory.trackerStatus);
    expect(error.retryable).toBe(true);
    expect(fake.requests).toHaveLength(1); // gitbeaker's own retry of 502 is off
    fake.inject({ kind: 'malformed-body' });
    expect((await rejection(tracker().fetchIssuesByStates(['opened']))).category).toBe(ErrorCategory.trackerResponse);
  });

  it('maps 429 to tracker_rate_limited with Retry-After, without retrying', async () => {
    fake.inject({ kind: 'rate-limit', retryAfterSeconds: 9 });
    fake.resetRequests();
    const error = await rejection(tracker().poll(['opened'], ['1']));
    expect(error.category).toBe(ErrorCategory.trackerRateLimited);
    expect(error.retryAfterMs).toBe(9000);
    expect(fake.requests).toHaveLength(1);
  });

  it('maps pagination that does not advance to tracker_pagination', async () => {
    fake.inject({ kind: 'broken-pagination' });
    expect((await rejection(tracker({ page_size: 2 }).fetchIssuesByStates(['opened']))).category).toBe(ErrorCategory.trackerPagination);
  });

  it('maps a wrong token to tracker_status (not retryable) and refuses to start without one', async () => {
    const error = await rejection(tracker({ api_key: 'wrong' }).fetchIssuesByStates(['opened']));
    expect(error).toMatchObject({ category: ErrorCategory.trackerStatus, retryable: false });
    expect(error.message).toMatch(/401.*GITLAB_PAT/);
    expect(() => tracker({ api_key: '' })).toThrow(expect.objectContaining({ category: ErrorCategory.missingTrackerSecret }));
  });

  it('maps transport failures and timeouts to tracker_request', async () => {
    fake.inject({ kind: 'disconnect' });
    expect((await rejection(tracker().fetchIssuesByStates(['opened']))).category).toBe(ErrorCategory.trackerRequest);
    fake.inject({ kind: 'hang' });
    const timedOut = await rejection(tracker({ timeout_ms: 150 }).fetchIssuesByStates(['opened']));
    expect(timedOut.category).toBe(ErrorCategory.trackerRequest);
  });

  it('rejects invalid provider config with invalid_tracker_config; GITLAB_PROJECT_PATH is Symphony’s fallback', () => {
    for (const provider of [{ project_path: undefined }, { project_path: 'no-namespace' }, { api_url: 'http://gitlab.example.com/api/v4' }, { api_url: 'https://gitlab.example.com' }, { page_size: 500 }]) {
      expect(() => tracker(provider), JSON.stringify(provider)).toThrow(expect.objectContaining({ category: ErrorCategory.invalidTrackerConfig }));
    }
    expect(tracker({ project_path: undefined }, {}, { GITLAB_PROJECT_PATH: 'acme/widgets' }).settings.projectPath).toBe('acme/widgets');
    expect(tracker({ api_url: 'https://gitlab.example.com/gitlab/api/v4/' }).settings.host).toBe('https://gitlab.example.com/gitlab');
  });
});

describe('writes', () => {
  it('moves with ONE update: scoped label swap, closing at a terminal state, reopening out of it', async () => {
    const row = fake.addIssue({ labels: ['agent', `${P}Todo`] });
    const t = tracker();
    await t.moveToState(await readOne(t, row.iid), 'In Progress');
    expect(fake.issue(row.iid).labels).toEqual(['agent', `${P}In Progress`]);
    expect(writes().map((r) => r.body)).toEqual([{ add_labels: `${P}In Progress`, remove_labels: `${P}Todo` }]);

    fake.resetRequests();
    await t.moveToState(await readOne(t, row.iid), 'Done');
    expect(fake.issue(row.iid)).toMatchObject({ state: 'closed', labels: ['agent', `${P}Done`] });
    expect(writes()).toHaveLength(1);
    expect((await readOne(t, row.iid)).state).toBe('Done');

    await t.moveToState(await readOne(t, row.iid), 'opened');
    expect(fake.issue(row.iid)).toMatchObject({ state: 'opened', labels: ['agent'] });

    fake.resetRequests();
    await t.moveToState(await readOne(t, row.iid), 'opened'); // already there
    expect(writes()).toEqual([]);
    // GitLab recorded each change as a system note, as it does.
    expect(fake.issue(row.iid).notes.filter((n) => n.system).map((n) => n.body)).toEqual([
      `added ~"${P}In Progress" and removed ~"${P}Todo" labels`,
      `added ~"${P}Done" and removed ~"${P}In Progress" labels`,
      'closed',
      `removed ~"${P}Done" label`,
      'reopened',
    ]);
  });

  it('ends in the same labels without Premium’s scoped-label exclusivity', async () => {
    await fake.close();
    fake = await startGitlabFake({ scopedLabels: false });
    const row = fake.addIssue({ labels: [`${P}Todo`] });
    const t = tracker();
    await t.moveToState(await readOne(t, row.iid), 'Review');
    expect(fake.issue(row.iid).labels).toEqual([`${P}Review`]);
  });

  it('adds and removes labels case-insensitively, keeping GitLab’s spelling', async () => {
    const row = fake.addIssue({ labels: ['Agent', 'Bug'] });
    const t = tracker();
    const issue = await readOne(t, row.iid);
    await t.addLabels(issue, ['bug', 'approved']);
    expect(fake.issue(row.iid).labels).toEqual(['Agent', 'Bug', 'approved']);
    await t.removeLabels(issue, ['AGENT', 'never-there']);
    expect(fake.issue(row.iid).labels).toEqual(['Bug', 'approved']);
    fake.resetRequests();
    await t.addLabels(issue, ['BUG']);
    expect(writes()).toEqual([]);
  });

  it('keeps exactly one progress note, edited in place, found again by its marker after a restart', async () => {
    const row = fake.addIssue();
    const t = tracker();
    const issue = await readOne(t, row.iid);
    await t.executeAgentTool('gitlab_comment', { body: 'a human-ish comment' }, issue);
    await t.upsertProgressComment(issue, '**plan** done');
    await t.upsertProgressComment(issue, '**plan** done\n**implement** running');
    const restarted = tracker();
    await restarted.upsertProgressComment(issue, 'review waiting');
    const notes = fake.issue(row.iid).notes.filter((n) => !n.system);
    expect(notes.map((n) => n.body)).toEqual(['a human-ish comment', `${PROGRESS_MARKER}\nreview waiting`]);
    expect(fake.requests.filter((r) => r.route === 'create-note')).toHaveLength(2);
    expect(fake.requests.filter((r) => r.route === 'edit-note')).toHaveLength(2);

    // Someone deletes it: the next write creates a new one.
    const i = fake.issue(row.iid).notes.findIndex((n) => n.body.startsWith(PROGRESS_MARKER));
    fake.issue(row.iid).notes.splice(i, 1);
    await restarted.upsertProgressComment(issue, 'merge done');
    expect(fake.issue(row.iid).notes.filter((n) => !n.system).map((n) => n.body)).toEqual(['a human-ish comment', `${PROGRESS_MARKER}\nmerge done`]);
  });
});

describe('agent tools', () => {
  it('offers gitlab_api, gitlab_get_issue and gitlab_comment', () => {
    expect(tracker().agentTools().map((t) => t.name)).toEqual(['gitlab_api', 'gitlab_get_issue', 'gitlab_comment']);
  });

  it('gitlab_api reaches the project by path or id and nothing else; HTTP errors answer success:false', async () => {
    const row = fake.addIssue({ title: 'mine' });
    const t = tracker();
    const issue = await readOne(t, row.iid);
    const read = await t.executeAgentTool('gitlab_api', { method: 'GET', path: `/projects/${encodeURIComponent('acme/widgets')}/issues/${row.iid}` }, issue);
    expect(read.success).toBe(true);
    expect(JSON.parse(read.output)).toMatchObject({ status: 200, body: { iid: row.iid, title: 'mine' } });
    const byId = await t.executeAgentTool('gitlab_api', { method: 'POST', path: `/projects/${fake.project.id}/issues/${row.iid}/notes`, body: { body: 'via api' } }, issue);
    expect(byId.success).toBe(true);
    const listed = await t.executeAgentTool('gitlab_api', { method: 'GET', path: `/projects/${fake.project.id}/issues`, query: { iids: [row.iid], state: 'all' } }, issue);
    expect((JSON.parse(listed.output).body as unknown[]).length).toBe(1);
    const missing = await t.executeAgentTool('gitlab_api', { method: 'GET', path: `/projects/${fake.project.id}/issues/999` }, issue);
    expect(missing.success).toBe(false);
    expect(JSON.parse(missing.output)).toMatchObject({ status: 404 });
    for (const args of [{ method: 'GET', path: '/projects/other%2Frepo/issues' }, { method: 'GET', path: '/user' }, { method: 'PATCH', path: '/projects/1' }, {}]) {
      const refused = await t.executeAgentTool('gitlab_api', args, issue);
      expect(refused.success, JSON.stringify(args)).toBe(false);
    }
  });

  it('gitlab_get_issue and gitlab_comment work on the current issue; unknown tools list the supported ones', async () => {
    const row = fake.addIssue({ title: 'Read me', labels: ['agent'] });
    const t = tracker();
    const issue = await readOne(t, row.iid);
    expect((await t.executeAgentTool('gitlab_comment', { body: 'Plan:\n- one' }, issue)).success).toBe(true);
    fake.update(row.iid, { labels: ['agent', 'bug'] }); // a system note, left out of comments
    const got = JSON.parse((await t.executeAgentTool('gitlab_get_issue', {}, issue)).output);
    expect(got).toMatchObject({ issue: { identifier: `GL-${row.iid}`, title: 'Read me' }, comments: [{ body: 'Plan:\n- one', author: 'baton-bot' }] });
    expect(got.comments).toHaveLength(1);
    expect((await t.executeAgentTool('gitlab_get_issue', { iid: 999 }, issue)).success).toBe(false);
    expect((await t.executeAgentTool('gitlab_comment', { body: ' ' }, issue)).success).toBe(false);
    expect(JSON.parse((await t.executeAgentTool('gitlab_nope', {}, issue)).output)).toMatchObject({ error: { supportedTools: ['gitlab_api', 'gitlab_get_issue', 'gitlab_comment'] } });
  });
});

describe('registration', () => {
  it('is built by the tracker registry, lazily, and strips its secret env names', async () => {
    const adapter = await createTracker(config(), { logger: pino({ level: 'silent' }), env: {} });
    expect(adapter).toBeInstanceOf(GitlabTracker);
    expect(adapter.secretEnvNames()).toEqual(['GITLAB_PAT', 'GITLAB_ACCESS_TOKEN']);
  });

  it('loads a Symphony-format WORKFLOW.md for GitLab (Symphony’s documented keys and states) and reads through it', async () => {
    // Upstream ships no example WORKFLOW.md for GitLab; this front matter follows its README.
    const dir = await mkdtemp(join(tmpdir(), 'baton-gitlab-wf-'));
    const file = join(dir, 'WORKFLOW.md');
    await writeFile(
      file,
      `---\ntracker:\n  kind: gitlab\n  provider:\n    project_path: "acme/widgets"\n    api_url: "${fake.apiUrl}"\n    api_key: "$GITLAB_PAT"\n  active_states: ["opened"]\n  terminal_states: ["closed"]\n---\n\nWork on {{ issue.identifier }}: {{ issue.title }}\n`,
    );
    const { config: loaded, warnings } = loadConfig(file, { env: { GITLAB_PAT: fake.token }, trackerProfiles });
    expect(warnings).toEqual([]);
    expect(loaded.flavor).toBe('symphony');
    expect(loaded.trackers[0]).toMatchObject({ kind: 'gitlab', active_states: ['opened'], terminal_states: ['closed'], secret_env: ['GITLAB_PAT'] });
    const row = fake.addIssue({ title: 'from the workflow' });
    const adapter = await createTracker(loaded.trackers[0]!, { logger: pino({ level: 'silent' }), env: {} });
    expect((await adapter.fetchIssuesByStates(['opened'])).map((i) => i.identifier)).toEqual([`GL-${row.iid}`]);
  });
});
