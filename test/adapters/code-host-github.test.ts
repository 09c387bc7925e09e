/**
 * The `github` code host against the GitHub fake: real octokit over HTTP, every REST request and
 * answer validated against @octokit/openapi. Pull requests opened idempotently, snapshots from
 * check runs, commit statuses and reviews in conditional reads (an unchanged PR costs no rate
 * limit), rework feedback with job-log tails and review comments, merges that respect branch
 * protection, a moved head and an earlier merge, and the agent tools. The pure rules are tables.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ErrorCategory } from '../../core/errors.js';
import type { Issue } from '../../core/issue.js';
import type { PullRequestRef } from '../../core/pull-request.js';
import type { RepositoryConfig } from '../../config/schema.js';
import { GithubCodeHost } from '../../adapters/code-hosts/github/host.js';
import { checkResults, checkRunState, reviewResults } from '../../adapters/code-hosts/github/snapshot.js';
import { failedChecksMarkdown, logTail, reviewCommentsMarkdown } from '../../adapters/code-hosts/feedback.js';
import { codeHostToolSpecs, executeCodeHostTool } from '../../adapters/code-hosts/tools.js';
import { MAX_FEEDBACK_CHARS } from '../../core/pull-request.js';
import { MemoryGit, startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { rejection } from '../helpers/errors.js';

const REPO = 'acme/app';
let fake: GithubFake;
let git: MemoryGit;

function host(patch: Partial<RepositoryConfig> = {}): GithubCodeHost {
  const config = {
    kind: 'github',
    repo: REPO,
    token: fake.token,
    api_url: fake.url,
    base: 'main',
    branch_prefix: 'baton/',
    use_tracker_branch: false,
    poll_interval_ms: 1_000,
    poll_max_interval_ms: 10_000,
    timeout_ms: 5_000,
    write_interval_ms: 0,
    secret_env: ['GITHUB_TOKEN'],
    ...patch,
  } as RepositoryConfig;
  return new GithubCodeHost(config, pino({ level: 'silent' }));
}

beforeEach(async () => {
  fake = await startGithubFake();
  git = new MemoryGit();
  fake.useGit(REPO, git);
});

afterEach(async () => {
  const problems = [...fake.problems];
  await fake.close();
  expect(problems).toEqual([]);
});

async function opened(branch = 'baton/ENG-1'): Promise<{ gh: GithubCodeHost; ref: PullRequestRef; sha: string }> {
  const sha = git.push(branch);
  const gh = host();
  const { ref } = await gh.openPullRequest({ head: branch, base: 'main', title: 'ENG-1: fix', body: 'body', draft: false });
  return { gh, ref, sha };
}

describe('snapshot rules (pure)', () => {
  it.each([
    [{ status: 'in_progress', conclusion: null }, 'pending'],
    [{ status: 'queued', conclusion: null }, 'pending'],
    [{ status: 'completed', conclusion: 'success' }, 'success'],
    [{ status: 'completed', conclusion: 'neutral' }, 'success'],
    [{ status: 'completed', conclusion: 'skipped' }, 'success'],
    [{ status: 'completed', conclusion: 'failure' }, 'failure'],
    [{ status: 'completed', conclusion: 'timed_out' }, 'failure'],
    [{ status: 'completed', conclusion: 'cancelled' }, 'failure'],
    [{ status: 'completed', conclusion: 'action_required' }, 'failure'],
  ] as const)('check run %o is %s', (run, want) => {
    expect(checkRunState(run)).toBe(want);
  });

  it('check runs and commit statuses merge by name, failures first', () => {
    const runs = [{ id: 1, name: 'build', status: 'completed', conclusion: 'success' }, { id: 2, name: 'test', status: 'completed', conclusion: 'failure' }];
    const statuses = [{ context: 'deploy/preview', state: 'pending' }, { context: 'legacy-ci', state: 'error' }];
    expect(checkResults(runs, statuses)).toEqual([
      { name: 'legacy-ci', state: 'failure' },
      { name: 'test', state: 'failure' },
      { name: 'deploy/preview', state: 'pending' },
      { name: 'build', state: 'success' },
    ]);
  });

  it("each reviewer's newest deciding review counts; comments decide nothing", () => {
    const r = (id: number, login: string, state: string, commit: string) => ({ id, user: { login }, state, body: '', commit_id: commit });
    expect(reviewResults([r(1, 'ann', 'CHANGES_REQUESTED', 'old'), r(2, 'ann', 'COMMENTED', 'head'), r(3, 'bob', 'APPROVED', 'head'), r(4, 'ann', 'APPROVED', 'head')], 'head')).toEqual([
      { reviewer: 'ann', state: 'approved', onHead: true },
      { reviewer: 'bob', state: 'approved', onHead: true },
    ]);
    expect(reviewResults([r(1, 'ann', 'CHANGES_REQUESTED', 'old')], 'head')).toEqual([{ reviewer: 'ann', state: 'changes_requested', onHead: false }]);
  });

  it('feedback is bounded Markdown: log tails without ANSI colours or timestamps, review comments by file and line', () => {
    const log = Array.from({ length: 100 }, (_, i) => `2026-01-01T00:00:0${i % 10}.0000000Z \u001b[31mline ${i}\u001b[0m`).join('\n');
    const tail = logTail(log);
    expect(tail.split('\n')).toHaveLength(40);
    expect(tail.split('\n').at(-1)).toBe('line 99');
    const text = failedChecksMarkdown([{ name: 'test', conclusion: 'failure', title: '2 tests failed', summary: 'expected 2, got 3', log }]);
    expect(text).toMatch(/^### test — failure\n\*\*2 tests failed\*\*\nexpected 2, got 3\nLog tail:\n```text\nline 60\n/);
    const huge = failedChecksMarkdown(Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, conclusion: 'failure', log })));
    expect(huge.length).toBeLessThanOrEqual(MAX_FEEDBACK_CHARS + 30);
    expect(huge).toMatch(/…\(more left out\)$/);
    expect(reviewCommentsMarkdown([{ reviewer: 'bob', body: 'Please add a test.', comments: [{ path: 'src/a.ts', line: 3, body: 'off by one' }] }])).toBe(
      '### @bob requested changes\nPlease add a test.\n- `src/a.ts:3`: off by one',
    );
  });
});

describe('pull requests on the fake', () => {
  it('opens a pull request once: a second call answers with the open one; a branch never pushed is refused with what to do', async () => {
    const { gh, ref } = await opened();
    expect(ref).toMatchObject({ repo: REPO, head: 'baton/ENG-1', url: `https://github.com/${REPO}/pull/${ref.number}` });
    const again = await gh.openPullRequest({ head: 'baton/ENG-1', base: 'main', title: 'x', body: '', draft: false });
    expect(again).toEqual({ ref, created: false });
    expect(fake.pulls.pulls(REPO)).toHaveLength(1);
    const err = await rejection(gh.openPullRequest({ head: 'baton/never-pushed', base: 'main', title: 'x', body: '', draft: false }));
    expect(err.category).toBe(ErrorCategory.codeHostStatus);
    expect(err.message).toMatch(/push the branch baton\/never-pushed first/);
    expect(await gh.findPullRequest('baton/ENG-1')).toEqual(ref);
    expect(await gh.findPullRequest('baton/none')).toBeNull();
  });

  it('reads checks, statuses and reviews of the head; an unchanged pull request costs no rate limit', async () => {
    const { gh, ref, sha } = await opened();
    fake.pulls.addCheckRun(REPO, { sha, name: 'build', conclusion: 'success' });
    fake.pulls.addCheckRun(REPO, { sha, name: 'test' });
    fake.pulls.setStatus(REPO, sha, 'legacy-ci', 'success');
    fake.pulls.addReview(REPO, ref.number, { user: 'ann', state: 'APPROVED' });
    const snap = await gh.pullRequest(ref);
    expect(snap).toMatchObject({ state: 'open', draft: false, base: 'main', headSha: sha, mergeable: true, mergeableState: 'clean' });
    expect(snap.checks).toEqual([
      { name: 'test', state: 'pending' },
      { name: 'build', state: 'success' },
      { name: 'legacy-ci', state: 'success' },
    ]);
    expect(snap.reviews).toEqual([{ reviewer: 'ann', state: 'approved', onHead: true }]);

    fake.resetRequests();
    expect(await gh.pullRequest(ref)).toEqual(snap);
    expect(fake.requests.map((r) => r.status)).toEqual([304, 304, 304, 304]);
    expect(fake.rateLimitUsed('core')).toBe(0);

    // A push moves the head: old reviews no longer count.
    const moved = git.push('baton/ENG-1');
    const after = await gh.pullRequest(ref);
    expect(after.headSha).toBe(moved);
    expect(after.checks).toEqual([]);
    expect(after.reviews).toEqual([{ reviewer: 'ann', state: 'approved', onHead: false }]);
  });

  it('feedback: failed checks with their summaries and job-log tails, changes requests with their inline comments', async () => {
    const { gh, ref, sha } = await opened();
    fake.pulls.addCheckRun(REPO, { sha, name: 'test', conclusion: 'failure', title: '1 test failed', summary: 'math.test.ts: expected 4, got 5', log: 'setup\nrunning\nFAIL math.test.ts > adds\nexpected 4, got 5' });
    fake.pulls.addCheckRun(REPO, { sha, name: 'lint', conclusion: 'success' });
    fake.pulls.setStatus(REPO, sha, 'coverage', 'failure', 'coverage fell to 61%');
    fake.pulls.addReview(REPO, ref.number, { user: 'bob', state: 'CHANGES_REQUESTED', body: 'Please handle negative numbers.', comments: [{ path: 'src/math.ts', line: 7, body: 'what if b < 0?' }] });
    fake.pulls.addReview(REPO, ref.number, { user: 'cy', state: 'CHANGES_REQUESTED', body: 'stale', commit: 'old-commit' });
    const feedback = await gh.feedback(await gh.pullRequest(ref));
    expect(feedback.headSha).toBe(sha);
    expect(feedback.failedChecks).toContain('### test — failure\n**1 test failed**\nmath.test.ts: expected 4, got 5\nLog tail:\n```text\nsetup\nrunning\nFAIL math.test.ts > adds\nexpected 4, got 5\n```');
    expect(feedback.failedChecks).toContain('### coverage — failure\ncoverage fell to 61%');
    expect(feedback.failedChecks).not.toContain('lint');
    expect(feedback.reviewComments).toBe('### @bob requested changes\nPlease handle negative numbers.\n- `src/math.ts:7`: what if b < 0?');
  });

  it('merges once: protection refuses with its reason, a moved head is not merged, a merged PR is success without a second merge', async () => {
    const { gh, ref, sha } = await opened();
    fake.pulls.protect(REPO, { requiredApprovals: 1, requiredChecks: ['build'] });
    fake.pulls.addCheckRun(REPO, { sha, name: 'build', conclusion: 'success' });
    expect(await gh.merge(ref, { method: 'squash', sha, deleteBranch: true })).toEqual({
      kind: 'refused',
      reason: 'GitHub refused the merge (405): At least 1 approving review is required by reviewers with write access.',
    });
    fake.pulls.addReview(REPO, ref.number, { user: 'ann', state: 'APPROVED' });
    expect(await gh.merge(ref, { method: 'squash', sha: 'a-stale-sha', deleteBranch: true })).toEqual({ kind: 'head_moved', reason: `the head moved from a-stale to ${sha.slice(0, 7)}` });
    const merged = await gh.merge(ref, { method: 'squash', sha, deleteBranch: true });
    expect(merged).toMatchObject({ kind: 'merged', already: false, branchDeleted: true });
    expect(git.head('baton/ENG-1')).toBeNull();
    expect(fake.merges(REPO)).toEqual([expect.objectContaining({ number: ref.number, method: 'squash' })]);
    // Asked again (a retry after a crash): found merged, no second merge call.
    fake.resetRequests();
    expect(await gh.merge(ref, { method: 'squash', sha, deleteBranch: true })).toMatchObject({ kind: 'merged', already: true, branchDeleted: true });
    expect(fake.requests.filter((r) => r.operation === 'pulls/merge')).toEqual([]);
    expect(fake.merges(REPO)).toHaveLength(1);
    expect((await gh.pullRequest(ref)).state).toBe('merged');
  });

  it('a 409 from GitHub (the head moved between the read and the merge) is a moved head', async () => {
    const { gh, ref, sha } = await opened();
    // The head moves after Baton read it: the merge call's sha no longer matches.
    const real = gh.client.write.bind(gh.client);
    gh.client.write = (async (method: Parameters<typeof real>[0], url: string, body: unknown, op: string) => {
      if (url.endsWith('/merge')) git.push('baton/ENG-1');
      return real(method, url, body, op);
    }) as typeof gh.client.write;
    expect(await gh.merge(ref, { method: 'merge', sha, deleteBranch: false })).toEqual({ kind: 'head_moved', reason: 'Head branch was modified. Review and try the merge again.' });
  });

  it('a closed pull request is not merged', async () => {
    const { gh, ref } = await opened();
    fake.updateIssue(REPO, ref.number, (i) => fake.store.setState(i, 'closed'));
    expect(await gh.merge(ref, { method: 'squash', sha: null, deleteBranch: true })).toEqual({ kind: 'closed' });
    expect((await gh.pullRequest(ref)).state).toBe('closed');
  });

  it('a bad token fails with a code_host category and says which key to fix', async () => {
    const err = await rejection(host({ token: 'wrong' } as Partial<RepositoryConfig>).findPullRequest('x'));
    expect(err.category).toBe(ErrorCategory.codeHostStatus);
    expect(err.message).toMatch(/set a valid token in repository.token/);
  });
});

describe('agent tools', () => {
  const issue: Issue = { id: 'i1', identifier: 'ENG-1', title: 'Fix math', description: null, priority: null, state: 'In Progress', branch_name: null, url: 'https://linear.app/x/ENG-1', assignee_id: null, labels: [], blocked_by: [], dispatchable: true, created_at: null, updated_at: null, native_ref: null };

  it('open_pull_request opens from the work branch and announces the PR; status and replies go to the same PR', async () => {
    git.push('baton/ENG-1');
    const announced: PullRequestRef[] = [];
    const ctx = { host: host(), issue, branch: 'baton/ENG-1', base: 'main', workspace: null, announce: async (ref: PullRequestRef) => void announced.push(ref) };
    expect(codeHostToolSpecs(REPO, 'baton/ENG-1', 'main').map((s) => s.name)).toEqual(['open_pull_request', 'pull_request_status', 'reply_to_review']);
    const open = await executeCodeHostTool('open_pull_request', { body: 'Fixes math.' }, ctx);
    expect(open.success).toBe(true);
    const number = (JSON.parse(open.output) as { pull_request: { number: number } }).pull_request.number;
    expect(fake.issue(REPO, number).title).toBe('ENG-1: Fix math');
    expect(fake.issue(REPO, number).body).toBe(`Fixes math.\n\nFor ENG-1: ${issue.url}`);
    expect(announced.map((r) => r.number)).toEqual([number]);

    const review = fake.pulls.addReview(REPO, number, { user: 'bob', state: 'CHANGES_REQUESTED', body: 'no', comments: [{ path: 'a.ts', line: 1, body: 'why?' }] });
    const status = JSON.parse((await executeCodeHostTool('pull_request_status', {}, ctx)).output) as { summary: string; review_comments: string };
    expect(status.summary).toMatch(/reviews 0 approving, 1 requesting changes/);
    expect(status.review_comments).toContain('`a.ts:1`: why?');

    const commentId = fake.pulls.pull(REPO, number).rest.comments.find((c) => c.review_id === review.id)!.id;
    expect((await executeCodeHostTool('reply_to_review', { body: 'fixed', comment_id: commentId }, ctx)).success).toBe(true);
    expect((await executeCodeHostTool('reply_to_review', { body: 'thanks' }, ctx)).success).toBe(true);
    expect(fake.pulls.pull(REPO, number).rest.comments.map((c) => [c.body, c.in_reply_to])).toEqual([['why?', null], ['fixed', commentId]]);
    expect(fake.comments(REPO, number).map((c) => c.body)).toEqual(['thanks']);
  });

  it('bad arguments and unknown tools answer success: false without a request', async () => {
    const ctx = { host: host(), issue, branch: 'b', base: 'main', workspace: null, announce: async () => undefined };
    fake.resetRequests();
    expect((await executeCodeHostTool('open_pull_request', { head: 'main' }, ctx)).output).toMatch(/invalid arguments/);
    expect((await executeCodeHostTool('merge_it', {}, ctx)).success).toBe(false);
    expect(fake.requestCount).toBe(0);
  });
});
