/**
 * The one interface every code host adapter implements: where an issue's pull request lives, apart
 * from the issue tracker (a Linear, Jira or file issue can have a GitHub pull request). Adapters
 * own every provider detail — transport, conditional reads, how checks and reviews are spelled —
 * and return the plain shapes of core/pull-request.ts. Errors are BatonErrors with a code_host_*
 * category; a merge's expected refusals come back as data (`MergeOutcome`), not as errors.
 */
import type { MergeOutcome, PullRequestFeedback, PullRequestRef, PullRequestSnapshot } from '../../core/pull-request.js';
import type { RepositoryConfig } from '../../config/schema.js';
import type { Logger } from '../../base/logger.js';

export interface OpenPullRequestInput {
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly draft: boolean;
}

export type { MergeOutcome };

export interface MergeRequest {
  readonly method: 'merge' | 'squash' | 'rebase';
  /** The head commit the gate approved; a moved head refuses instead of merging unseen work. */
  readonly sha: string | null;
  readonly deleteBranch: boolean;
}

export interface CodeHostAdapter {
  readonly kind: string;
  /** `owner/name`. */
  readonly repo: string;
  /** The pull request from `head`: the open one, else the newest; null when there is none. */
  findPullRequest(head: string): Promise<PullRequestRef | null>;
  /** State, head, checks and reviews of the pull request, in as few (conditional) reads as the host allows. */
  pullRequest(ref: PullRequestRef): Promise<PullRequestSnapshot>;
  /** What failed on the snapshot's head: failed checks with summaries and log tails, changes requests with their comments. */
  feedback(snapshot: PullRequestSnapshot): Promise<PullRequestFeedback>;
  /** Open a pull request from `head`, or return the open one (`created: false`). */
  openPullRequest(input: OpenPullRequestInput): Promise<{ ref: PullRequestRef; created: boolean }>;
  /** Merge, idempotently: a pull request found merged is a success and is never merged again. */
  merge(ref: PullRequestRef, request: MergeRequest): Promise<MergeOutcome>;
  /** Answer a review: in an inline comment's thread, or on the pull request's conversation. */
  reply(ref: PullRequestRef, body: string, commentId: number | null): Promise<{ url: string }>;
  /** Credentials for a host-side `git push` of the work branch (never given to agents). */
  pushCredentials(): { username: string; password: string } | null;
  /** Environment variable names that hold its secrets; stripped from agent processes. */
  secretEnvNames(): string[];
  close?(): Promise<void>;
}

export interface CodeHostContext {
  logger: Logger;
}

export type CodeHostFactory = (config: RepositoryConfig, ctx: CodeHostContext) => CodeHostAdapter;
