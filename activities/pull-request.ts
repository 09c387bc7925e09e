/**
 * The issue workflow's pull-request calls, run as local activities (the code host needs no
 * particular host): a PR wait's poll, which answers "unchanged" when the snapshot's digest still
 * holds so an idle wait records almost nothing; the feedback of a rejection; and the merge, which
 * is idempotent — a pull request found merged is a success — so a retry after a crash between the
 * merge call and its record merges nothing twice.
 *
 * State it owns: one code host adapter per repository config in this process (its ETag cache is
 * what makes unchanged polls free).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { snapshotDigest, type PullRequestFeedback, type PullRequestRef } from '../core/pull-request.js';
import type { MergeOutcome, MergePullRequestInput, PullRequestFeedbackInput, PullRequestPoll, PullRequestPollInput } from '../core/protocol.js';
import type { RepositoryConfig } from '../config/schema.js';
import { createCodeHost } from '../adapters/code-hosts/index.js';
import type { CodeHostAdapter } from '../adapters/code-hosts/types.js';
import type { IssueKey } from '../core/issue.js';
import { asFailure } from './issue.js';
import type { BatonRuntime } from './runtime.js';

const hosts = new WeakMap<BatonRuntime, Map<string, { key: string; host: Promise<CodeHostAdapter> }>>();

/** The code host of a tracker's issues (its repository), or null when it has none. Rebuilt when its config changes. */
export async function codeHostOf(rt: BatonRuntime, tracker: string): Promise<{ host: CodeHostAdapter; repository: RepositoryConfig } | null> {
  const { config } = rt.config();
  const repository = rt.trackerConfig(config, tracker).repository;
  if (!repository) return null;
  let cache = hosts.get(rt);
  if (!cache) hosts.set(rt, (cache = new Map()));
  const key = createHash('sha256').update(JSON.stringify(repository)).digest('hex');
  let entry = cache.get(tracker);
  if (!entry || entry.key !== key) {
    entry = { key, host: createCodeHost(repository, { logger: rt.logger.child({ repository: repository.repo }) }) };
    entry.host.catch(() => cache.delete(tracker));
    cache.set(tracker, entry);
  }
  return { host: await entry.host, repository };
}

/**
 * Link the pull request from the tracker issue (Linear attachment, Jira remote link, a front-matter
 * line), idempotently. Best effort: a tracker that cannot link, or fails to, never holds the PR up
 * — its body names the issue anyway.
 */
export async function linkFromIssue(rt: BatonRuntime, tracker: string, issue: IssueKey, ref: PullRequestRef): Promise<void> {
  const title = `${ref.repo}#${ref.number}`;
  try {
    const adapter = await rt.tracker(tracker);
    if (!adapter.linkPullRequest) return;
    await adapter.linkPullRequest(issue, { url: ref.url, title });
    rt.logger.info({ event: 'pull_request_linked', issue_identifier: issue.identifier, pr: title, url: ref.url }, `${issue.identifier} links ${title}`);
  } catch (err) {
    rt.logger.warn({ event: 'pull_request_link_failed', issue_identifier: issue.identifier, pr: title, err: err instanceof Error ? err.message : String(err) }, `${issue.identifier}: could not link ${title} from the tracker issue; the pull request's body still names the issue`);
  }
}

async function requireHost(rt: BatonRuntime, tracker: string): Promise<CodeHostAdapter> {
  const found = await codeHostOf(rt, tracker);
  if (!found) throw ApplicationFailure.nonRetryable(`tracker \`${tracker}\` has no repository; add \`repository:\` to the config, or remove the PR gate or merge`, 'invalid_config');
  return found.host;
}

export function createPullRequestActivities(rt: BatonRuntime) {
  return {
    /** The issue's pull request now; only a digest-different snapshot travels back. */
    async pullRequestStatus(input: PullRequestPollInput): Promise<PullRequestPoll> {
      try {
        const host = await requireHost(rt, input.tracker);
        let ref = input.ref ?? (await host.findPullRequest(input.branch));
        let snapshot = ref ? await host.pullRequest(ref) : null;
        if (snapshot?.state === 'closed' && ref) {
          // Closed without merging: a newer pull request from the same branch replaces it.
          const latest = await host.findPullRequest(input.branch);
          if (latest && latest.number !== ref.number) {
            ref = latest;
            snapshot = await host.pullRequest(latest);
          }
        }
        // A pull request the workflow has not recorded yet (found by branch, or a newer one after
        // a close): link it from the tracker issue before the workflow learns of it.
        if (snapshot && input.issue && snapshot.ref.number !== input.ref?.number) await linkFromIssue(rt, input.tracker, input.issue, snapshot.ref);
        const digest = snapshotDigest(snapshot);
        return digest === input.known ? { changed: false } : { changed: true, digest, snapshot };
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** What failed on the head of a rejected pull request, for the rework prompt. */
    async pullRequestFeedback(input: PullRequestFeedbackInput): Promise<PullRequestFeedback> {
      try {
        return await (await requireHost(rt, input.tracker)).feedback(input.snapshot);
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** Merge (idempotently) and delete the branch when asked; refusals come back as data. */
    async mergePullRequest(input: MergePullRequestInput): Promise<MergeOutcome> {
      try {
        const host = await requireHost(rt, input.tracker);
        const outcome = await host.merge(input.ref, { method: input.action.method, sha: input.sha, deleteBranch: input.action.delete_branch });
        rt.logger.info({ event: 'pull_request_merge', pr: `${input.ref.repo}#${input.ref.number}`, outcome: outcome.kind, ...(outcome.kind === 'merged' ? { already: outcome.already, sha: outcome.sha } : {}) }, `merge of #${input.ref.number}: ${outcome.kind}`);
        return outcome;
      } catch (err) {
        throw asFailure(err);
      }
    },
  };
}
