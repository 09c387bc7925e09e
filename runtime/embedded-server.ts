/**
 * The embedded Temporal server: `temporal server start-dev` on a persistent SQLite file, with the Web
 * UI and Baton's search attributes, started and stopped by Baton.
 *
 * This module is the first start: it refuses a second server on the same database, finds usable
 * ports, and retries a start that lost a port race or met an older CLI. The server process and the
 * watchdog that keeps it from outliving Baton are runtime/embedded-server-process.ts; one start
 * until the frontend answers is runtime/embedded-server-launch.ts; restarting a server that died,
 * and the `failed` promise when that is no longer sensible, is runtime/embedded-server-supervisor.ts.
 */
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { BatonError, ErrorCategory } from '../core/errors.js';
import type { Logger } from '../base/logger.js';
import { readServerState } from './server-state.js';
import type { RestartPolicy } from './restart-policy.js';
import { hostForClient, launchUntilReady, type LaunchSettings } from './embedded-server-launch.js';
import { superviseServer, type EmbeddedServer } from './embedded-server-supervisor.js';

export { DEV_SERVER_GOGC, DEV_SERVER_TUNING, devServerEnv, startDevArgs } from './embedded-server-launch.js';
export { describeExit } from './embedded-server-process.js';
export type { EmbeddedServer } from './embedded-server-supervisor.js';

export interface EmbeddedServerOptions {
  /** Absolute path to the Temporal CLI (see `resolveTemporalCli`). */
  cliPath: string;
  /** SQLite file that keeps workflows across restarts; its directory is created. */
  dbFile: string;
  ip?: string;
  /** gRPC frontend port; another free port is used (and logged) if it is taken. */
  port?: number;
  /** Web UI port; another free port is used (and logged) if it is taken. */
  uiPort?: number;
  namespace?: string;
  logger: Logger;
  /** How long to wait for the frontend to answer (ms). */
  readyTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL, in `stop()` and when Baton dies (ms). */
  stopGraceMs?: number;
  /** Extra `temporal server start-dev` arguments (e.g. `--dynamic-config-value`). */
  extraArgs?: string[];
  /** Record the server in `server.json` next to the DB (default true). */
  recordState?: boolean;
  /** When to restart a server that died, and when to give up; `false` turns supervision off. */
  restartPolicy?: RestartPolicy | false;
}

const defaults = {
  ip: '127.0.0.1',
  port: 7233,
  uiPort: 8233,
  namespace: 'default',
  readyTimeoutMs: 60_000,
  stopGraceMs: 10_000,
} as const;

/** Starts the embedded server, waits until its frontend answers, and supervises it from then on. */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dbFile = resolve(options.dbFile);
  const log = options.logger;
  await mkdir(dirname(dbFile), { recursive: true });

  const running = await readServerState(dbFile);
  if (running) {
    throw new BatonError(
      ErrorCategory.temporalUnavailable,
      `An embedded Temporal server is already running on ${dbFile} (pid ${running.pid}, ${running.address}). ` +
        'Stop the Baton that started it first, or give this one another state directory.',
      { retryable: false, details: { ...running } },
    );
  }

  const ip = options.ip ?? defaults.ip;
  const base = {
    cliPath: options.cliPath,
    dbFile,
    ip,
    namespace: options.namespace ?? defaults.namespace,
    searchAttributes: true,
    extraArgs: options.extraArgs,
    graceMs: options.stopGraceMs ?? defaults.stopGraceMs,
    readyTimeoutMs: options.readyTimeoutMs ?? defaults.readyTimeoutMs,
    log,
  };
  // A port can be taken between the check and the bind; a few tries cover that race.
  for (let attempt = 1; ; attempt++) {
    const port = await usablePort(ip, options.port ?? defaults.port, 'gRPC', log);
    const uiPort = await usablePort(ip, options.uiPort ?? defaults.uiPort, 'Web UI', log, [port]);
    const settings: LaunchSettings = { ...base, port, uiPort };
    const outcome = await launchUntilReady(settings);
    if (outcome.kind === 'ready') {
      const server = await superviseServer(outcome.proc, settings, options);
      log.info({ address: server.address, uiUrl: server.uiUrl, pid: server.pid, dbFile, ms: outcome.ms }, 'embedded Temporal server ready');
      return server;
    }
    if (attempt < 3 && /address already in use/i.test(outcome.tail)) {
      log.warn({ port, uiPort }, 'embedded Temporal server: port taken while starting, trying other ports');
      continue;
    }
    // Older CLIs refuse `--search-attribute` for attributes an existing DB already has; register them
    // through the operator API instead.
    if (base.searchAttributes && /search attribute/i.test(outcome.tail) && /already|exist/i.test(outcome.tail)) {
      log.warn('embedded Temporal server: restarting without --search-attribute flags (existing DB)');
      base.searchAttributes = false;
      continue;
    }
    throw new BatonError(
      ErrorCategory.temporalUnavailable,
      `The embedded Temporal server (${options.cliPath} server start-dev) ${outcome.reason}. ` +
        `Its last output:\n${outcome.tail || '(none)'}\n` +
        `Check that ${dirname(dbFile)} is writable and the ports are free, or run Baton against an existing Temporal server.`,
      { details: { dbFile, address: `${hostForClient(ip)}:${port}` } },
    );
  }
}

/** `preferred` if it can be bound on `ip` (and is not in `avoid`), else a free port the OS picks. */
export async function usablePort(
  ip: string,
  preferred: number,
  what: string,
  log: Logger,
  avoid: number[] = [],
): Promise<number> {
  if (preferred > 0 && !avoid.includes(preferred) && (await canBind(ip, preferred))) return preferred;
  for (;;) {
    const port = await freePort(ip);
    if (!avoid.includes(port)) {
      if (preferred > 0) log.warn({ preferred, port, ip }, `${what} port ${preferred} is taken; using ${port} instead`);
      return port;
    }
  }
}

async function canBind(ip: string, port: number): Promise<boolean> {
  try {
    await bindAndRelease(ip, port);
    return true;
  } catch {
    return false;
  }
}

async function freePort(ip: string): Promise<number> {
  return bindAndRelease(ip, 0);
}

/** Binds `ip:port`, closes again, and returns the port that was bound. */
async function bindAndRelease(ip: string, port: number): Promise<number> {
  const server = createServer();
  server.listen({ host: ip, port, exclusive: true });
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('could not read the bound port');
  return address.port;
}
