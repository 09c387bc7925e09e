/**
 * The stage machine (core/stage-machine.ts) as tables: where a route sends the issue,
 * what follows a run, a gate decision, an operator's retry or cancel. No server, no clock.
 */
import { describe, expect, it } from 'vitest';
import type { StageView } from '../../core/protocol.js';
import type { Route } from '../../core/routing.js';
import { afterGate, afterRun, afterWrite, cancelWaiting, decide, gateAnswer, initialMachine, movesState, park, recordMerge, retryHeld, withPullRequest, type MachineState, type RunOutcome } from '../../core/stage-machine.js';
import type { PullRequestFeedback } from '../../core/pull-request.js';

const stages: StageView[] = [
  { name: 'plan', states: ['Todo'], backend: 'command', on_success: { move_to: 'In Progress', add_labels: [], remove_labels: [] } },
  { name: 'implement', states: ['In Progress'], backend: 'command', on_success: { move_to: 'In Review', add_labels: ['built'], remove_labels: [] } },
  {
    name: 'review',
    states: ['In Review'],
    backend: 'none',
    on_success: { move_to: 'Merging', add_labels: [], remove_labels: ['wip'] },
    gate: { wait_for: 'label', label: 'approved', reject_label: 'changes', on_reject: 'implement', max_rework: 2 },
  },
  { name: 'run', states: ['Working'], backend: 'codex', on_success: { add_labels: [], remove_labels: [] } },
];
const stage = (name: string) => stages.find((s) => s.name === name)!;
const timing = { retryBaseMs: 10_000, maxRetryBackoffMs: 300_000 };
const m = (patch: Partial<MachineState> = {}): MachineState => ({ ...initialMachine, ...patch });
const at = (s: string): Route => ({ kind: 'stage', stage: s });

describe('decide: where the route sends the issue', () => {
  it.each<[string, MachineState, Route, unknown]>([
    ['terminal → cleanup', m(), { kind: 'terminal' }, { kind: 'cleanup' }],
    ['gone → release', m(), { kind: 'gone' }, { kind: 'release', reason: 'the tracker no longer shows this issue' }],
    ['inactive → release with the reason', m(), { kind: 'inactive', reason: 'state Backlog is not active' }, { kind: 'release', reason: 'state Backlog is not active' }],
    ['first run of a stage: attempt 1, Symphony attempt null', m(), at('plan'), { kind: 'run', stage: 'plan', attempt: 1, promptAttempt: null, agent: true }],
    ['a retry after one failure: attempt 2, Symphony attempt 1', m({ stage: 'plan', attempt: 2, runs: 1 }), at('plan'), { kind: 'run', attempt: 2, promptAttempt: 1 }],
    ['a continuation after a clean run: attempt 1, Symphony attempt 1', m({ stage: 'run', attempt: 1, runs: 1 }), at('run'), { kind: 'run', attempt: 1, promptAttempt: 1 }],
    ['a new stage resets attempt and runs', m({ stage: 'plan', attempt: 3, runs: 4 }), at('implement'), { kind: 'run', stage: 'implement', attempt: 1, promptAttempt: null }],
    ['a backend none stage runs no agent', m(), at('review'), { kind: 'run', stage: 'review', agent: false }],
    ['a hold in the routed stage keeps holding', m({ stage: 'plan', hold: { stage: 'plan', kind: 'stopped', reason: 'r' } }), at('plan'), { kind: 'hold' }],
    ['a hold ends when the tracker moves the issue on', m({ stage: 'plan', hold: { stage: 'plan', kind: 'stopped', reason: 'r' } }), at('implement'), { kind: 'run', stage: 'implement' }],
  ])('%s', (_name, machine, route, want) => {
    expect(decide(machine, route, stages).next).toMatchObject(want as object);
  });

  it('counts runs of the stage for the next decision, and clears a hold left behind', () => {
    const first = decide(m({ hold: { stage: 'plan', kind: 'stopped', reason: 'x' }, stage: 'plan' }), at('implement'), stages).machine;
    expect(first).toMatchObject({ stage: 'implement', attempt: 1, runs: 1, hold: null });
    expect(decide(first, at('implement'), stages).machine.runs).toBe(2);
  });

  it('a route to a stage the view no longer has releases the issue', () => {
    expect(decide(m(), at('deploy'), stages).next).toEqual({ kind: 'release', reason: 'no stage named deploy' });
  });
});

describe('afterRun: what follows a stage run', () => {
  const run = (outcome: RunOutcome, name = 'plan', machine = m({ stage: name, attempt: 1, runs: 1 })) => afterRun(machine, stage(name), outcome, timing, 'ENG-1');

  it.each<[string, RunOutcome, string, unknown]>([
    ['success that wrote and moved → route', { kind: 'succeeded', wrote: true, moved: true }, 'plan', { kind: 'route' }],
    ['success that wrote but did not move → continuation re-check (§7.1)', { kind: 'succeeded', wrote: true, moved: false }, 'run', { kind: 'continue' }],
    ['success whose writes failed → the workflow writes', { kind: 'succeeded', wrote: false, moved: false }, 'plan', { kind: 'write', writes: stage('plan').on_success }],
    ['success at a gated stage → the gate', { kind: 'succeeded', wrote: false, moved: false }, 'review', { kind: 'gate', gate: stage('review').gate }],
    ['failure → backoff of retry_base', { kind: 'failed', error: 'agent_failed: exit 1' }, 'plan', { kind: 'retry', delayMs: 10_000, failedAttempt: 1, error: 'agent_failed: exit 1' }],
    ['rerouted → route', { kind: 'rerouted' }, 'plan', { kind: 'route' }],
    ['cancelled by the tracker → route', { kind: 'cancelled', by: 'tracker' }, 'plan', { kind: 'route' }],
    ['cancelled by an operator → hold', { kind: 'cancelled', by: 'operator', reason: 'wrong repo' }, 'plan', { kind: 'hold' }],
    ['an error no retry fixes → hold', { kind: 'fatal', error: 'template_render_error: x' }, 'plan', { kind: 'hold' }],
    ['input required → hold (blocked)', { kind: 'blocked', reason: 'which branch?' }, 'plan', { kind: 'hold' }],
  ])('%s', (_name, outcome, name, want) => {
    expect(run(outcome, name).then).toMatchObject(want as object);
  });

  it('backs off 10 s × 2^(n−1), capped, and bumps the attempt', () => {
    const delays: number[] = [];
    let machine = m({ stage: 'plan' });
    for (let i = 0; i < 7; i++) {
      const r = afterRun(machine, stage('plan'), { kind: 'failed', error: 'x' }, timing, 'ENG-1');
      if (r.then.kind === 'retry') delays.push(r.then.delayMs);
      machine = r.machine;
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(machine.attempt).toBe(8);
  });

  it('a success resets the attempt', () => {
    expect(run({ kind: 'succeeded', wrote: true, moved: true }, 'plan', m({ stage: 'plan', attempt: 4 })).machine.attempt).toBe(1);
  });

  it.each<[string, RunOutcome, string, RegExp]>([
    ['operator cancel', { kind: 'cancelled', by: 'operator', reason: 'wrong repo' }, 'stopped', /cancelled by an operator: wrong repo; run `baton retry ENG-1`/],
    ['fatal error', { kind: 'fatal', error: 'template_render_error: x' }, 'stopped', /template_render_error: x; no retry can fix this .* `baton retry ENG-1`/],
    ['blocked', { kind: 'blocked', reason: 'which branch?' }, 'blocked', /needs input: which branch\?/],
  ])('a hold after %s says why and how to go on', (_name, outcome, kind, reason) => {
    const hold = run(outcome).machine.hold!;
    expect(hold.kind).toBe(kind);
    expect(hold.stage).toBe('plan');
    expect(hold.reason).toMatch(reason);
  });
});

describe('afterGate: approve, reject up to max_rework, cancel', () => {
  const review = stage('review');

  it('approve writes on_success and removes the gate labels', () => {
    const r = afterGate(m({ stage: 'review' }), review, stages, { kind: 'approve' }, 'ENG-1');
    expect(r.then).toEqual({ kind: 'write', writes: { move_to: 'Merging', add_labels: [], remove_labels: ['wip', 'approved', 'changes'] } });
    expect(r.record).toEqual({ outcome: 'approved' });
  });

  it('reject routes back to on_reject up to max_rework, then stops with the reason', () => {
    let machine = m({ stage: 'review' });
    const thens = [];
    for (let i = 0; i < 3; i++) {
      const r = afterGate(machine, review, stages, { kind: 'reject' }, 'ENG-1');
      machine = r.machine;
      thens.push(r);
    }
    expect(thens[0]!.then).toEqual({ kind: 'write', writes: { move_to: 'In Progress', add_labels: [], remove_labels: ['approved', 'changes'] }, note: 'rejected at review; back to implement (rework 1/2)' });
    expect(thens[1]!.record).toEqual({ outcome: 'rejected', note: 'rework 2/2: back to implement' });
    expect(thens[2]!.then).toMatchObject({ kind: 'write', writes: { add_labels: [], remove_labels: ['approved', 'changes'] } });
    expect(thens[2]!.record?.outcome).toBe('stopped');
    expect(machine.hold).toMatchObject({ stage: 'review', kind: 'stopped' });
    expect(machine.hold!.reason).toMatch(/rejected 3 times at review \(max_rework 2\)/);
    expect(machine.reworks).toEqual({ review: 3 });
  });

  it('cancel holds; a route change lets go', () => {
    expect(afterGate(m(), review, stages, { kind: 'cancel' }, 'ENG-1').machine.hold?.kind).toBe('stopped');
    expect(afterGate(m(), review, stages, { kind: 'rerouted' }, 'ENG-1').then).toEqual({ kind: 'route' });
  });
});

describe('operator actions and helpers', () => {
  it('retry on a hold starts the held stage afresh, rework count included', () => {
    const held = m({ stage: 'review', attempt: 5, runs: 3, reworks: { review: 3, plan: 1 }, hold: { stage: 'review', kind: 'stopped', reason: 'x' } });
    expect(retryHeld(held)).toEqual({ stage: 'review', attempt: 1, runs: 0, reworks: { review: 0, plan: 1 }, hold: null });
    expect(retryHeld(m())).toEqual(m());
  });

  it('cancel while waiting holds at that stage', () => {
    expect(cancelWaiting(m(), 'plan', 'ENG-1', 'later').hold).toEqual({ stage: 'plan', kind: 'stopped', reason: 'cancelled by an operator: later; run `baton retry ENG-1` to resume' });
  });

  it.each([
    [{ move_to: 'Done', add_labels: [], remove_labels: [] }, 'In Progress', true],
    [{ move_to: ' done ', add_labels: [], remove_labels: [] }, 'Done', false],
    [{ add_labels: [], remove_labels: [] }, 'Todo', false],
  ])('movesState(%o, %s) = %s', (writes, state, want) => {
    expect(movesState(writes, state)).toBe(want);
  });

  it('after writes: moved → route, else continuation', () => {
    expect(afterWrite(true)).toEqual({ kind: 'route' });
    expect(afterWrite(false)).toEqual({ kind: 'continue' });
  });

  it.each([
    [{ wait_for: 'label', label: 'ok', max_rework: 1 } as const, 'add label `ok` (or `baton approve E-1`)'],
    [{ wait_for: 'state', state: 'Approved', max_rework: 1 } as const, 'move the issue to Approved (or `baton approve E-1`)'],
    [{ wait_for: 'approval', max_rework: 1 } as const, '`baton approve E-1` or `baton reject E-1`'],
    [{ wait_for: 'checks', max_rework: 1 } as const, "green checks on the pull request's head (or `baton approve E-1`)"],
    [{ wait_for: 'review', max_rework: 1 } as const, "an approving review of the pull request's head with green checks (or `baton approve E-1`)"],
  ])('gate answer for %o', (gate, want) => {
    expect(gateAnswer(gate, 'E-1')).toBe(want);
  });
});

describe('PR gates and the merge: parked waits, feedback, closed pull requests, never twice', () => {
  const prStages: StageView[] = [
    { name: 'implement', states: ['In Progress'], backend: 'command', on_success: { move_to: 'In Review', add_labels: [], remove_labels: [] }, gate: { wait_for: 'checks', on_reject: 'implement', max_rework: 2 } },
    {
      name: 'review',
      states: ['In Review'],
      backend: 'none',
      on_success: { move_to: 'Done', add_labels: [], remove_labels: [], merge_pull_request: { method: 'squash', delete_branch: true } },
      gate: { wait_for: 'review', on_reject: 'implement', on_closed: 'implement', max_rework: 1 },
    },
    { name: 'ship', states: ['Shipping'], backend: 'command', on_success: { move_to: 'Done', add_labels: [], remove_labels: [], merge_pull_request: { method: 'merge', delete_branch: false } } },
  ];
  const prStage = (name: string) => prStages.find((s) => s.name === name)!;
  const ref = { repo: 'acme/app', number: 7, url: 'u', head: 'baton/ENG-1' };
  const feedback: PullRequestFeedback = { headSha: 'abc', failedChecks: '### ci failed', reviewComments: '' };

  it('a wait parked at a gate resumes there after continue-as-new: no agent, no new run counted', () => {
    const parked = park(m({ stage: 'implement', runs: 1 }), 'implement', 'gate');
    const { machine, next } = decide(parked, at('implement'), prStages);
    expect(next).toMatchObject({ kind: 'run', stage: 'implement', agent: false });
    expect(machine.runs).toBe(1);
    expect(afterRun(machine, prStage('implement'), { kind: 'succeeded', wrote: false, moved: false }, timing, 'ENG-1').then).toMatchObject({ kind: 'gate' });
  });

  it('a park ends when the tracker routes the issue to another stage, and with any gate decision', () => {
    const parked = park(m({ stage: 'implement' }), 'implement', 'gate');
    expect(decide(parked, at('review'), prStages).machine.parked).toBeNull();
    for (const decision of [{ kind: 'approve' }, { kind: 'reject' }, { kind: 'cancel' }, { kind: 'rerouted' }] as const) {
      expect(afterGate(parked, prStage('implement'), prStages, decision, 'ENG-1').machine.parked).toBeNull();
    }
  });

  it('a rejection keeps its feedback for the rework run; an approval clears it', () => {
    const rejected = afterGate(m({ stage: 'implement' }), prStage('implement'), prStages, { kind: 'reject', reason: 'checks failed', feedback }, 'ENG-1');
    expect(rejected.machine.pr?.feedback).toEqual(feedback);
    expect(rejected.machine.reworks).toEqual({ implement: 1 });
    expect(afterGate(rejected.machine, prStage('implement'), prStages, { kind: 'approve' }, 'ENG-1').machine.pr?.feedback).toBeNull();
  });

  it('a pull request closed without merging routes to on_closed and counts as a rework', () => {
    const r = afterGate(m({ stage: 'review' }), prStage('review'), prStages, { kind: 'closed', reason: 'pull request #7 was closed without merging' }, 'ENG-1');
    expect(r.then).toEqual({ kind: 'write', writes: { move_to: 'In Progress', add_labels: [], remove_labels: [] }, note: 'pull request closed at review; back to implement (rework 1/1)' });
    expect(r.record).toEqual({ outcome: 'rejected', note: 'pull request closed; rework 1/1: back to implement' });
  });

  it('without on_closed, a closed pull request stops for an operator with the reason', () => {
    const r = afterGate(m({ stage: 'implement' }), prStage('implement'), prStages, { kind: 'closed', reason: 'pull request #7 was closed without merging' }, 'ENG-1');
    expect(r.machine.hold).toMatchObject({ stage: 'implement', kind: 'stopped' });
    expect(r.machine.hold!.reason).toMatch(/^pull request #7 was closed without merging; stopped for an operator — reopen it and `baton retry ENG-1`/);
  });

  it('once merged, the stage never runs or waits at its gate again: only the tracker writes are left', () => {
    const merged = recordMerge(withPullRequest(m({ stage: 'ship' }), ref), { stage: 'ship', number: 7, sha: 'abc', at: 't' });
    const { machine, next } = decide(merged, at('ship'), prStages);
    expect(next).toMatchObject({ kind: 'run', stage: 'ship', agent: false });
    expect(afterRun(machine, prStage('ship'), { kind: 'succeeded', wrote: false, moved: false }, timing, 'ENG-1').then).toEqual({ kind: 'write', writes: prStage('ship').on_success });
    const review = recordMerge(m({ stage: 'review' }), { stage: 'review', number: 7, sha: 'abc', at: 't' });
    expect(afterRun(review, prStage('review'), { kind: 'succeeded', wrote: false, moved: false }, timing, 'ENG-1').then.kind).toBe('write');
  });

  it('work that comes back to another stage after a merge starts a new pull request', () => {
    const merged = recordMerge(withPullRequest(m({ stage: 'review' }), ref), { stage: 'review', number: 7, sha: 'abc', at: 't' });
    const back = decide(merged, at('implement'), prStages);
    expect(back.next).toMatchObject({ kind: 'run', stage: 'implement', agent: true });
    expect(back.machine.pr).toEqual({ ref: null, merged: null, feedback: null });
  });

  it('parked at the merge (the gate approved): resuming goes straight to the merge and the writes, and a recorded merge ends the park', () => {
    const parked = park(m({ stage: 'review' }), 'review', 'merge');
    const { machine, next } = decide(parked, at('review'), prStages);
    expect(next).toMatchObject({ kind: 'run', agent: false });
    expect(afterRun(machine, prStage('review'), { kind: 'succeeded', wrote: false, moved: false }, timing, 'ENG-1').then).toEqual({ kind: 'write', writes: prStage('review').on_success });
    expect(recordMerge(parked, { stage: 'review', number: 7, sha: null, at: 't' }).parked).toBeNull();
  });

  it('learning the same pull request twice changes nothing', () => {
    const once = withPullRequest(m(), ref);
    expect(withPullRequest(once, { ...ref })).toBe(once);
    expect(withPullRequest(once, { ...ref, number: 8 }).pr?.ref?.number).toBe(8);
  });
});
