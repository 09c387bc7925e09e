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
import type { Logger } from '../runtime/logger.js';

export interface BenchEnvironment {
  /** The temp folder: the server's database and every deployment live here. */
  root: string;
  server: EmbeddedServer;
  /** `temporal --version` of the CLI that runs the server. */
  cliVersion: string;
  client: Client;
  namespace: string;
  /** The shared task queue every bench deployment uses. */
  taskQueue: string;
  /** The environment agents and hooks inherit. */
  agentEnv: NodeJS.ProcessEnv;
  worker: BatonWorker;
  startup: { serverMs: number; workerMs: number };
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
  const undo: (() => Promise<unknown>)[] = [];
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
    const serverMs = Date.now() - serverStarted;

    const connection = await Connection.connect({ address: server.address });
    undo.push(() => connection.close());
    const client = new Client({ connection, namespace });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    undo.push(() => nativeConnection.close());

    const agentEnv = { ...process.env };
    if (!options.userProfile) {
      agentEnv.HOME = path.join(root, 'home');
      await mkdir(agentEnv.HOME);
    }
    const workerStarted = Date.now();
    const taskQueue = 'baton-bench';
    const worker = await createBatonWorker({
      connection: nativeConnection,
      client,
      namespace,
      taskQueue,
      logger,
      env: agentEnv,
      host: 'bench',
      shutdownGraceMs: 1_000,
    });
    let closing = false;
    const running = worker.run();
    running.then(
      () => {
        if (!closing) options.onWorkerStopped(new Error('the Baton worker stopped on its own during the bench'));
      },
      (err: unknown) => {
        if (!closing) options.onWorkerStopped(new Error(`the Baton worker failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      },
    );
    undo.push(async () => {
      closing = true;
      worker.shutdown();
      await running.catch(() => undefined);
    });
    const workerMs = Date.now() - workerStarted;

    return {
      root,
      server,
      cliVersion: cli.version,
      client,
      namespace,
      taskQueue,
      agentEnv,
      worker,
      startup: { serverMs, workerMs },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
