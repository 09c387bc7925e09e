/**
 * A Baton worker process: one Worker on the shared task queue (workflows, their local activities,
 * and the first stage run of each issue, which makes this host its home) and one on this host's
 * own queue (later stage runs and workspace removal for the issues homed here). Several may run at
 * once, on one host or many.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { BatonRuntime } from '../activities/runtime.js';
import { HEARTBEAT_MS } from '../activities/stage/monitor.js';
import { tuneWorkerHeap } from './heap.js';
import { hostId, hostTaskQueue } from './host.js';
import { workflowBundleOption } from './workflow-bundle.js';
import type { Logger } from '../base/logger.js';

export { WORKFLOWS_PATH, bundleWorkflows as workflowBundle } from './workflow-bundle.js';

export interface BatonWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The deployment's config file as this worker sees it. */
  configPath: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Stable host id; default `$BATON_HOST_ID` or the hostname. */
  host?: string;
  /** Agents this host runs at once (bounds its activity slots; the orchestrator's limits still apply). */
  maxConcurrentAgents?: number;
  /** How long running agents get to finish when the worker stops before they are cancelled. */
  shutdownGraceMs?: number;
  progressIntervalMs?: number;
}

export interface BatonWorker {
  hostQueue: string;
  runtime: BatonRuntime;
  /** Resolves when both workers have stopped. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Workflows kept in the sticky cache. Only admitted issues have workflows (the rest wait in the
 * orchestrator's queue), and a gated or stopped one is cheap to evict and replay when it wakes:
 * the cache is sized to what runs, not to the backlog.
 */
function cacheSize(maxAgents: number): number {
  return Math.max(32, 2 * maxAgents + 8);
}

export async function createBatonWorker(options: BatonWorkerOptions): Promise<BatonWorker> {
  // Before Worker.create starts the workflow thread, whose heap is sized when it is created.
  tuneWorkerHeap();
  const host = options.host ?? hostId(options.env);
  const hostQueue = hostTaskQueue(options.taskQueue, host);
  const agents = options.maxConcurrentAgents ?? 100;
  const runtime = new BatonRuntime({
    configPath: options.configPath,
    // On the worker's own connection, so workflow starts from its activities can be eager.
    client: new Client({ connection: options.connection, namespace: options.namespace }),
    eagerStart: true,
    logger: options.logger,
    hostQueue,
    env: options.env,
    progressIntervalMs: options.progressIntervalMs,
  });
  const activities = createActivities(runtime);
  const identity = `${host}/${process.pid}`;
  const shutdownGraceTime = options.shutdownGraceMs ?? 5_000;
  // Cancellation (a tracker move, an operator's cancel) reaches a running agent with the next
  // heartbeat the SDK flushes; its default throttle (80% of the heartbeat timeout) would let an
  // agent run on for 24 s. Two seconds costs one cheap RPC per agent per two seconds, no history;
  // a running stage heartbeats on the same beat.
  const heartbeats = { maxHeartbeatThrottleInterval: HEARTBEAT_MS, defaultHeartbeatThrottleInterval: HEARTBEAT_MS } as const;
  const shared = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundleOption(),
    activities,
    identity,
    maxCachedWorkflows: cacheSize(agents),
    maxConcurrentActivityTaskExecutions: agents,
    shutdownGraceTime,
    ...heartbeats,
  });
  const local = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: hostQueue,
    activities,
    identity,
    maxConcurrentActivityTaskExecutions: agents,
    shutdownGraceTime,
    ...heartbeats,
  });
  return {
    hostQueue,
    runtime,
    async run() {
      try {
        await Promise.all([shared.run(), local.run()]);
      } finally {
        await runtime.close();
      }
    },
    shutdown() {
      runtime.beginStop();
      for (const w of [shared, local]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
