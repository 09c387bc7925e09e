/**
 * `baton start` as a user runs it (the package's bin), in a child process of its own (its own
 * process group), with its stdout and stderr in one log file: what the fault tests kill things
 * under and then read.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { killProcessGroup } from '../../base/process.js';
import { BATON_BIN } from '../helpers/cli.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BatonProcess {
  pid: number;
  logFile: string;
  /** Settles when it exited, with its code or signal. */
  exited: Promise<ExitStatus>;
  /** How it exited, or undefined while it runs. */
  exitStatus(): ExitStatus | undefined;
  /** SIGKILL its process group (a no-op once it exited): cleanup after a failed test. */
  kill(): void;
  output(): Promise<string>;
  /** Its JSON log records (pino lines), in order; other output (the Web UI line, errors) left out. */
  records(): Promise<Array<Record<string, unknown>>>;
}

/** `baton <args>` with JSON logs at info level. */
export function startBaton(args: string[], logFile: string, env: Record<string, string> = {}): BatonProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [BATON_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, BATON_LOG_FORMAT: 'json', BATON_LOG_LEVEL: 'info', ...env },
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start baton ${args.join(' ')}`);
  const pid = child.pid;
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });
  const output = () => readFile(logFile, 'utf8').catch(() => '');
  return {
    pid,
    logFile,
    exited,
    exitStatus: () => status,
    // Once it is reaped its pid may belong to someone else: never signal it then.
    kill: () => {
      if (!status) killProcessGroup(pid, 'SIGKILL');
    },
    output,
    async records() {
      const records: Array<Record<string, unknown>> = [];
      for (const line of (await output()).split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          records.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a line cut short by a concurrent write; the next read has it whole
        }
      }
      return records;
    },
  };
}
