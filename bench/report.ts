/**
 * The bench's result (what `--json` prints) and its plain-text rendering.
 */
import type { IssueHistoryFigures, OrchestratorHistoryFigures } from './history-figures.js';
import type { LatencyFigures } from './latency.js';
import type { MachineFacts, ShellTiming } from './machine.js';
import type { MemoryFigures } from './memory.js';
import type { Summary } from './stats.js';
import type { ThroughputFigures } from './throughput.js';
import type { InFlightFigures } from './in-flight.js';

export interface BenchResult {
  startedAt: string;
  command: string;
  machine: MachineFacts;
  startup: { serverMs: number; workerMs: number | null };
  latency: LatencyFigures[];
  throughput: ThroughputFigures | null;
  history: { issue: IssueHistoryFigures; orchestrator: OrchestratorHistoryFigures } | null;
  memory: MemoryFigures;
  inFlight: InFlightFigures | null;
  totalMs: number;
}

const ms = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : '-');
const secs = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)} s` : '-');
const num = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const shell = (t: ShellTiming) => (t === null ? 'n/a' : 'ms' in t ? `${ms(t.ms)} ms` : `over ${ms(t.timedOutAfterMs)} ms`);
const mib = (v: number | null | undefined) => (v != null && Number.isFinite(v) ? `${Math.round(v)} MiB` : 'n/a');

/** The first `leftColumns` columns left-aligned (labels), the others right-aligned (figures), two spaces apart. */
export function table(rows: readonly (readonly string[])[], leftColumns = 1): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function summaryCells(s: Summary): string[] {
  return [String(s.count), ms(s.median), ms(s.p95), ms(s.max)];
}

export function renderText(r: BenchResult): string {
  const out = [...headerLines(r), ...failureWarningLines(r)];
  if (r.latency.length > 0) out.push(...latencyLines(r.latency));
  if (r.throughput) out.push(...throughputLines(r.throughput));
  if (r.history) out.push(...historyLines(r.history));
  out.push(...memoryLines(r.memory));
  if (r.inFlight) out.push('', ...inFlightLines(r.inFlight));
  return `${out.join('\n')}\n`;
}

/** What ran, where, and how long startup took; every figure below depends on these. */
function headerLines(r: BenchResult): string[] {
  const m = r.machine;
  return [
    `Baton pipeline bench, ${r.startedAt}`,
    `  command: ${r.command}`,
    `  machine: ${m.cores} cores (${m.cpuModel}), ${num(m.memoryGiB)} GiB RAM, ${m.os}, Node ${m.node}`,
    `  temporal: ${m.temporalCli}`,
    `  login shell (\`bash -lc true\`, before every agent turn): ${shell(m.loginShell.agents)} for the agents, ${shell(m.loginShell.userProfile)} with your profile`,
    `  load average (1 min): ${num(m.loadAverage.start, 2)} at start, ${num(m.loadAverage.end, 2)} at end`,
    `  startup: embedded server ${secs(r.startup.serverMs)}, worker (workflow bundle) ${r.startup.workerMs === null ? "-" : secs(r.startup.workerMs)}; whole bench ${secs(r.totalMs)}`,
    '',
  ];
}

/** Retried stage runs add back-off to every figure, so say so before the figures, not after. */
function failureWarningLines(r: BenchResult): string[] {
  const failed = r.latency.reduce((n, l) => n + l.failedStageRuns, 0) + (r.throughput?.failedStageRuns ?? 0);
  if (failed === 0) return [];
  return [
    `WARNING: ${failed} stage runs failed and were retried, so the figures include retry back-off; rerun with --keep and`,
    '  look at the failed issues (`baton status`, the Web UI) before trusting them.',
    '',
  ];
}

/** Section (a): one row per latency run, then where the time went. */
function latencyLines(latency: readonly LatencyFigures[]): string[] {
  const name = (l: LatencyFigures) => (l.trigger === 'refresh' ? 'file + refresh signal' : `file only (poll every ${l.pollIntervalMs} ms)`);
  const rows: string[][] = [['trigger', 'n', 'median', 'p95', 'max', 'warm-up', 'failed runs']];
  for (const l of latency) rows.push([name(l), ...summaryCells(l.summary), l.warmupMs.map(ms).join(',') || '-', String(l.failedStageRuns)]);
  const parts: string[][] = [['trigger', 'dispatch', 'slot', 'agent start']];
  const cell = (s: Summary) => `${ms(s.median)} / ${ms(s.p95)}`;
  for (const l of latency) {
    if (l.segments) parts.push([name(l), cell(l.segments.dispatch), cell(l.segments.slot), cell(l.segments.agentStart)]);
  }
  return [
    '(a) dispatch latency: issue file written -> first agent start, ms',
    ...table(rows).map((line) => `  ${line}`),
    '',
    '  where it went, median / p95 ms:',
    ...table(parts).map((line) => `  ${line}`),
    '  dispatch: until the issue workflow started (orchestrator tick: poll, admission, eager workflow start);',
    '  slot: until its stage activity was scheduled (the first workflow task; longer when it waited for a slot);',
    '  agent start: until the agent process logged its start (activity pickup, tracker re-check, workspace, bash -lc).',
    '',
  ];
}

/** Section (b): the run's totals and rates, each issue's way to its first agent, and CPU. */
function throughputLines(t: ThroughputFigures): string[] {
  return [
    `(b) throughput: ${t.issues} issues x ${t.stages} stages, max_concurrent_agents ${t.maxConcurrentAgents}, poll every ${t.pollIntervalMs} ms`,
    ...table([
      ['wall time (refresh -> last issue Done)', secs(t.wallMs)],
      ['until every issue workflow closed', secs(t.allClosedMs)],
      ['first agent start after refresh', `${ms(t.firstAgentMs)} ms`],
      ['issues per minute', num(t.issuesPerMinute)],
      ['stage runs per second', num(t.stageRunsPerSecond, 2)],
      ['agent starts (beyond 4 per issue)', `${t.stageRuns} (${t.extraStageRuns})`],
      ['failed stage runs (retried)', String(t.failedStageRuns)],
      ['writing the issue files (before the clock)', `${ms(t.writeMs)} ms`],
    ]).map((line) => `  ${line}`),
    '  each issue from the clock start to its first agent, ms (slot includes waiting for a free agent):',
    ...table([
      ['', 'median', 'p95', 'max'],
      ...(
        [
          ['until its workflow started', t.burst.dispatch],
          ['then until its agent activity was scheduled', t.burst.slot],
          ['then until the agent logged its start', t.burst.agentStart],
        ] as const
      ).map(([label, s]) => [label, ms(s.median), ms(s.p95), ms(s.max)]),
    ]).map((line) => `    ${line}`),
    ...throughputCpuLines(t),
    '',
  ];
}

/** CPU over the throughput run, as a share of a core and per stage run; nothing off Linux. */
function throughputCpuLines(t: ThroughputFigures): string[] {
  if (!t.cpu) return [];
  const c = t.cpu;
  const share = (sec: number) => `${num(sec)} s (${Math.round((100 * sec) / c.wallSeconds)}% of a core)`;
  const perRun = (sec: number) => `${ms((1000 * sec) / t.stageRuns)} ms`;
  return [
    `  CPU over the wall time: worker ${share(c.workerSeconds)}, agents ${share(c.agentsSeconds)}` +
      (c.serverSeconds === null ? '' : `, Temporal server ${share(c.serverSeconds)}`),
    `  CPU per stage run: worker ${perRun(c.workerSeconds)}, agents ${perRun(c.agentsSeconds)}` +
      (c.serverSeconds === null ? '' : `, server ${perRun(c.serverSeconds)}`),
  ];
}

/** Section (c): history events of the issue workflows and the orchestrator, then activity times. */
function historyLines(history: NonNullable<BenchResult['history']>): string[] {
  const { issue, orchestrator: o } = history;
  return [
    '(c) Temporal history events',
    ...table([
      ['', 'n', 'min', 'median', 'max'],
      ['issue workflow, per lifecycle', String(issue.workflows), ms(issue.events.min), ms(issue.events.median), ms(issue.events.max)],
    ]).map((line) => `  ${line}`),
    `  issue workflows that continued as new: ${issue.continuedAsNew}`,
    `  mean events per issue by kind: ${mixLine(issue.mix)}`,
    `  orchestrator: ${o.events} events over ${o.ticks} ticks = ${num(o.eventsPerTick)} per tick while busy, ${num(o.eventsPerIssue)} per issue;`,
    `    ${o.runs} runs (${o.runs - 1} continue-as-new), largest run ${o.maxEventsPerRun} events;`,
    o.idle
      ? `    idle: ${o.idle.events} events over ${o.idle.ticks} timer ticks in ${secs(o.idle.windowMs)} = ${num(o.idle.eventsPerTick)} per idle tick`
      : '    idle: no tick fell in the idle window',
    `  orchestrator events per issue by kind: ${mixLine(o.mix)}`,
    '  activity time, scheduled -> closed, ms (queueing included):',
    ...activityTimeLines(history),
    '',
  ];
}

/** One row per activity type of either workflow, the workflow first. */
function activityTimeLines({ issue, orchestrator }: NonNullable<BenchResult['history']>): string[] {
  const rows: string[][] = [['workflow', 'activity', 'n', 'median', 'p95', 'max']];
  for (const [who, list] of [
    ['issue', issue.activities],
    ['orchestrator', orchestrator.activities],
  ] as const) {
    for (const a of list) rows.push([who, a.type, ...summaryCells(a.ms)]);
  }
  return table(rows, 2).map((line) => `    ${line}`);
}

/** Section (d): the worker's RSS per phase and, when it could be read, the server's. */
function memoryLines(mem: MemoryFigures): string[] {
  const phases = Object.entries(mem.worker.peakByPhaseMiB)
    .map(([phase, v]) => `${phase} ${mib(v)}`)
    .join(', ');
  const out = ['(d) memory', `  worker process RSS: peak ${mib(mem.worker.peakMiB)} (${phases}), end ${mib(mem.worker.endMiB)}; ${mem.worker.samples} samples`];
  if (mem.server) {
    out.push(
      `  Temporal server (pid ${mem.server.pid}): VmHWM ${mib(mem.server.hwmMiB)}, peak sampled VmRSS ${mib(mem.server.peakSampledMiB)}, end VmRSS ${mib(mem.server.endMiB)}`,
    );
  }
  return out;
}

function inFlightLines(f: InFlightFigures): string[] {
  return [
    `(e) in flight: ${f.issues} issues at once, one stage whose agent sleeps ${secs(f.agentSleepMs)}, ${f.issues} agent slots`,
    ...table([
      ['every agent started, after the refresh', secs(f.allStartedMs)],
      ['every issue Done', secs(f.allDoneMs)],
      ['polls during the run', String(f.ticks)],
      ['tracker requests per poll', num(f.requestsPerPoll, 2)],
      ['orchestrator runs (continue-as-new + 1)', String(f.orchestratorRuns)],
      ['largest orchestrator run, events', String(f.maxEventsPerRun)],
      ['worker process RSS, peak', mib(f.workerPeakRssMiB)],
    ]).map((line) => `  ${line}`),
  ];
}

function mixLine(mix: IssueHistoryFigures['mix'], top = 8): string {
  const shown = mix.slice(0, top).map((k) => `${k.kind} ${num(k.perIssue)}`);
  if (mix.length > top) shown.push(`… ${mix.length - top} more kinds`);
  return shown.join(', ');
}
