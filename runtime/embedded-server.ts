/**
 * The embedded Temporal server: `temporal server start-dev` on a persistent SQLite file, with the Web
 * UI and Baton's search attributes, started and stopped by Baton.
 *
 * The server must not outlive Baton, even when Baton is killed with SIGKILL (no exit handler runs
 * then). So the server runs under a tiny `sh` watchdog whose stdin is a pipe from Baton: when Baton
 * dies, the kernel closes the pipe, the watchdog reads EOF and stops the server (SIGTERM, then
 * SIGKILL after the grace period). The watchdog leads its own process group, so a terminal Ctrl-C
 * reaches Baton only and Baton decides the shutdown order (workers first, then the server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { batonSearchAttributes } from '../core/search-attributes.js';
import { BatonError, ErrorCategory } from '../core/errors.js';
import type { Logger } from './logger.js';
import { killProcessGroup, processAlive } from './process.js';
import { cliSearchAttributeType, ensureSearchAttributes } from './search-attributes.js';
import { clearServerState, readServerState, writeServerState } from './server-state.js';

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
}

export interface EmbeddedServer {
  /** gRPC frontend, `host:port`. */
  address: string;
  uiUrl: string;
  /** The server process (not the watchdog). */
  pid: number;
  namespace: string;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the server is gone. Idempotent. */
  stop(): Promise<void>;
}

const defaults = {
  ip: '127.0.0.1',
  port: 7233,
  uiPort: 8233,
  namespace: 'default',
  readyTimeoutMs: 60_000,
  stopGraceMs: 10_000,
} as const;

/** The first stdout line of the watchdog, before anything the server prints. */
const PID_MARKER = 'baton-temporal-server-pid=';

/**
 * `$1` = grace seconds, the rest = the server command. Stdin (Baton's pipe) moves to fd 3 so the
 * watcher can read it: POSIX sh gives background jobs /dev/null as stdin unless redirected.
 */
const WATCHDOG_SCRIPT = `
grace="$1"; shift
exec 3<&0 </dev/null
"$@" &
server=$!
echo "${PID_MARKER}$server"
(
  cat <&3 >/dev/null
  kill -TERM "$server" 2>/dev/null
  waited=0
  while kill -0 "$server" 2>/dev/null && [ "$waited" -lt "$grace" ]; do sleep 1; waited=$((waited + 1)); done
  kill -KILL "$server" 2>/dev/null
) &
exec 3<&-
trap 'kill -TERM "$server" 2>/dev/null' TERM INT HUP
status=0
while :; do
  wait "$server"; status=$?
  kill -0 "$server" 2>/dev/null || break
done
exit "$status"
`;

/** `temporal server start-dev` arguments for these settings (exported for tests and `--dry-run`). */
export function startDevArgs(settings: {
  dbFile: string;
  ip: string;
  port: number;
  uiPort: number;
  namespace: string;
  searchAttributes?: boolean;
  extraArgs?: string[];
}): string[] {
  const args = ['server', 'start-dev', '--db-filename', settings.dbFile, '--ip', settings.ip];
  args.push('--port', String(settings.port), '--ui-port', String(settings.uiPort));
  args.push('--log-level', 'error', '--ui-disable-news-fetch');
  if (settings.namespace !== 'default') args.push('--namespace', settings.namespace);
  if (settings.searchAttributes !== false) {
    for (const key of batonSearchAttributes) args.push('--search-attribute', `${key.name}=${cliSearchAttributeType(key.type)}`);
  }
  return [...args, ...(settings.extraArgs ?? [])];
}

/** Starts the embedded server and waits until its frontend answers. */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const ip = options.ip ?? defaults.ip;
  const namespace = options.namespace ?? defaults.namespace;
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

  let searchAttributeFlags = true;
  // A port can be taken between the check and the bind; a few tries cover that race.
  for (let attempt = 1; ; attempt++) {
    const port = await usablePort(ip, options.port ?? defaults.port, 'gRPC', log);
    const uiPort = await usablePort(ip, options.uiPort ?? defaults.uiPort, 'Web UI', log, [port]);
    const args = startDevArgs({ dbFile, ip, port, uiPort, namespace, searchAttributes: searchAttributeFlags, extraArgs: options.extraArgs });
    const started = Date.now();
    const proc = launch(options.cliPath, args, options.stopGraceMs ?? defaults.stopGraceMs, log);
    const address = `${hostForClient(ip)}:${port}`;
    const outcome = await waitUntilReady(proc, address, namespace, options.readyTimeoutMs ?? defaults.readyTimeoutMs);
    if (outcome.kind === 'ready') {
      if (!searchAttributeFlags) await ensureSearchAttributes(outcome.connection, namespace, { logger: log });
      await outcome.connection.close();
      const server = describeServer(proc, address, `http://${hostForClient(ip)}:${uiPort}`, namespace, dbFile, options);
      log.info({ address, uiUrl: server.uiUrl, pid: server.pid, dbFile, ms: Date.now() - started }, 'embedded Temporal server ready');
      if (options.recordState !== false) {
        await writeServerState(dbFile, {
          address,
          uiUrl: server.uiUrl,
          pid: server.pid,
          namespace,
          startedAt: new Date().toISOString(),
        });
      }
      return server;
    }
    await proc.stop();
    const tail = proc.outputTail();
    if (attempt < 3 && /address already in use/i.test(tail)) {
      log.warn({ port, uiPort }, 'embedded Temporal server: port taken while starting, trying other ports');
      continue;
    }
    // Older CLIs refuse `--search-attribute` for attributes an existing DB already has; register them
    // through the operator API instead.
    if (searchAttributeFlags && /search attribute/i.test(tail) && /already|exist/i.test(tail)) {
      log.warn('embedded Temporal server: restarting without --search-attribute flags (existing DB)');
      searchAttributeFlags = false;
      continue;
    }
    throw new BatonError(
      ErrorCategory.temporalUnavailable,
      `The embedded Temporal server (${options.cliPath} ${args.slice(0, 2).join(' ')}) ${outcome.reason}. ` +
        `Its last output:\n${tail || '(none)'}\n` +
        `Check that ${dirname(dbFile)} is writable and the ports are free, or run Baton against an existing Temporal server.`,
      { details: { dbFile, address } },
    );
  }
}

function describeServer(
  proc: LaunchedServer,
  address: string,
  uiUrl: string,
  namespace: string,
  dbFile: string,
  options: EmbeddedServerOptions,
): EmbeddedServer {
  let stopping: Promise<void> | undefined;
  return {
    address,
    uiUrl,
    pid: proc.serverPid,
    namespace,
    stop() {
      stopping ??= (async () => {
        await proc.stop();
        if (options.recordState !== false) await clearServerState(dbFile, proc.serverPid);
        options.logger.info({ address }, 'embedded Temporal server stopped');
      })();
      return stopping;
    },
  };
}

interface LaunchedServer {
  child: ChildProcess;
  serverPid: number;
  /** Resolves when the watchdog (and so the server) has exited. */
  exited: Promise<void>;
  hasExited(): boolean;
  outputTail(): string;
  stop(): Promise<void>;
}

function launch(cliPath: string, args: string[], graceMs: number, log: Logger): LaunchedServer {
  const graceSeconds = String(Math.max(1, Math.ceil(graceMs / 1000)));
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'baton-temporal-watchdog', graceSeconds, cliPath, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let tail = '';
  let serverPid = 0;
  let exited = false;
  const keep = (chunk: string) => {
    tail = (tail + chunk).slice(-6000);
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const marker = chunk.match(new RegExp(`${PID_MARKER}(\\d+)`));
    if (marker && !serverPid) serverPid = Number(marker[1]);
    keep(chunk.replace(new RegExp(`${PID_MARKER}\\d+\\n?`), ''));
    log.trace({ out: chunk }, 'temporal server stdout');
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    log.debug({ err: chunk }, 'temporal server stderr');
  });
  // The pipe is the lifeline; Baton never writes to it and must not crash if it breaks.
  child.stdin!.on('error', () => undefined);
  const exitedPromise = new Promise<void>((resolvePromise) => {
    child.on('error', (err) => {
      keep(`\n${String(err)}`);
      exited = true;
      resolvePromise();
    });
    child.on('exit', () => {
      exited = true;
      resolvePromise();
    });
  });
  return {
    child,
    get serverPid() {
      return serverPid;
    },
    exited: exitedPromise,
    hasExited: () => exited,
    outputTail: () => tail.trim().split('\n').slice(-20).join('\n'),
    async stop() {
      if (!exited && child.pid) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          if (child.pid) killProcessGroup(child.pid, 'SIGKILL');
        }, graceMs);
        await exitedPromise;
        clearTimeout(timer);
      }
      // Leftovers of the watchdog (its stdin watcher) go with the group.
      if (child.pid) killProcessGroup(child.pid, 'SIGKILL');
      child.stdin?.destroy();
      if (serverPid && processAlive(serverPid)) {
        try {
          process.kill(serverPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

type ReadyOutcome = { kind: 'ready'; connection: Connection } | { kind: 'failed'; reason: string };

async function waitUntilReady(
  proc: LaunchedServer,
  address: string,
  namespace: string,
  timeoutMs: number,
): Promise<ReadyOutcome> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc.hasExited()) return { kind: 'failed', reason: `exited before it was ready (exit code ${proc.child.exitCode ?? proc.child.signalCode})` };
    try {
      const connecting = Connection.connect({ address, connectTimeout: 2_000 });
      const connection = await Promise.race([connecting, proc.exited.then(() => undefined)]);
      if (!connection) {
        void connecting.then((c) => c.close(), () => undefined);
        continue;
      }
      try {
        // The namespace is registered during start-up; a frontend that answers for it is ready for Baton.
        await connection.workflowService.describeNamespace({ namespace });
        if (proc.serverPid) return { kind: 'ready', connection };
      } catch (err) {
        lastError = String((err as Error).message ?? err);
      }
      await connection.close();
    } catch (err) {
      lastError = String((err as Error).message ?? err);
    }
    await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 100))]);
  }
  return {
    kind: 'failed',
    reason: `did not answer on ${address} within ${Math.round(timeoutMs / 1000)} s (last error: ${lastError || 'none'})`,
  };
}

/** `0.0.0.0` and `::` accept connections but are not addresses to dial. */
function hostForClient(ip: string): string {
  if (ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip;
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
