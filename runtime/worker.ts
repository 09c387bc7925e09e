/**
 * A Baton worker process: one Worker on the shared task queue (workflows and shared activities)
 * and one on this host's own queue (workspace-bound activities: agent stages, cleanup). Several
 * may run at once, on one host or many.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { BatonRuntime } from '../activities/runtime.js';
import { hostId, hostTaskQueue } from './host.js';
import type { Logger } from './logger.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundle the workflows once per process (webpack takes a second or two). */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

export interface BatonWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  taskQueue: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Stable host id; default `$BATON_HOST_ID` or the hostname. */
  host?: string;
  /** Agents this host runs at once (the host queue's activity slots). */
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

export async function createBatonWorker(options: BatonWorkerOptions): Promise<BatonWorker> {
  const host = options.host ?? hostId(options.env);
  const hostQueue = hostTaskQueue(options.taskQueue, host);
  const runtime = new BatonRuntime({
    client: options.client,
    logger: options.logger,
    hostQueue,
    env: options.env,
    progressIntervalMs: options.progressIntervalMs,
  });
  const activities = createActivities(runtime);
  const identity = `${host}/${process.pid}`;
  const shared = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    identity,
    shutdownGraceTime: options.shutdownGraceMs ?? 5_000,
  });
  const local = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: hostQueue,
    activities,
    identity,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentAgents ?? 100,
    shutdownGraceTime: options.shutdownGraceMs ?? 5_000,
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
      for (const w of [shared, local]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
