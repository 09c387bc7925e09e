import { describe, expect, it } from 'vitest';
import { emptyOrchestratorState } from '../../core/admission.js';
import { pollNeedsOrchestrator, quiescent } from '../../core/idle-watch.js';
import type { ConfigView, OrchestratorState, PollResult, TrackerPoll } from '../../core/protocol.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const view = { hash: 'h1', pollIntervalMs: 1_000, trackers: [{ name: 'local' }] } as unknown as ConfigView;

function state(patch: Partial<OrchestratorState> = {}): OrchestratorState {
  return { ...emptyOrchestratorState(), view, lastPollOk: true, trackers: { local: { ok: true, lastPollAt: null, error: null, since: null } }, ...patch };
}
const entry = {} as never;

describe('quiescent: when the idle watch may stand in for the poll loop', () => {
  it.each<[string, OrchestratorState, boolean]>([
    ['config in force, last poll clean, nothing anywhere', state(), true],
    ['no config yet', state({ view: null }), false],
    ['a config error is shown', state({ configError: 'bad' }), false],
    ['the last poll failed', state({ lastPollOk: false }), false],
    ['an issue in flight', state({ inflight: { w: entry } }), false],
    ['an issue queued', state({ queue: { w: entry } }), false],
    ['a slot held', state({ holders: { w: entry } }), false],
    ['an issue waiting for a slot', state({ waiting: { w: entry } }), false],
    ['a tracker is failing', state({ trackers: { local: { ok: false, lastPollAt: null, error: { category: 'x', message: 'y' }, since: null } } }), false],
    ['a tracker waits out a rate limit', state({ trackers: { local: { ok: true, lastPollAt: null, error: null, since: null, retryAt: '2026-12-02T12:01:00Z' } } }), false],
    ['a rate limit that has ended', state({ trackers: { local: { ok: true, lastPollAt: null, error: null, since: null, retryAt: '2026-12-02T11:59:00Z' } } }), true],
  ])('%s → %s', (_what, s, expected) => {
    expect(quiescent(s, NOW)).toBe(expected);
  });
});

describe('pollNeedsOrchestrator: which polls end the watch', () => {
  const quiet: TrackerPoll = { ok: true, changed: [], gone: [] };
  const result = (trackers: Record<string, TrackerPoll>, config: PollResult['config'] = { hash: 'h1', error: null }): PollResult => ({ config, trackers, polledAt: '2026-12-02T12:00:00Z' });
  it.each<[string, PollResult, string | null, boolean]>([
    ['nothing changed', result({ local: quiet }), null, false],
    ['a new or changed issue', result({ local: { ok: true, changed: [{ id: 'a' } as never], gone: [] } }), null, true],
    ['a known issue is gone', result({ local: { ok: true, changed: [], gone: ['a'] } }), null, true],
    ['the tracker failed', result({ local: { ok: false, error: { category: 'tracker_request', message: 'down' } } }), null, true],
    ['a tracker the orchestrator has not polled (added by a reload)', result({ local: quiet, other: quiet }), null, true],
    ['a new config view', result({ local: quiet }, { hash: 'h2', view: view, error: null }), null, true],
    ['the config broke', result({ local: quiet }, { hash: 'h1', error: 'bad' }), null, true],
    ['the config error is the one already shown', result({ local: quiet }, { hash: 'h1', error: 'bad' }), 'bad', false],
    ['the config was fixed', result({ local: quiet }, { hash: 'h1', error: null }), 'bad', true],
  ])('%s → %s', (_what, r, configError, expected) => {
    expect(pollNeedsOrchestrator(r, ['local'], configError)).toBe(expected);
  });
});
