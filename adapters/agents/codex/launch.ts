/**
 * Starting and stopping the app-server process (SPEC §10.1): `bash -lc "unset <secrets> && exec
 * <codex.command>"` in the workspace, as the leader of its own process group. Stopping kills the
 * group and every descendant found under it: Codex runs agent commands in their own PTY sessions,
 * which a group kill alone does not reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { killProcessGroup } from '../../../base/process.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** How long after exit the pipes may take to deliver their last lines. */
const STDIO_DRAIN_MS = 200;

/** Single-quote `word` for bash. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The bash script that launches `command`. Secret names are unset again inside the shell (defence
 * in depth: a login profile could re-export them); names that are not valid variable names are
 * dropped rather than interpolated. When `fallbackBinDir` is given and the login shell finds no
 * `codex` (a login profile rebuilds PATH, so the parent's PATH cannot do this), that directory is
 * put in front of PATH.
 */
export function launchScript(command: string, secretNames: readonly string[] = [], fallbackBinDir?: string): string {
  const steps: string[] = [];
  const names = [...new Set(secretNames.filter((n) => ENV_NAME.test(n)))];
  if (names.length) steps.push(`unset ${names.join(' ')}`);
  if (fallbackBinDir) steps.push(`if ! command -v codex >/dev/null 2>&1; then export PATH=${quote(fallbackBinDir)}:"$PATH"; fi`);
  steps.push(`exec ${command}`);
  return steps.join(' && ');
}

/** A process as seen at one moment: its pid and start time, so a reused pid is never killed. */
export interface ProcessRef {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: string;
}

/** pid → [ppid, start time] from /proc/<pid>/stat, or undefined when it is gone. */
function readStat(pid: number | string): [number, string] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesized command name: state (3), ppid (4), …, starttime (22).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(rest[1]), rest[19] ?? ''];
}

/** Every living descendant of `root` (Linux /proc; empty elsewhere). */
export function descendants(root: number): ProcessRef[] {
  const children = new Map<number, ProcessRef[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (!stat) continue;
    const list = children.get(stat[0]) ?? [];
    list.push({ pid: Number(entry), start: stat[1] });
    children.set(stat[0], list);
  }
  const out: ProcessRef[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Pids of every living descendant of `root`. */
export function descendantPids(root: number): number[] {
  return descendants(root).map((ref) => ref.pid);
}

/** SIGKILL each process that is still the one recorded (same pid and start time). */
export function killRefs(refs: readonly ProcessRef[]): void {
  for (const ref of refs) {
    if (readStat(ref.pid)?.[1] !== ref.start) continue;
    try {
      process.kill(ref.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGKILL `root`'s process group and every descendant of `root`, wherever their group. */
export function killProcessTree(root: number): void {
  const refs = descendants(root);
  killProcessGroup(root, 'SIGKILL');
  killRefs(refs);
}

export interface AppServerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once `exited` has resolved. */
  hasExited(): boolean;
}

/** Spawn the app-server; rejects only when bash itself cannot be started. */
export async function spawnAppServer(options: {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  secretNames?: readonly string[];
  /** Put in front of PATH when the login shell finds no `codex`. */
  fallbackBinDir?: string;
}): Promise<AppServerProcess> {
  const child = spawn('bash', ['-lc', launchScript(options.command, options.secretNames, options.fallbackBinDir)], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      const finish = () => {
        done = true;
        resolve({ code, signal });
      };
      // Let the last stdout/stderr lines arrive first (they explain the exit), unless a
      // descendant holds the pipes open.
      const timer = setTimeout(finish, STDIO_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(timer);
        finish();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  child.on('error', () => undefined); // later errors (a signal to a dead pid) surface as the exit
  return { child, pid: child.pid!, exited, hasExited: () => done };
}
