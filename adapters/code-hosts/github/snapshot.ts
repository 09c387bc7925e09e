/**
 * GitHub's REST answers about a pull request → the snapshot a PR wait decides on. Pure: the zod
 * schemas name the few fields Baton reads (anything else GitHub sends is ignored), and the rules —
 * the newest run of each check, the newest deciding review of each reviewer, which conclusions
 * count as green — are table-tested in test/adapters/code-host-github.test.ts.
 */
import { z } from 'zod';
import { MAX_CHECKS, type CheckResult, type CheckState, type PullRequestRef, type PullRequestSnapshot, type ReviewResult } from '../../../core/pull-request.js';

export const PullJson = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  draft: z.boolean().optional(),
  merged: z.boolean().nullish(),
  merged_at: z.string().nullable(),
  merge_commit_sha: z.string().nullable(),
  mergeable: z.boolean().nullish(),
  mergeable_state: z.string().optional(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
});
export type PullJson = z.infer<typeof PullJson>;

export const CheckRunJson = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.string(),
  conclusion: z.string().nullable(),
  details_url: z.string().nullish(),
  output: z.object({ title: z.string().nullish(), summary: z.string().nullish(), text: z.string().nullish() }).nullish(),
  app: z.object({ slug: z.string().optional() }).nullish(),
});
export const CheckRunsJson = z.object({ total_count: z.number().int(), check_runs: z.array(CheckRunJson) });
export type CheckRunJson = z.infer<typeof CheckRunJson>;

export const CommitStatusJson = z.object({ context: z.string(), state: z.string(), description: z.string().nullish(), target_url: z.string().nullish() });
export const CombinedStatusJson = z.object({ statuses: z.array(CommitStatusJson) });
export type CommitStatusJson = z.infer<typeof CommitStatusJson>;

export const ReviewJson = z.object({
  id: z.number().int(),
  user: z.object({ login: z.string() }).nullable(),
  state: z.string(),
  body: z.string().nullish(),
  commit_id: z.string().nullable(),
});
export const ReviewsJson = z.array(ReviewJson);
export type ReviewJson = z.infer<typeof ReviewJson>;

export const ReviewCommentJson = z.object({ id: z.number().int(), path: z.string(), line: z.number().int().nullish(), position: z.number().int().nullish(), body: z.string() });
export const ReviewCommentsJson = z.array(ReviewCommentJson);

/** Conclusions that do not block (GitHub's own "passing" set for required checks). */
const GREEN_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);

export function checkRunState(run: Pick<CheckRunJson, 'status' | 'conclusion'>): CheckState {
  if (run.status !== 'completed') return 'pending';
  return GREEN_CONCLUSIONS.has(run.conclusion ?? '') ? 'success' : 'failure';
}

export function commitStatusState(status: Pick<CommitStatusJson, 'state'>): CheckState {
  if (status.state === 'success') return 'success';
  return status.state === 'pending' ? 'pending' : 'failure';
}

/**
 * Check runs and commit statuses as one list, newest run per name (the list is newest-last for
 * statuses; check runs come `filter=latest` already), failures first, at most MAX_CHECKS.
 */
export function checkResults(runs: readonly CheckRunJson[], statuses: readonly CommitStatusJson[]): CheckResult[] {
  const byName = new Map<string, CheckResult>();
  for (const s of statuses) byName.set(s.context, { name: s.context, state: commitStatusState(s) });
  for (const r of runs) byName.set(r.name, { name: r.name, state: checkRunState(r) });
  const order: Record<CheckState, number> = { failure: 0, pending: 1, success: 2 };
  return [...byName.values()].sort((a, b) => order[a.state] - order[b.state] || a.name.localeCompare(b.name)).slice(0, MAX_CHECKS);
}

/** Each reviewer's newest deciding review (comments decide nothing, as in GitHub's reviewDecision). */
export function reviewResults(reviews: readonly ReviewJson[], headSha: string): ReviewResult[] {
  const byUser = new Map<string, ReviewResult>();
  for (const r of reviews) {
    const state = r.state === 'APPROVED' ? 'approved' : r.state === 'CHANGES_REQUESTED' ? 'changes_requested' : r.state === 'DISMISSED' ? 'dismissed' : null;
    if (!state) continue;
    const reviewer = r.user?.login ?? 'ghost';
    byUser.set(reviewer, { reviewer, state, onHead: r.commit_id === headSha });
  }
  return [...byUser.values()];
}

export function refOf(repo: string, pull: Pick<PullJson, 'number' | 'html_url' | 'head'>): PullRequestRef {
  return { repo, number: pull.number, url: pull.html_url, head: pull.head.ref };
}

export function toSnapshot(repo: string, pull: PullJson, runs: readonly CheckRunJson[], statuses: readonly CommitStatusJson[], reviews: readonly ReviewJson[]): PullRequestSnapshot {
  const merged = pull.merged === true || pull.merged_at !== null;
  return {
    ref: refOf(repo, pull),
    state: merged ? 'merged' : pull.state,
    draft: pull.draft === true,
    base: pull.base.ref,
    headSha: pull.head.sha,
    mergeable: pull.mergeable ?? null,
    mergeableState: pull.mergeable_state ?? null,
    checks: checkResults(runs, statuses),
    reviews: reviewResults(reviews, pull.head.sha),
  };
}
