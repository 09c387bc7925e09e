/**
 * What a running Baton process is made of, started in order and closed in reverse: a client (its
 * search attributes checked), the worker (unless `--no-worker`), this host's preflight verdict, the
 * deployment's orchestrator (and a keeper that restarts it if it disappears), the trackers' watches
 * (a new issue file polls at once), the startup terminal-workspace sweep, and the HTTP server when
 * `server.port` is set.
 */
import type { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { BatonConfig } from '../../config/schema.js';
import { announce, type Logger } from '../../base/logger.js';
import { startHttpServer, type BatonHttpServer } from '../../server/http.js';
import { assertNoRetiredWorkflows } from '../cut-over.js';
import { ensureSearchAttributes } from '../search-attributes.js';
import { watchStageHolds, type StageHolds } from '../stage-holds.js';
import { watchTrackers, type TrackerWatches } from '../tracker-watch.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { connectClient, ensureOrchestrator, refreshOrchestrator } from '../temporal-client.js';
import { connectTemporalWorker } from '../temporal-connection.js';
import { sweepTerminalWorkspaces } from '../terminal-sweep.js';
import { createBatonWorker, type BatonWorker } from '../worker.js';
import type { TemporalTarget } from './temporal-target.js';

/** How long a start waits for this host's first preflight verdict before it lets the orchestrator run. */
const PREFLIGHT_WAIT_MS = 10_000;
/** How often a running process makes sure the deployment's orchestrator is running. */
const ORCHESTRATOR_CHECK_MS = 60_000;

export interface ServiceOptions {
  configPath: string;
  config: BatonConfig;
  logger: Logger;
  /** Run a worker in this process (default true). */
  worker?: boolean;
  maxAgents?: number;
  shutdownGraceMs?: number;
  sdkMetricsUrl: string | null;
}

export interface Services {
  readonly client: Client;
  readonly worker: BatonWorker | undefined;
  /** Settles when the worker has stopped (or, without one, when `stop()` is called). */
  readonly running: Promise<void>;
  readonly http: BatonHttpServer | undefined;
  /** Begin stopping: the worker drains (agents get their grace period). */
  stop(): void;
  /** Once `running` settled: close everything started here, in reverse. */
  close(): Promise<void>;
}

export async function startServices(options: ServiceOptions, target: TemporalTarget): Promise<Services> {
  const { config, logger } = options;
  const { client, connection, endpoint } = await connectClient(config, target.address);
  if (!target.server) await checkSearchAttributes(connection, config, logger);
  const nativeConnection = options.worker === false ? undefined : await connectTemporalWorker(endpoint);
  await assertNoRetiredWorkflows(client, config.temporal.task_queue, config.temporal.namespace);
  const worker = nativeConnection ? await createWorker(nativeConnection, options) : undefined;
  const run = runWorker(worker);
  const currentConfig = () => (worker ? worker.runtime.config(options.configPath).config : config);
  // This host's agent backends are checked before the orchestrator admits anything (bounded: a
  // slow check must not hold up the start); stages that cannot run here are held, with the reason.
  const holds: StageHolds | undefined = worker ? watchStageHolds({ client, config: currentConfig, logger }) : undefined;
  if (holds) await Promise.race([holds.first, new Promise((r) => setTimeout(r, PREFLIGHT_WAIT_MS).unref())]);
  await ensureOrchestrator(client, config);
  // A worker that comes up polls at once: after a crash the orchestrator may still be waiting on
  // an idle watch that died with the old worker (it would notice only at the heartbeat timeout).
  if (worker) await refreshOrchestrator(client, config.name).catch((err: unknown) => logger.debug({ err: String(err) }, 'refresh at start failed; the next poll comes on time'));
  // Any process keeps the orchestrator running: one terminated by hand (or lost with a wiped
  // server) is started again within a minute, and rebuilds its in-flight table from reports.
  const keeper = setInterval(() => void ensureOrchestrator(client, config).catch((err: unknown) => logger.debug({ err: String(err) }, 'orchestrator check failed')), ORCHESTRATOR_CHECK_MS);
  keeper.unref();
  // A new issue file (file tracker) is polled for at once, not at the next interval.
  const watches: TrackerWatches | undefined = worker ? await watchTrackers({ client, config, tracker: (name) => worker.runtime.tracker(name, options.configPath), profiles: trackerProfiles, logger }) : undefined;
  announceRunning(worker, options);
  let http: BatonHttpServer | undefined;
  try {
    http = await startHttp(options, target, client, currentConfig, () => run.up() || worker === undefined);
  } catch (err) {
    // The worker is already polling: stop it, or the process would outlive the error.
    watches?.stop();
    run.stop();
    await run.done.catch(() => undefined);
    throw err;
  }
  return {
    client,
    worker,
    running: run.done,
    http,
    stop: run.stop,
    async close() {
      holds?.stop();
      watches?.stop();
      clearInterval(keeper);
      await http?.close();
      await nativeConnection?.close();
      await connection.close();
    },
  };
}

async function checkSearchAttributes(connection: Connection, config: BatonConfig, logger: Logger): Promise<void> {
  // An existing cluster: make sure Baton's search attributes exist before workflows upsert them.
  // Missing ones that Baton may not add stop it here, with the command that adds them.
  await ensureSearchAttributes(connection, config.temporal.namespace, { logger }).catch((err: unknown) => {
    if (err instanceof BatonError && !err.retryable) throw err;
    logger.warn({ err: String(err) }, 'could not check search attributes; ask an operator to create them');
  });
}

function createWorker(connection: NativeConnection, options: ServiceOptions): Promise<BatonWorker> {
  return createBatonWorker({
    connection,
    configPath: options.configPath,
    namespace: options.config.temporal.namespace,
    taskQueue: options.config.temporal.task_queue,
    logger: options.logger,
    maxConcurrentAgents: options.maxAgents,
    shutdownGraceMs: options.shutdownGraceMs,
  });
}

/** The worker running (or, in a process without one, a promise that keeps the event loop up). */
function runWorker(worker: BatonWorker | undefined): { done: Promise<void>; stop(): void; up(): boolean } {
  let up = worker !== undefined;
  if (worker) {
    const done = worker.run();
    void done.finally(() => (up = false));
    return { done, stop: () => worker.shutdown(), up: () => up };
  }
  let release = () => undefined as void;
  const done = new Promise<void>((resolve) => {
    // Nothing else holds the event loop open in a process without a worker.
    const keepAlive = setInterval(() => undefined, 60_000);
    release = () => {
      clearInterval(keepAlive);
      resolve();
    };
  });
  return { done, stop: () => release(), up: () => false };
}

function announceRunning(worker: BatonWorker | undefined, options: ServiceOptions): void {
  const { config, logger } = options;
  if (!worker) {
    logger.info({ deployment: config.name, queue: config.temporal.task_queue }, 'Baton orchestrator running (no worker in this process: `baton worker`s do the work)');
    return;
  }
  void sweepTerminalWorkspaces(worker.runtime, options.configPath).then(
    (n) => n > 0 && logger.info({ removed: n }, 'removed workspaces of issues that are already terminal'),
    (err: unknown) => logger.warn({ err: String(err) }, 'terminal workspace sweep failed'),
  );
  logger.info({ deployment: config.name, queue: config.temporal.task_queue, host_queue: worker.hostQueue }, 'Baton worker running');
}

async function startHttp(
  options: ServiceOptions,
  target: TemporalTarget,
  client: Client,
  config: () => BatonConfig,
  workerRunning: () => boolean,
): Promise<BatonHttpServer | undefined> {
  const { server } = options.config;
  if (server.port === undefined) return undefined;
  let http: BatonHttpServer;
  try {
    http = await startHttpServer(
      {
        client,
        config,
        logger: options.logger,
        temporalUiUrl: server.temporal_ui_url ?? target.server?.uiUrl ?? null,
        sdkMetricsUrl: options.sdkMetricsUrl,
        // Without a worker in this process, readiness is the orchestrator's business alone.
        workerRunning,
      },
      { host: server.host, port: server.port },
    );
  } catch (err) {
    throw httpListenError(err, server.host, server.port);
  }
  announce(options.logger, `Baton dashboard: ${http.url}/ (API at ${http.url}/api/v1/state, metrics at ${http.url}/metrics, webhooks at ${http.url}/webhooks/<provider>)`, {
    dashboard: `${http.url}/`,
  });
  return http;
}

/** A listen failure as a user error: which address, why, and what to change. */
function httpListenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const why = code === 'EADDRINUSE' ? 'is already in use by another process' : code === 'EACCES' ? 'needs privileges this process lacks' : 'is not an address of this host';
    return new BatonError(ErrorCategory.usage, `cannot serve the dashboard on ${host}:${port}: the port ${why} (${code}); set server.port to a free port, or remove it to turn the HTTP server off`, { cause: err });
  }
  return err;
}
