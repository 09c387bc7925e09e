/**
 * The issue's stage machine as pure functions: given what Baton remembers of an issue (its
 * MachineState), the tracker's route and the stage definitions, what happens next. The issue
 * workflow (workflows/issue/) is a small interpreter of these decisions: it waits for slots,
 * timers, gates and activities, and feeds each outcome back in. Nothing here waits, reads a clock
 * or does I/O, so every rule is table-tested in test/core/stage-machine.test.ts.
 *
 * Sandbox-safe.
 */
import { normalizeState } from './issue.js';
import type { GateView, StageView, StageWrites } from './protocol.js';
import type { MergeRecord, PullRequestFeedback, PullRequestMemory, PullRequestRef } from './pull-request.js';
import { entryStateOf, type Route } from './routing.js';
import { failureBackoffMs } from './scheduling.js';

/** Why an issue waits for a person at a stage. */
export interface Hold {
  readonly stage: string;
  /** `stopped`: rework bound, an error no retry fixes, or a cancel; `blocked`: the agent needs input. */
  readonly kind: 'stopped' | 'blocked';
  readonly reason: string;
}

export interface MachineState {
  /** The stage of the latest decision (null before the first). */
  readonly stage: string | null;
  /** 1-based attempt in `stage`: failures bump it, a new stage or a success resets it. */
  readonly attempt: number;
  /** Runs of `stage` since the issue entered it, continuations included (Symphony's `attempt`). */
  readonly runs: number;
  readonly reworks: Readonly<Record<string, number>>;
  readonly hold: Hold | null;
  /**
   * Where the issue waits after a run: at its stage's gate, or (the gate approved) at its merge.
   * After a continue-as-new it resumes there, with no new run.
   */
  readonly parked?: Parked | null;
  /** The issue's pull request (absent without a `repository:`): its ref, merge and last feedback. */
  readonly pr?: PullRequestMemory;
}

export interface Parked {
  readonly stage: string;
  readonly step: 'gate' | 'merge';
}

export const initialMachine: MachineState = { stage: null, attempt: 1, runs: 0, reworks: {}, hold: null };

/** The next step, from the tracker's route. */
export type Next =
  | { readonly kind: 'cleanup'; readonly reason: string }
  | { readonly kind: 'release'; readonly reason: string }
  | { readonly kind: 'hold'; readonly hold: Hold }
  | {
      readonly kind: 'run';
      readonly stage: string;
      readonly attempt: number;
      /** Symphony's template `attempt`: null on the first run, then retries or continuations. */
      readonly promptAttempt: number | null;
      /** False for `backend: none` stages: no agent, no slot. */
      readonly agent: boolean;
    };

/** Where the tracker's route sends the issue, and the machine updated for it. */
export function decide(m: MachineState, route: Route, stages: readonly StageView[]): { machine: MachineState; next: Next } {
  if (route.kind === 'terminal') return { machine: m, next: { kind: 'cleanup', reason: 'the tracker state is terminal' } };
  if (route.kind === 'gone') return { machine: m, next: { kind: 'release', reason: 'the tracker no longer shows this issue' } };
  if (route.kind !== 'stage') return { machine: m, next: { kind: 'release', reason: route.reason } };
  const stage = stages.find((s) => s.name === route.stage);
  if (!stage) return { machine: m, next: { kind: 'release', reason: `no stage named ${route.stage}` } };

  let machine = m;
  if (machine.hold) {
    // A hold keeps the issue only while the tracker keeps it in the held stage.
    if (machine.hold.stage === stage.name) return { machine, next: { kind: 'hold', hold: machine.hold } };
    machine = { ...machine, hold: null };
  }
  if (machine.stage !== stage.name) machine = leaveStage({ ...machine, stage: stage.name, attempt: 1, runs: 0 }, stage.name);
  const promptAttempt = machine.attempt > 1 ? machine.attempt - 1 : machine.runs > 0 ? machine.runs : null;
  // Back at a gate it waited at (continue-as-new), or merged already: the agent never runs again.
  if (machine.parked?.stage === stage.name || machine.pr?.merged?.stage === stage.name) {
    return { machine, next: { kind: 'run', stage: stage.name, attempt: machine.attempt, promptAttempt, agent: false } };
  }
  return {
    machine: { ...machine, runs: machine.runs + 1 },
    next: { kind: 'run', stage: stage.name, attempt: machine.attempt, promptAttempt, agent: stage.backend !== 'none' },
  };
}

/** How a stage run ended, as the workflow saw it. */
export type RunOutcome =
  | { readonly kind: 'succeeded'; readonly wrote: boolean; readonly moved: boolean }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'fatal'; readonly error: string }
  | { readonly kind: 'blocked'; readonly reason: string }
  | { readonly kind: 'rerouted' }
  | { readonly kind: 'cancelled'; readonly by: 'operator' | 'tracker'; readonly reason?: string };

/** What the workflow does after a run. */
export type Then =
  | { readonly kind: 'route' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly error: string; readonly failedAttempt: number }
  | { readonly kind: 'continue' }
  | { readonly kind: 'gate'; readonly gate: GateView }
  | { readonly kind: 'write'; readonly writes: StageWrites; readonly note?: string }
  | { readonly kind: 'hold' };

export interface Timing {
  readonly retryBaseMs: number;
  readonly maxRetryBackoffMs: number;
}

export function afterRun(m: MachineState, stage: StageView, outcome: RunOutcome, timing: Timing, identifier: string): { machine: MachineState; then: Then } {
  switch (outcome.kind) {
    case 'succeeded': {
      const machine = { ...m, attempt: 1 };
      // Merged, or waiting to merge: only the merge and the tracker writes are left; the gate approved.
      const pastGate = m.pr?.merged?.stage === stage.name || (m.parked?.stage === stage.name && m.parked.step === 'merge');
      if (pastGate) return { machine, then: { kind: 'write', writes: stage.on_success } };
      if (stage.gate) return { machine, then: { kind: 'gate', gate: stage.gate } };
      if (!outcome.wrote) return { machine, then: { kind: 'write', writes: stage.on_success } };
      return { machine, then: outcome.moved ? { kind: 'route' } : { kind: 'continue' } };
    }
    case 'failed':
      return {
        machine: { ...m, attempt: m.attempt + 1 },
        then: { kind: 'retry', delayMs: failureBackoffMs(m.attempt, timing.maxRetryBackoffMs, timing.retryBaseMs), error: outcome.error, failedAttempt: m.attempt },
      };
    case 'fatal':
      return hold(m, stage.name, 'stopped', `${outcome.error}; no retry can fix this — fix it, then \`baton retry ${identifier}\``);
    case 'blocked':
      return hold(m, stage.name, 'blocked', `the agent needs input: ${outcome.reason} — answer in the issue, then \`baton retry ${identifier}\``);
    case 'cancelled':
      if (outcome.by === 'operator') return hold(m, stage.name, 'stopped', cancelledReason(identifier, outcome.reason));
      return { machine: m, then: { kind: 'route' } };
    case 'rerouted':
      return { machine: m, then: { kind: 'route' } };
  }
}

/** After writes: a stage that did not move the issue gets a continuation re-check (SPEC §7.1). */
export function afterWrite(moved: boolean): Then {
  return moved ? { kind: 'route' } : { kind: 'continue' };
}

export type GateDecision =
  | { readonly kind: 'approve' }
  | { readonly kind: 'reject'; readonly reason?: string; readonly feedback?: PullRequestFeedback }
  /** The pull request was closed without merging: back to `on_closed`, or stop for an operator. */
  | { readonly kind: 'closed'; readonly reason: string }
  | { readonly kind: 'cancel'; readonly reason?: string }
  | { readonly kind: 'rerouted' };

export interface GateResult {
  readonly machine: MachineState;
  readonly then: Then;
  /** What to record in the stage history for this decision. */
  readonly record?: { readonly outcome: 'approved' | 'rejected' | 'stopped'; readonly note?: string };
}

export function afterGate(m: MachineState, stage: StageView, stages: readonly StageView[], decision: GateDecision, identifier: string): GateResult {
  const gate = stage.gate as GateView;
  const clearGate = gateLabels(gate);
  const left = { ...m, parked: null };
  switch (decision.kind) {
    case 'approve':
      return {
        machine: withFeedback(left, null),
        then: { kind: 'write', writes: { ...stage.on_success, remove_labels: [...stage.on_success.remove_labels, ...clearGate] } },
        record: { outcome: 'approved' },
      };
    case 'reject':
      return rework(withFeedback(left, decision.feedback ?? null), stage, stages, gate.on_reject ?? stage.name, 'rejected', identifier);
    case 'closed': {
      if (gate.on_closed) return rework(left, stage, stages, gate.on_closed, 'closed', identifier);
      const reason = `${decision.reason}; stopped for an operator — reopen it and \`baton retry ${identifier}\`, or move the issue in the tracker`;
      return {
        machine: { ...left, hold: { stage: stage.name, kind: 'stopped', reason } },
        then: { kind: 'write', writes: { add_labels: [], remove_labels: clearGate }, note: reason },
        record: { outcome: 'stopped', note: reason },
      };
    }
    case 'cancel':
      return { ...hold(left, stage.name, 'stopped', cancelledReason(identifier, decision.reason)) };
    case 'rerouted':
      return { machine: left, then: { kind: 'route' } };
  }
}

/** A rejection (or a closed pull request) counts toward max_rework, then routes back to `target`. */
function rework(m: MachineState, stage: StageView, stages: readonly StageView[], target: string, how: 'rejected' | 'closed', identifier: string): GateResult {
  const gate = stage.gate as GateView;
  const clearGate = gateLabels(gate);
  const count = (m.reworks[stage.name] ?? 0) + 1;
  const reworks = { ...m.reworks, [stage.name]: count };
  const what = how === 'closed' ? 'pull request closed' : 'rejected';
  if (count > gate.max_rework) {
    const reason = `${what} ${count} times at ${stage.name} (max_rework ${gate.max_rework}); stopped for an operator — fix the issue, then \`baton retry ${identifier}\`, or move it in the tracker`;
    return {
      machine: { ...m, reworks, hold: { stage: stage.name, kind: 'stopped', reason } },
      then: { kind: 'write', writes: { add_labels: [], remove_labels: clearGate }, note: reason },
      record: { outcome: 'stopped', note: reason },
    };
  }
  const state = entryStateOf(stages, target);
  const note = `${what} at ${stage.name}; back to ${target} (rework ${count}/${gate.max_rework})`;
  return {
    machine: { ...m, reworks },
    then: { kind: 'write', writes: { ...(state ? { move_to: state } : {}), add_labels: [], remove_labels: clearGate }, note },
    record: { outcome: 'rejected', note: `${how === 'closed' ? 'pull request closed; ' : ''}rework ${count}/${gate.max_rework}: back to ${target}` },
  };
}

/** An operator's `baton retry` on a held issue: a fresh start of the held stage. */
export function retryHeld(m: MachineState): MachineState {
  if (!m.hold) return m;
  return { ...m, hold: null, attempt: 1, runs: 0, reworks: { ...m.reworks, [m.hold.stage]: 0 } };
}

// ---------------------------------------------------------------- pull requests

/** Waiting at `stage`'s gate or merge: a continue-as-new resumes the wait instead of re-running the stage. */
export function park(m: MachineState, stage: string, step: Parked['step']): MachineState {
  return m.parked?.stage === stage && m.parked.step === step ? m : { ...m, parked: { stage, step } };
}

/** The pull request Baton learned of (the `open_pull_request` tool, or a lookup by branch). */
export function withPullRequest(m: MachineState, ref: PullRequestRef): MachineState {
  const pr = m.pr ?? { ref: null, merged: null, feedback: null };
  if (pr.ref && pr.ref.number === ref.number && pr.ref.repo === ref.repo && pr.ref.head === ref.head) return m;
  return { ...m, pr: { ...pr, ref } };
}

/** The merge happened: from now on the stage is never run, gated or merged again. */
export function recordMerge(m: MachineState, merge: MergeRecord): MachineState {
  const pr = m.pr ?? { ref: null, merged: null, feedback: null };
  return { ...m, parked: null, pr: { ...pr, merged: merge } };
}

function withFeedback(m: MachineState, feedback: PullRequestFeedback | null): MachineState {
  if (!m.pr && !feedback) return m;
  const pr = m.pr ?? { ref: null, merged: null, feedback: null };
  return { ...m, pr: { ...pr, feedback } };
}

/**
 * Entering another stage: a park elsewhere is over, and a merge done by another stage is history —
 * work that comes back after it (the issue moved back by a person) needs a new pull request.
 */
function leaveStage(m: MachineState, entering: string): MachineState {
  let next = m.parked && m.parked.stage !== entering ? { ...m, parked: null } : m;
  const merged = next.pr?.merged;
  if (merged && merged.stage !== entering && next.pr) next = { ...next, pr: { ...next.pr, merged: null, ref: next.pr.ref?.number === merged.number ? null : next.pr.ref } };
  return next;
}

/** An operator's `baton cancel` while the issue waits (retrying, continuing, for a slot). */
export function cancelWaiting(m: MachineState, stage: string, identifier: string, reason?: string): MachineState {
  return { ...m, hold: { stage, kind: 'stopped', reason: cancelledReason(identifier, reason) } };
}

/** Writes that move nothing: tell whether a stage's writes move the issue to another state. */
export function movesState(writes: StageWrites, currentState: string): boolean {
  return writes.move_to !== undefined && normalizeState(writes.move_to) !== normalizeState(currentState);
}

/** Labels a gate reads, removed once it has decided so the next visit starts clean. */
export function gateLabels(gate: GateView | undefined): string[] {
  if (!gate) return [];
  return [gate.label, gate.reject_label].filter((l): l is string => !!l);
}

/** How a person answers a gate, in words. */
export function gateAnswer(gate: GateView, identifier: string): string {
  if (gate.wait_for === 'checks') return `green checks on the pull request's head (or \`baton approve ${identifier}\`)`;
  if (gate.wait_for === 'review') return `an approving review of the pull request's head with green checks (or \`baton approve ${identifier}\`)`;
  if (gate.wait_for === 'label') return `add label \`${gate.label}\` (or \`baton approve ${identifier}\`)`;
  if (gate.wait_for === 'state') return `move the issue to ${gate.state} (or \`baton approve ${identifier}\`)`;
  return `\`baton approve ${identifier}\` or \`baton reject ${identifier}\``;
}

function cancelledReason(identifier: string, reason?: string): string {
  return `cancelled by an operator${reason ? `: ${reason}` : ''}; run \`baton retry ${identifier}\` to resume`;
}

function hold(m: MachineState, stage: string, kind: Hold['kind'], reason: string): { machine: MachineState; then: Then } {
  return { machine: { ...m, hold: { stage, kind, reason } }, then: { kind: 'hold' } };
}
