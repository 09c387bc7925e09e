/**
 * Figure (a), dispatch latency: how long from an issue becoming eligible (the bench writes its
 * labelled file, and with the `refresh` trigger also signals the orchestrator) until its first
 * agent starts (the agent's own timestamp). Issues are added one at a time, each after the one
 * before is Done, so every sample is taken on an otherwise idle deployment.
 */
import path from 'node:path';
import { issueWorkflowId } from '../core/protocol.js';
import { readAgentStarts } from './agent-log.js';
import { addIssue, createBenchDeployment } from './deployment.js';
import type { BenchEnvironment } from './environment.js';
import { dispatchSegments } from './history.js';
import { failedStageRuns, issueResult, startOrchestrator } from './orchestrator.js';
import { summarize, type Summary } from './stats.js';
import { waitUntil } from './wait.js';

export const LatencyTrigger = {
  /** Write the file, then signal `refresh` (what `baton refresh` and webhooks do). */
  refresh: 'refresh',
  /** Write the file only: the next timer poll finds it. */
  poll: 'poll',
} as const;
export type LatencyTrigger = (typeof LatencyTrigger)[keyof typeof LatencyTrigger];

export interface LatencyOptions {
  trigger: LatencyTrigger;
  /** Measured issues. */
  count: number;
  /** Issues run first and left out of the figures (cold caches, first bash spawn). */
  warmup: number;
  pollIntervalMs: number;
  signal: AbortSignal;
  note(line: string): void;
}

export interface LatencyFigures {
  trigger: LatencyTrigger;
  pollIntervalMs: number;
  /** The warm-up issues' latencies (ms), not in `summary`. */
  warmupMs: number[];
  /** One latency per measured issue (ms), in the order they were added. */
  samplesMs: number[];
  summary: Summary;
  /** Stage runs that failed and were retried (warm-up included): a sample with one is not Baton's normal path. */
  failedStageRuns: number;
  /** Where the time went (see `dispatchSegments`), per segment over the measured issues. */
  segments: { dispatch: Summary; slot: Summary; agentStart: Summary } | null;
}

export async function measureDispatchLatency(env: BenchEnvironment, options: LatencyOptions): Promise<LatencyFigures> {
  const { signal, note } = options;
  const deployment = await createBenchDeployment({
    dir: path.join(env.root, `latency-${options.trigger}`),
    name: `bench-latency-${options.trigger}`,
    temporalAddress: env.server.address,
    namespace: env.namespace,
    taskQueue: `baton-bench-latency-${options.trigger}`,
    pollIntervalMs: options.pollIntervalMs,
    maxConcurrentAgents: 10,
  });
  const orchestrator = await startOrchestrator(env, deployment, signal);
  const prefix = options.trigger === LatencyTrigger.refresh ? 'R' : 'P';
  const latencies: { identifier: string; eligibleAt: number; agentAt: number }[] = [];
  let failed = 0;
  try {
    for (let i = 1; i <= options.warmup + options.count; i++) {
      const identifier = `${prefix}-${i}`;
      const eligibleAt = Date.now();
      await addIssue(deployment.issuesDir, identifier);
      if (options.trigger === LatencyTrigger.refresh) await orchestrator.refresh();
      const start = await waitUntil(
        `the first agent of ${identifier}`,
        async () => (await readAgentStarts(deployment.agentLog)).find((s) => s.identifier === identifier),
        { signal, everyMs: 10 },
      );
      latencies.push({ identifier, eligibleAt, agentAt: start.at });
      // Done before the next one: each sample starts from an idle deployment.
      failed += failedStageRuns(await issueResult(env.client, identifier, signal));
      note(`  ${options.trigger} ${identifier}: ${start.at - eligibleAt} ms${i <= options.warmup ? ' (warm-up)' : ''}`);
    }

    const measured = latencies.slice(options.warmup);
    const segments = [];
    for (const l of measured) {
      const history = await env.client.workflow.getHandle(issueWorkflowId('local', l.identifier)).fetchHistory();
      const s = dispatchSegments(history.events ?? [], l.eligibleAt, l.agentAt);
      if (s) segments.push(s);
    }
    return {
      trigger: options.trigger,
      pollIntervalMs: options.pollIntervalMs,
      warmupMs: latencies.slice(0, options.warmup).map((l) => l.agentAt - l.eligibleAt),
      samplesMs: measured.map((l) => l.agentAt - l.eligibleAt),
      summary: summarize(measured.map((l) => l.agentAt - l.eligibleAt)),
      failedStageRuns: failed,
      segments:
        segments.length > 0
          ? {
              dispatch: summarize(segments.map((s) => s.dispatch)),
              slot: summarize(segments.map((s) => s.slot)),
              agentStart: summarize(segments.map((s) => s.agentStart)),
            }
          : null,
    };
  } finally {
    await orchestrator.stop();
  }
}
