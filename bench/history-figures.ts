/**
 * Figure (c), Temporal history: events per issue lifecycle (every run of each issue workflow) and,
 * for the orchestrator, events per tick while busy and while idle, events per issue, and how many
 * times it continued as new.
 */
import type { Client } from '@temporalio/client';
import { activityDurations, countByKind, firstEvent, historiesOfAllRuns, type HistoryEvent } from './history.js';
import type { BenchOrchestrator } from './orchestrator.js';
import { summarize, type Summary } from './stats.js';
import { mapLimit, sleep, waitUntil } from './wait.js';

/** Event kinds with their mean count per issue, most frequent first. */
export type EventMix = { kind: string; perIssue: number }[];

/** Scheduled → closed time per activity type (ms), longest median first. */
export type ActivityTimes = { type: string; ms: Summary }[];

function activityTimes(histories: readonly HistoryEvent[][]): ActivityTimes {
  const all = new Map<string, number[]>();
  for (const events of histories) {
    for (const [type, list] of activityDurations(events)) all.set(type, [...(all.get(type) ?? []), ...list]);
  }
  return [...all].map(([type, list]) => ({ type, ms: summarize(list) })).sort((a, b) => b.ms.median - a.ms.median);
}

export interface IssueHistoryFigures {
  workflows: number;
  /** Events per lifecycle, summed over continue-as-new runs. */
  events: Summary;
  /** Issue workflows that continued as new at least once. */
  continuedAsNew: number;
  mix: EventMix;
  activities: ActivityTimes;
}

export interface OrchestratorHistoryFigures {
  workflowId: string;
  /** Runs of the orchestrator workflow id; `runs - 1` continue-as-new hand-overs. */
  runs: number;
  /** Events over every run, from its start to the end of the busy phase. */
  events: number;
  maxEventsPerRun: number;
  ticks: number;
  eventsPerTick: number;
  eventsPerIssue: number;
  mix: EventMix;
  activities: ActivityTimes;
  /** Measured after every issue closed, over `windowMs` of timer polls. Null when no tick fell in it. */
  idle: { windowMs: number; ticks: number; events: number; eventsPerTick: number } | null;
}

function meanMix(histories: readonly HistoryEvent[][], per: number): EventMix {
  const totals = new Map<string, number>();
  for (const events of histories) for (const [kind, n] of countByKind(events)) totals.set(kind, (totals.get(kind) ?? 0) + n);
  return [...totals]
    .map(([kind, n]) => ({ kind, perIssue: n / Math.max(1, per) }))
    .sort((a, b) => b.perIssue - a.perIssue || a.kind.localeCompare(b.kind));
}

/** Every event of one issue workflow's lifecycle, over its continue-as-new runs. */
export interface Lifecycle {
  workflowId: string;
  events: HistoryEvent[];
  runs: number;
}

/** The latest run's events, plus earlier runs' when it continued as new. */
async function lifecycle(client: Client, workflowId: string): Promise<Lifecycle> {
  const latest = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const continued = firstEvent(latest, 'workflowExecutionStarted')?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  if (!continued) return { workflowId, events: latest, runs: 1 };
  const runs = await historiesOfAllRuns(client, workflowId);
  return { workflowId, events: runs.flatMap((r) => r.events), runs: runs.length };
}

/** Fetch the lifecycles of closed issue workflows, a few at a time. */
export function fetchLifecycles(client: Client, workflowIds: readonly string[]): Promise<Lifecycle[]> {
  return mapLimit(workflowIds, 4, (id) => lifecycle(client, id));
}

export function issueHistoryFigures(lifecycles: readonly Lifecycle[]): IssueHistoryFigures {
  return {
    workflows: lifecycles.length,
    events: summarize(lifecycles.map((l) => l.events.length)),
    continuedAsNew: lifecycles.filter((l) => l.runs > 1).length,
    mix: meanMix(
      lifecycles.map((l) => l.events),
      lifecycles.length,
    ),
    activities: activityTimes(lifecycles.map((l) => l.events)),
  };
}

export async function orchestratorHistoryFigures(
  client: Client,
  orchestrator: BenchOrchestrator,
  options: { issues: number; idleWindowMs: number; signal: AbortSignal },
): Promise<OrchestratorHistoryFigures> {
  // The last issue's close signal must be in before the idle window starts.
  const busyEnd = await waitUntil(
    'the orchestrator to have no issue in flight',
    async () => {
      const status = await orchestrator.status();
      return Object.keys(status.inflight).length === 0 ? status : null;
    },
    { signal: options.signal, everyMs: 100 },
  );
  const runs = await historiesOfAllRuns(client, orchestrator.workflowId);
  const events = runs.reduce((n, r) => n + r.events.length, 0);

  await sleep(options.idleWindowMs, options.signal, 'the idle window');
  const idleEnd = await orchestrator.status();
  const after = await historiesOfAllRuns(client, orchestrator.workflowId);
  const idleTicks = idleEnd.ticks - busyEnd.ticks;
  const idleEvents = after.reduce((n, r) => n + r.events.length, 0) - events;

  return {
    workflowId: orchestrator.workflowId,
    runs: runs.length,
    events,
    maxEventsPerRun: Math.max(0, ...runs.map((r) => r.events.length)),
    ticks: busyEnd.ticks,
    eventsPerTick: busyEnd.ticks > 0 ? events / busyEnd.ticks : Number.NaN,
    eventsPerIssue: options.issues > 0 ? events / options.issues : Number.NaN,
    mix: meanMix(
      runs.map((r) => r.events),
      options.issues,
    ),
    activities: activityTimes(runs.map((r) => r.events)),
    idle: idleTicks > 0 ? { windowMs: options.idleWindowMs, ticks: idleTicks, events: idleEvents, eventsPerTick: idleEvents / idleTicks } : null,
  };
}
