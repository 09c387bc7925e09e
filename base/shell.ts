/**
 * Running shell commands the way hooks and CLI agents need: `bash -lc` in a directory, in their
 * own process group (so a timeout, stall or cancel kills everything they started), output
 * streamed by line and kept bounded. A run owns its child, the output kept so far and the timers
 * that may end it; none of them outlives the returned promise (the group is killed once the pipes
 * close).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { killProcessGroup } from './process.js';

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

/** Complete lines of a stream, as they arrive; the unterminated rest on `flush`. */
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

/** The first `max` characters of a stream, and how many more were dropped. */
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
  const child = spawnShell(script, options);
  const spawned = spawnFailure(child);
  const output = readOutput(child, options);
  const ender = new GroupEnder(child, options.killGraceMs ?? 1_000);
  ender.arm(options, output.lastOutputAt);

  const failure = await spawned;
  if (failure) {
    ender.disarm();
    throw failure;
  }
  if (child.pid !== undefined) options.onSpawn?.(child.pid);

  const [code, sig] = await ender.untilClosed();
  const { stdout, stderr } = output.finish();
  return { exitCode: code, signal: sig, killedFor: ender.killedFor, stdout, stderr, pid: child.pid, durationMs: Date.now() - started };
}

/** `bash -lc script` leading a process group of its own, with `options.stdin` written and closed. */
function spawnShell(script: string, options: ShellOptions): ChildProcess {
  const child = spawn('bash', ['-lc', script], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined); // the child may exit without reading stdin
  child.stdin?.end(options.stdin ?? '');
  return child;
}

/** Why the child could not be started (e.g. no such `cwd`), or undefined once it has. */
function spawnFailure(child: ChildProcess): Promise<unknown> {
  return once(child, 'spawn').then(
    () => undefined,
    (e: unknown) => e,
  );
}

/**
 * Both output streams as they arrive: kept (bounded) for the result, split into lines for the
 * callbacks, and the time of the latest chunk for the stall check.
 */
function readOutput(child: ChildProcess, options: ShellOptions) {
  const max = options.maxCaptureBytes ?? 64 * 1024;
  let lastOutput = Date.now();
  const read = (stream: ChildProcess['stdout'], onLine: ((line: string) => void) | undefined) => {
    const kept = capped(max);
    const lines = new LineSplitter(onLine);
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      lastOutput = Date.now();
      kept.add(chunk);
      lines.push(chunk);
    });
    return { kept, lines };
  };
  const out = read(child.stdout, options.onStdoutLine);
  const err = read(child.stderr, options.onStderrLine);
  return {
    lastOutputAt: () => lastOutput,
    /** Once the pipes closed: the last unterminated lines go to the callbacks, the kept text to the result. */
    finish() {
      out.lines.flush();
      err.lines.flush();
      return { stdout: out.kept.value(), stderr: err.kept.value() };
    },
  };
}

/**
 * Ends the child's process group: when Baton decides to (timeout, stall, abort: the first reason
 * wins and is reported), when the leader exits, and for good once the pipes closed.
 */
class GroupEnder {
  killedFor: ShellResult['killedFor'];
  private readonly timers: NodeJS.Timeout[] = [];
  private abortSignal: AbortSignal | undefined;
  private readonly onAbort = () => this.kill('abort');

  constructor(
    private readonly child: ChildProcess,
    private readonly graceMs: number,
  ) {}

  /** Start the timeout and stall clocks and listen for the abort signal. */
  arm(options: Pick<ShellOptions, 'timeoutMs' | 'stallMs' | 'signal'>, lastOutputAt: () => number): void {
    if (options.timeoutMs && options.timeoutMs > 0) this.timers.push(setTimeout(() => this.kill('timeout'), options.timeoutMs));
    if (options.stallMs && options.stallMs > 0) {
      const stallMs = options.stallMs;
      this.timers.push(
        setInterval(() => {
          if (Date.now() - lastOutputAt() > stallMs) this.kill('stall');
        }, Math.min(1000, Math.max(50, Math.floor(stallMs / 4)))),
      );
    }
    this.abortSignal = options.signal;
    if (options.signal?.aborted) this.onAbort();
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  disarm(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.abortSignal?.removeEventListener('abort', this.onAbort);
  }

  /** The exit code and signal, once the pipes closed; by then nothing of the group is left. */
  async untilClosed(): Promise<[number | null, NodeJS.Signals | null]> {
    // When the leader exits, anything it left running in the background dies with the group; that
    // also closes the pipes those processes held, so 'close' cannot hang on a forgotten `cmd &`.
    this.child.once('exit', () => {
      if (!this.killedFor) this.endGroup();
    });
    const [code, sig] = (await once(this.child, 'close')) as [number | null, NodeJS.Signals | null];
    this.disarm();
    // Anything still in the group after the pipes closed (a job that closed its stdout) goes too.
    if (this.child.pid !== undefined) killProcessGroup(this.child.pid, 'SIGKILL');
    return [code, sig];
  }

  private kill(reason: NonNullable<ShellResult['killedFor']>): void {
    if (this.killedFor || this.child.pid === undefined) return;
    this.killedFor = reason;
    this.endGroup();
  }

  /**
   * SIGTERM first, SIGKILL after the grace period: a shell killed outright skips its EXIT traps,
   * and some leave locks behind that way (pyenv's rehash lock stalls every later login shell).
   */
  private endGroup(): void {
    if (this.child.pid === undefined) return;
    const pid = this.child.pid;
    killProcessGroup(pid, 'SIGTERM');
    const hard = setTimeout(() => killProcessGroup(pid, 'SIGKILL'), this.graceMs);
    hard.unref();
    this.timers.push(hard);
  }
}
