/**
 * The issue workflow's pull-request waits: a `checks` or `review` gate, and the merge of
 * `on_success.merge_pull_request`. A workflow cannot watch a code host by itself, so a wait is a
 * loop of a durable timer and one local activity that reads the pull request (conditional reads:
 * an unchanged PR costs no rate limit, and the activity answers "unchanged" so the history gets a
 * tiny marker). The interval starts at `repository.poll_interval_ms` and doubles while nothing
 * changes, up to `poll_max_interval_ms`; a code host webhook (`baton.pullRequest` signal) wakes
 * the wait at once. A wait that outlives its history continues as new, parked at the gate or the
 * merge (core/stage-machine.ts `park`), so nothing runs again.
 *
 * The merge is recorded in the machine in the same workflow task as the merge call's result, and
 * the merge activity treats a PR found merged as success: a crash between the call and the record
 * merges nothing twice, and a recorded merge is never run, gated or merged again.
 *
 * State it owns: per workflow, the last snapshot, its digest, the poll interval and the wake flag
 * (rebuilt by the first poll after a continue-as-new). Sandbox-safe.
 */
import { condition, log, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { BatonActivities } from '../../activities/index.js';
import { pullRequestSignal, type GateView, type MergeOutcome, type StageView } from '../../core/protocol.js';
import type { IssueKey } from '../../core/issue.js';
import {
  branchFor,
  nextPollMs,
  pullRequestKeys,
  pullRequestVerdict,
  type MergeAction,
  type PullRequestContext,
  type PullRequestFeedback,
  type PullRequestRef,
  type PullRequestSnapshot,
  type RepositoryView,
} from '../../core/pull-request.js';
import { BatonPR } from '../../core/search-attributes.js';
import { cancelWaiting, gateAnswer, park, recordMerge, withPullRequest, type GateDecision } from '../../core/stage-machine.js';
import { StepSummary } from '../../core/status-text.js';
import { carryOver } from './carry-over.js';
import type { IssueContext } from './context.js';
import { enterGate, leaveGate, operatorOrTracker } from './gate.js';
import { report } from './slots.js';
import { failureMessage } from './stage-run.js';

/**
 * Code host reads: retried briefly, then the wait just looks again at its next interval (a code
 * host outage delays a gate; it never fails the issue). The merge is idempotent, so the same
 * policy is safe for it: a retry of a merge that went through finds the PR merged.
 */
const codeHost = proxyLocalActivities<BatonActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '20 seconds', maximumAttempts: 3 },
});

interface PullRequestWait {
  snapshot: PullRequestSnapshot | null;
  digest: string | null;
  pollMs: number | null;
  wake: boolean;
  searchKeys: string;
}

const waits = new WeakMap<IssueContext, PullRequestWait>();

function waitOf(ctx: IssueContext): PullRequestWait {
  let w = waits.get(ctx);
  if (!w) waits.set(ctx, (w = { snapshot: null, digest: null, pollMs: null, wake: false, searchKeys: '' }));
  return w;
}

/** The `baton.pullRequest` signal: a PR the agent's tool opened, or a webhook's wake-up. */
export function installPullRequestHandlers(ctx: IssueContext): void {
  setHandler(pullRequestSignal, (news) => {
    if (news.ref) recordPullRequest(ctx, news.ref);
    waitOf(ctx).wake = true;
  });
}

export function repositoryOf(ctx: IssueContext): RepositoryView | undefined {
  return ctx.view.trackers.find((t) => t.name === ctx.input.tracker)?.repository;
}

/** What a stage run renders as `pr`; undefined without a repository. */
export function pullRequestContext(ctx: IssueContext): PullRequestContext | undefined {
  if (!repositoryOf(ctx)) return undefined;
  return { ref: ctx.machine.pr?.ref ?? null, snapshot: ctx.status.pr?.snapshot ?? null, feedback: ctx.machine.pr?.feedback ?? null };
}

/** Remember the issue's pull request: machine, status, the BatonPR search attribute, a history line. */
export function recordPullRequest(ctx: IssueContext, ref: PullRequestRef): void {
  const before = ctx.machine;
  ctx.machine = withPullRequest(ctx.machine, ref);
  if (ctx.machine === before && ctx.status.pr) return;
  const same = ctx.status.pr?.ref.number === ref.number;
  ctx.status.pr = { ref, snapshot: same ? (ctx.status.pr?.snapshot ?? null) : null, merged: ctx.machine.pr?.merged ?? null };
  setSearchKeys(ctx, pullRequestKeys(ref.repo, ref));
  if (!same) {
    const now = new Date().toISOString();
    ctx.record({ stage: ctx.status.stage ?? 'none', attempt: ctx.status.attempt, outcome: 'pr_opened', startedAt: now, endedAt: now, note: `${ref.repo}#${ref.number} ${ref.url}` });
    ctx.event('pull_request_recorded', { pr: `${ref.repo}#${ref.number}`, url: ref.url });
  }
  ctx.setStatus(ctx.status.status);
}

/** What the tracker needs to link a pull request from the issue. */
function issueKey(ctx: IssueContext): IssueKey {
  const { id, identifier, native_ref } = ctx.input.issue;
  return { id, identifier, native_ref };
}

/** BatonPR: how a webhook finds this workflow (by PR and by branch); upserted only on change. */
function setSearchKeys(ctx: IssueContext, keys: string[]): void {
  const w = waitOf(ctx);
  const joined = keys.join(' ');
  if (joined === w.searchKeys) return;
  w.searchKeys = joined;
  upsertSearchAttributes([{ key: BatonPR, value: keys }]);
}

// ---------------------------------------------------------------- the gate

export async function waitAtPullRequestGate(ctx: IssueContext, stage: StageView, gate: GateView): Promise<GateDecision> {
  ctx.machine = park(ctx.machine, stage.name, 'gate');
  const answer = gateAnswer(gate, ctx.identifier);
  const repo = repositoryOf(ctx);
  if (!repo) return operatorOnly(ctx, stage, gate, answer);
  const branch = branchFor(repo, ctx.snapshot ?? ctx.input.issue);
  const merge = stage.on_success.merge_pull_request;
  await enterGate(ctx, stage, gate.wait_for, answer, `waiting at the ${stage.name} gate: looking at the pull request from ${branch}`);
  const decided = () => ctx.hasOperator('approve', 'reject', 'cancel') || ctx.routedAwayFrom(stage.name);
  for (;;) {
    if (workflowInfo().continueAsNewSuggested) await carryOver(ctx);
    const changed = await look(ctx, repo, branch);
    if (decided()) break;
    const w = waitOf(ctx);
    const verdict = pullRequestVerdict(gate, w.snapshot, branch);
    let why: string;
    let again = false;
    if ((verdict.kind === 'approve' || verdict.kind === 'merged') && w.snapshot) {
      if (!merge) return leaveGate(ctx, { kind: 'approve' }, 'code host');
      const outcome = await mergeOnce(ctx, stage, merge, w.snapshot.ref, w.snapshot.headSha);
      if (outcome.kind === 'merged') return leaveGate(ctx, { kind: 'approve' }, 'code host');
      if (outcome.kind === 'closed') return leaveGate(ctx, { kind: 'closed', reason: `pull request #${w.snapshot.ref.number} was closed without merging` }, 'code host');
      again = outcome.kind === 'head_moved';
      why = outcome.kind === 'head_moved' ? `the head moved (${outcome.reason}); its checks and reviews count again` : `${outcome.reason}; Baton merges as soon as the code host allows it`;
    } else if (verdict.kind === 'reject' && w.snapshot) {
      return leaveGate(ctx, { kind: 'reject', reason: verdict.why, feedback: await feedbackOf(ctx, w.snapshot, verdict.why) }, 'code host');
    } else if (verdict.kind === 'closed') {
      return leaveGate(ctx, { kind: 'closed', reason: verdict.why }, 'code host');
    } else {
      why = verdict.kind === 'wait' ? verdict.why : 'reading the pull request';
    }
    if (await pauseForNews(ctx, stage, repo, `waiting at the ${stage.name} gate: ${why}`, changed, again, decided)) break;
  }
  const { decision, by } = operatorOrTracker(ctx, false, false);
  return leaveGate(ctx, decision, by);
}

/** A PR gate whose tracker lost its repository (a config edit): only an operator can answer it. */
async function operatorOnly(ctx: IssueContext, stage: StageView, gate: GateView, answer: string): Promise<GateDecision> {
  await enterGate(ctx, stage, gate.wait_for, answer, `waiting at the ${stage.name} gate: tracker ${ctx.input.tracker} has no repository any more; answer with \`baton approve|reject ${ctx.identifier}\``);
  await condition(() => ctx.hasOperator('approve', 'reject', 'cancel') || ctx.routedAwayFrom(stage.name) || !!repositoryOf(ctx));
  if (!ctx.hasOperator('approve', 'reject', 'cancel') && !ctx.routedAwayFrom(stage.name)) return waitAtPullRequestGate(ctx, stage, gate);
  const { decision, by } = operatorOrTracker(ctx, false, false);
  return leaveGate(ctx, decision, by);
}

// ---------------------------------------------------------------- the merge

/**
 * Before a stage's tracker writes: merge its pull request unless the machine recorded the merge.
 * True once merged. False leaves the machine to the loop: held (closed PR, operator cancel) or
 * routed away.
 */
export async function mergeBeforeWrites(ctx: IssueContext, stage: StageView, action: MergeAction): Promise<boolean> {
  if (ctx.machine.pr?.merged?.stage === stage.name) return true;
  ctx.machine = park(ctx.machine, stage.name, 'merge');
  const repo = repositoryOf(ctx);
  if (!repo) return hold(ctx, stage, `tracker ${ctx.input.tracker} has no repository to merge in; add one, then \`baton retry ${ctx.identifier}\``);
  const branch = branchFor(repo, ctx.snapshot ?? ctx.input.issue);
  await enterGate(ctx, stage, 'merge', `Baton merges when the code host allows it (\`baton cancel ${ctx.identifier}\` stops it)`, `merging the pull request from ${branch}`);
  const stop = () => ctx.hasOperator('cancel', 'reject') || ctx.routedAwayFrom(stage.name);
  for (;;) {
    if (workflowInfo().continueAsNewSuggested) await carryOver(ctx);
    const changed = await look(ctx, repo, branch);
    if (stop()) break;
    const snapshot = waitOf(ctx).snapshot;
    const verdict = pullRequestVerdict(null, snapshot, branch);
    let why: string = verdict.kind === 'wait' ? verdict.why : 'reading the pull request';
    if (verdict.kind === 'closed') return hold(ctx, stage, `${verdict.why}; nothing to merge — reopen it and \`baton retry ${ctx.identifier}\`, or move the issue`);
    if ((verdict.kind === 'approve' || verdict.kind === 'merged') && snapshot) {
      const outcome = await mergeOnce(ctx, stage, action, snapshot.ref, null);
      if (outcome.kind === 'merged') {
        leaveGate(ctx, { kind: 'approve' }, 'code host');
        return true;
      }
      if (outcome.kind === 'closed') return hold(ctx, stage, `pull request #${snapshot.ref.number} was closed without merging; reopen it and \`baton retry ${ctx.identifier}\`, or move the issue`);
      why = `${outcome.kind === 'refused' ? outcome.reason : `the head moved (${outcome.reason})`}; Baton merges as soon as the code host allows it`;
    }
    // An operator's approve means "try now"; it is taken, not kept for a later gate.
    if (ctx.takeOperator('approve')) continue;
    if (await pauseForNews(ctx, stage, repo, `merging: ${why}`, changed, false, () => stop() || ctx.hasOperator('approve'))) break;
  }
  const op = ctx.takeOperator('cancel', 'reject');
  ctx.status.gate = null;
  ctx.status.reason = null;
  if (op) ctx.machine = cancelWaiting(ctx.machine, stage.name, ctx.identifier, op.reason ?? (op.kind === 'reject' ? 'merge rejected' : undefined));
  return false;
}

function hold(ctx: IssueContext, stage: StageView, reason: string): false {
  ctx.status.gate = null;
  ctx.machine = { ...ctx.machine, parked: null, hold: { stage: stage.name, kind: 'stopped', reason } };
  return false;
}

/** Merge once; a merge (now or found done) is recorded in the machine in this same workflow task. */
async function mergeOnce(ctx: IssueContext, stage: StageView, action: MergeAction, ref: PullRequestRef, sha: string | null): Promise<MergeOutcome> {
  let outcome: MergeOutcome;
  try {
    outcome = await codeHost.mergePullRequest.executeWithOptions({ summary: StepSummary.merge(`${ref.repo}#${ref.number}`) }, [{ tracker: ctx.input.tracker, ref, sha, action }]);
  } catch (err) {
    return { kind: 'refused', reason: `the merge call failed: ${failureMessage(err)}` };
  }
  if (outcome.kind !== 'merged') {
    ctx.event('merge_refused', { outcome: outcome.kind, pr: `${ref.repo}#${ref.number}`, ...(outcome.kind === 'closed' ? {} : { reason: outcome.reason }) });
    return outcome;
  }
  const at = new Date().toISOString();
  ctx.machine = recordMerge(ctx.machine, { stage: stage.name, number: ref.number, sha: outcome.sha, at });
  ctx.status.pr = { ref, snapshot: ctx.status.pr?.snapshot ?? null, merged: ctx.machine.pr?.merged ?? null };
  const deleted = action.delete_branch ? (outcome.branchDeleted ? ', branch deleted' : ', branch not deleted') : '';
  ctx.record({ stage: stage.name, attempt: 1, outcome: 'merged', startedAt: at, endedAt: at, note: `${ref.repo}#${ref.number} (${action.method})${outcome.already ? ', found merged' : ''}${outcome.sha ? ` as ${outcome.sha.slice(0, 7)}` : ''}${deleted}` });
  ctx.event('pull_request_merged', { pr: `${ref.repo}#${ref.number}`, already: outcome.already, sha: outcome.sha, method: action.method });
  return outcome;
}

// ---------------------------------------------------------------- looking and waiting

/** Read the pull request (a marker-sized answer when unchanged); whether it changed. */
async function look(ctx: IssueContext, repo: RepositoryView, branch: string): Promise<boolean> {
  const w = waitOf(ctx);
  if (!ctx.machine.pr?.ref) setSearchKeys(ctx, pullRequestKeys(repo.repo, { head: branch }));
  try {
    const poll = await codeHost.pullRequestStatus.executeWithOptions({ summary: StepSummary.pullRequestRead() }, [{ tracker: ctx.input.tracker, branch, ref: ctx.machine.pr?.ref ?? null, known: w.digest, issue: issueKey(ctx) }]);
    if (!poll.changed) return false;
    w.digest = poll.digest;
    w.snapshot = poll.snapshot;
    if (poll.snapshot) {
      recordPullRequest(ctx, poll.snapshot.ref);
      ctx.status.pr = { ref: poll.snapshot.ref, snapshot: poll.snapshot, merged: ctx.machine.pr?.merged ?? null };
    }
    return true;
  } catch (err) {
    ctx.status.lastError = `reading the pull request failed: ${failureMessage(err)}`;
    return false;
  }
}

/**
 * Show why the issue waits (telling the orchestrator when the words change), then wait for the
 * next look: the poll interval, a webhook's wake-up, or `stop`. True when `stop` ended it.
 */
async function pauseForNews(ctx: IssueContext, stage: StageView, repo: RepositoryView, reason: string, changed: boolean, now: boolean, stop: () => boolean): Promise<boolean> {
  const w = waitOf(ctx);
  if (ctx.status.reason !== reason) {
    ctx.status.reason = reason;
    ctx.setStatus('gated', stage.name);
    await report(ctx);
  }
  w.pollMs = now ? repo.pollIntervalMs : nextPollMs(repo, w.pollMs, changed);
  if (!now) await condition(() => stop() || w.wake, w.pollMs, { summary: StepSummary.pullRequestPoll(stage.name, w.pollMs) });
  if (w.wake) w.pollMs = null;
  w.wake = false;
  return stop();
}

/** The feedback of a rejection; when the code host cannot say more, the verdict's own words. */
async function feedbackOf(ctx: IssueContext, snapshot: PullRequestSnapshot, why: string): Promise<PullRequestFeedback> {
  try {
    return await codeHost.pullRequestFeedback.executeWithOptions({ summary: StepSummary.pullRequestFeedback() }, [{ tracker: ctx.input.tracker, snapshot }]);
  } catch (err) {
    log.warn('pull request feedback not readable', { error: failureMessage(err) });
    return { headSha: snapshot.headSha, failedChecks: why, reviewComments: '' };
  }
}
