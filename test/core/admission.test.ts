/**
 * Admission (core/admission.ts) as tables: a poll folded into the queue and the in-flight table,
 * reports folded into the slot table, and grants in Symphony's order under every limit.
 */
import { describe, expect, it } from 'vitest';
import { admit, admissionBlock, emptyOrchestratorState, foldPoll, foldReport, isIdle, knownIssues, requeueForView, rowStatus } from '../../core/admission.js';
import { issueFingerprint } from '../../core/issue.js';
import { issueWorkflowId, type ConfigView, type IssueHead, type IssueRow, type OrchestratorState } from '../../core/protocol.js';

const tracker = { name: 'local', kind: 'file', required_labels: ['agent'], active_states: ['Todo', 'In Progress'], terminal_states: ['Done'] };
function view(patch: Partial<ConfigView> = {}): ConfigView {
  return {
    hash: 'h1',
    deployment: 'd',
    pollIntervalMs: 1_000,
    maxConcurrentAgents: 2,
    maxConcurrentAgentsByState: {},
    maxRetryBackoffMs: 300_000,
    retryBaseMs: 10_000,
    continuationDelayMs: 1_000,
    heartbeatTimeoutMs: 30_000,
    rehomeAfterMs: 60_000,
    hookTimeoutMs: 60_000,
    progressComment: true,
    taskQueue: 'q',
    trackers: [tracker],
    stages: [
      { name: 'plan', states: ['Todo'], backend: 'command', on_success: { move_to: 'In Progress', add_labels: [], remove_labels: [] } },
      { name: 'implement', states: ['In Progress'], backend: 'command', on_success: { move_to: 'Done', add_labels: [], remove_labels: [] } },
    ],
    ...patch,
  };
}
let seq = 0;
function issue(identifier: string, patch: Partial<IssueHead> = {}): IssueHead {
  seq += 1;
  return {
    id: `id-${identifier}`,
    identifier,
    title: `Issue ${identifier}`,
    priority: null,
    state: 'Todo',
    branch_name: null,
    url: null,
    assignee_id: null,
    labels: ['agent'],
    blocked_by: [],
    dispatchable: true,
    created_at: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`,
    updated_at: null,
    native_ref: null,
    ...patch,
  };
}
const NOW = '2026-12-02T00:00:00.000Z';
const wf = (identifier: string) => issueWorkflowId('local', identifier);
function state(v = view()): OrchestratorState {
  return { ...emptyOrchestratorState(), view: v };
}
function row(identifier: string, status: IssueRow['status']): IssueRow {
  return { workflowId: wf(identifier), tracker: 'local', issueId: `id-${identifier}`, identifier, title: '', url: null, state: 'Todo', stage: 'plan', status, attempt: 1, lastError: null, reason: null, retryDueAt: null, updatedAt: NOW };
}

describe('admission: eligibility', () => {
  it.each([
    ['eligible', issue('A'), null],
    ['missing the required label', issue('B', { labels: [] }), 'required label'],
    ['an active state no stage handles', issue('C', { state: 'In Review' }), 'not active'],
    ['blocked by the tracker', issue('D', { dispatchable: false }), 'not dispatchable'],
  ])('%s', (_name, candidate, want) => {
    const got = admissionBlock(tracker, view(), candidate);
    if (want === null) expect(got).toBeNull();
    else expect(got).toContain(want);
  });

  it('refuses an active state that no stage routes (else it would start and release every tick)', () => {
    const t = { ...tracker, active_states: ['Todo', 'Triage'] };
    expect(admissionBlock(t, view({ trackers: [t] }), issue('E', { state: 'Triage' }))).toBe('no stage handles state Triage');
  });
});

describe('admission: a poll folded in', () => {
  it('queues eligible new issues, re-stages moved ones, drops ineligible and gone ones', () => {
    const s = state();
    foldPoll(s, tracker, [issue('A'), issue('B'), issue('C', { labels: [] })], [], true, NOW);
    expect(Object.keys(s.queue).sort()).toEqual([wf('A'), wf('B')]);
    foldPoll(s, tracker, [issue('A', { state: 'In Progress' }), issue('B', { labels: [] })], [], true, NOW);
    expect(s.queue[wf('A')]?.stage).toBe('implement');
    expect(s.queue[wf('B')]).toBeUndefined();
    foldPoll(s, tracker, [], ['id-A'], true, NOW);
    expect(s.queue).toEqual({});
  });

  it('queues nothing new while the config is broken', () => {
    const s = state();
    foldPoll(s, tracker, [issue('A')], [], false, NOW);
    expect(s.queue).toEqual({});
  });

  it('sends in-flight issues their fresh snapshot, or null once gone, and records the new fingerprint', () => {
    const s = state();
    const a = issue('A');
    s.inflight[wf('A')] = { tracker: 'local', issueId: a.id, fingerprint: 'old', row: row('A', 'running'), dispatchedAt: NOW };
    s.inflight[wf('B')] = { tracker: 'local', issueId: 'id-B', fingerprint: 'old', row: row('B', 'gated'), dispatchedAt: NOW };
    const moved = { ...a, state: 'Done' };
    const fold = foldPoll(s, tracker, [moved], ['id-B'], true, NOW);
    expect(fold.snapshots).toEqual([
      { workflowId: wf('A'), issue: moved },
      { workflowId: wf('B'), issue: null },
    ]);
    expect(s.inflight[wf('A')]?.fingerprint).toBe(issueFingerprint(moved));
    expect(s.inflight[wf('A')]?.row.state).toBe('Done');
    expect(knownIssues(s, 'local')).toEqual({ 'id-A': issueFingerprint(moved), 'id-B': 'old' });
  });

  it('a reload drops queue entries the new view no longer admits and re-stages the rest', () => {
    const s = state();
    foldPoll(s, tracker, [issue('A'), issue('B', { state: 'In Progress' })], [], true, NOW);
    s.view = view({ stages: [{ name: 'work', states: ['Todo'], backend: 'command', on_success: { add_labels: [], remove_labels: [] } }] });
    requeueForView(s);
    expect(Object.values(s.queue).map((q) => [q.issue.identifier, q.stage])).toEqual([['A', 'work']]);
  });
});

describe('admission: grants in Symphony order under the limits', () => {
  it('grants one slot at a time in sort order: priority 1..4 first, then oldest, then identifier (§8.2)', () => {
    const s = state(view({ maxConcurrentAgents: 1 }));
    const priorities = [null, 4, 1, 2, 1, 0];
    foldPoll(s, tracker, priorities.map((p, i) => issue(`P-${i}`, { priority: p, created_at: '2026-01-01T00:00:00Z' })), [], true, NOW);
    const order: string[] = [];
    for (let i = 0; i < priorities.length; i++) {
      const { starts } = admit(s, NOW);
      expect(starts).toHaveLength(1);
      order.push(starts[0]!.entry.issue.identifier);
      expect(admit(s, NOW).starts).toHaveLength(0); // the slot is taken until released
      foldReport(s, { workflowId: starts[0]!.workflowId, release: true, row: row(starts[0]!.entry.issue.identifier, 'done'), closing: 'done' }, NOW);
    }
    // priority 1 (P-2, P-4 by identifier), 2, 4, then 0 and null (not 1..4) by identifier.
    expect(order).toEqual(['P-2', 'P-4', 'P-3', 'P-1', 'P-0', 'P-5']);
  });

  it('a started issue holds its slot (seq 1) and is in flight with a starting row', () => {
    const s = state();
    foldPoll(s, tracker, [issue('A')], [], true, NOW);
    const { starts } = admit(s, NOW);
    expect(starts[0]).toMatchObject({ workflowId: wf('A'), grant: { seq: 1, stage: 'plan', grantedAt: NOW } });
    expect(s.holders[wf('A')]).toMatchObject({ seq: 1, stage: 'plan', state: 'Todo' });
    expect(s.inflight[wf('A')]?.row.status).toBe('starting');
    expect(s.queue).toEqual({});
  });

  it('an in-flight issue asking for its next stage competes in order with queued ones', () => {
    const s = state(view({ maxConcurrentAgents: 1 }));
    foldPoll(s, tracker, [issue('LOW', { priority: 4 }), issue('HIGH', { priority: 1 })], [], true, NOW);
    const first = admit(s, NOW).starts[0]!;
    expect(first.entry.issue.identifier).toBe('HIGH');
    // HIGH finishes plan and asks for implement with seq 2; it gives its slot back in the same report.
    foldReport(s, { workflowId: wf('HIGH'), release: true, request: { seq: 2, identifier: 'HIGH', state: 'In Progress', stage: 'implement', priority: 1, created_at: null }, row: row('HIGH', 'waiting_slot') }, NOW);
    const next = admit(s, NOW);
    expect(next.starts).toEqual([]);
    expect(next.grants).toEqual([{ workflowId: wf('HIGH'), grant: { seq: 2, stage: 'implement', grantedAt: NOW } }]);
  });

  it('honours per-state and per-stage limits', () => {
    const s = state(view({ maxConcurrentAgents: 5, maxConcurrentAgentsByState: { todo: 1 } }));
    foldPoll(s, tracker, [issue('A'), issue('B'), issue('C', { state: 'In Progress' })], [], true, NOW);
    expect(admit(s, NOW).starts.map((x) => x.entry.issue.identifier).sort()).toEqual(['A', 'C']);
    const t = state(view({ stages: view().stages.map((st) => (st.name === 'plan' ? { ...st, max_concurrent: 2 } : st)) }));
    t.view = { ...t.view!, maxConcurrentAgents: 10 };
    foldPoll(t, tracker, [issue('D'), issue('E'), issue('F')], [], true, NOW);
    expect(admit(t, NOW).starts).toHaveLength(2);
  });

  it('grants nothing to a stage held by a failed preflight', () => {
    const s = state();
    foldPoll(s, tracker, [issue('A'), issue('B', { state: 'In Progress' })], [], true, NOW);
    expect(admit(s, NOW, new Set(['plan'])).starts.map((x) => x.entry.issue.identifier)).toEqual(['B']);
  });
});

describe('admission: reports, rows and idleness', () => {
  it('a release frees the slot; closing forgets the issue everywhere', () => {
    const s = state();
    foldPoll(s, tracker, [issue('A')], [], true, NOW);
    admit(s, NOW);
    foldReport(s, { workflowId: wf('A'), release: true, row: row('A', 'gated') }, NOW);
    expect(s.holders).toEqual({});
    expect(rowStatus(s, wf('A'))).toBe('gated');
    foldReport(s, { workflowId: wf('A'), release: false, row: row('A', 'done'), closing: 'done' }, NOW);
    expect(s.inflight).toEqual({});
  });

  it('an orchestrator that lost its state learns an in-flight issue from its next report', () => {
    const s = state();
    foldReport(s, { workflowId: wf('LOST'), release: false, request: { seq: 5, identifier: 'LOST', state: 'Todo', stage: 'plan', priority: null, created_at: null }, row: row('LOST', 'waiting_slot') }, NOW);
    expect(s.inflight[wf('LOST')]).toMatchObject({ tracker: 'local', issueId: 'id-LOST', row: { status: 'waiting_slot' } });
    expect(admit(s, NOW).grants).toEqual([{ workflowId: wf('LOST'), grant: { seq: 5, stage: 'plan', grantedAt: NOW } }]);
    // Known from now on: the next poll reconciles it instead of queueing it as new.
    expect(knownIssues(s, 'local')).toHaveProperty('id-LOST');
  });

  it('the slot table knows better than a stale row', () => {
    const s = state();
    s.inflight[wf('A')] = { tracker: 'local', issueId: 'id-A', fingerprint: 'f', row: row('A', 'retrying'), dispatchedAt: NOW };
    s.holders[wf('A')] = { seq: 2, identifier: 'A', state: 'Todo', stage: 'plan', priority: null, created_at: null, since: NOW };
    expect(rowStatus(s, wf('A'))).toBe('running');
  });

  it.each<[string, (s: OrchestratorState) => void, boolean]>([
    ['never polled', (s) => void (s.lastPollOk = false), false],
    ['polled, nothing anywhere', () => undefined, true],
    ['an issue queued', (s) => foldPoll(s, tracker, [issue('Q')], [], true, NOW), false],
    ['an issue gated', (s) => void (s.inflight[wf('G')] = { tracker: 'local', issueId: 'g', fingerprint: 'f', row: row('G', 'gated'), dispatchedAt: NOW }), false],
    ['only a stopped issue', (s) => void (s.inflight[wf('S')] = { tracker: 'local', issueId: 's', fingerprint: 'f', row: row('S', 'stopped'), dispatchedAt: NOW }), true],
  ])('idle when %s: %s', (_name, setup, want) => {
    const s = state();
    s.lastPollOk = true;
    setup(s);
    expect(isIdle(s)).toBe(want);
  });
});
