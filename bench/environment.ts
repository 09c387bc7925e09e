/**
 * The bench's own Baton: an embedded Temporal dev server on a SQLite file in a temp folder and one
 * in-process Baton worker, as `baton start` would run them. `close()` undoes everything that was
 * started, in reverse order, also after a partial start.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { resolveTemporalCliDetailed } from '../runtime/temporal-binary.js';
import { startEmbeddedServer, type EmbeddedServer } from '../runtime/embedded-server.js';
import { createBatonWorker, type BatonWorker } from '../runtime/worker.js';
import type { Logger } from '../base/logger.js';

export interface BenchEnvironment {
  /** The temp folder: the server's database and every deployment live here. */
  root: string;
  server: EmbeddedServer;
  /** `temporal --version` of the CLI that runs the server. */
  cliVersion: string;
  client: Client;
  namespace: string;
  /** The environment agents and hooks inherit. */
  agentEnv: NodeJS.ProcessEnv;
  /**
   * Start a Baton worker for one bench deployment (a worker serves one config file, as `baton
   * start` does); `stop()` ends it. The first start's duration is `startup.workerMs`.
   */
  startWorker(configPath: string, taskQueue: string, options?: { maxConcurrentAgents?: number }): Promise<{ worker: BatonWorker; stop(): Promise<void> }>;
  startup: { serverMs: number; workerMs: number | null };
  close(): Promise<void>;
}

let runtimeInstalled = false;
function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // The bench handles Ctrl-C itself so it can stop the worker before the server; SDK logs go
  // through the bench's logger (stderr), keeping stdout for the figures.
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      const method = level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
      logger[method]({ ...meta, source: 'temporal-sdk' }, message);
    }),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
}

export interface BenchEnvironmentOptions {
  logger: Logger;
  /** Keep the temp folder (its path is printed) instead of removing it. */
  keep?: boolean;
  /**
   * Run agents with the user's HOME, so their `bash -lc` sources the user's login profile. Off by
   * default: the figures are Baton's, and a profile (pyenv, nvm, conda) can add seconds to every
   * stage or, with a stale lock, stall it.
   */
  userProfile?: boolean;
  /** Called once if the worker stops before `close()`: the bench must give up then. */
  onWorkerStopped(err: Error): void;
}

export async function startBenchEnvironment(options: BenchEnvironmentOptions): Promise<BenchEnvironment> {
  const { logger } = options;
  installRuntime(logger);
  const undo: UndoSteps = [];
  const close = async () => {
    for (const step of undo.reverse()) {
      await step().catch((err: unknown) => logger.warn({ err: String(err) }, 'bench cleanup step failed'));
    }
    undo.length = 0;
  };
  try {
    const root = await mkdtemp(path.join(tmpdir(), 'baton-bench-'));
    undo.push(async () => {
      if (options.keep) process.stderr.write(`bench: kept ${root}\n`);
      else await rm(root, { recursive: true, force: true });
    });
    const { server, cliVersion, namespace, serverMs } = await startServer(root, logger, undo);

    const connection = await Connection.connect({ address: server.address });
    undo.push(() => connection.close());
    const client = new Client({ connection, namespace });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    undo.push(() => nativeConnection.close());

    const agentEnv = await agentEnvironment(root, options.userProfile);
    const startup: BenchEnvironment['startup'] = { serverMs, workerMs: null };
    const startWorker = workerStarter({ connection: nativeConnection, namespace, agentEnv, startup, undo, options });
    return {
      root,
      server,
      cliVersion,
      client,
      namespace,
      agentEnv,
      startWorker,
      startup,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What `close()` undoes, in the order it was started; `close()` runs them backwards. */
type UndoSteps = (() => Promise<unknown>)[];

/** The embedded dev server on a SQLite file in `root`, and how long it took to start (`startup.serverMs`). */
async function startServer(root: string, logger: Logger, undo: UndoSteps): Promise<{ server: EmbeddedServer; cliVersion: string; namespace: string; serverMs: number }> {
  const serverStarted = Date.now();
  const cli = await resolveTemporalCliDetailed({ logger });
  const namespace = 'default';
  const server = await startEmbeddedServer({
    cliPath: cli.path,
    dbFile: path.join(root, 'temporal.sqlite'),
    // 0: free ports, so the bench never collides with a running `baton start`.
    port: 0,
    uiPort: 0,
    namespace,
    logger,
    recordState: false,
    stopGraceMs: 5_000,
  });
  undo.push(() => server.stop());
  return { server, cliVersion: cli.version, namespace, serverMs: Date.now() - serverStarted };
}

/** This process's environment, with HOME in the temp folder unless `userProfile` (see BenchEnvironmentOptions). */
async function agentEnvironment(root: string, userProfile: boolean | undefined): Promise<NodeJS.ProcessEnv> {
  const agentEnv = { ...process.env };
  if (!userProfile) {
    agentEnv.HOME = path.join(root, 'home');
    await mkdir(agentEnv.HOME);
  }
  return agentEnv;
}

interface WorkerStarterDeps {
  connection: NativeConnection;
  namespace: string;
  agentEnv: NodeJS.ProcessEnv;
  /** Its `workerMs` is set by the first worker start. */
  startup: BenchEnvironment['startup'];
  undo: UndoSteps;
  options: BenchEnvironmentOptions;
}

/** `BenchEnvironment.startWorker`: each worker it starts is stopped by `close()` too. */
function workerStarter({ connection, namespace, agentEnv, startup, undo, options }: WorkerStarterDeps): BenchEnvironment['startWorker'] {
  return async (configPath, taskQueue, workerOptions = {}) => {
    const workerStarted = Date.now();
    const worker = await createBatonWorker({
      connection,
      namespace,
      taskQueue,
      configPath,
      logger: options.logger,
      env: agentEnv,
      host: 'bench',
      shutdownGraceMs: 1_000,
      ...(workerOptions.maxConcurrentAgents ? { maxConcurrentAgents: workerOptions.maxConcurrentAgents } : {}),
    });
    const stop = superviseWorker(worker, (err) => options.onWorkerStopped(err));
    startup.workerMs ??= Date.now() - workerStarted;
    undo.push(stop);
    return { worker, stop };
  };
}

/**
 * Run the worker; the returned `stop()` shuts it down. A worker that ends before that, on its own
 * or failing, calls `onWorkerStopped`: the bench would otherwise wait for issues nobody works on.
 */
function superviseWorker(worker: BatonWorker, onWorkerStopped: (err: Error) => void): () => Promise<void> {
  let closing = false;
  const running = worker.run();
  running.then(
    () => {
      if (!closing) onWorkerStopped(new Error('the Baton worker stopped on its own during the bench'));
    },
    (err: unknown) => {
      if (!closing) onWorkerStopped(new Error(`the Baton worker failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    },
  );
  return async () => {
    if (closing) return;
    closing = true;
    worker.shutdown();
    await running.catch(() => undefined);
  };
}
