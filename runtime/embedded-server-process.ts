/**
 * One embedded Temporal server process, under a tiny `sh` watchdog so it cannot outlive Baton.
 *
 * The server must not outlive Baton, even when Baton is killed with SIGKILL (no exit handler runs
 * then). So the server runs under a watchdog whose stdin is a pipe from Baton: when Baton dies,
 * the kernel closes the pipe, the watchdog reads EOF and stops the server (SIGTERM, then SIGKILL
 * after the grace period). The watchdog leads its own process group, so a terminal Ctrl-C reaches
 * Baton only and Baton decides the shutdown order (workers first, then the server).
 *
 * It owns the process's output tails (for error messages) and how it ended; starting it until it
 * answers is runtime/embedded-server-launch.ts, keeping it running runtime/embedded-server-supervisor.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Logger } from '../base/logger.js';
import { killProcessGroup, processAlive } from '../base/process.js';

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

/** One server process under its watchdog. */
export interface LaunchedServer {
  child: ChildProcess;
  serverPid: number;
  /** Resolves when the watchdog (and so the server) has exited. */
  exited: Promise<void>;
  hasExited(): boolean;
  /** The last lines of stdout and stderr together. */
  outputTail(): string;
  /** The last lines of stderr alone (the server logs errors only). */
  stderrTail(): string;
  /** How the server ended, e.g. `killed by SIGKILL` or `exit code 1`; valid once `exited` settled. */
  exitDescription(): string;
  stop(): Promise<void>;
}

/** Spawns the server command under the watchdog; the server's pid arrives on the watchdog's first stdout line. */
export function launchUnderWatchdog(cliPath: string, args: string[], graceMs: number, log: Logger, env: NodeJS.ProcessEnv = process.env): LaunchedServer {
  const graceSeconds = String(Math.max(1, Math.ceil(graceMs / 1000)));
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'baton-temporal-watchdog', graceSeconds, cliPath, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let tail = '';
  let stderr = '';
  let serverPid = 0;
  let exited = false;
  let stopRequested = false;
  const keep = (chunk: string) => {
    tail = (tail + chunk).slice(-6000);
  };
  const lastLines = (text: string, n: number) => text.trim().split('\n').slice(-n).join('\n');
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const marker = chunk.match(new RegExp(`${PID_MARKER}(\\d+)`));
    if (marker && !serverPid) serverPid = Number(marker[1]);
    keep(chunk.replace(new RegExp(`${PID_MARKER}\\d+\\n?`), ''));
    log.trace({ out: chunk }, 'temporal server stdout');
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    stderr = (stderr + chunk).slice(-4000);
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
    outputTail: () => lastLines(tail, 20),
    stderrTail: () => lastLines(stderr, 8),
    exitDescription: () => describeExit(child.exitCode, child.signalCode, stopRequested),
    async stop() {
      stopRequested = true;
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

/**
 * The watchdog exits with the server's status as `wait` gives it: 128 + n when signal n ended the
 * server. A signal on the watchdog itself means someone killed the watchdog, not the server.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, stopRequested = false): string {
  if (signal) return `its watchdog was killed by ${signal}${stopRequested ? ' (Baton stopping it)' : ''}`;
  if (code === null) return 'unknown exit';
  if (code > 128) {
    const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return `killed by ${name}`;
  }
  return `exit code ${code}`;
}
