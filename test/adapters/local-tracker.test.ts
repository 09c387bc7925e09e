/**
 * Pure read semantics shared by the `file` and `memory` trackers: the blocker rule behind
 * `dispatchable` (SPEC §4.1.1, §8.2), record normalization (SPEC §11.3), malformed handling for both
 * read kinds (SPEC §11.1) and label edits.
 */
import { describe, expect, it } from 'vitest';
import { isBatonError } from '../../core/errors.js';
import type { BlockerRef } from '../../core/issue.js';
import {
  buildSnapshot,
  editLabels,
  isBlockedTodo,
  normalizeRecord,
  selectByIds,
  selectByStates,
  selectPoll,
  type RawRecord,
} from '../../adapters/trackers/local-tracker.js';

const TERMINAL = ['Done', 'Cancelled'];
const ref = (state: string | null): BlockerRef => ({ id: 'B', identifier: 'B', state });

function raw(fields: Record<string, unknown> | null, extra: Partial<RawRecord> = {}): RawRecord {
  return { source: `src:${String(fields?.identifier ?? extra.fallbackIdentifier ?? '?')}`, fields, native_ref: null, url: null, ...extra };
}

describe('isBlockedTodo', () => {
  it.each([
    { state: 'Todo', blockers: [], blocked: false },
    { state: 'Todo', blockers: [ref('Done')], blocked: false },
    { state: 'todo', blockers: [ref(' done ')], blocked: false },
    { state: 'TODO', blockers: [ref('In Progress')], blocked: true },
    { state: 'Todo', blockers: [ref(null)], blocked: true },
    { state: 'Todo', blockers: [ref('Done'), ref('Review')], blocked: true },
    { state: 'In Progress', blockers: [ref('In Progress')], blocked: false },
    { state: 'Backlog', blockers: [ref(null)], blocked: false },
  ])('$state with blockers $blockers → blocked $blocked', ({ state, blockers, blocked }) => {
    expect(isBlockedTodo(state, blockers, TERMINAL)).toBe(blocked);
  });
});

describe('editLabels', () => {
  it.each([
    { current: ['Agent'], add: ['agent'], remove: [], next: null },
    { current: ['Agent'], add: ['Bug'], remove: [], next: ['Agent', 'Bug'] },
    { current: ['Agent', 'Bug'], add: [], remove: ['AGENT'], next: ['Bug'] },
    { current: [], add: [' x ', 'X', ''], remove: [], next: ['x'] },
    { current: ['a'], add: [], remove: ['b'], next: null },
  ])('$current + $add - $remove → $next', ({ current, add, remove, next }) => {
    expect(editLabels(current, add, remove)).toEqual(next);
  });
});

describe('normalizeRecord', () => {
  it('fills every Issue field and normalizes optional values', () => {
    const result = normalizeRecord(
      raw(
        {
          id: 42,
          title: 'T',
          state: 'Todo',
          labels: [' Agent ', 'agent', 'BUG', '', 7],
          priority: '3',
          assignee: 'ana',
          branch_name: 'feat/x',
          created_at: '2024-05-06T07:08:09+02:00',
          updated_at: 'yesterday',
          blocked_by: ['ABC-2', { identifier: 'ABC-3', state: 'Done' }, 17, { nothing: true }],
        },
        { fallbackIdentifier: 'ABC-1', description: 'body', url: 'file:///x', native_ref: { path: '/x' } },
      ),
    );
    expect(result).toEqual({
      ok: true,
      issue: {
        id: '42',
        identifier: 'ABC-1',
        title: 'T',
        description: 'body',
        priority: 3,
        state: 'Todo',
        branch_name: 'feat/x',
        url: 'file:///x',
        assignee_id: 'ana',
        labels: ['agent', 'bug'],
        blocked_by: [
          { id: null, identifier: 'ABC-2', state: null },
          { id: null, identifier: 'ABC-3', state: 'Done' },
          { id: null, identifier: '17', state: null },
        ],
        dispatchable: true,
        created_at: '2024-05-06T05:08:09.000Z',
        updated_at: null,
        native_ref: { path: '/x' },
      },
    });
  });

  it.each([
    { fields: null, reason: /unreadable/ },
    { fields: { title: 'T', state: 'Todo' }, reason: /identifier/ },
    { fields: { identifier: 'A', state: 'Todo' }, reason: /title/ },
    { fields: { identifier: 'A', title: '  ', state: 'Todo' }, reason: /title/ },
    { fields: { identifier: 'A', title: 'T' }, reason: /state/ },
    { fields: { identifier: 'A', title: 'T', state: ['Todo'] }, reason: /state/ },
  ])('is malformed without a usable required field: $fields', ({ fields, reason }) => {
    const result = normalizeRecord(raw(fields, { error: 'unreadable' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.malformed.reason).toMatch(reason);
  });

  it('lets a record hold itself with dispatchable: false', () => {
    const result = normalizeRecord(raw({ identifier: 'A', title: 'T', state: 'Todo', dispatchable: false }));
    expect(result.ok && result.issue.dispatchable).toBe(false);
  });
});

describe('buildSnapshot and the reads on it', () => {
  const records = [
    raw({ identifier: 'A-1', title: 'blocked by open', state: 'Todo', blocked_by: ['A-2'] }),
    raw({ identifier: 'A-2', title: 'open blocker', state: 'In Progress' }),
    raw({ identifier: 'A-3', title: 'blocked by done', state: 'Todo', blocked_by: ['A-4'] }),
    raw({ identifier: 'A-4', title: 'done blocker', state: 'Done' }),
    raw({ identifier: 'A-5', title: 'blocked by unknown', state: 'todo', blocked_by: ['ZZ-9'] }),
    raw({ identifier: 'A-6', state: 'Todo' }), // no title: malformed
    raw({ identifier: 'D-1', title: 'dup one', state: 'Todo' }),
    raw({ identifier: 'D-1', title: 'dup two', state: 'Todo' }),
  ];
  const snapshot = buildSnapshot(records, TERMINAL);
  const byIdentifier = Object.fromEntries(snapshot.issues.map((i) => [i.identifier, i]));

  it('resolves blockers from the snapshot and derives dispatchable', () => {
    expect(byIdentifier['A-1']?.blocked_by).toEqual([{ id: 'A-2', identifier: 'A-2', state: 'In Progress' }]);
    expect(byIdentifier['A-1']?.dispatchable).toBe(false);
    expect(byIdentifier['A-3']?.dispatchable).toBe(true);
    expect(byIdentifier['A-5']?.blocked_by).toEqual([{ id: null, identifier: 'ZZ-9', state: null }]);
    expect(byIdentifier['A-5']?.dispatchable).toBe(false);
    expect(byIdentifier['A-2']?.dispatchable).toBe(true);
  });

  it('drops malformed and duplicate records and says why', () => {
    expect(Object.keys(byIdentifier).sort()).toEqual(['A-1', 'A-2', 'A-3', 'A-4', 'A-5']);
    expect(snapshot.malformed.map((m) => m.claimedId).sort()).toEqual(['A-6', 'D-1', 'D-1']);
    expect(snapshot.malformed.find((m) => m.claimedId === 'D-1')?.reason).toMatch(/used by 2 records/);
  });

  it('state reads match case-insensitively and keep non-dispatchable issues', () => {
    expect(selectByStates(snapshot, [' TODO ']).map((i) => i.identifier)).toEqual(['A-1', 'A-3', 'A-5']);
  });

  it('id reads omit missing ids but fail on a malformed requested record', () => {
    expect(selectByIds(snapshot, ['A-2', 'gone'], 't').map((i) => i.id)).toEqual(['A-2']);
    for (const id of ['A-6', 'D-1']) {
      let caught: unknown;
      try {
        selectByIds(snapshot, ['A-2', id], 't');
      } catch (err) {
        caught = err;
      }
      expect(isBatonError(caught) && caught.category).toBe('tracker_response');
    }
  });

  it('a poll returns in-flight snapshots that are not candidates, once each', () => {
    const poll = selectPoll(snapshot, ['Todo'], ['A-1', 'A-4', 'gone'], 't');
    expect(poll.candidates.map((i) => i.id)).toEqual(['A-1', 'A-3', 'A-5']);
    expect(poll.inflight.map((i) => i.id)).toEqual(['A-4']);
  });
});
