/**
 * Real Baton worker processes for failure-mode tests, and Linux `/proc` checks on the processes
 * they leave behind. A worker runs as `node bin/baton.js worker <config>`, the built CLI in one
 * process, so the pid a test `kill -9`s is the worker itself; it leads its own process group so
 * cleanup can end it and anything it started in the same group.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { killProcessGroup, readProcStat, type ProcStat } from '../../base/process.js';
import { BATON_BIN } from './cli.js';
import { deadlineAfter } from './time.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A `baton worker` child process. */
export interface WorkerProcess {
  pid: number;
  hostId: string;
  /** Where its stdout and stderr go (pino JSON lines). */
  logFile: string;
  /** Settles when the process has exited, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Send `signal` (default SIGKILL) to the worker's whole process group; a no-op once it exited. */
  kill(signal?: NodeJS.Signals): void;
  /** Everything the worker has printed so far. */
  output(): Promise<string>;
}

export interface WorkerProcessOptions {
  configPath: string;
  /** `BATON_HOST_ID`: which host queue the worker serves. */
  hostId: string;
  logFile: string;
  env?: Record<string, string>;
  /** More `baton worker` arguments, e.g. `['--max-agents', '3']`. */
  args?: string[];
}

/** Start `baton worker <config>` as a child process; resolve once it says it is running (within `readyTimeoutMs`, scaled). */
export async function startWorkerProcess(options: WorkerProcessOptions, readyTimeoutMs = 90_000): Promise<WorkerProcess> {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [BATON_BIN, 'worker', options.configPath, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, BATON_LOG_LEVEL: 'info', ...options.env, BATON_HOST_ID: options.hostId },
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start a worker process (see ${options.logFile})`);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const worker: WorkerProcess = {
    pid,
    hostId: options.hostId,
    logFile: options.logFile,
    exited,
    // Once the worker is reaped its pid may belong to someone else: never signal it then.
    kill: (signal = 'SIGKILL') => {
      if (!done) killProcessGroup(pid, signal);
    },
    output: () => readFile(options.logFile, 'utf8').catch(() => ''),
  };
  const deadline = deadlineAfter(readyTimeoutMs);
  for (;;) {
    const text = await worker.output();
    if (text.includes('Baton worker running')) return worker;
    if (done || deadline.passed()) {
      worker.kill();
      throw new Error(`worker ${options.hostId} ${done ? 'exited' : 'did not start'}; its output:\n${text.slice(-4_000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Kill every worker (their process groups) and wait for each to be gone. */
export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  workers.length = 0;
}

export type { ProcStat };

/** The stat line of `pid`, or null when there is no such process. Linux only. */
export async function procStat(pid: number): Promise<ProcStat | null> {
  return readProcStat(pid) ?? null;
}

function live(stat: ProcStat | null): stat is ProcStat {
  return !!stat && stat.state !== 'Z' && stat.state !== 'X';
}

/** The live (non-zombie) processes in process group `pgid` now. */
export async function processGroup(pgid: number): Promise<ProcStat[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const members: ProcStat[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await procStat(Number(name));
    if (live(stat) && stat.pgid === pgid) members.push(stat);
  }
  return members;
}

/**
 * Which of `processes` still run: same pid and start time, not a zombie (a killed orphan may wait
 * for its reaper). A pid reused by an unrelated process does not count.
 */
export async function stillRunning(processes: readonly ProcStat[]): Promise<ProcStat[]> {
  const running: ProcStat[] = [];
  for (const p of processes) {
    const now = await procStat(p.pid);
    if (live(now) && now.startTime === p.startTime) running.push(now);
  }
  return running;
}

/** SIGKILL those of `processes` that still run (see {@link stillRunning}). */
export async function killIfRunning(processes: readonly ProcStat[]): Promise<void> {
  for (const p of await stillRunning(processes)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
