/**
 * Figure (e), many issues in flight at once: N issues written at once, one stage whose agent
 * sleeps, and enough agent slots for every issue, so all N issue workflows and N agent activities
 * are open together on one worker. It shows what Baton costs when a lot is in flight, not how fast
 * it goes: tracker requests per poll (one per tracker, whatever N is), the orchestrator's history
 * (bounded by continue-as-new), and the worker's memory.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { registry } from '../base/metrics.js';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { readAgentStarts } from './agent-log.js';
import { benchConfig, createBenchDeployment, issueStateReader, type BenchDeployment } from './deployment.js';
import type { BenchEnvironment } from './environment.js';
import { historiesOfAllRuns } from './history.js';
import { startOrchestrator, type BenchOrchestrator } from './orchestrator.js';
import { mapLimit, waitUntil } from './wait.js';

export interface InFlightOptions {
  issues: number;
  /** How long each agent sleeps, ms: long enough for every issue to be in flight together. */
  agentSleepMs: number;
  pollIntervalMs: number;
  signal: AbortSignal;
  note(line: string): void;
}

export interface InFlightFigures {
  issues: number;
  agentSleepMs: number;
  /** Refresh → every agent started, ms. */
  allStartedMs: number;
  /** Refresh → every issue Done, ms. */
  allDoneMs: number;
  /** Polls (orchestrator ticks) during the run and tracker requests they made. */
  ticks: number;
  trackerRequests: number;
  requestsPerPoll: number;
  /** The orchestrator's runs (continue-as-new hand-overs + 1) and the largest one's events. */
  orchestratorRuns: number;
  maxEventsPerRun: number;
  /** This process's RSS (the worker), sampled every 200 ms over the run, MiB. */
  workerPeakRssMiB: number;
}

const STATE = 'Todo';
const DONE = 'Done';

/** Requests the metrics registry has counted for `tracker` so far. */
async function trackerRequests(tracker: string): Promise<number> {
  const metric = await registry.getSingleMetric('baton_tracker_requests_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels.tracker === tracker).reduce((sum, v) => sum + v.value, 0);
}

export async function measureInFlight(env: BenchEnvironment, options: InFlightOptions): Promise<InFlightFigures> {
  const { signal, issues: n } = options;
  const deployment = await createInFlightDeployment(env, options);
  const orchestrator = await startOrchestrator(env, deployment, signal, { maxConcurrentAgents: n });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss / 2 ** 20)), 200);
  try {
    const run = await runInFlight(deployment, orchestrator, options);
    const runs = await historiesOfAllRuns(env.client, orchestrator.workflowId);
    if (run.ticks <= 0) throw new BatonError(ErrorCategory.internal, 'the orchestrator did not poll during the in-flight run');
    return {
      issues: n,
      agentSleepMs: options.agentSleepMs,
      allStartedMs: run.allStartedMs,
      allDoneMs: run.allDoneMs,
      ticks: run.ticks,
      trackerRequests: run.requests,
      requestsPerPoll: run.requests / run.ticks,
      orchestratorRuns: runs.length,
      maxEventsPerRun: Math.max(0, ...runs.map((r) => r.events.length)),
      workerPeakRssMiB: Math.round(peakRss),
    };
  } finally {
    clearInterval(sampler);
    await orchestrator.stop();
  }
}

/** A deployment with one stage whose agent logs its start and sleeps: every issue stays in flight for a while. */
async function createInFlightDeployment(env: BenchEnvironment, options: InFlightOptions): Promise<BenchDeployment> {
  const n = options.issues;
  const deployment = await createBenchDeployment({
    dir: path.join(env.root, 'in-flight'),
    name: 'bench-in-flight',
    temporalAddress: env.server.address,
    namespace: env.namespace,
    taskQueue: 'baton-bench-in-flight',
    pollIntervalMs: options.pollIntervalMs,
    maxConcurrentAgents: n,
  });
  const script = path.join(deployment.dir, 'sleeping-agent.sh');
  await writeFile(
    script,
    ['#!/usr/bin/env bash', `echo "start run $BATON_ISSUE_IDENTIFIER $(date +%s%3N)" >> ${JSON.stringify(deployment.agentLog)}`, 'cat > /dev/null', `sleep ${options.agentSleepMs / 1000}`, ''].join('\n'),
    { mode: 0o755 },
  );
  const config = benchConfig({ name: deployment.name, temporalAddress: env.server.address, namespace: env.namespace, taskQueue: 'baton-bench-in-flight', pollIntervalMs: options.pollIntervalMs, maxConcurrentAgents: n }, script);
  const trackers = config.trackers as Record<string, unknown>[];
  trackers[0] = { ...trackers[0], active_states: [STATE], terminal_states: [DONE] };
  await writeFile(
    deployment.configPath,
    stringify({
      ...config,
      command: { command: `bash ${JSON.stringify(script)}`, turn_timeout_ms: options.agentSleepMs * 4, stall_timeout_ms: 0 },
      stages: [{ name: 'run', states: [STATE], prompt: 'run {{ issue.identifier }}', on_success: { move_to: DONE } }],
    }),
  );
  return deployment;
}

/** What the run measured: times from the refresh, and polls and tracker requests made during it. */
interface InFlightRun {
  allStartedMs: number;
  allDoneMs: number;
  ticks: number;
  requests: number;
}

/** Write every issue, send one refresh, and wait until every agent started, every issue is Done and every workflow closed. */
async function runInFlight(deployment: BenchDeployment, orchestrator: BenchOrchestrator, options: InFlightOptions): Promise<InFlightRun> {
  const { signal, issues: n } = options;
  const ids = Array.from({ length: n }, (_, i) => `F-${String(i + 1).padStart(4, '0')}`);
  await mapLimit(ids, 16, (id) => writeIssue(deployment.issuesDir, id));
  const ticks0 = (await orchestrator.status()).ticks;
  const requests0 = await trackerRequests('local');
  const t0 = Date.now();
  await orchestrator.refresh();
  await waitForAllStarted(deployment.agentLog, t0, options);
  const allStartedMs = Date.now() - t0;
  const stateOf = issueStateReader(deployment.issuesDir);
  await waitUntil(
    `every issue to reach ${DONE}`,
    async () => (await mapLimit(ids, 16, stateOf)).every((f) => f.state === DONE),
    { signal, everyMs: 500 },
  );
  const allDoneMs = Date.now() - t0;
  // Every issue workflow closed (its closing report arrived) before the orchestrator is stopped.
  const status = await waitUntil('every issue workflow to close', async () => {
    const s = await orchestrator.status();
    return Object.keys(s.inflight).length === 0 ? s : null;
  }, { signal, everyMs: 250 });
  const ticks = status.ticks - ticks0;
  const requests = (await trackerRequests('local')) - requests0;
  return { allStartedMs, allDoneMs, ticks, requests };
}

/** Wait until every issue's agent logged its start, noting progress every 5 s on a long run. */
async function waitForAllStarted(agentLog: string, t0: number, options: InFlightOptions): Promise<void> {
  const { signal, note, issues: n } = options;
  let lastNote = Date.now();
  await waitUntil(
    `all ${n} agents started`,
    async () => {
      const started = new Set((await readAgentStarts(agentLog)).map((s) => s.identifier)).size;
      if (Date.now() - lastNote >= 5_000) {
        lastNote = Date.now();
        note(`  in flight: ${started}/${n} agents started, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
      return started >= n;
    },
    { signal, everyMs: 250 },
  );
}

async function writeIssue(dir: string, identifier: string): Promise<void> {
  const front = { id: identifier.toLowerCase(), identifier, title: `In-flight ${identifier}`, state: STATE, labels: ['agent'], created_at: new Date().toISOString() };
  const tmp = path.join(dir, `.${identifier}.tmp`);
  await writeFile(tmp, `---\n${stringify(front)}---\nIn flight.\n`);
  await rename(tmp, path.join(dir, `${identifier}.md`));
}
