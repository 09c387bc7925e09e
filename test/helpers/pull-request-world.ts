/**
 * The scripted world of test/helpers/workflow-world.ts plus a code host: one pull request whose
 * head, checks and reviews the test changes (directly, or on the Nth poll of a PR wait), stub
 * pull-request activities that answer as the real ones do (digest-based "unchanged", idempotent
 * merge), and a log of every poll, feedback read and merge call.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BatonActivities } from '../../activities/index.js';
import type { ConfigView, MergeOutcome, MergePullRequestInput, PullRequestPollInput, StageRunInput, StageView } from '../../core/protocol.js';
import { snapshotDigest, type CheckResult, type PullRequestSnapshot, type RepositoryView, type ReviewResult } from '../../core/pull-request.js';
import { testView, WorkflowWorld } from './workflow-world.js';

export const REPOSITORY: RepositoryView = { kind: 'github', repo: 'acme/app', base: 'main', branchPrefix: 'baton/', useTrackerBranch: false, pollIntervalMs: 30_000, pollMaxIntervalMs: 900_000 };

export function prView(stages: StageView[], patch: Partial<ConfigView> = {}): ConfigView {
  const view = testView(stages, patch);
  return { ...view, trackers: view.trackers.map((t) => ({ ...t, repository: REPOSITORY })) };
}

export class PullRequestWorld extends WorkflowWorld {
  pr: PullRequestSnapshot | null = null;
  private heads = 0;
  readonly polls: PullRequestPollInput[] = [];
  readonly merges: MergePullRequestInput[] = [];
  feedbackReads = 0;
  /** Answers of the next merge calls (default: merged when open, `closed` when closed). */
  readonly mergeAnswers: MergeOutcome[] = [];
  /** Called before each poll answers, with the 1-based poll count: change the PR here. */
  onPoll: ((count: number) => void) | null = null;
  /** Called when a stage run starts: an implement run pushes a new head, say. */
  onRun: ((input: StageRunInput) => void) | null = null;

  constructor(env: TestWorkflowEnvironment, identifier: string, state = 'In Progress') {
    super(env, identifier, state);
  }

  /** Open the PR (or push a new head to it): checks and reviews start empty on the new head. */
  push(): PullRequestSnapshot {
    this.heads += 1;
    const head = `${String(this.heads).repeat(7)}${'0'.repeat(33)}`.slice(0, 40);
    const ref = { repo: 'acme/app', number: 7, url: 'https://github.com/acme/app/pull/7', head: `baton/${this.issue.identifier}` };
    this.pr = { ref, state: 'open', draft: false, base: 'main', headSha: head, mergeable: true, mergeableState: 'clean', checks: [], reviews: (this.pr?.reviews ?? []).map((r) => ({ ...r, onHead: false })) };
    return this.pr;
  }

  checks(...checks: CheckResult[]): void {
    this.pr = { ...this.pr!, checks };
  }

  review(...reviews: ReviewResult[]): void {
    this.pr = { ...this.pr!, reviews };
  }

  override activities(): Partial<BatonActivities> {
    const base = super.activities();
    return {
      ...base,
      runStage: async (input) => {
        this.onRun?.(input);
        return base.runStage!(input);
      },
      pullRequestStatus: async (input) => {
        this.polls.push(input);
        this.onPoll?.(this.polls.length);
        const digest = snapshotDigest(this.pr);
        return digest === input.known ? { changed: false } : { changed: true, digest, snapshot: this.pr };
      },
      pullRequestFeedback: async ({ snapshot }) => {
        this.feedbackReads += 1;
        const failed = snapshot.checks.filter((c) => c.state === 'failure').map((c) => `### ${c.name} — failure\nlog tail of ${c.name}`);
        const changes = snapshot.reviews.filter((r) => r.onHead && r.state === 'changes_requested').map((r) => `### @${r.reviewer} requested changes\nplease rename x`);
        return { headSha: snapshot.headSha, failedChecks: failed.join('\n\n'), reviewComments: changes.join('\n\n') };
      },
      mergePullRequest: async (input) => {
        this.merges.push(input);
        const pr = this.pr!;
        if (pr.state === 'merged') return { kind: 'merged', sha: 'm', already: true, branchDeleted: true };
        const scripted = this.mergeAnswers.shift();
        if (scripted) {
          if (scripted.kind === 'merged') this.pr = { ...pr, state: 'merged' };
          return scripted;
        }
        if (pr.state === 'closed') return { kind: 'closed' };
        if (input.sha && input.sha !== pr.headSha) return { kind: 'head_moved', reason: 'Head branch was modified' };
        this.pr = { ...pr, state: 'merged' };
        return { kind: 'merged', sha: 'merge-sha', already: false, branchDeleted: input.action.delete_branch };
      },
    };
  }
}
