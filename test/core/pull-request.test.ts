/**
 * PR gates as tables (core/pull-request.ts): what a `checks` or `review` gate, or a merge with no
 * PR gate before it, does with a pull request snapshot; work branch names; the poll schedule of a
 * PR wait; the snapshot digest that lets an idle wait record almost nothing. No server, no clock.
 */
import { describe, expect, it } from 'vitest';
import type { GateView } from '../../core/protocol.js';
import {
  branchFor,
  checksVerdict,
  nextPollMs,
  pullRequestKeys,
  pullRequestLine,
  pullRequestVerdict,
  reviewVerdict,
  snapshotDigest,
  type CheckResult,
  type PullRequestSnapshot,
  type ReviewResult,
} from '../../core/pull-request.js';

const HEAD = 'abcdef0123456789';
function pr(patch: Partial<PullRequestSnapshot> = {}): PullRequestSnapshot {
  return {
    ref: { repo: 'acme/app', number: 7, url: 'https://github.com/acme/app/pull/7', head: 'baton/ENG-1' },
    state: 'open',
    draft: false,
    base: 'main',
    headSha: HEAD,
    mergeable: true,
    mergeableState: 'clean',
    checks: [],
    reviews: [],
    ...patch,
  };
}
const ok = (name: string): CheckResult => ({ name, state: 'success' });
const bad = (name: string): CheckResult => ({ name, state: 'failure' });
const running = (name: string): CheckResult => ({ name, state: 'pending' });
const review = (reviewer: string, state: ReviewResult['state'], onHead = true): ReviewResult => ({ reviewer, state, onHead });

const checksGate: GateView = { wait_for: 'checks', max_rework: 2 };
const reviewGate: GateView = { wait_for: 'review', max_rework: 2 };

describe('checksVerdict: every reported check, or the required ones, on the head commit', () => {
  it.each<[string, CheckResult[], string[], unknown]>([
    ['nothing reported yet is pending (CI has not started)', [], [], { state: 'pending', why: 'no checks reported on abcdef0 yet' }],
    ['all green', [ok('build'), ok('lint')], [], { state: 'success' }],
    ['a failure while another still runs waits for it', [bad('build'), running('lint')], [], { state: 'pending' }],
    ['failures once all are done', [bad('build'), ok('lint'), bad('test')], [], { state: 'failure', failed: ['build', 'test'] }],
    ['required checks only: others may fail', [ok('build'), bad('flaky')], ['build'], { state: 'success' }],
    ['a required check not reported yet is expected', [ok('lint')], ['build'], { state: 'pending' }],
    ['required names compare case-insensitively', [ok('Build')], ['build'], { state: 'success' }],
  ])('%s', (_name, checks, required, want) => {
    expect(checksVerdict(pr({ checks }), required)).toMatchObject(want as object);
  });
});

describe('reviewVerdict: reviews of the head commit only', () => {
  it.each<[string, ReviewResult[], number, unknown]>([
    ['no review yet', [], 1, { state: 'pending', why: '0 of 1 approving review of abcdef0' }],
    ['one approval', [review('ann', 'approved')], 1, { state: 'success' }],
    ['an approval of an older commit does not count', [review('ann', 'approved', false)], 1, { state: 'pending' }],
    ['a changes request rejects, even beside approvals', [review('ann', 'approved'), review('bob', 'changes_requested')], 1, { state: 'failure', reviewers: ['bob'] }],
    ['a changes request on an older commit is answered by the new head', [review('bob', 'changes_requested', false)], 1, { state: 'pending' }],
    ['two approvals needed', [review('ann', 'approved')], 2, { state: 'pending', why: '1 of 2 approving reviews of abcdef0' }],
    ['a dismissed review counts for nothing', [review('ann', 'dismissed')], 1, { state: 'pending' }],
  ])('%s', (_name, reviews, approvals, want) => {
    expect(reviewVerdict(pr({ reviews }), approvals)).toMatchObject(want as object);
  });
});

describe('pullRequestVerdict: what a PR wait does with a snapshot', () => {
  it.each<[string, GateView | null, PullRequestSnapshot | null, unknown]>([
    ['no pull request yet → wait, naming the branch', checksGate, null, { kind: 'wait', why: 'no pull request from branch baton/ENG-1 yet' }],
    ['merged (by anyone) → merged', reviewGate, pr({ state: 'merged' }), { kind: 'merged' }],
    ['closed without merging → closed', checksGate, pr({ state: 'closed' }), { kind: 'closed', why: 'pull request #7 was closed without merging' }],
    ['a draft waits', checksGate, pr({ draft: true, checks: [ok('ci')] }), { kind: 'wait', why: 'pull request #7 is a draft' }],
    ['checks gate: green → approve', checksGate, pr({ checks: [ok('ci')] }), { kind: 'approve' }],
    ['checks gate: failed → reject with the failed checks', checksGate, pr({ checks: [bad('ci')] }), { kind: 'reject', why: 'checks failed on abcdef0: ci', checks: true, review: false }],
    ['checks gate: reviews do not matter', checksGate, pr({ checks: [ok('ci')], reviews: [review('bob', 'changes_requested')] }), { kind: 'approve' }],
    ['review gate: approval with green checks → approve', reviewGate, pr({ checks: [ok('ci')], reviews: [review('ann', 'approved')] }), { kind: 'approve' }],
    ['review gate: approval while checks of a new head run → wait', reviewGate, pr({ checks: [running('ci')], reviews: [review('ann', 'approved')] }), { kind: 'wait' }],
    ['review gate: changes requested → reject with the reviewers', reviewGate, pr({ checks: [ok('ci')], reviews: [review('bob', 'changes_requested')] }), { kind: 'reject', why: 'changes requested by bob', checks: false, review: true }],
    ['review gate: a changes request does not wait for running checks', reviewGate, pr({ checks: [running('ci')], reviews: [review('bob', 'changes_requested')] }), { kind: 'reject', review: true }],
    ['review gate: failed checks reject too', reviewGate, pr({ checks: [bad('ci')], reviews: [review('ann', 'approved')] }), { kind: 'reject', checks: true, review: false }],
    ['review gate with require_checks: false ignores checks', { ...reviewGate, require_checks: false }, pr({ checks: [bad('ci')], reviews: [review('ann', 'approved')] }), { kind: 'approve' }],
    ['review gate: green checks, no review → wait for it', reviewGate, pr({ checks: [ok('ci')] }), { kind: 'wait', why: 'waiting for 0 of 1 approving review of abcdef0' }],
    ['merge with no PR gate: an open PR is enough', null, pr({ checks: [bad('ci')] }), { kind: 'approve' }],
  ])('%s', (_name, gate, snapshot, want) => {
    expect(pullRequestVerdict(gate, snapshot, 'baton/ENG-1')).toMatchObject(want as object);
  });
});

describe('work branches and webhook keys', () => {
  it.each<[string, { branchPrefix: string; useTrackerBranch: boolean }, { identifier: string; branch_name: string | null }, string]>([
    ['prefix + identifier', { branchPrefix: 'baton/', useTrackerBranch: false }, { identifier: 'ENG-1', branch_name: 'ann/eng-1-fix' }, 'baton/ENG-1'],
    ["the tracker's branch when asked for", { branchPrefix: 'baton/', useTrackerBranch: true }, { identifier: 'ENG-1', branch_name: 'ann/eng-1-fix' }, 'ann/eng-1-fix'],
    ['no tracker branch: prefix + identifier', { branchPrefix: 'baton/', useTrackerBranch: true }, { identifier: 'ENG-1', branch_name: null }, 'baton/ENG-1'],
    ['spaces and ref metacharacters become dashes', { branchPrefix: 'baton/', useTrackerBranch: false }, { identifier: 'my issue: x?*', branch_name: null }, 'baton/my-issue-x-'],
    ['no `..`, no leading dot or dash, no `.lock`', { branchPrefix: 'w/', useTrackerBranch: true }, { identifier: 'X', branch_name: '-a..b/.c.lock' }, 'a.b/c'],
  ])('%s', (_name, repo, issue, want) => {
    expect(branchFor(repo, issue)).toBe(want);
  });

  it('names a pull request by number and by branch, lower-casing the repository', () => {
    expect(pullRequestKeys('Acme/App', { number: 7, head: 'baton/ENG-1' })).toEqual(['acme/app#7', 'acme/app@baton/ENG-1']);
    expect(pullRequestKeys('acme/app', { head: 'x' })).toEqual(['acme/app@x']);
  });
});

describe('the poll schedule and the digest of a PR wait', () => {
  const repo = { pollIntervalMs: 30_000, pollMaxIntervalMs: 600_000 };

  it('doubles while nothing changes, up to the maximum, and starts over on a change', () => {
    const seen: number[] = [];
    let ms: number | null = null;
    for (let i = 0; i < 7; i++) {
      ms = nextPollMs(repo, ms, false);
      seen.push(ms);
    }
    expect(seen).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    expect(nextPollMs(repo, 600_000, true)).toBe(30_000);
  });

  it('a day of waiting with nothing changing takes few polls', () => {
    let ms: number | null = null;
    let elapsed = 0;
    let polls = 0;
    while (elapsed < 24 * 3_600_000) {
      ms = nextPollMs(repo, ms, false);
      elapsed += ms;
      polls += 1;
    }
    expect(polls).toBeLessThan(150);
  });

  it('the digest changes with anything a gate decides on, and only then', () => {
    const a = pr({ checks: [running('ci')] });
    expect(snapshotDigest(a)).toBe(snapshotDigest(pr({ checks: [running('ci')] })));
    expect(snapshotDigest(a)).not.toBe(snapshotDigest(pr({ checks: [ok('ci')] })));
    expect(snapshotDigest(a)).not.toBe(snapshotDigest(pr({ checks: [running('ci')], headSha: 'ffff' })));
    expect(snapshotDigest(null)).not.toBe(snapshotDigest(a));
  });

  it('the status line says state, head, checks and reviews', () => {
    expect(pullRequestLine(pr({ checks: [ok('a'), bad('b'), running('c')], reviews: [review('ann', 'approved'), review('bob', 'changes_requested', false)] }))).toBe(
      '#7 open at abcdef0 · checks 1✓ 1✗ 1… · reviews 1 approving, 0 requesting changes',
    );
  });
});
