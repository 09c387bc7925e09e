/**
 * The `baton` command as users run it: `bin/baton.js`, the compiled CLI in `dist/` that
 * `test/build-dist.ts` keeps current for every test run.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scaled } from './time.js';

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
