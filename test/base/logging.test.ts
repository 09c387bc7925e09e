/**
 * The logging pieces as pure logic: one JSON object per line with each key once (even when child
 * bindings and call fields repeat a key), Temporal SDK log calls mapped into the same stream,
 * lifecycle lines (SPEC §13.1 fields), and tracker-outage de-duplication (one line when an outage
 * starts, one when it ends).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, dedupeJsonLine, logFormat, sdkLevel, temporalFields, temporalLogger } from '../../base/logger.js';
import { LifecycleEvent, lifecycle, lifecycleLine, noteTrackerPoll, type OutageState } from '../../core/lifecycle.js';

function collectingLogger(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ format: 'json', level, destination }), lines };
}

describe('JSON log lines', () => {
  it.each([
    ['{"a":1,"a":2}\n', '{"a":2}\n'],
    ['{"issue_id":"x","msg":"m","issue_id":"x"}', '{"issue_id":"x","msg":"m"}'],
    ['not json\n', 'not json\n'],
  ])('dedupeJsonLine(%j) = %j', (input, expected) => {
    expect(dedupeJsonLine(input)).toBe(expected);
  });

  it('a key bound by a child, a grandchild and the call appears once, with the last value', () => {
    const { logger, lines } = collectingLogger();
    logger.child({ issue_id: 'i1', issue_identifier: 'A-1' }).child({ issue_id: 'i1', tracker: 'local' }).info({ issue_identifier: 'A-1', stage: 'plan' }, 'stage started');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(JSON.stringify(JSON.parse(line))).toBe(line);
    for (const key of ['issue_id', 'issue_identifier', 'stage', 'tracker']) expect(line.split(`"${key}":`).length - 1).toBe(1);
  });

  it.each([
    [{ BATON_LOG_FORMAT: 'json' }, true, 'json'],
    [{ BATON_LOG_FORMAT: 'PRETTY' }, false, 'pretty'],
    [{}, true, 'pretty'],
    [{}, false, 'json'],
  ] as const)('logFormat(%j, tty=%s) = %s', (env, tty, expected) => {
    expect(logFormat(env, tty)).toBe(expected);
  });
});

describe('Temporal SDK lines in the same stream', () => {
  it('maps levels, snake-cases SDK metadata, drops the symbol timestamp and keeps errors as err', () => {
    const { logger, lines } = collectingLogger('debug');
    const sdk = temporalLogger(logger);
    const at = Symbol.for('log_timestamp');
    sdk.warn('Activity failed', { sdkComponent: 'worker', workflowId: 'w1', activityType: 'pollTracker', [at]: 1n, error: new Error('ECONNREFUSED') });
    sdk.trace('too detailed', {});
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: 'Activity failed', sdk_component: 'worker', workflow_id: 'w1', activity_type: 'pollTracker', err: { message: 'ECONNREFUSED' } });
    expect(temporalFields(undefined)).toEqual({});
  });

  it.each([
    ['INFO', 'Worker state changed', { sdkComponent: 'worker', state: 'DRAINING' }, 'DEBUG'],
    ['INFO', 'Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' }, 'INFO'],
    ['WARN', 'No workflows registered, not polling for workflow tasks', { sdkComponent: 'worker' }, 'DEBUG'],
    ['WARN', 'Activity failed', { sdkComponent: 'worker' }, 'WARN'],
    ['INFO', 'No workflows registered, not polling for workflow tasks', { sdkComponent: 'workflow' }, 'INFO'],
  ] as const)('sdkLevel(%s, %s, %j) = %s', (level, message, meta, expected) => {
    expect(sdkLevel(level, message, meta)).toBe(expected);
  });
});

describe('lifecycle lines', () => {
  it('writes the event, its message and the issue fields; failures at warn', () => {
    const { logger, lines } = collectingLogger();
    const sink = temporalLogger(logger);
    lifecycle(sink, LifecycleEvent.stageStarted, { issue_id: 'i1', issue_identifier: 'A-1', stage: 'plan', attempt: 1, session_id: undefined });
    lifecycle(sink, LifecycleEvent.stageFailed, { issue_id: 'i1', issue_identifier: 'A-1', stage: 'plan', category: 'agent_failed', message: 'exit 1' });
    const [started, failed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(started).toMatchObject({ level: 30, event: 'stage_started', msg: 'stage started', issue_id: 'i1', issue_identifier: 'A-1', stage: 'plan', attempt: 1 });
    expect(started).not.toHaveProperty('session_id');
    expect(failed).toMatchObject({ level: 40, event: 'stage_failed', category: 'agent_failed' });
  });

  it('names every lifecycle event once (issue 9 §1, plus admissions, holds, operator actions and the PR lifecycle)', () => {
    expect(Object.values(LifecycleEvent).sort()).toEqual(
      [
        ...['config_rejected', 'config_reloaded', 'dispatched', 'done', 'gate_decided', 'gate_waiting', 'released', 'retry_scheduled', 'rework'],
        ...['stage_failed', 'stage_finished', 'stage_started', 'stopped', 'tracker_poll_failed', 'tracker_poll_recovered', 'turn_completed'],
        ...['admitted', 'cleanup_failed', 'operator_action', 'session_started', 'stage_cancelled', 'stage_held', 'stage_released'],
        ...['merge_refused', 'pull_request_merged', 'pull_request_recorded'],
      ].sort(),
    );
    expect(lifecycleLine(LifecycleEvent.done).fields).toEqual({ event: 'done' });
  });
});

describe('tracker outages: one line when they start, one when they end', () => {
  it('folds a sequence of poll results into exactly two lines', () => {
    const results: ({ ok: true } | { ok: false; cause: string })[] = [
      { ok: true },
      { ok: false, cause: 'ECONNREFUSED' },
      { ok: false, cause: 'ECONNREFUSED' },
      { ok: false, cause: 'HTTP 502' },
      { ok: true },
      { ok: true },
    ];
    let state: OutageState = {};
    const events: (string | null)[] = [];
    results.forEach((r, i) => {
      const note = noteTrackerPoll(state, 'linear', r, `2026-01-01T00:00:0${i}Z`);
      state = note.state;
      events.push(note.event);
      if (note.event === LifecycleEvent.trackerPollRecovered) expect(note.fields).toMatchObject({ failing_since: '2026-01-01T00:00:01Z', failures: 3, last_cause: 'HTTP 502' });
    });
    expect(events).toEqual([null, 'tracker_poll_failed', null, null, 'tracker_poll_recovered', null]);
    expect(state).toEqual({});
  });

  it('keeps trackers apart', () => {
    const a = noteTrackerPoll({}, 'a', { ok: false, cause: 'x' }, 't0');
    const b = noteTrackerPoll(a.state, 'b', { ok: true }, 't1');
    expect(b.event).toBeNull();
    expect(Object.keys(b.state)).toEqual(['a']);
  });
});
