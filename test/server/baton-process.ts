/**
 * A real `baton worker` (or `baton start`) process for a test deployment (its own Temporal Runtime, so its logs and
 * the SDK's Prometheus exporter are what a user gets), with its JSON log lines collected and the
 * dashboard address read from them. Stopped with SIGTERM, then SIGKILL if it lingers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BatonProcess {
  /** Dashboard base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The embedded server's Web UI (`baton start` only). */
  temporalUi: string | null;
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  stop(): Promise<void>;
}

export function startBatonWorker(configPath: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<BatonProcess> {
  return startBaton('worker', configPath, env, timeoutMs);
}

export async function startBaton(command: 'start' | 'worker', configPath: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<BatonProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), command, configPath], {
    cwd: ROOT,
    env: { ...process.env, BATON_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let temporalUi: string | null = null;
  let err = '';
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton worker printed no dashboard address within ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${err}`)), timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        temporalUi ??= /"temporal_ui":"(http:[^"]+)"/.exec(line)?.[1] ?? null;
        const dashboard = /"dashboard":"(http:[^"]+?)\/?"/.exec(line)?.[1];
        if (dashboard) {
          clearTimeout(timer);
          resolve(dashboard);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baton worker exited (${code}) before serving\nstdout:\n${lines.join('\n')}\nstderr:\n${err}`));
    });
  });
  return {
    url,
    temporalUi,
    child,
    lines,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
