/**
 * The bench's pure parts: statistics, the agent log, /proc parsing, history reading, the text
 * table, and that its generated deployment is a config Baton accepts.
 */
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { instantAgentScript, parseAgentStarts, readAgentStarts, stagesByIssue } from '../../bench/agent-log.js';
import { addIssue, createBenchDeployment, issueFileState, issueStateReader, STAGES } from '../../bench/deployment.js';
import { activityDurations, countByKind, dispatchSegments, eventKind, eventTimeMs, type HistoryEvent } from '../../bench/history.js';
import { parseProcStatus } from '../../bench/memory.js';
import { parseProcStat, procCpu } from '../../bench/cpu.js';
import { table } from '../../bench/report.js';
import { median, percentile, perMinute, perSecond, summarize } from '../../bench/stats.js';
import { defaultIdleWindowMs } from '../../bench/throughput.js';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { runShell } from '../../base/shell.js';
import { scaled } from '../helpers/time.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'baton-bench-test-'));
  dirs.push(d);
  return d;
}

describe('stats', () => {
  const one_to_twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  it.each([
    { sample: [5], p: 95, want: 5 },
    { sample: [1, 2, 3, 4], p: 50, want: 2 },
    { sample: [1, 2, 3, 4], p: 75, want: 3 },
    { sample: [1, 2, 3, 4], p: 100, want: 4 },
    { sample: one_to_twenty, p: 95, want: 19 },
    { sample: one_to_twenty, p: 5, want: 1 },
    { sample: one_to_twenty, p: 96, want: 20 },
    { sample: [], p: 95, want: Number.NaN },
  ])('percentile($p) of $sample.length values is $want (nearest rank)', ({ sample, p, want }) => {
    expect(percentile(sample, p)).toBe(want);
  });

  it.each([0, -1, 101, Number.NaN])('percentile rejects p = %s', (p) => {
    expect(() => percentile([1, 2], p)).toThrow(RangeError);
  });

  it.each([
    { sample: [3], want: 3 },
    { sample: [1, 3], want: 2 },
    { sample: [1, 2, 10], want: 2 },
    { sample: [1, 2, 4, 10], want: 3 },
    { sample: [], want: Number.NaN },
  ])('median of $sample is $want', ({ sample, want }) => {
    expect(median(sample)).toBe(want);
  });

  it('summarizes an unsorted sample without changing it', () => {
    const sample = [30, 10, 20, 40];
    expect(summarize(sample)).toEqual({ count: 4, min: 10, median: 25, p95: 40, max: 40, mean: 25 });
    expect(sample).toEqual([30, 10, 20, 40]);
    expect(summarize([]).count).toBe(0);
    expect(summarize([]).median).toBeNaN();
  });

  it.each([
    { fn: perMinute, count: 200, ms: 60_000, want: 200 },
    { fn: perMinute, count: 10, ms: 30_000, want: 20 },
    { fn: perSecond, count: 800, ms: 100_000, want: 8 },
    { fn: perSecond, count: 5, ms: 0, want: Number.NaN },
  ])('rates: $count over $ms ms', ({ fn, count, ms, want }) => {
    expect(fn(count, ms)).toBe(want);
  });

  it.each([
    { poll: 100, want: 2_000 },
    { poll: 1_000, want: 5_500 },
    { poll: 30_000, want: 20_000 },
  ])('idle window for a $poll ms poll is $want ms', ({ poll, want }) => {
    expect(defaultIdleWindowMs(poll)).toBe(want);
  });
});

describe('agent log', () => {
  it('parses start lines and skips anything else', () => {
    const text = [
      'start plan ABC-1 1700000000123',
      'stop plan ABC-1 1700000000200',
      'start implement ABC-1 1700000000300',
      'start plan',
      'start plan ABC-2 notanumber',
      'start plan ABC-2 1700000000400 extra',
      '',
      '  start review ABC-1 1700000000500  ',
    ].join('\n');
    expect(parseAgentStarts(text)).toEqual([
      { stage: 'plan', identifier: 'ABC-1', at: 1700000000123 },
      { stage: 'implement', identifier: 'ABC-1', at: 1700000000300 },
      { stage: 'review', identifier: 'ABC-1', at: 1700000000500 },
    ]);
  });

  it('groups stages by issue in log order', () => {
    const starts = parseAgentStarts('start plan A 1\nstart plan B 2\nstart implement A 3\nstart plan A 4\n');
    expect(Object.fromEntries(stagesByIssue(starts))).toEqual({ A: ['plan', 'implement', 'plan'], B: ['plan'] });
  });

  it('the instant agent, run the way the command backend runs it, logs one start with the current time', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'agent.log');
    const script = path.join(dir, 'agent.sh');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(script, instantAgentScript(log));
    const before = Date.now();
    const result = await runShell(`bash ${JSON.stringify(script)}`, {
      cwd: dir,
      env: { ...process.env, BATON_STAGE: 'review', BATON_ISSUE_IDENTIFIER: 'XY-7' },
      stdin: 'the prompt',
      timeoutMs: scaled(30_000),
    });
    expect(result.exitCode).toBe(0);
    const starts = await readAgentStarts(log);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ stage: 'review', identifier: 'XY-7' });
    expect(starts[0]!.at).toBeGreaterThanOrEqual(before - 1_000);
    expect(starts[0]!.at).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('reads a missing log as no starts', async () => {
    expect(await readAgentStarts(path.join(await tempDir(), 'none.log'))).toEqual([]);
  });
});

describe('/proc status', () => {
  it('reads VmRSS and VmHWM in MiB', () => {
    const text = 'Name:\ttemporal\nVmPeak:\t 2000000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  153600 kB\nThreads:\t12\n';
    expect(parseProcStatus(text)).toEqual({ rssMiB: 150, hwmMiB: 200 });
  });

  it('answers null for fields a zombie or kernel thread lacks', () => {
    expect(parseProcStatus('Name:\tkthreadd\nState:\tS (sleeping)\n')).toEqual({ rssMiB: null, hwmMiB: null });
  });

  it('reads this process from the real /proc', async () => {
    if (process.platform !== 'linux') return;
    const { procMemory } = await import('../../bench/memory.js');
    const mem = await procMemory(process.pid);
    expect(mem?.rssMiB).toBeGreaterThan(1);
    expect(mem?.hwmMiB).toBeGreaterThanOrEqual(mem!.rssMiB!);
  });
});

describe('/proc stat', () => {
  const rest = (u: number, s: number, cu: number, cs: number) => `S 1 1 1 0 -1 4194560 100 0 0 0 ${u} ${s} ${cu} ${cs} 20 0 8 0 1000 2000000 500`;
  it.each([
    { name: 'a plain command', text: `42 (node) ${rest(150, 50, 10, 30)}`, want: { selfSeconds: 2, childrenSeconds: 0.4 } },
    { name: 'a command with spaces and parentheses', text: `7 (my (odd) cmd) ${rest(100, 0, 0, 0)}`, want: { selfSeconds: 1, childrenSeconds: 0 } },
    { name: 'a truncated line', text: '42 (node) S 1 1', want: null },
    { name: 'no command at all', text: 'garbage', want: null },
  ])('reads CPU times of $name', ({ text, want }) => {
    expect(parseProcStat(text, 100)).toEqual(want);
  });

  it('reads this process from the real /proc, and it grows with work', async () => {
    if (process.platform !== 'linux') return;
    const before = await procCpu('self');
    let x = 0;
    const until = Date.now() + 150;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const after = await procCpu('self');
    expect(x).toBeGreaterThan(0);
    expect(after!.selfSeconds).toBeGreaterThan(before!.selfSeconds);
  });
});

describe('history reading', () => {
  const at = (ms: number) => ({ seconds: { toNumber: () => Math.floor(ms / 1000) }, nanos: (ms % 1000) * 1e6 });
  const events = [
    { eventTime: at(10_000), workflowExecutionStartedEventAttributes: {}, activityTaskScheduledEventAttributes: null },
    { eventTime: at(10_050), activityTaskScheduledEventAttributes: { activityType: { name: 'reportToOrchestrator' } } },
    { eventTime: at(10_100), workflowExecutionSignaledEventAttributes: { signalName: 'baton.slotGranted' } },
    { eventTime: at(10_250), activityTaskScheduledEventAttributes: { activityType: { name: 'runStage' } } },
    { eventTime: at(10_300), activityTaskScheduledEventAttributes: { activityType: { name: 'runStage' } } },
  ] as unknown as HistoryEvent[];

  it('names events by their attributes field, skipping unset ones', () => {
    expect(events.map(eventKind)).toEqual([
      'workflowExecutionStarted',
      'activityTaskScheduled',
      'workflowExecutionSignaled',
      'activityTaskScheduled',
      'activityTaskScheduled',
    ]);
    expect(eventKind({ eventId: 1 })).toBe('unknown');
    expect(countByKind(events)).toEqual([
      ['activityTaskScheduled', 3],
      ['workflowExecutionSignaled', 1],
      ['workflowExecutionStarted', 1],
    ]);
  });

  it.each([
    { time: { seconds: 12, nanos: 345_000_000 }, want: 12_345 },
    { time: { seconds: { toNumber: () => 1 }, nanos: null }, want: 1_000 },
    { time: null, want: Number.NaN },
  ])('event time $want ms', ({ time, want }) => {
    expect(eventTimeMs({ eventTime: time } as unknown as HistoryEvent)).toBe(want);
  });

  it('times each activity from scheduled to closed, whatever way it closed, by type', () => {
    const id = (n: number) => ({ toString: () => String(n) });
    const history = [
      { eventId: id(5), eventTime: at(1_000), activityTaskScheduledEventAttributes: { activityType: { name: 'pollTracker' } } },
      { eventId: id(6), eventTime: at(1_010), activityTaskScheduledEventAttributes: { activityType: { name: 'dispatchIssues' } } },
      { eventId: id(7), eventTime: at(1_020), activityTaskStartedEventAttributes: { scheduledEventId: id(5) } },
      { eventId: id(8), eventTime: at(1_040), activityTaskCompletedEventAttributes: { scheduledEventId: id(5) } },
      { eventId: id(9), eventTime: at(1_500), activityTaskScheduledEventAttributes: { activityType: { name: 'pollTracker' } } },
      { eventId: id(10), eventTime: at(1_600), activityTaskFailedEventAttributes: { scheduledEventId: id(9) } },
      { eventId: id(11), eventTime: at(3_010), activityTaskTimedOutEventAttributes: { scheduledEventId: id(6) } },
      { eventId: id(12), eventTime: at(3_100), activityTaskCompletedEventAttributes: { scheduledEventId: id(99) } },
    ] as unknown as HistoryEvent[];
    expect(Object.fromEntries(activityDurations(history))).toEqual({ pollTracker: [40, 100], dispatchIssues: [2_000] });
  });

  it('cuts dispatch latency at the workflow start and the first agent activity', () => {
    expect(dispatchSegments(events, 9_900, 10_400)).toEqual({ dispatch: 100, slot: 250, agentStart: 150 });
    expect(dispatchSegments(events.slice(0, 3), 9_900, 10_400)).toBeNull();
  });
});

describe('report table', () => {
  it('pads label columns on the right and figure columns on the left', () => {
    const rows = [
      ['name', 'n'],
      ['refresh', '20'],
      ['poll only', '5'],
    ];
    expect(table(rows)).toEqual(['name        n', 'refresh    20', 'poll only   5']);
    expect(table(rows, 2)).toEqual(['name       n', 'refresh    20', 'poll only  5']);
  });
});

describe('bench deployment', () => {
  it('is a config Baton loads: file tracker, command agent, four stages in order', async () => {
    const dir = await tempDir();
    const d = await createBenchDeployment({
      dir,
      name: 'bench-test',
      temporalAddress: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'baton-bench',
      pollIntervalMs: 750,
      maxConcurrentAgents: 3,
    });
    const { config } = loadConfig(d.configPath, { trackerProfiles });
    expect(config.name).toBe('bench-test');
    expect(config.polling.interval_ms).toBe(750);
    expect(config.agent.max_concurrent_agents).toBe(3);
    expect(config.trackers.map((t) => t.kind)).toEqual(['file']);
    expect(config.stages.map((s) => [s.name, s.states, s.on_success.move_to])).toEqual(STAGES.map((s) => [s.name, [s.state], s.next]));
    expect(config.stages.every((s) => s.policy.backend === 'command')).toBe(true);
    expect(await readFile(path.join(dir, 'agent.sh'), 'utf8')).toContain(d.agentLog);
  });

  it('adds an issue the tracker reads in the first stage state', async () => {
    const dir = await tempDir();
    await addIssue(dir, 'T-0001');
    const state = await issueFileState(dir, 'T-0001');
    expect(state.state).toBe('Todo');
    expect(state.mtimeMs).toBeGreaterThan(0);
  });

  it('reads a state again only when the issue file changed', async () => {
    const dir = await tempDir();
    await addIssue(dir, 'T-0001');
    const stateOf = issueStateReader(dir);
    expect((await stateOf('T-0001')).state).toBe('Todo');
    const file = path.join(dir, 'T-0001.md');
    const text = await readFile(file, 'utf8');
    // as the tracker writes it: a new file renamed over the old one
    await writeFile(`${file}.tmp`, text.replace('state: Todo', 'state: Done'));
    await rename(`${file}.tmp`, file);
    expect((await stateOf('T-0001')).state).toBe('Done');
  });
});
