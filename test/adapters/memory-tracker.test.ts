/**
 * The `memory` tracker (profile spec/adapters/memory.md): a named store that tests seed and adapters
 * read and write, with the `file` tracker's read semantics, a request counter, a write log and
 * injected failures.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { TrackerConfig } from '../../config/schema.js';
import { createTracker } from '../../adapters/trackers/index.js';
import { memoryTrackerStore, type MemoryTrackerStore } from '../../adapters/trackers/memory.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';
import { silentLogger } from '../../base/logger.js';

const STORE = 'memory-tracker-test';
let store: MemoryTrackerStore;
let tracker: TrackerAdapter;

function config(store = STORE): TrackerConfig {
  return {
    name: 'mem',
    kind: 'memory',
    provider: { store },
    required_labels: [],
    active_states: ['Todo', 'In Progress'],
    terminal_states: ['Done', 'Cancelled'],
    secret_env: [],
  };
}

beforeEach(async () => {
  store = memoryTrackerStore(STORE);
  store.clear();
  tracker = await createTracker(config(), { logger: silentLogger, env: {} });
});

describe('store', () => {
  it('put fills every Issue field with a default', () => {
    const issue = store.put({ title: 'Seeded' });
    expect(issue).toEqual({
      id: 'MEM-1',
      identifier: 'MEM-1',
      title: 'Seeded',
      description: null,
      priority: null,
      state: 'Todo',
      branch_name: null,
      url: null,
      assignee_id: null,
      labels: [],
      blocked_by: [],
      dispatchable: true,
      created_at: null,
      updated_at: null,
      native_ref: { store: STORE, id: 'MEM-1' },
    });
    expect(store.put().identifier).toBe('MEM-2');
  });

  it('is shared by name between tests and adapters', async () => {
    memoryTrackerStore(STORE).put({ identifier: 'S-1' });
    expect((await tracker.fetchIssuesByIds(['S-1'])).map((i) => i.id)).toEqual(['S-1']);
    expect(memoryTrackerStore('another-store').get('S-1')).toBeUndefined();
  });

  it('update changes fields, bumps updated_at and is seen by the next read', async () => {
    store.put({ identifier: 'U-1' });
    store.update('U-1', { state: 'In Progress', labels: ['X'] });
    const [issue] = await tracker.fetchIssuesByIds(['U-1']);
    expect(issue).toMatchObject({ state: 'In Progress', labels: ['x'] });
    expect(issue?.updated_at).not.toBeNull();
    expect(() => store.update('nope', {})).toThrow(/no issue/);
  });

  it('remove makes an issue disappear from id reads', async () => {
    store.put({ identifier: 'R-1' });
    store.remove('R-1');
    expect(await tracker.fetchIssuesByIds(['R-1'])).toEqual([]);
  });
});

describe('reads', () => {
  it('normalize like the file tracker and filter states case-insensitively', async () => {
    store.put({ identifier: 'A-1', labels: [' Agent ', 'AGENT'] as string[], priority: 2 });
    store.put({ identifier: 'A-2', state: 'done' });
    store.put({ identifier: 'A-3', state: 'in progress' });
    const issues = await tracker.fetchIssuesByStates(['TODO', 'In Progress']);
    expect(issues.map((i) => i.identifier)).toEqual(['A-1', 'A-3']);
    expect(issues[0]).toMatchObject({ labels: ['agent'], priority: 2 });
  });

  it('count one request per read and none for empty inputs', async () => {
    store.put({ identifier: 'C-1' });
    await tracker.fetchIssuesByStates([]);
    await tracker.fetchIssuesByIds([]);
    await tracker.poll?.([], []);
    expect(store.requests).toBe(0);
    await tracker.fetchIssuesByStates(['Todo']);
    await tracker.poll?.(['Todo'], ['C-1', 'gone']);
    expect(store.requests).toBe(2);
  });

  it('derive dispatchable from blockers resolved in the store', async () => {
    store.put({ identifier: 'B-1', blocked_by: ['B-2'] });
    store.put({ identifier: 'B-2', state: 'In Progress' });
    store.put({ identifier: 'B-3', blocked_by: ['missing'] });
    store.put({ identifier: 'B-4', dispatchable: false });
    const byId = Object.fromEntries((await tracker.fetchIssuesByStates(['Todo', 'In Progress'])).map((i) => [i.id, i]));
    expect(byId['B-1']?.dispatchable).toBe(false);
    expect(byId['B-1']?.blocked_by).toEqual([{ id: 'B-2', identifier: 'B-2', state: 'In Progress' }]);
    expect(byId['B-3']?.dispatchable).toBe(false);
    expect(byId['B-4']?.dispatchable).toBe(false);
    store.update('B-2', { state: 'Done' });
    expect((await tracker.fetchIssuesByIds(['B-1']))[0]?.dispatchable).toBe(true);
  });

  it('drop a malformed record from state reads but fail an id read that requests it', async () => {
    store.put({ identifier: 'OK-1' });
    store.putRaw({ id: 'BAD-1', identifier: 'BAD-1', state: 'Todo' });
    expect((await tracker.fetchIssuesByStates(['Todo'])).map((i) => i.id)).toEqual(['OK-1']);
    expect((await tracker.fetchIssuesByIds(['OK-1'])).map((i) => i.id)).toEqual(['OK-1']);
    await expect(tracker.fetchIssuesByIds(['OK-1', 'BAD-1'])).rejects.toMatchObject({ name: 'BatonError', category: 'tracker_response' });
    expect(store.get('BAD-1')).toBeUndefined();
  });

  it('failNext makes exactly the next read throw that category', async () => {
    store.put({ identifier: 'F-1' });
    store.failNext('tracker_rate_limited');
    await expect(tracker.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ name: 'BatonError', category: 'tracker_rate_limited' });
    expect((await tracker.fetchIssuesByStates(['Todo'])).map((i) => i.id)).toEqual(['F-1']);
  });
});

describe('writes', () => {
  it('apply to the store and are logged in order', async () => {
    const issue = store.put({ identifier: 'W-1', labels: ['Agent'] });
    await tracker.moveToState(issue, 'In Progress');
    await tracker.addLabels(issue, ['agent', 'Review']);
    await tracker.removeLabels(issue, ['AGENT']);
    await tracker.upsertProgressComment(issue, 'one');
    await tracker.upsertProgressComment(issue, 'two');
    expect(store.get('W-1')).toMatchObject({ state: 'In Progress', labels: ['review'] });
    expect(store.progressComment('W-1')).toBe('two');
    expect(store.writes.map((w) => [w.op, w.value])).toEqual([
      ['move_to_state', 'In Progress'],
      ['add_labels', ['agent', 'Review']],
      ['remove_labels', ['AGENT']],
      ['progress_comment', 'one'],
      ['progress_comment', 'two'],
    ]);
  });

  it('fail with tracker_status for a missing issue and with an injected category when asked', async () => {
    const issue = store.put({ identifier: 'W-2' });
    store.remove('W-2');
    await expect(tracker.moveToState(issue, 'Done')).rejects.toMatchObject({ name: 'BatonError', category: 'tracker_status' });
    store.put({ identifier: 'W-2' });
    store.failNext('tracker_request', { on: 'write' });
    await expect(tracker.addLabels(issue, ['x'])).rejects.toMatchObject({ name: 'BatonError', category: 'tracker_request' });
    expect(store.writes).toEqual([]);
    await tracker.addLabels(issue, ['x']);
    expect(store.writes).toHaveLength(1);
  });

  it('offers no agent tools and declares no secrets', async () => {
    const issue = store.put();
    expect(tracker.agentTools()).toEqual([]);
    expect(tracker.secretEnvNames()).toEqual([]);
    const result = await tracker.executeAgentTool('anything', {}, issue);
    expect(result.success).toBe(false);
    expect(JSON.parse(result.output).error.message).toContain('anything');
  });
});
