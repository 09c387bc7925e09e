/**
 * The issue workflow on the time-skipping test server, with stub activities (test/helpers/
 * workflow-world.ts): gates, rework bounds, backoff, cancellation, holds and carried state are
 * checked in seconds, whatever the timers say. What only a real server and real processes can
 * show stays in test/pipeline/.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveUpdate, cancelUpdate, rejectUpdate, retryUpdate, type IssueStatus, type StageView } from '../../core/protocol.js';
import { initialMachine } from '../../core/stage-machine.js';
import { stageView, timeSkippingEnv, testView, untilStatus, withWorker, WorkflowWorld } from '../helpers/workflow-world.js';

const plan = stageView('plan', 'Todo', 'In Progress');
const implement = stageView('implement', 'In Progress', 'In Review');
const review = stageView('review', 'In Review', 'Done', { gate: { wait_for: 'approval', on_reject: 'implement', max_rework: 1 } });
const stages = [plan, implement, review];

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

const until = (world: WorkflowWorld, what: string, check: (s: IssueStatus) => boolean) => untilStatus(world, what, check);

const outcomes = (s: IssueStatus) => s.history.map((h) => `${h.stage}:${h.outcome}`);

/** The reason an update was refused (the validator's message travels as the failure's cause). */
async function refusal(update: Promise<unknown>): Promise<string> {
  const err = await update.then(
    () => null,
    (e: unknown) => e as Error & { cause?: Error },
  );
  if (!err) throw new Error('the update was accepted');
  return err.cause?.message ?? err.message;
}

describe('issue workflow (time-skipping)', () => {
  it('retries a failing stage after 10 s, then 20 s (durable timers), then goes on to Done', async () => {
    const world = new WorkflowWorld(env, 'BACKOFF-1').script('plan', 'fail', 'fail');
    const result = await withWorker(world, async () => {
      const handle = await world.start(testView([plan, { ...implement, on_success: { ...implement.on_success, move_to: 'Done' } }]));
      return handle.result();
    });
    expect(outcomes(result)).toEqual(['plan:failed', 'plan:failed', 'plan:succeeded', 'implement:succeeded']);
    expect(result.status).toBe('done');
    expect(world.runs.map((r) => [r.stage, r.attempt, r.promptAttempt])).toEqual([
      ['plan', 1, null],
      ['plan', 2, 1],
      ['plan', 3, 2],
      ['implement', 1, null],
    ]);
    const history = await env.client.workflow.getHandle('baton-issue/local/BACKOFF-1').fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds));
    expect(timers).toEqual([10, 20]);
    // The slot goes back as the backoff starts; each later run asks anew; closing last.
    expect(world.reports.filter((r) => r.row.status === 'retrying').map((r) => r.release)).toEqual([true, true]);
    expect(world.reports.filter((r) => r.request).map((r) => [r.request!.stage, r.request!.seq, r.release])).toEqual([
      ['plan', 2, false],
      ['plan', 3, false],
      ['implement', 4, true],
    ]);
    expect(world.reports.at(-1)).toMatchObject({ closing: 'done', release: true });
  });

  it('waits at a gate until approved, then writes on_success and ends Done, removing the workspace', async () => {
    const world = new WorkflowWorld(env, 'GATE-1', 'In Review');
    const result = await withWorker(world, async () => {
      const handle = await world.start(testView(stages));
      const gated = await until(world, 'gated', (s) => s.status === 'gated');
      expect(gated.gate).toMatchObject({ stage: 'review', waitFor: 'approval', answer: '`baton approve GATE-1` or `baton reject GATE-1`' });
      expect(await refusal(handle.executeUpdate(retryUpdate, { args: [{}] }))).toMatch(/waits at a gate/);
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'ana' }] });
      return handle.result();
    });
    expect(outcomes(result)).toEqual(['review:succeeded', 'review:approved']);
    expect(world.runs.map((r) => r.writes)).toEqual([null]); // a gated stage's run writes nothing
    expect(world.writes.map((w) => w.writes.move_to)).toEqual(['Done']);
    expect(world.removals).toEqual(['/ws/GATE-1']);
    expect(result.status).toBe('done');
  });

  it('sends a rejection back to on_reject up to max_rework, then stops with the reason; retry resumes', async () => {
    const world = new WorkflowWorld(env, 'REWORK-1', 'In Review');
    await withWorker(world, async () => {
      const handle = await world.start(testView(stages));
      await until(world, 'gated once', (s) => s.status === 'gated');
      await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'tests missing' }] });
      await until(world, 'gated again after rework', (s) => s.status === 'gated' && s.history.length >= 4);
      await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'still missing' }] });
      const stopped = await until(world, 'stopped', (s) => s.status === 'stopped');
      expect(stopped.reason).toMatch(/rejected 2 times at review \(max_rework 1\); stopped for an operator/);
      expect(stopped.reworks).toEqual({ review: 2 });
      // cancel is accepted on a stopped issue (it is already held) and changes nothing.
      await expect(handle.executeUpdate(cancelUpdate, { args: [{}] })).resolves.toMatch(/already stopped/);
      await handle.executeUpdate(retryUpdate, { args: [{}] });
      const again = await until(world, 'gated after retry', (s) => s.status === 'gated' && s.history.length >= 6);
      expect(again.reworks).toEqual({ review: 0 });
      await handle.executeUpdate(approveUpdate, { args: [{}] });
      const done = await handle.result();
      expect(outcomes(done)).toEqual([
        'review:succeeded',
        'review:rejected',
        'implement:succeeded',
        'review:succeeded',
        'review:stopped',
        'review:succeeded',
        'review:approved',
      ]);
    });
    // The rework moved the issue back to implement's entry state; the final approval to Done.
    expect(world.writes.map((w) => w.writes.move_to ?? '-')).toEqual(['In Progress', '-', 'Done']);
  });

  it('an operator cancel stops the running agent (the workflow waits for it) and holds the issue; retry runs the stage again', async () => {
    const world = new WorkflowWorld(env, 'CANCEL-1').script('plan', 'hang');
    await withWorker(world, async () => {
      const handle = await world.start(testView([plan, { ...implement, on_success: { ...implement.on_success, move_to: 'Done' } }]));
      await until(world, 'running', (s) => s.status === 'running' && world.runs.length === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'wrong repo' }] });
      const stopped = await until(world, 'stopped', (s) => s.status === 'stopped');
      expect(stopped.reason).toBe('cancelled by an operator: wrong repo; run `baton retry CANCEL-1` to resume');
      expect(outcomes(stopped)).toEqual(['plan:cancelled']);
      // The slot went back with the report that said so.
      expect(world.reports.at(-1)).toMatchObject({ release: true, row: { status: 'stopped' } });
      await handle.executeUpdate(retryUpdate, { args: [{}] });
      const done = await handle.result();
      expect(outcomes(done)).toEqual(['plan:cancelled', 'plan:succeeded', 'implement:succeeded']);
    });
  });

  it('a tracker move away from the stage cancels the running agent and follows the new route', async () => {
    const world = new WorkflowWorld(env, 'MOVE-1').script('plan', 'hang');
    await withWorker(world, async () => {
      const handle = await world.start(testView(stages));
      await until(world, 'running', (s) => s.status === 'running' && world.runs.length === 1);
      const { snapshotSignal } = await import('../../core/protocol.js');
      await handle.signal(snapshotSignal, { issue: world.move('Cancelled') });
      const done = await handle.result();
      expect(done.status).toBe('done');
      expect(outcomes(done)).toEqual(['plan:cancelled']);
      expect(done.history[0]!.note).toBe('issue moved to a terminal state');
    });
    // The cancelled run said where its workspace was; the terminal move removed it there.
    expect(world.removals).toEqual(['/ws/MOVE-1']);
  });

  it('an error no retry can fix stops the issue at once instead of backing off forever', async () => {
    const world = new WorkflowWorld(env, 'FATAL-1').script('plan', 'fatal');
    await withWorker(world, async () => {
      await world.start(testView(stages));
      const stopped = await until(world, 'stopped', (s) => s.status === 'stopped');
      expect(stopped.reason).toMatch(/^template_render_error: unknown variable; no retry can fix this/);
      expect(stopped.retryDueAt).toBeNull();
      expect(world.runs).toHaveLength(1);
    });
  });

  it('an agent that needs input holds the issue as gated for an answer; retry runs the stage again', async () => {
    const world = new WorkflowWorld(env, 'INPUT-1').script('plan', 'block');
    await withWorker(world, async () => {
      const handle = await world.start(testView([plan, { ...implement, on_success: { ...implement.on_success, move_to: 'Done' } }]));
      const held = await until(world, 'gated for input', (s) => s.status === 'gated');
      expect(held.gate).toMatchObject({ stage: 'plan', waitFor: 'input' });
      expect(held.reason).toMatch(/the agent needs input: turn_input_required: which branch\?/);
      expect(await refusal(handle.executeUpdate(approveUpdate, { args: [{}] }))).toMatch(/needs input/);
      await handle.executeUpdate(retryUpdate, { args: [{}] });
      const done = await handle.result();
      expect(outcomes(done)).toEqual(['plan:blocked', 'plan:succeeded', 'implement:succeeded']);
    });
  });

  it('a clean run that leaves the issue in its stage is re-checked after continuation_delay_ms and run again (Symphony attempt 1)', async () => {
    const run: StageView = { name: 'run', states: ['Todo'], backend: 'codex', on_success: { add_labels: [], remove_labels: [] } };
    const world = new WorkflowWorld(env, 'CONT-1');
    await withWorker(world, async () => {
      const handle = await world.start(testView([run]));
      await until(world, 'second run', () => world.runs.length >= 2);
      expect(world.runs.slice(0, 2).map((r) => r.promptAttempt)).toEqual([null, 1]);
      world.move('Done');
      const { snapshotSignal } = await import('../../core/protocol.js');
      await handle.signal(snapshotSignal, { issue: world.issue });
      const done = await handle.result();
      expect(done.status).toBe('done');
    });
  });

  it('resumes from carried state as continue-as-new leaves it: a held issue stays held, its history kept', async () => {
    const world = new WorkflowWorld(env, 'CARRY-1');
    await withWorker(world, async () => {
      const first = await world.start(testView([{ ...plan, on_success: { ...plan.on_success, move_to: 'Done' } }]));
      await first.result();
    });
    const carriedStatus = (await env.client.workflow.getHandle('baton-issue/local/CARRY-1').result()) as IssueStatus;
    const world2 = new WorkflowWorld(env, 'CARRY-2');
    await withWorker(world2, async () => {
      const hold = { stage: 'plan', kind: 'stopped' as const, reason: 'held before continue-as-new' };
      const handle = await world2.start(testView(stages), {
        grantStage: null,
        carried: {
          status: { ...carriedStatus, identifier: 'CARRY-2', workflowId: 'baton-issue/local/CARRY-2', status: 'stopped' },
          machine: { ...initialMachine, stage: 'plan', hold },
          home: { queue: world2.taskQueue, path: '/ws/CARRY-2' },
          slotSeq: 7,
          slotOwed: false,
        },
      });
      const held = await until(world2, 'held', (s) => s.status === 'stopped');
      expect(held.reason).toBe('held before continue-as-new');
      expect(held.history.length).toBe(carriedStatus.history.length);
      await handle.executeUpdate(retryUpdate, { args: [{}] });
      await until(world2, 'ran again', () => world2.runs.length === 1);
      expect(world2.reports.find((r) => r.request)?.request?.seq).toBe(8);
      expect(world2.runs[0]!.stage).toBe('plan');
    });
  });
});
