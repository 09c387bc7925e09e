/**
 * Pull requests as Baton's workflows see them: the code host's repository (secret-free), the
 * branch an issue works on, a compact snapshot of its pull request (state, head, checks, reviews),
 * the feedback a rejection carries into the rework prompt, and the verdict of a PR gate
 * (`wait_for: checks` / `wait_for: review`) or of a merge wait. Pure and sandbox-safe, so every rule
 * is table-tested (test/core/pull-request.test.ts); adapters/code-hosts/ fill the snapshot.
 */
import type { GateView } from './protocol.js';

/** A `repository:` block as workflows see it: where the code lives, never the token. */
export interface RepositoryView {
  readonly kind: string;
  /** `owner/name`. */
  readonly repo: string;
  /** The branch pull requests merge into. */
  readonly base: string;
  /** Work branches are `<branchPrefix><identifier>` … */
  readonly branchPrefix: string;
  /** … unless the tracker names a branch (`Issue.branch_name`) and this is set. */
  readonly useTrackerBranch: boolean;
  /** First poll interval of a PR wait; it doubles while nothing changes, up to `pollMaxIntervalMs`. */
  readonly pollIntervalMs: number;
  readonly pollMaxIntervalMs: number;
}

/** The pull request recorded on an issue workflow. */
export interface PullRequestRef {
  /** `owner/name`. */
  readonly repo: string;
  readonly number: number;
  readonly url: string;
  /** Head branch. */
  readonly head: string;
}

export type CheckState = 'pending' | 'success' | 'failure';

/** The latest run of one check (a check run or a commit status context) on the head commit. */
export interface CheckResult {
  readonly name: string;
  readonly state: CheckState;
}

export type ReviewState = 'approved' | 'changes_requested' | 'dismissed';

/** A reviewer's latest deciding review (comments alone decide nothing). */
export interface ReviewResult {
  readonly reviewer: string;
  readonly state: ReviewState;
  /** Whether it reviewed the current head commit; reviews of older commits do not count. */
  readonly onHead: boolean;
}

/** What a PR wait decides on. Small and plain: it is recorded in history when it changes. */
export interface PullRequestSnapshot {
  readonly ref: PullRequestRef;
  readonly state: 'open' | 'closed' | 'merged';
  readonly draft: boolean;
  readonly base: string;
  readonly headSha: string;
  /** GitHub's `mergeable` (null while it computes it) and `mergeable_state`. */
  readonly mergeable: boolean | null;
  readonly mergeableState: string | null;
  /** At most MAX_CHECKS, failures first. */
  readonly checks: readonly CheckResult[];
  readonly reviews: readonly ReviewResult[];
}

/** What a rejected PR gate tells the rework run: Markdown, bounded, rendered by the code host. */
export interface PullRequestFeedback {
  /** The head commit the feedback is about. */
  readonly headSha: string;
  /** Failed checks: names, summaries, log tails where the host exposes them ('' when none). */
  readonly failedChecks: string;
  /** Changes-requested reviews of the head: their bodies and inline comments ('' when none). */
  readonly reviewComments: string;
}

/** The pull-request context a stage run renders as `pr` (null fields are unknown). */
export interface PullRequestContext {
  readonly ref: PullRequestRef | null;
  readonly snapshot: PullRequestSnapshot | null;
  readonly feedback: PullRequestFeedback | null;
}

/** A finished merge as the machine remembers it: the stage is never run or merged again. */
export interface MergeRecord {
  readonly stage: string;
  readonly number: number;
  readonly sha: string | null;
  readonly at: string;
}

/** Everything the machine carries about the issue's pull request. */
export interface PullRequestMemory {
  readonly ref: PullRequestRef | null;
  readonly merged: MergeRecord | null;
  /** The last rejection's feedback, for the runs that rework it; cleared by an approval. */
  readonly feedback: PullRequestFeedback | null;
}

export const MAX_CHECKS = 50;
export const MAX_FEEDBACK_CHARS = 6_000;

export function isPullRequestGate(gate: GateView | undefined): boolean {
  return gate?.wait_for === 'checks' || gate?.wait_for === 'review';
}

/**
 * The work branch of an issue: the tracker's branch when configured and known, else
 * `<prefix><identifier>`, made a valid git ref name (no spaces, `..`, `~^:?*[\`, `@{`, leading `-`
 * or `/`, trailing `.`, `/` or `.lock`).
 */
export function branchFor(repo: Pick<RepositoryView, 'branchPrefix' | 'useTrackerBranch'>, issue: { readonly identifier: string; readonly branch_name: string | null }): string {
  const raw = repo.useTrackerBranch && issue.branch_name?.trim() ? issue.branch_name.trim() : `${repo.branchPrefix}${issue.identifier}`;
  const cleaned = raw
    .replace(/[\s~^:?*[\\\u0000-\u001f\u007f]+/g, '-')
    .replace(/@\{/g, '-')
    .replace(/\.\.+/g, '.')
    .replace(/\/{2,}/g, '/')
    .split('/')
    .map((part) => part.replace(/^[.-]+/, '').replace(/(\.lock)+$/i, '').replace(/\.+$/, ''))
    .filter(Boolean)
    .join('/');
  return cleaned || `baton-${issue.identifier.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
}

/** Keys a webhook can name a pull request by: `owner/name#number` and `owner/name@branch`. */
export function pullRequestKeys(repo: string, ref: { readonly number?: number | null; readonly head?: string | null }): string[] {
  const keys: string[] = [];
  if (ref.number) keys.push(`${repo.toLowerCase()}#${ref.number}`);
  if (ref.head) keys.push(`${repo.toLowerCase()}@${ref.head}`);
  return keys;
}

// ---------------------------------------------------------------- verdicts

export type GateCheckVerdict =
  | { readonly state: 'pending'; readonly why: string }
  | { readonly state: 'success' }
  | { readonly state: 'failure'; readonly failed: readonly string[] };

/**
 * The checks of the head commit: the `required` ones (a missing one is still expected), or every
 * reported one. None reported yet is pending (a push is seen before its CI starts); a failure
 * rejects only when nothing is still running, so the rework sees every failure at once.
 */
export function checksVerdict(pr: PullRequestSnapshot, required: readonly string[] = []): GateCheckVerdict {
  const sha = pr.headSha.slice(0, 7);
  const byName = new Map(pr.checks.map((c) => [c.name.toLowerCase(), c]));
  const relevant: CheckResult[] = required.length > 0 ? required.map((name) => byName.get(name.toLowerCase()) ?? { name, state: 'pending' }) : [...pr.checks];
  if (relevant.length === 0) return { state: 'pending', why: `no checks reported on ${sha} yet` };
  const pending = relevant.filter((c) => c.state === 'pending');
  if (pending.length > 0) return { state: 'pending', why: `${pending.length} of ${relevant.length} checks on ${sha} still running (${names(pending)})` };
  const failed = relevant.filter((c) => c.state === 'failure');
  if (failed.length > 0) return { state: 'failure', failed: failed.map((c) => c.name) };
  return { state: 'success' };
}

export type ReviewVerdict =
  | { readonly state: 'pending'; readonly why: string }
  | { readonly state: 'success' }
  | { readonly state: 'failure'; readonly reviewers: readonly string[] };

/** Reviews of the head commit: any changes request rejects; `approvals` approving reviews pass. */
export function reviewVerdict(pr: PullRequestSnapshot, approvals = 1): ReviewVerdict {
  const onHead = pr.reviews.filter((r) => r.onHead);
  const changes = onHead.filter((r) => r.state === 'changes_requested');
  if (changes.length > 0) return { state: 'failure', reviewers: changes.map((r) => r.reviewer) };
  const approved = onHead.filter((r) => r.state === 'approved').length;
  if (approved >= approvals) return { state: 'success' };
  return { state: 'pending', why: `${approved} of ${approvals} approving review${approvals === 1 ? '' : 's'} of ${pr.headSha.slice(0, 7)}` };
}

export type PullRequestVerdict =
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'approve' }
  | { readonly kind: 'reject'; readonly why: string; readonly checks: boolean; readonly review: boolean }
  | { readonly kind: 'closed'; readonly why: string }
  | { readonly kind: 'merged' };

/**
 * What a PR wait does with this snapshot. `gate` null is the wait of a merge with no PR gate before
 * it: an open, non-draft pull request is enough. A review gate also needs green checks on the head
 * unless `require_checks: false`, so a head that moves re-runs the checks before anything merges.
 */
export function pullRequestVerdict(gate: GateView | null, pr: PullRequestSnapshot | null, branch: string): PullRequestVerdict {
  if (!pr) return { kind: 'wait', why: `no pull request from branch ${branch} yet` };
  if (pr.state === 'merged') return { kind: 'merged' };
  if (pr.state === 'closed') return { kind: 'closed', why: `pull request #${pr.ref.number} was closed without merging` };
  if (pr.draft) return { kind: 'wait', why: `pull request #${pr.ref.number} is a draft` };
  if (!gate) return { kind: 'approve' };
  const wantChecks = gate.wait_for === 'checks' || gate.require_checks !== false;
  const checks: GateCheckVerdict = wantChecks ? checksVerdict(pr, gate.required_checks) : { state: 'success' };
  const review: ReviewVerdict = gate.wait_for === 'review' ? reviewVerdict(pr, gate.required_approvals) : { state: 'success' };
  if (checks.state === 'failure' || review.state === 'failure') {
    const why = [
      checks.state === 'failure' ? `checks failed on ${pr.headSha.slice(0, 7)}: ${checks.failed.join(', ')}` : null,
      review.state === 'failure' ? `changes requested by ${review.reviewers.join(', ')}` : null,
    ].filter(Boolean);
    return { kind: 'reject', why: why.join('; '), checks: checks.state === 'failure', review: review.state === 'failure' };
  }
  if (checks.state === 'pending') return { kind: 'wait', why: checks.why };
  if (review.state === 'pending') return { kind: 'wait', why: `waiting for ${review.why}` };
  return { kind: 'approve' };
}

/** What a PR wait's status line says while it waits. */
export function pullRequestLine(pr: PullRequestSnapshot): string {
  const failed = pr.checks.filter((c) => c.state === 'failure').length;
  const pending = pr.checks.filter((c) => c.state === 'pending').length;
  const passed = pr.checks.length - failed - pending;
  const head = pr.reviews.filter((r) => r.onHead);
  const approvals = head.filter((r) => r.state === 'approved').length;
  const changes = head.filter((r) => r.state === 'changes_requested').length;
  return `#${pr.ref.number} ${pr.state}${pr.draft ? ' (draft)' : ''} at ${pr.headSha.slice(0, 7)} · checks ${passed}✓ ${failed}✗ ${pending}… · reviews ${approvals} approving, ${changes} requesting changes`;
}

/**
 * A short, stable digest of a snapshot (FNV-1a over its JSON): a PR wait's poll answers
 * "unchanged" when the digest it was given still holds, so an idle wait records almost nothing.
 */
export function snapshotDigest(pr: PullRequestSnapshot | null): string {
  const text = JSON.stringify(pr);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${hash.toString(16).padStart(8, '0')}:${text.length}`;
}

/** The next poll interval of a PR wait: the base after a change, doubling while nothing changes. */
export function nextPollMs(repo: Pick<RepositoryView, 'pollIntervalMs' | 'pollMaxIntervalMs'>, previousMs: number | null, changed: boolean): number {
  if (changed || previousMs === null) return repo.pollIntervalMs;
  return Math.min(repo.pollMaxIntervalMs, Math.max(repo.pollIntervalMs, previousMs * 2));
}

function names(checks: readonly CheckResult[]): string {
  const shown = checks.slice(0, 5).map((c) => c.name);
  return checks.length > shown.length ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** `on_success.merge_pull_request`: how Baton merges once the stage is approved. */
export interface MergeAction {
  readonly method: 'merge' | 'squash' | 'rebase';
  readonly delete_branch: boolean;
}

/** How a merge ended, as the workflow records it. */
export type MergeOutcome =
  /** Merged now, or found merged already (`already`): either way, success. */
  | { readonly kind: 'merged'; readonly sha: string | null; readonly already: boolean; readonly branchDeleted: boolean }
  /** Branch protection or mergeability said no (GitHub's 405): the reason, in the host's words. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** The head moved since it was approved (GitHub's 409): the checks must run again. */
  | { readonly kind: 'head_moved'; readonly reason: string }
  /** Closed without merging: nothing to merge. */
  | { readonly kind: 'closed' };

/** What a stage's template sees as `pr` (null until a pull request exists). */
export interface PullRequestPromptVars {
  readonly number: number;
  readonly url: string;
  readonly head: string;
  readonly base: string | null;
  readonly state: string | null;
  readonly draft: boolean;
  readonly head_sha: string | null;
  readonly checks: { readonly state: 'none' | 'pending' | 'success' | 'failure'; readonly total: number; readonly passed: number; readonly failed: number; readonly pending: number };
  readonly review: { readonly state: 'none' | 'approved' | 'changes_requested'; readonly approvals: number; readonly changes_requested: number };
  /** The failed checks of the last rejection (Markdown), '' when none. */
  readonly failed_checks: string;
  /** The changes requested by the last rejection (Markdown), '' when none. */
  readonly review_comments: string;
}

export function pullRequestPromptVars(ctx: PullRequestContext): PullRequestPromptVars | null {
  const ref = ctx.snapshot?.ref ?? ctx.ref;
  if (!ref) return null;
  const s = ctx.snapshot;
  const checks = s?.checks ?? [];
  const count = (state: CheckState) => checks.filter((c) => c.state === state).length;
  const failed = count('failure');
  const pending = count('pending');
  const onHead = (s?.reviews ?? []).filter((r) => r.onHead);
  const approvals = onHead.filter((r) => r.state === 'approved').length;
  const changes = onHead.filter((r) => r.state === 'changes_requested').length;
  return {
    number: ref.number,
    url: ref.url,
    head: ref.head,
    base: s?.base ?? null,
    state: s?.state ?? null,
    draft: s?.draft ?? false,
    head_sha: s?.headSha ?? null,
    checks: { state: checks.length === 0 ? 'none' : failed > 0 ? 'failure' : pending > 0 ? 'pending' : 'success', total: checks.length, passed: count('success'), failed, pending },
    review: { state: changes > 0 ? 'changes_requested' : approvals > 0 ? 'approved' : 'none', approvals, changes_requested: changes },
    failed_checks: ctx.feedback?.failedChecks ?? '',
    review_comments: ctx.feedback?.reviewComments ?? '',
  };
}
