/**
 * The `baton` command as users run it: `bin/baton.js`, the compiled CLI in `dist/` that
 * `test/build-dist.ts` keeps current for every test run.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pollUntil, scaled } from './time.js';

/** Absolute path of the package's bin script. */
export const BATON_BIN = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `baton <args>` to completion (killed after `timeoutMs`, scaled); never rejects (a non-zero exit is in `code`). */
export function runBaton(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BATON_BIN, ...args],
      { cwd: options.cwd, env: options.env ?? process.env, timeout: scaled(options.timeoutMs ?? 60_000), maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A `baton` process left running: its output so far, and how it ended. */
export interface BatonProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `baton <args>` in its own process, stdout and stderr kept; JSON logs at info so lines can be read. */
export function spawnBaton(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): BatonProcess {
  const child = spawn(process.execPath, [BATON_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, BATON_LOG_FORMAT: 'json', BATON_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Wait until the process says Baton runs (stdout), or fail with what it printed. */
export async function untilRunning(p: BatonProcess): Promise<void> {
  await pollUntil(() => p.stdout().includes('Baton is running') || p.child.exitCode !== null, 60_000, 200);
  if (p.child.exitCode !== null || !p.stdout().includes('Baton is running')) throw new Error(`baton did not start (exit ${p.child.exitCode}):\n${p.stderr()}\n${p.stdout()}`);
}
