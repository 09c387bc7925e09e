/**
 * CPU time from /proc: how much of the machine the worker (with the agents it spawned) and the
 * Temporal server used over a phase. On a shared machine this says more than wall time does.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** CPU seconds of a process itself and of its reaped children. */
export interface CpuTimes {
  selfSeconds: number;
  childrenSeconds: number;
}

/**
 * utime+stime and cutime+cstime of a /proc/<pid>/stat line, in seconds. The command name (field 2)
 * may hold spaces and parentheses, so fields are counted after its closing parenthesis.
 */
export function parseProcStat(text: string, ticksPerSecond: number): CpuTimes | null {
  const end = text.lastIndexOf(')');
  if (end < 0) return null;
  // After ")": state is field 3, so utime (field 14) is index 11 here.
  const fields = text.slice(end + 2).trim().split(/\s+/);
  const n = (i: number) => Number(fields[i]);
  const [utime, stime, cutime, cstime] = [n(11), n(12), n(13), n(14)];
  if (![utime, stime, cutime, cstime].every(Number.isFinite)) return null;
  return { selfSeconds: (utime + stime) / ticksPerSecond, childrenSeconds: (cutime + cstime) / ticksPerSecond };
}

let ticks: number | undefined;
/** The kernel's clock ticks per second (`getconf CLK_TCK`, 100 when it cannot be asked). */
function ticksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** A process's CPU times, or null off Linux or once it is gone. */
export async function procCpu(pid: number | 'self'): Promise<CpuTimes | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond());
  } catch {
    return null;
  }
}

/** CPU used over a phase, in seconds, and as a share of one core over its wall time. */
export interface PhaseCpu {
  wallSeconds: number;
  /** The bench process: Baton worker, client and bench code. */
  workerSeconds: number;
  /** Processes the worker started and reaped: agents, hooks, `bash -lc`. */
  agentsSeconds: number;
  /** The Temporal dev server (null when /proc cannot be read). */
  serverSeconds: number | null;
}

/** Start measuring; `stop()` returns what was used since. */
export async function startCpuPhase(serverPid: number): Promise<{ stop(): Promise<PhaseCpu | null> }> {
  const started = performance.now();
  const [self0, server0] = await Promise.all([procCpu('self'), procCpu(serverPid)]);
  return {
    async stop() {
      const [self1, server1] = await Promise.all([procCpu('self'), procCpu(serverPid)]);
      if (!self0 || !self1) return null;
      return {
        wallSeconds: (performance.now() - started) / 1000,
        workerSeconds: self1.selfSeconds - self0.selfSeconds,
        agentsSeconds: self1.childrenSeconds - self0.childrenSeconds,
        serverSeconds: server0 && server1 ? server1.selfSeconds - server0.selfSeconds : null,
      };
    },
  };
}
