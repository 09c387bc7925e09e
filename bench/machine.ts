/**
 * Facts about the machine the figures were taken on. The login-shell time is among them because
 * every agent turn and hook runs under `bash -lc` (SPEC §10.1): whatever the user's profile does
 * at login is part of each stage's start-up, and it differs from machine to machine.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { median } from './stats.js';

const execFileAsync = promisify(execFile);

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  temporalCli: string;
  /** Median wall time of `bash -lc true`, ms (null when bash is missing). */
  loginShellMs: number | null;
  /** 1-minute load average when the bench started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end: number };
}

/** Median of `runs` timed `bash -lc true` runs, in ms. */
export async function loginShellMs(runs = 3): Promise<number | null> {
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await execFileAsync('bash', ['-lc', 'true'], { timeout: 30_000 });
      times.push(performance.now() - started);
    }
  } catch {
    return null;
  }
  return median(times.sort((a, b) => a - b));
}

export function machineFacts(extra: Pick<MachineFacts, 'temporalCli' | 'loginShellMs' | 'loadAverage'>): MachineFacts {
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
