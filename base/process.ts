/**
 * Processes by pid: signalling a whole process group, telling whether a pid still runs, and the
 * one place that reads `/proc/<pid>/stat`, so a pid recorded earlier can be checked to still name
 * the same process before anything is killed. Running a command is base/shell.ts.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Send `signal` to the whole process group led by `pid`; ignores groups already gone. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * True while a process with this pid runs. A zombie (exited, not yet reaped: orphans wait for
 * init, which in a container may reap late) does not count.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readProcStat(pid);
  // No /proc (not Linux): the signal test above is all there is. On Linux, no entry = just went away.
  if (!stat) return process.platform !== 'linux';
  return stat.state !== 'Z' && stat.state !== 'X';
}

/** The fields of `/proc/<pid>/stat` Baton uses (proc(5)). */
export interface ProcStat {
  pid: number;
  /** The executable's name as the kernel keeps it (at most 15 characters), e.g. `bash`. */
  name: string;
  /** R, S, D, Z (zombie), T, X (dead), … */
  state: string;
  ppid: number;
  pgid: number;
  /**
   * Field 22, `starttime`: clock ticks after boot at which the process started. A pid is reused
   * only after its process is gone, and the new one starts later, so (pid, startTime) names one
   * process for as long as the machine runs.
   */
  startTime: number;
}

/**
 * Parses one `/proc/<pid>/stat` line; undefined when it is not one. The name (field 2) is in
 * parentheses and may itself hold spaces and `)`, so fields are counted from the LAST `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Field 3 (state) onwards; field n sits at index n - 3.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const [state, ppid, pgid, startTime] = [rest[0], Number(rest[1]), Number(rest[2]), Number(rest[19])];
  if (!Number.isInteger(pid) || !state || ![ppid, pgid, startTime].every(Number.isInteger)) return undefined;
  return { pid, name: text.slice(open + 1, close), state, ppid, pgid, startTime };
}

/** `/proc/<pid>/stat` of a process, or undefined when there is none (or no /proc: not Linux). */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * A process as Baton records it to kill later (e.g. an agent's process group, in case its worker
 * dies): the pid and its start time, so a pid the kernel has since given to another process is
 * never signalled. Stored as JSON `{"pid":1234,"startTime":567890}`.
 */
export interface ProcessRecord {
  pid: number;
  /** `/proc/<pid>/stat` field 22 (see {@link ProcStat.startTime}). */
  startTime: number;
}

/** The record of a running process, or undefined when it is gone (or there is no /proc). */
export function processRecord(pid: number): ProcessRecord | undefined {
  const stat = readProcStat(pid);
  return stat && stat.state !== 'Z' && stat.state !== 'X' ? { pid, startTime: stat.startTime } : undefined;
}

/** Parses a stored {@link ProcessRecord}; undefined for anything else (a bare pid included). */
export function parseProcessRecord(text: string): ProcessRecord | undefined {
  try {
    const value = JSON.parse(text) as { pid?: unknown; startTime?: unknown };
    const { pid, startTime } = value;
    if (typeof pid === 'number' && Number.isInteger(pid) && pid > 1 && typeof startTime === 'number' && Number.isInteger(startTime) && startTime >= 0) {
      return { pid, startTime };
    }
  } catch {
    // not JSON
  }
  return undefined;
}

/**
 * What {@link killIfSame} did: `killed`; `gone` (no such process, or a zombie: nothing left to
 * stop); `reused` (the pid now names another process, left alone); `unverifiable` (no
 * `/proc` to read a start time from: refused, because a wrong kill is worse than a late one).
 */
export type KillOutcome = 'killed' | 'gone' | 'reused' | 'unverifiable';

/**
 * Decides from what `/proc` says now; pure, for {@link killIfSame} and its table test. A zombie
 * leader still holds its pid (no reuse possible) and its group may live on, so for a group it
 * counts as the same process; on its own there is nothing left to stop.
 */
export function identify(record: ProcessRecord, now: ProcStat | undefined, hasProc: boolean, group = false): Exclude<KillOutcome, 'killed'> | 'same' {
  if (!hasProc) return 'unverifiable';
  if (!now || now.state === 'X') return 'gone';
  if (now.startTime !== record.startTime) return 'reused';
  return now.state === 'Z' && !group ? 'gone' : 'same';
}

/**
 * Sends `signal` to the process `pid` (with `group`, to the process group it leads) only if it
 * is still the process that started at `startTime`. A leader that is reaped takes the check with
 * it: members of its group that outlived it are not reached (record them too if they matter).
 */
export function killIfSame(pid: number, startTime: number, signal: NodeJS.Signals = 'SIGKILL', options: { group?: boolean } = {}): KillOutcome {
  const verdict = identify({ pid, startTime }, readProcStat(pid), existsSync('/proc/self/stat'), options.group);
  if (verdict !== 'same') return verdict;
  if (options.group) {
    killProcessGroup(pid, signal);
    return 'killed';
  }
  try {
    process.kill(pid, signal);
    return 'killed';
  } catch {
    return 'gone';
  }
}
