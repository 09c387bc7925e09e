/**
 * Symphony's dispatch rules as pure functions (SPEC §8.2–§8.4, §17.4): eligibility, sort order,
 * slot grants, backoff, and routing a snapshot to a stage.
 */
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../core/issue.js';
import { compareCodeUnits, compareDispatchOrder, failureBackoffMs, grantSlots, ineligibilityReason, isRoutable, sortForDispatch, type SlotRequest } from '../../core/scheduling.js';
import { entryStateOf, routeIssue, stageForState } from '../../core/routing.js';

const rules = { required_labels: ['Agent'], active_states: ['Todo', 'In Progress', 'In Review'], terminal_states: ['Done', 'Cancelled'] };

function issue(patch: Partial<Issue> = {}): Issue {
  return {
    id: 'id-1',
    identifier: 'ENG-1',
    title: 'A title',
    description: null,
    priority: null,
    state: 'Todo',
    branch_name: null,
    url: null,
    assignee_id: null,
    labels: ['agent'],
    blocked_by: [],
    dispatchable: true,
    created_at: null,
    updated_at: null,
    native_ref: null,
    ...patch,
  };
}

describe('§8.2 eligibility', () => {
  it.each([
    ['eligible', issue(), null],
    ['§17.4 dispatchable=false is not eligible', issue({ dispatchable: false }), 'not dispatchable'],
    ['§17.4 required labels compare case-insensitively', issue({ labels: ['AGENT'.toLowerCase()] }), null],
    ['missing required label', issue({ labels: ['bug'] }), 'required label'],
    ['terminal state', issue({ state: 'done' }), 'terminal'],
    ['state compared trimmed and lower-cased', issue({ state: '  in progress ' }), null],
    ['non-active state', issue({ state: 'Backlog' }), 'not active'],
    ['blank title', issue({ title: '' }), 'missing required fields'],
  ])('%s', (_name, candidate, reason) => {
    const got = ineligibilityReason(rules, candidate);
    if (reason === null) expect(got).toBeNull();
    else expect(got).toContain(reason);
  });

  it('a blank configured label matches no issue', () => {
    expect(isRoutable({ ...rules, required_labels: ['  '] }, issue({ labels: [''] }))).toBe(false);
  });
});

describe('§8.2 sort order', () => {
  it('§17.4 dispatch sort order is priority then oldest creation time, then identifier', () => {
    const items = [
      { identifier: 'E', priority: null, created_at: '2026-01-01T00:00:00Z' },
      { identifier: 'D', priority: 0, created_at: '2025-01-01T00:00:00Z' },
      { identifier: 'C', priority: 2, created_at: null },
      { identifier: 'B', priority: 2, created_at: '2026-01-02T00:00:00Z' },
      { identifier: 'A', priority: 2, created_at: '2026-01-02T00:00:00Z' },
      { identifier: 'F', priority: 1, created_at: '2027-01-01T00:00:00Z' },
      { identifier: 'G', priority: 9, created_at: '2024-01-01T00:00:00Z' },
    ];
    // 1..4 first; 0, 9 and null share the last bucket, ordered by age.
    expect(sortForDispatch(items).map((i) => i.identifier)).toEqual(['F', 'A', 'B', 'C', 'G', 'D', 'E']);
    expect(compareDispatchOrder(items[3]!, items[3]!)).toBe(0);
  });
});

describe('§8.4 backoff', () => {
  it.each([
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [5, 160_000],
    [6, 300_000],
    [50, 300_000],
  ])('§17.4 abnormal exit attempt %i waits %i ms (10 s × 2^(n−1), capped)', (attempt, ms) => {
    expect(failureBackoffMs(attempt, 300_000)).toBe(ms);
  });

  it('§17.4 retry backoff cap uses the configured max_retry_backoff_ms', () => {
    expect(failureBackoffMs(4, 25_000)).toBe(25_000);
    expect(failureBackoffMs(2, 1_000_000, 500)).toBe(1_000);
  });
});

describe('§8.3 slot grants', () => {
  const req = (id: string, state: string, stage: string, priority: number | null = null): SlotRequest => ({
    workflowId: id,
    identifier: id,
    state,
    stage,
    priority,
    created_at: null,
  });

  it('grants in dispatch order up to the global limit', () => {
    const granted = grantSlots([], [req('c', 'Todo', 'plan', 3), req('a', 'Todo', 'plan', 1), req('b', 'Todo', 'plan', 2)], {
      maxConcurrentAgents: 2,
      byState: {},
      byStage: {},
    });
    expect(granted.map((g) => g.workflowId)).toEqual(['a', 'b']);
  });

  it('applies per-state limits on normalized state names, counting current holders', () => {
    const granted = grantSlots([{ state: 'TODO', stage: 'plan' }], [req('a', 'todo', 'plan'), req('b', 'In Progress', 'implement')], {
      maxConcurrentAgents: 10,
      byState: { todo: 1 },
      byStage: {},
    });
    expect(granted.map((g) => g.workflowId)).toEqual(['b']);
  });

  it('applies per-stage limits and skips (not stops at) a request that does not fit', () => {
    const granted = grantSlots([], [req('a', 'Todo', 'plan', 1), req('b', 'Todo', 'plan', 2), req('c', 'In Review', 'review', 3)], {
      maxConcurrentAgents: 10,
      byState: {},
      byStage: { plan: 1 },
    });
    expect(granted.map((g) => g.workflowId)).toEqual(['a', 'c']);
  });

  it('grants nothing when the global limit is already held', () => {
    expect(grantSlots([{ state: 'x', stage: 's' }], [req('a', 'Todo', 'plan')], { maxConcurrentAgents: 1, byState: {}, byStage: {} })).toEqual([]);
  });
});

describe('routing a snapshot to a stage', () => {
  const stages = [
    { name: 'plan', states: ['Todo'] },
    { name: 'implement', states: ['In Progress'] },
  ];
  it.each([
    ['active and routed', issue({ state: 'todo' }), { kind: 'stage', stage: 'plan' }],
    ['§17.4 terminal', issue({ state: 'Cancelled' }), { kind: 'terminal' }],
    ['§17.4 non-active', issue({ state: 'Backlog' }), { kind: 'inactive' }],
    ['active but no stage handles it', issue({ state: 'In Review' }), { kind: 'inactive' }],
    ['label removed', issue({ labels: [] }), { kind: 'unroutable' }],
    ['gone from the tracker', undefined, { kind: 'gone' }],
  ])('%s', (_name, snapshot, expected) => {
    expect(routeIssue(rules, stages, snapshot)).toMatchObject(expected);
  });

  it('finds the stage of a state and a stage’s entry state', () => {
    expect(stageForState(stages, ' IN PROGRESS ')).toBe('implement');
    expect(entryStateOf(stages, 'implement')).toBe('In Progress');
    expect(entryStateOf(stages, 'nope')).toBeUndefined();
  });

  // Code-unit order, not the host's collation: upper case before lower, '-' before digits, and no
  // numeric reading of digit runs — the same on every host.
  it.each([
    ['ABC-10', 'ABC-9', -1],
    ['abc-1', 'ABC-1', 1],
    ['ABC-1', 'ABC-1', 0],
    ['A-1', 'A1', -1],
    ['2026-01-02T00:00:00Z', '2026-01-01T23:59:59Z', 1],
    ['Émile', 'Zed', 1],
  ])('compareCodeUnits(%j, %j) is %i', (a, b, sign) => {
    expect(Math.sign(compareCodeUnits(a, b))).toBe(sign);
  });
});
