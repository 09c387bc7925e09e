/**
 * PR gates and the merge in the issue workflow, on the time-skipping server with a scripted code
 * host (test/helpers/pull-request-world.ts): failed checks and changes requests are rejections
 * whose feedback reaches the rework run, approval merges once, a refused merge keeps the issue
 * gated with the code host's words, a moved head re-runs the checks, a closed PR routes or stops,
 * a recorded merge never runs again, a day-long wait stays small in history, and a webhook's
 * signal wakes a wait at once. The real code host and real processes are in test/pipeline/.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveUpdate, pullRequestSignal, type IssueStatus } from '../../core/protocol.js';
import { initialMachine } from '../../core/stage-machine.js';
import { stageView, testView, timeSkippingEnv, untilStatus, withWorker, WorkflowWorld } from '../helpers/workflow-world.js';
import { prView, PullRequestWorld } from '../helpers/pull-request-world.js';

const implement = stageView('implement', 'In Progress', 'In Review', { gate: { wait_for: 'checks', on_reject: 'implement', max_rework: 2 } });
const review = stageView('review', 'In Review', 'Done', {
  backend: 'none',
  on_success: { move_to: 'Done', add_labels: [], remove_labels: [], merge_pull_request: { method: 'squash', delete_branch: true } },
  gate: { wait_for: 'review', on_reject: 'implement', on_closed: 'implement', max_rework: 2 },
});
const stages = [implement, review];

// A fresh time-skipping server per test: a workflow a test leaves behind (held, or with a task
// its stopped worker never finished) can keep the server from skipping time, and a later test's
// `sleep` or `result()` would then wait in real time.
let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await timeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

const until = (world: PullRequestWorld, what: string, check: (s: IssueStatus) => boolean) => untilStatus(world, what, check);

const outcomes = (s: IssueStatus) => s.history.map((h) => `${h.stage}:${h.outcome}`);

/** CI that runs once per head: pending on the first look, then the next planned result. */
function ciAndReviews(world: PullRequestWorld, ci: Array<'success' | 'failure'>, reviews: Array<'approved' | 'changes_requested'>): void {
  world.onPoll = () => {
    const pr = world.pr;
    if (!pr || pr.state !== 'open') return;
    if (pr.checks.length === 0) return world.checks({ name: 'ci', state: 'pending' });
    if (pr.checks[0]!.state === 'pending') return world.checks({ name: 'ci', state: ci.shift() ?? 'success' });
    if (world.issue.state === 'In Review' && pr.checks[0]!.state === 'success' && !pr.reviews.some((r) => r.onHead)) {
      world.review({ reviewer: 'bob', state: reviews.shift() ?? 'approved', onHead: true });
    }
  };
}

describe('PR gates (time-skipping)', () => {
  it('checks fail → rework with the failure → checks pass → changes requested → rework with the comments → approval → one squash merge → Done', async () => {
    const world = new PullRequestWorld(env, 'PR-1');
    world.onRun = (input) => {
      if (input.stage === 'implement') world.push();
    };
    ciAndReviews(world, ['failure', 'success', 'success'], ['changes_requested', 'approved']);
    const result = await withWorker(world, async () => (await world.start(prView(stages))).result());

    expect(result.status).toBe('done');
    const implementRuns = world.runs.filter((r) => r.stage === 'implement');
    expect(implementRuns).toHaveLength(3);
    expect(implementRuns[0]!.pr).toEqual({ ref: null, snapshot: null, feedback: null });
    expect(implementRuns[1]!.pr?.feedback?.failedChecks).toBe('### ci — failure\nlog tail of ci');
    expect(implementRuns[2]!.pr?.feedback).toMatchObject({ failedChecks: '', reviewComments: '### @bob requested changes\nplease rename x' });
    expect(implementRuns[2]!.pr?.ref?.number).toBe(7);
    expect(world.merges).toHaveLength(1);
    expect(world.merges[0]).toMatchObject({ ref: { number: 7 }, sha: world.pr!.headSha, action: { method: 'squash', delete_branch: true } });
    expect(result.reworks).toEqual({ implement: 1, review: 1 });
    expect(outcomes(result).filter((o) => !o.endsWith(':succeeded'))).toEqual([
      'implement:pr_opened',
      'implement:rejected',
      'implement:approved',
      'review:rejected',
      'implement:approved',
      'review:merged',
      'review:approved',
    ]);
    expect(result.pr).toMatchObject({ ref: { number: 7 }, merged: { stage: 'review', number: 7 } });
    // The merge came before the tracker writes, and the writes moved the issue to Done.
    expect(world.writes.at(-1)?.writes.move_to).toBe('Done');
    expect(world.feedbackReads).toBe(2);
  });

  it('a merge refused by branch protection keeps the issue gated with the reason until the code host allows it', async () => {
    const world = new PullRequestWorld(env, 'PR-2', 'In Review');
    world.push();
    world.checks({ name: 'ci', state: 'success' });
    world.review({ reviewer: 'ann', state: 'approved', onHead: true });
    const refusal = 'GitHub refused the merge (405): At least 2 approving reviews are required by reviewers with write access.';
    world.mergeAnswers.push({ kind: 'refused', reason: refusal });
    await withWorker(world, async () => {
      const handle = await world.start(prView(stages));
      const gated = await until(world, 'gated on the refusal', (s) => s.status === 'gated' && (s.reason ?? '').includes('At least 2'));
      expect(gated.reason).toBe(`waiting at the review gate: ${refusal}; Baton merges as soon as the code host allows it`);
      expect(gated.gate).toMatchObject({ stage: 'review', waitFor: 'review' });
      // Nothing changed yet: the next look, a poll interval later, merges.
      await env.sleep('1 minute');
      const done = await handle.result();
      expect(done.status).toBe('done');
    });
    expect(world.merges).toHaveLength(2);
  });

  it('a head that moved before the merge counts its checks and reviews again, then merges the new head', async () => {
    const world = new PullRequestWorld(env, 'PR-3', 'In Review');
    world.push();
    world.checks({ name: 'ci', state: 'success' });
    world.review({ reviewer: 'ann', state: 'approved', onHead: true });
    world.mergeAnswers.push({ kind: 'head_moved', reason: 'Head branch was modified. Review and try the merge again.' });
    const firstHead = world.pr!.headSha;
    let moved = false;
    world.onPoll = () => {
      if (world.merges.length === 1 && !moved) {
        moved = true;
        world.push();
      }
      ciAndReviewsStep(world);
    };
    const result = await withWorker(world, async () => (await world.start(prView(stages))).result());
    expect(result.status).toBe('done');
    expect(world.merges.map((m) => m.sha)).toEqual([firstHead, world.pr!.headSha]);
    expect(world.pr!.headSha).not.toBe(firstHead);
    // The new head's checks ran (pending, then green) before the second merge.
    const pendingSeen = world.polls.length;
    expect(pendingSeen).toBeGreaterThanOrEqual(4);
  });

  it('a pull request closed without merging routes to on_closed (a rework); at a gate without on_closed it stops for an operator', async () => {
    const world = new PullRequestWorld(env, 'PR-4', 'In Review');
    world.push();
    world.pr = { ...world.pr!, state: 'closed' };
    await withWorker(world, async () => {
      await world.start(prView(stages));
      await until(world, 'back at implement', () => world.runs.some((r) => r.stage === 'implement'));
    });
    expect(world.writes[0]?.writes.move_to).toBe('In Progress');
    expect(world.writes[0]?.note).toBe('pull request closed at review; back to implement (rework 1/2)');

    const world2 = new PullRequestWorld(env, 'PR-5');
    world2.onRun = () => {
      world2.push();
      world2.pr = { ...world2.pr!, state: 'closed' };
    };
    await withWorker(world2, async () => {
      await world2.start(prView(stages));
      const stopped = await until(world2, 'stopped', (s) => s.status === 'stopped');
      expect(stopped.reason).toMatch(/^pull request #7 was closed without merging; stopped for an operator/);
    });
  });

  it('an operator may approve a PR gate; the merge still happens, once', async () => {
    const world = new PullRequestWorld(env, 'PR-6', 'In Review');
    world.push();
    await withWorker(world, async () => {
      const handle = await world.start(prView(stages));
      await until(world, 'gated', (s) => s.status === 'gated' && s.gate?.waitFor === 'review');
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'ana' }] });
      const done = await handle.result();
      expect(done.status).toBe('done');
      expect(outcomes(done)).toEqual(['review:pr_opened', 'review:approved', 'review:merged']);
    });
    expect(world.merges).toEqual([expect.objectContaining({ sha: null })]);
  });

  it('a webhook signal wakes a long wait at once; a day of unchanged polling stays small in history', async () => {
    const world = new PullRequestWorld(env, 'PR-7');
    world.onRun = () => world.push();
    world.onPoll = () => {
      if (world.pr && world.pr.checks.length === 0) world.checks({ name: 'ci', state: 'pending' });
    };
    await withWorker(world, async () => {
      const handle = await world.start(prView(stages));
      await until(world, 'gated', (s) => s.status === 'gated' && world.polls.length >= 1);
      const before = world.polls.length;
      // The next look is 30 s away; the signal (what a check_run webhook sends) brings it now.
      await handle.signal(pullRequestSignal, {});
      await until(world, 'a poll after the wake-up', () => world.polls.length > before);

      const events = async () => (await handle.fetchHistory()).events?.length ?? 0;
      const start = await events();
      const polls = world.polls.length;
      await env.sleep('24 hours');
      await until(world, 'still gated', (s) => s.status === 'gated');
      const perDay = { events: (await events()) - start, polls: world.polls.length - polls };
      // 30 s doubling to 15 min: about 100 looks a day, each a timer and a marker-sized answer (6 events).
      expect(perDay.polls).toBeGreaterThan(90);
      expect(perDay.polls).toBeLessThan(110);
      expect(perDay.events).toBeLessThan(700);
      expect(world.runs).toHaveLength(1);
    });
  });

  it('resumes a wait parked at a gate without running the agent, and never merges or waits again after a recorded merge', async () => {
    const world = new PullRequestWorld(env, 'PR-8');
    world.push();
    world.checks({ name: 'ci', state: 'success' });
    const carried = await startedStatus(world);
    await withWorker(world, async () => {
      const handle = await world.start(prView(stages), {
        grantStage: null,
        carried: { status: carried, machine: { ...initialMachine, stage: 'implement', runs: 1, parked: { stage: 'implement', step: 'gate' } }, home: null, slotSeq: 1, slotOwed: false },
      });
      await until(world, 'moved on to review', () => world.issue.state === 'In Review');
      await handle.terminate('enough');
    });
    expect(world.runs).toEqual([]);

    const merged = new PullRequestWorld(env, 'PR-9', 'In Review');
    merged.push();
    const ref = merged.pr!.ref;
    const status9 = await startedStatus(merged);
    const result = await withWorker(merged, async () =>
      (
        await merged.start(prView(stages), {
          grantStage: null,
          carried: {
            status: status9,
            machine: { ...initialMachine, stage: 'review', pr: { ref, merged: { stage: 'review', number: 7, sha: 'abc', at: 't' }, feedback: null } },
            home: null,
            slotSeq: 1,
            slotOwed: false,
          },
        })
      ).result(),
    );
    expect(result.status).toBe('done');
    expect(merged.merges).toEqual([]);
    expect(merged.polls).toEqual([]);
    expect(merged.writes.map((w) => w.writes.move_to)).toEqual(['Done']);
  });
});

/** One step of CI and review for the head-moved test: checks run once per head, then ann approves. */
function ciAndReviewsStep(world: PullRequestWorld): void {
  const pr = world.pr;
  if (!pr || pr.state !== 'open') return;
  if (pr.checks.length === 0) return world.checks({ name: 'ci', state: 'pending' });
  if (pr.checks[0]!.state === 'pending') return world.checks({ name: 'ci', state: 'success' });
  if (!pr.reviews.some((r) => r.onHead)) world.review({ reviewer: 'ann', state: 'approved', onHead: true });
}

/** A status as continue-as-new carries it: a throwaway workflow's final status, renamed. */
async function startedStatus(world: PullRequestWorld): Promise<IssueStatus> {
  const seed = new WorkflowWorld(env, `${world.issue.identifier}-SEED`, 'Todo');
  const done = await withWorker(seed, async () => (await seed.start(testView([{ name: 'plan', states: ['Todo'], backend: 'command', on_success: { move_to: 'Done', add_labels: [], remove_labels: [] } }]))).result());
  return { ...done, identifier: world.issue.identifier, issueId: world.issue.id, workflowId: `baton-issue/local/${world.issue.identifier}`, status: 'starting', history: [], stage: null, state: world.issue.state };
}
