/**
 * Running shell commands the way hooks and CLI agents need: `bash -lc` in a directory, in their
 * own process group (so a timeout, stall or cancel kills everything they started), output
 * streamed by line and kept bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed. */
  stdin?: string;
  /** Kill the group after this long (ms). */
  timeoutMs?: number;
  /** Kill the group when no output arrived for this long (ms); <= 0 disables. */
  stallMs?: number;
  signal?: AbortSignal;
  /** Each complete stdout line, as it arrives. */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Called once the child is spawned. */
  onSpawn?: (pid: number) => void;
  /** Bytes of output kept for the result (default 64 KiB each stream). */
  maxCaptureBytes?: number;
  /** Between SIGTERM and SIGKILL when Baton ends the group (default 1000 ms). */
  killGraceMs?: number;
}

export interface ShellResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why the process ended early, if Baton ended it. */
  killedFor?: 'timeout' | 'stall' | 'abort';
  stdout: string;
  stderr: string;
  pid?: number;
  durationMs: number;
}

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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (not Linux) or the process just went away.
    return process.platform !== 'linux';
  }
}

class LineSplitter {
  private buffer = '';
  constructor(private readonly onLine?: (line: string) => void) {}
  push(chunk: string): void {
    if (!this.onLine) return;
    this.buffer += chunk;
    let idx: number;
    while ((idx = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, idx).replace(/\r$/, '');
      this.buffer = this.buffer.slice(idx + 1);
      this.onLine(line);
    }
  }
  flush(): void {
    if (this.onLine && this.buffer) this.onLine(this.buffer);
    this.buffer = '';
  }
}

function capped(max: number) {
  let text = '';
  let dropped = 0;
  return {
    add(chunk: string) {
      if (text.length < max) text += chunk.slice(0, max - text.length);
      else dropped += chunk.length;
    },
    value() {
      return dropped ? `${text}\n…[${dropped} more characters truncated]` : text;
    },
  };
}

/** Run `script` with `bash -lc` in its own process group. Never rejects for a non-zero exit. */
export async function runShell(script: string, options: ShellOptions): Promise<ShellResult> {
  const started = Date.now();
  const max = options.maxCaptureBytes ?? 64 * 1024;
  const child: ChildProcess = spawn('bash', ['-lc', script], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = capped(max);
  const err = capped(max);
  const outLines = new LineSplitter(options.onStdoutLine);
  const errLines = new LineSplitter(options.onStderrLine);
  let killedFor: ShellResult['killedFor'];
  let lastOutput = Date.now();

  const graceMs = options.killGraceMs ?? 1_000;
  const timers: NodeJS.Timeout[] = [];
  /**
   * SIGTERM first, SIGKILL after the grace period: a shell killed outright skips its EXIT traps,
   * and some leave locks behind that way (pyenv's rehash lock stalls every later login shell).
   */
  const endGroup = () => {
    if (child.pid === undefined) return;
    const pid = child.pid;
    killProcessGroup(pid, 'SIGTERM');
    const hard = setTimeout(() => killProcessGroup(pid, 'SIGKILL'), graceMs);
    hard.unref();
    timers.push(hard);
  };
  const kill = (reason: NonNullable<ShellResult['killedFor']>) => {
    if (killedFor || child.pid === undefined) return;
    killedFor = reason;
    endGroup();
  };

  const spawnError = once(child, 'spawn').then(
    () => undefined,
    (e: unknown) => e,
  );
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    lastOutput = Date.now();
    out.add(chunk);
    outLines.push(chunk);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    lastOutput = Date.now();
    err.add(chunk);
    errLines.push(chunk);
  });
  child.stdin?.on('error', () => undefined); // the child may exit without reading stdin
  child.stdin?.end(options.stdin ?? '');

  if (options.timeoutMs && options.timeoutMs > 0) timers.push(setTimeout(() => kill('timeout'), options.timeoutMs));
  if (options.stallMs && options.stallMs > 0) {
    const stallMs = options.stallMs;
    timers.push(
      setInterval(() => {
        if (Date.now() - lastOutput > stallMs) kill('stall');
      }, Math.min(1000, Math.max(50, Math.floor(stallMs / 4)))),
    );
  }
  const onAbort = () => kill('abort');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const spawnFailure = await spawnError;
  if (spawnFailure) {
    timers.forEach(clearTimeout);
    options.signal?.removeEventListener('abort', onAbort);
    throw spawnFailure;
  }
  if (child.pid !== undefined) options.onSpawn?.(child.pid);

  // When the leader exits, anything it left running in the background dies with the group; that
  // also closes the pipes those processes held, so 'close' cannot hang on a forgotten `cmd &`.
  child.once('exit', () => {
    if (!killedFor) endGroup();
  });
  const [code, sig] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  timers.forEach((t) => clearTimeout(t));
  options.signal?.removeEventListener('abort', onAbort);
  // Anything still in the group after the pipes closed (a job that closed its stdout) goes too.
  if (child.pid !== undefined) killProcessGroup(child.pid, 'SIGKILL');
  outLines.flush();
  errLines.flush();
  return {
    exitCode: code,
    signal: sig,
    killedFor,
    stdout: out.value(),
    stderr: err.value(),
    pid: child.pid,
    durationMs: Date.now() - started,
  };
}
