/**
 * The one reader of a deployment's state inside a Baton server: every API call, every open
 * dashboard (over Server-Sent Events) and every `/metrics` scrape share its snapshot, so N open
 * tabs still cost 1 + (issues in flight) Temporal queries per interval, not N times that.
 *
 * It polls continuously only while someone listens (an SSE client); otherwise a read refreshes a
 * snapshot older than the interval. Each new snapshot also feeds the metrics Baton derives from
 * workflow state: issues by status and stage, and — observed from stage histories until the
 * activities record them directly — stage runs, durations, tokens, dispatch latency and polls.
 */
import type { Client } from '@temporalio/client';
import {
  recordAgentTokens,
  recordDispatchLatency,
  recordIssueCounts,
  recordStageRun,
  recordTrackerRequest,
} from '../base/metrics.js';
import type { Logger } from '../base/logger.js';
import { readDeploymentSnapshot, type DeploymentSnapshot } from './state.js';

export interface StatePollerOptions {
  client: Client;
  /** The deployment's name (a function: a config reload may not rename it, but reads stay cheap). */
  deployment: () => string;
  intervalMs?: number;
  timeoutMs?: number;
  logger: Logger;
  /** Derive run metrics from workflow state (off by default: activities record them themselves). */
  deriveRunMetrics?: boolean;
}

type Listener = (snapshot: DeploymentSnapshot) => void;

/** Keys of stage runs already counted; bounded, oldest forgotten first. */
const SEEN_LIMIT = 50_000;

export class StatePoller {
  private latest: DeploymentSnapshot | undefined;
  private inflight: Promise<DeploymentSnapshot> | undefined;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly seenRuns = new Set<string>();
  private readonly dispatchSeen = new Set<string>();
  private lastTicks: number | undefined;
  readonly intervalMs: number;

  constructor(private readonly options: StatePollerOptions) {
    this.intervalMs = options.intervalMs ?? 1_000;
  }

  /** The last snapshot taken, without reading (undefined before the first read). */
  peek(): DeploymentSnapshot | undefined {
    return this.latest;
  }

  /** A snapshot no older than the interval (reads concurrently asked share one read). */
  async read(maxAgeMs = this.intervalMs): Promise<DeploymentSnapshot> {
    if (this.latest && Date.now() - this.latest.at.getTime() < maxAgeMs) return this.latest;
    return this.refresh();
  }

  private refresh(): Promise<DeploymentSnapshot> {
    this.inflight ??= readDeploymentSnapshot(this.options.client, this.options.deployment(), { timeoutMs: this.options.timeoutMs })
      .then((snapshot) => {
        this.latest = snapshot;
        this.observe(snapshot);
        for (const listener of this.listeners) listener(snapshot);
        return snapshot;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** Call `listener` with every new snapshot (and the current one at once); returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.latest) listener(this.latest);
    this.schedule(0);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private schedule(delay: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.listeners.size === 0 || this.closed) return;
      void this.refresh()
        .catch((err: unknown) => this.options.logger.warn({ err: String(err) }, 'state poll failed'))
        .finally(() => this.schedule(this.intervalMs));
    }, delay);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }

  /** Feed the metrics that come from workflow state. */
  private observe(snapshot: DeploymentSnapshot): void {
    if (!snapshot.ok) return;
    recordIssueCounts(snapshot.issues);
    // Workers record runs, tokens, tracker requests and dispatch latency where they happen; deriving
    // them here as well would count them twice in a process that is both worker and server.
    if (this.options.deriveRunMetrics !== true) return;
    const { orchestrator, issues } = snapshot;
    const backends = new Map((orchestrator.view?.stages ?? []).map((s) => [s.name, s.backend]));
    for (const issue of issues) {
      for (const run of issue.history) {
        const key = `${issue.workflowId}|${run.stage}|${run.attempt}|${run.startedAt}|${run.outcome}`;
        if (this.seenRuns.has(key)) continue;
        this.remember(this.seenRuns, key);
        recordStageRun({ stage: run.stage, outcome: run.outcome, durationSeconds: (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000 });
        if (run.tokens) recordAgentTokens({ stage: run.stage, backend: backends.get(run.stage) ?? 'unknown', input: run.tokens.input_tokens, output: run.tokens.output_tokens });
      }
      const entry = orchestrator.inflight[issue.workflowId];
      const firstRun = issue.history[0];
      if (entry && firstRun && !this.dispatchSeen.has(`${issue.workflowId}|${entry.dispatchedAt}`)) {
        this.remember(this.dispatchSeen, `${issue.workflowId}|${entry.dispatchedAt}`);
        const latency = (Date.parse(firstRun.startedAt) - Date.parse(entry.dispatchedAt)) / 1000;
        if (Number.isFinite(latency) && latency >= 0) recordDispatchLatency(latency);
      }
    }
    // One poll per tracker per orchestrator tick; the tick's errors name the trackers that failed.
    if (this.lastTicks !== undefined && orchestrator.ticks > this.lastTicks) {
      const ticks = orchestrator.ticks - this.lastTicks;
      for (const tracker of orchestrator.view?.trackers ?? []) {
        recordTrackerRequest(tracker.name, orchestrator.trackers[tracker.name]?.error?.category, ticks);
      }
    }
    this.lastTicks = orchestrator.ticks;
  }

  private remember(set: Set<string>, key: string): void {
    set.add(key);
    if (set.size > SEEN_LIMIT) set.delete(set.values().next().value as string);
  }
}
