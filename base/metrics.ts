/**
 * Baton's Prometheus metrics (prom-client), in one registry per process, each with the function
 * that records it. Activities, adapters and the server's state poller call these functions;
 * workflows cannot (they must stay deterministic). `/metrics` serves `metricsText()` merged with
 * the Temporal SDK's own worker metrics (runtime/telemetry.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
// The event-loop lag sampler wakes the process every `eventLoopMonitoringPrecision` ms (10 by
// default: a hundred wake-ups a second, about half of an idle Baton's CPU). Two samples a second
// still catch a stalled loop; the lag each sample measures stays exact.
const EVENT_LOOP_SAMPLE_MS = 500;
collectDefaultMetrics({ register: registry, prefix: 'baton_process_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });

const issues = new Gauge({
  name: 'baton_issues',
  help: 'Issues in flight, by Baton status and stage (as the orchestrator last reported them)',
  labelNames: ['status', 'stage'] as const,
  registers: [registry],
});

const stageRuns = new Counter({
  name: 'baton_stage_runs_total',
  help: 'Stage runs that ended, by stage and outcome (succeeded, failed, cancelled, approved, rejected, stopped)',
  labelNames: ['stage', 'outcome'] as const,
  registers: [registry],
});

const stageDuration = new Histogram({
  name: 'baton_stage_duration_seconds',
  help: 'How long a stage run took, from its start to its outcome',
  labelNames: ['stage', 'outcome'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
  registers: [registry],
});

const agentTokens = new Counter({
  name: 'baton_agent_tokens_total',
  help: 'Agent tokens used, by stage, backend and kind (input, output)',
  labelNames: ['stage', 'backend', 'kind'] as const,
  registers: [registry],
});

const trackerRequests = new Counter({
  name: 'baton_tracker_requests_total',
  help: 'Tracker reads and writes Baton made, by tracker',
  labelNames: ['tracker'] as const,
  registers: [registry],
});

const trackerPolls = new Counter({
  name: 'baton_tracker_polls_total',
  help: "The orchestrator's polls of each tracker (a tick's, or one of the idle watch's)",
  labelNames: ['tracker'] as const,
  registers: [registry],
});

const trackerErrors = new Counter({
  name: 'baton_tracker_errors_total',
  help: 'Tracker requests that failed, by tracker and error category',
  labelNames: ['tracker', 'category'] as const,
  registers: [registry],
});

const trackerRateLimit = new Gauge({
  name: 'baton_tracker_rate_limit_remaining',
  help: 'Requests left in the tracker’s current rate-limit window, where the provider reports it',
  labelNames: ['tracker'] as const,
  registers: [registry],
});

const dispatchLatency = new Histogram({
  name: 'baton_dispatch_latency_seconds',
  help: 'From an issue becoming eligible (dispatch) to its agent starting',
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [registry],
});

/** Replace the issues-by-status-and-stage gauge with one reading. */
export function recordIssueCounts(rows: readonly { status: string; stage: string | null }[]): void {
  issues.reset();
  for (const row of rows) issues.inc({ status: row.status, stage: row.stage ?? 'none' });
}

/** One stage run ended. */
export function recordStageRun(run: { stage: string; outcome: string; durationSeconds: number }): void {
  stageRuns.inc({ stage: run.stage, outcome: run.outcome });
  stageDuration.observe({ stage: run.stage, outcome: run.outcome }, Math.max(0, run.durationSeconds));
}

/** Tokens an agent used (deltas, never absolute totals). */
export function recordAgentTokens(usage: { stage: string; backend: string; input: number; output: number }): void {
  if (usage.input > 0) agentTokens.inc({ stage: usage.stage, backend: usage.backend, kind: 'input' }, usage.input);
  if (usage.output > 0) agentTokens.inc({ stage: usage.stage, backend: usage.backend, kind: 'output' }, usage.output);
}

/** One tracker request; `errorCategory` when it failed. */
export function recordTrackerRequest(tracker: string, errorCategory?: string, count = 1): void {
  trackerRequests.inc({ tracker }, count);
  if (errorCategory) trackerErrors.inc({ tracker, category: errorCategory }, count);
}

/** One poll of a tracker by the orchestrator (however many requests it took). */
export function recordTrackerPoll(tracker: string): void {
  trackerPolls.inc({ tracker });
}

/** Polls of `tracker` this process has made so far. */
export async function trackerPollCount(tracker: string): Promise<number> {
  const { values } = await trackerPolls.get();
  return values.find((v) => v.labels.tracker === tracker)?.value ?? 0;
}

/** The provider's remaining requests in its window. */
export function recordTrackerRateLimit(tracker: string, remaining: number): void {
  trackerRateLimit.set({ tracker }, remaining);
}

/** Seconds from dispatch to the agent starting. */
export function recordDispatchLatency(seconds: number): void {
  dispatchLatency.observe(Math.max(0, seconds));
}

/** Baton's series in Prometheus text format. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

export const METRICS_CONTENT_TYPE = registry.contentType;
