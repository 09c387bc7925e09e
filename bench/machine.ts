/**
 * Facts about the machine the figures were taken on. The login-shell time is among them because
 * every agent turn and hook runs under `bash -lc`: whatever the login profile does is part of each
 * stage's start-up, and it differs from machine to machine.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { median } from './stats.js';

const execFileAsync = promisify(execFile);

/** Median wall time of `bash -lc true`, or how long it ran before the cap; null without bash. */
export type ShellTiming = { ms: number } | { timedOutAfterMs: number } | null;

export interface LoginShellFacts {
  /** Under the agents' environment: what every stage run pays before the agent's own command. */
  agents: ShellTiming;
  /** Under your own HOME and login profile (the same as `agents` with `--user-profile`). */
  userProfile: ShellTiming;
}

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  temporalCli: string;
  loginShell: LoginShellFacts;
  /** 1-minute load average when the bench started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end: number };
}

/** Time `bash -lc true` under `env`: the median of `runs`, each capped at `capMs`. */
export async function timeLoginShell(env: NodeJS.ProcessEnv, options: { runs?: number; capMs?: number } = {}): Promise<ShellTiming> {
  const capMs = options.capMs ?? 10_000;
  const times: number[] = [];
  for (let i = 0; i < (options.runs ?? 3); i++) {
    const started = performance.now();
    try {
      await execFileAsync('bash', ['-lc', 'true'], { env, timeout: capMs, killSignal: 'SIGKILL' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if ((err as { killed?: boolean }).killed) return { timedOutAfterMs: capMs };
      // A profile that exits non-zero still took this long.
    }
    times.push(performance.now() - started);
  }
  return { ms: median(times.sort((a, b) => a - b)) };
}

export function machineFacts(extra: Pick<MachineFacts, 'temporalCli' | 'loginShell' | 'loadAverage'>): MachineFacts {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...extra,
  };
}

/** The 1-minute load average (NaN where the OS has none). */
export function loadAverage(): number {
  return os.loadavg()[0] ?? Number.NaN;
}
