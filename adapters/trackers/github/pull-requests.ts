/**
 * Pull-request status for the review and merge stages: the PRs that close the issue (GitHub's
 * Development links and `Fixes #n`) plus those whose head branch is the issue's branch, with their
 * review decision and combined check state. One GraphQL request.
 */
import type { GithubClient } from '../../github/client.js';
import { PULL_REQUESTS_QUERY } from './queries.js';

export interface PullRequestStatus {
  number: number;
  title: string;
  url: string;
  /** `OPEN`, `CLOSED` or `MERGED`. */
  state: string;
  draft: boolean;
  head: string;
  base: string;
  /** `APPROVED`, `CHANGES_REQUESTED`, `REVIEW_REQUIRED`, or null when no review is required. */
  review_decision: string | null;
  /** Combined status of the head commit: `SUCCESS`, `FAILURE`, `PENDING`, `ERROR`, `EXPECTED`, or null without checks. */
  checks: string | null;
  /** `MERGEABLE`, `CONFLICTING` or `UNKNOWN`. */
  mergeable: string | null;
  /** Why it is listed: it closes the issue, its head is the branch, or both. */
  linked_by: Array<'closes_issue' | 'branch'>;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

function nodes(connection: unknown): Json[] {
  const list = obj(connection)?.nodes;
  return Array.isArray(list) ? list.map(obj).filter((n): n is Json => n !== null) : [];
}

function toStatus(node: Json, why: 'closes_issue' | 'branch'): PullRequestStatus | null {
  if (typeof node.number !== 'number') return null;
  const commit = obj(nodes(node.commits)[0]?.commit);
  const rollup = obj(commit?.statusCheckRollup);
  return {
    number: node.number,
    title: String(node.title ?? ''),
    url: String(node.url ?? ''),
    state: String(node.state ?? ''),
    draft: node.isDraft === true,
    head: String(node.headRefName ?? ''),
    base: String(node.baseRefName ?? ''),
    review_decision: typeof node.reviewDecision === 'string' ? node.reviewDecision : null,
    checks: typeof rollup?.state === 'string' ? rollup.state : null,
    mergeable: typeof node.mergeable === 'string' ? node.mergeable : null,
    linked_by: [why],
  };
}

/** Open PRs first, then by number; a PR linked both ways appears once. */
export async function pullRequestStatus(
  client: GithubClient,
  ref: { owner: string; repo: string; number: number },
  branch: string | null,
): Promise<PullRequestStatus[]> {
  const data = await client.graphql<Json>(
    PULL_REQUESTS_QUERY,
    { owner: ref.owner, name: ref.repo, number: ref.number, branch: branch ?? '', byBranch: Boolean(branch) },
    `read pull requests of ${ref.owner}/${ref.repo}#${ref.number}`,
    true,
  );
  const repo = obj(data.repository);
  const byNumber = new Map<number, PullRequestStatus>();
  const add = (node: Json, why: 'closes_issue' | 'branch') => {
    const status = toStatus(node, why);
    if (!status) return;
    const known = byNumber.get(status.number);
    if (known) {
      if (!known.linked_by.includes(why)) known.linked_by.push(why);
    } else byNumber.set(status.number, status);
  };
  for (const node of nodes(obj(repo?.issue)?.closedByPullRequestsReferences)) add(node, 'closes_issue');
  for (const node of nodes(repo?.pullRequests)) add(node, 'branch');
  return [...byNumber.values()].sort((a, b) => Number(b.state === 'OPEN') - Number(a.state === 'OPEN') || a.number - b.number);
}
