/**
 * Starting and stopping the app-server process (SPEC §10.1): `bash -lc "unset <secrets> && exec
 * <codex.command>"` in the workspace, as the leader of its own process group. Stopping kills the
 * group and every descendant found under it: Codex runs agent commands in their own PTY sessions,
 * which a group kill alone does not reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { killProcessGroup } from '../../../runtime/process.js';

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

/** Pids of every living descendant of `root` (Linux /proc; empty elsewhere). */
export function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesized command name: state, ppid, …
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** SIGKILL `root`'s process group and every descendant of `root`, wherever their group. */
export function killProcessTree(root: number): void {
  const descendants = descendantPids(root);
  killProcessGroup(root, 'SIGKILL');
  for (const pid of descendants) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
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
