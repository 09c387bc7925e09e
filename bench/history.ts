/**
 * Reading Temporal histories for the bench: event kinds and times, every run of a workflow id
 * (continue-as-new included), and where an issue's dispatch latency went.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';

/** A fetched history, typed from the client rather than the proto package. */
export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
export type HistoryEvent = NonNullable<History['events']>[number];

/** Protobuf int64 as the client decodes it: a number or a Long-like object. */
type Int64 = number | { toNumber(): number } | null | undefined;

/** An event's time in epoch ms (NaN when it has none). */
export function eventTimeMs(event: Pick<HistoryEvent, 'eventTime'>): number {
  const t = event.eventTime;
  if (!t) return Number.NaN;
  const seconds = t.seconds as Int64;
  const s = typeof seconds === 'number' ? seconds : seconds ? seconds.toNumber() : 0;
  return s * 1_000 + (t.nanos ?? 0) / 1e6;
}

/**
 * An event's kind named by its attributes field (`activityTaskScheduled`, `workflowExecutionSignaled`),
 * so the bench needs no proto enum tables.
 */
export function eventKind(event: object): string {
  for (const [key, value] of Object.entries(event)) {
    if (value != null && key.endsWith('EventAttributes')) return key.slice(0, -'EventAttributes'.length);
  }
  return 'unknown';
}

/** How many events of each kind, most frequent first. */
export function countByKind(events: readonly object[]): [kind: string, count: number][] {
  const counts = new Map<string, number>();
  for (const e of events) {
    const kind = eventKind(e);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The first event of a kind, optionally for a named activity type. */
export function firstEvent(events: readonly HistoryEvent[], kind: string, activityType?: string): HistoryEvent | undefined {
  return events.find(
    (e) => eventKind(e) === kind && (activityType === undefined || e.activityTaskScheduledEventAttributes?.activityType?.name === activityType),
  );
}

/**
 * How long each activity took from scheduled to closed (completed, failed, timed out or
 * cancelled), by activity type: the time a workflow waited on it, queueing included.
 */
export function activityDurations(events: readonly HistoryEvent[]): Map<string, number[]> {
  const scheduled = new Map<string, { type: string; at: number }>();
  const out = new Map<string, number[]>();
  for (const e of events) {
    const local = localActivityMarker(e);
    if (local) {
      const type = `${local.type} (local)`;
      out.set(type, [...(out.get(type) ?? []), local.ms]);
      continue;
    }
    const attrs = e.activityTaskScheduledEventAttributes;
    if (attrs) {
      scheduled.set(String(e.eventId), { type: attrs.activityType?.name ?? 'unknown', at: eventTimeMs(e) });
      continue;
    }
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    const from = closed ? scheduled.get(String(closed.scheduledEventId)) : undefined;
    if (!from) continue;
    const list = out.get(from.type) ?? [];
    list.push(eventTimeMs(e) - from.at);
    out.set(from.type, list);
  }
  return out;
}

/**
 * A local activity's marker: its type and how long it took from its first schedule to completion
 * (read from the SDK core's marker details; null for any other event).
 */
export function localActivityMarker(e: HistoryEvent): { type: string; ms: number } | null {
  const attrs = e.markerRecordedEventAttributes;
  if (attrs?.markerName !== 'core_local_activity') return null;
  const raw = attrs.details?.data?.payloads?.[0]?.data;
  if (!raw) return null;
  try {
    const text = typeof raw === 'string' ? Buffer.from(raw, 'base64').toString('utf8') : Buffer.from(raw).toString('utf8');
    const data = JSON.parse(text) as { activity_type?: string; complete_time?: Stamp; original_schedule_time?: Stamp };
    if (!data.activity_type || !data.complete_time || !data.original_schedule_time) return null;
    return { type: data.activity_type, ms: stampMs(data.complete_time) - stampMs(data.original_schedule_time) };
  } catch {
    return null;
  }
}

interface Stamp {
  seconds: number | string;
  nanos?: number;
}

function stampMs(t: Stamp): number {
  return Number(t.seconds) * 1000 + Math.round((t.nanos ?? 0) / 1e6);
}

/** Every run of a workflow id, oldest first, with its history. */
export async function historiesOfAllRuns(client: Client, workflowId: string): Promise<{ runId: string; events: HistoryEvent[] }[]> {
  const runs: { runId: string; startTime: Date }[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId.replaceAll("'", "\\'")}'` })) {
    runs.push({ runId: execution.runId, startTime: execution.startTime });
  }
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const out: { runId: string; events: HistoryEvent[] }[] = [];
  for (const run of runs) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    out.push({ runId: run.runId, events: history.events ?? [] });
  }
  return out;
}

/**
 * Where one issue's dispatch latency went, from `eligibleAt` (the bench wrote the issue) to the
 * agent's own start stamp, cut at two points of the issue workflow's history:
 * - `dispatch`: until the issue workflow started (orchestrator tick: poll, admission, workflow start);
 * - `slot`: until the first stage activity was scheduled (the workflow's first task; more when it waited for a slot);
 * - `agentStart`: until the agent logged its start (activity pickup, tracker re-check, workspace, spawn).
 */
export interface DispatchSegments {
  dispatch: number;
  slot: number;
  agentStart: number;
}

export function dispatchSegments(events: readonly HistoryEvent[], eligibleAt: number, agentStartedAt: number): DispatchSegments | null {
  const started = firstEvent(events, 'workflowExecutionStarted');
  const scheduled = firstEvent(events, 'activityTaskScheduled', 'runStage');
  if (!started || !scheduled) return null;
  const startedAt = eventTimeMs(started);
  const scheduledAt = eventTimeMs(scheduled);
  return { dispatch: startedAt - eligibleAt, slot: scheduledAt - startedAt, agentStart: agentStartedAt - scheduledAt };
}
