/**
 * One start of the embedded Temporal server: the `temporal server start-dev` arguments Baton uses,
 * and a launch that waits until the frontend answers for the namespace (a server that does not is
 * stopped again). The first start and every restart go through here, so they use the same
 * settings, database and ports.
 */
import { Connection } from '@temporalio/client';
import { batonSearchAttributes } from '../core/search-attributes.js';
import type { Logger } from '../base/logger.js';
import { cliSearchAttributeType, ensureSearchAttributes } from './search-attributes.js';
import { launchUnderWatchdog, type LaunchedServer } from './embedded-server-process.js';

/**
 * Settings that suit a single-node dev server on one SQLite file (measured with the shared peer
 * harness, N=50 issues, 10 agents, 6 interleaved runs each on this 2-core machine under load):
 * - `journal_mode=wal` + `synchronous=normal`: the server's CPU for the run fell from 3.9 to 2.3 s
 *   (median), all issues Done in 20.0 s instead of 26.0 s, and a start on a fresh database takes
 *   1.1 s instead of 2.6 s (SQLite's default rollback journal syncs every commit twice). A killed
 *   server loses nothing (the WAL is replayed on open); only a power cut can drop the last
 *   commits, never corrupt the file.
 * - eager workflow start and eager activity execution: the worker's own starts get their first
 *   workflow task in the start response, and an activity on the scheduling worker's queue runs
 *   without a trip through matching. Baton asks for both; the server must allow them.
 * One matching partition per task queue was measured too and left out: no difference beyond noise.
 */
export const DEV_SERVER_TUNING: readonly string[] = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  '--dynamic-config-value',
  'system.enableEagerWorkflowStart=true',
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
];

/**
 * The server's environment: Baton's own, with Go's collector at `GOGC=50` unless GOGC is set
 * there (then the operator's value stands). The default of 100 lets the server's heap grow to
 * twice what is live before it collects; at 50 it collects at one and a half times. Measured with
 * the shared peer harness at N=200 issues, 10 agents (two runs each, this 2-core machine): the
 * server's peak RSS 220–229 → 191–193 MiB, its CPU for the run 7.4–8.6 → 8.1–8.4 s (within the
 * runs' spread), all issues Done in 21–25 s either way. GOGC=75 gave 209 MiB.
 */
export const DEV_SERVER_GOGC = '50';

export function devServerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.GOGC?.trim() ? env : { ...env, GOGC: DEV_SERVER_GOGC };
}

/** `temporal server start-dev` arguments for these settings (exported for tests and `--dry-run`). */
export function startDevArgs(settings: {
  dbFile: string;
  ip: string;
  port: number;
  uiPort: number;
  namespace: string;
  searchAttributes?: boolean;
  extraArgs?: string[];
}): string[] {
  const args = ['server', 'start-dev', '--db-filename', settings.dbFile, '--ip', settings.ip];
  args.push('--port', String(settings.port), '--ui-port', String(settings.uiPort));
  args.push('--log-level', 'error', '--ui-disable-news-fetch');
  if (settings.namespace !== 'default') args.push('--namespace', settings.namespace);
  if (settings.searchAttributes !== false) {
    for (const key of batonSearchAttributes) args.push('--search-attribute', `${key.name}=${cliSearchAttributeType(key.type)}`);
  }
  return [...args, ...DEV_SERVER_TUNING, ...(settings.extraArgs ?? [])];
}

/** What every launch of one embedded server shares; ports are fixed once the first start found them. */
export interface LaunchSettings {
  cliPath: string;
  dbFile: string;
  ip: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Off once an older CLI refused the flags for an existing DB; then the operator API registers them. */
  searchAttributes: boolean;
  extraArgs?: string[];
  graceMs: number;
  readyTimeoutMs: number;
  log: Logger;
}

export type LaunchOutcome = { kind: 'ready'; proc: LaunchedServer; ms: number } | { kind: 'failed'; reason: string; tail: string };

/** One `temporal server start-dev` until its frontend answers; a server that does not is stopped. */
export async function launchUntilReady(settings: LaunchSettings, onLaunch: (proc: LaunchedServer) => void = () => undefined): Promise<LaunchOutcome> {
  const args = startDevArgs(settings);
  const started = Date.now();
  const proc = launchUnderWatchdog(settings.cliPath, args, settings.graceMs, settings.log, devServerEnv(process.env));
  onLaunch(proc);
  const address = `${hostForClient(settings.ip)}:${settings.port}`;
  const outcome = await waitUntilReady(proc, address, settings.namespace, settings.readyTimeoutMs);
  if (outcome.kind === 'ready') {
    try {
      if (!settings.searchAttributes) await ensureSearchAttributes(outcome.connection, settings.namespace, { logger: settings.log });
    } finally {
      await outcome.connection.close();
    }
    return { kind: 'ready', proc, ms: Date.now() - started };
  }
  await proc.stop();
  return { kind: 'failed', reason: outcome.reason, tail: proc.outputTail() };
}

type ReadyOutcome = { kind: 'ready'; connection: Connection } | { kind: 'failed'; reason: string };

async function waitUntilReady(
  proc: LaunchedServer,
  address: string,
  namespace: string,
  timeoutMs: number,
): Promise<ReadyOutcome> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc.hasExited()) return { kind: 'failed', reason: `exited before it was ready (${proc.exitDescription()})` };
    try {
      const connecting = Connection.connect({ address, connectTimeout: 2_000 });
      const connection = await Promise.race([connecting, proc.exited.then(() => undefined)]);
      if (!connection) {
        void connecting.then((c) => c.close(), () => undefined);
        continue;
      }
      try {
        // The namespace is registered during start-up; a frontend that answers for it is ready for Baton.
        await connection.workflowService.describeNamespace({ namespace });
        if (proc.serverPid) return { kind: 'ready', connection };
      } catch (err) {
        lastError = String((err as Error).message ?? err);
      }
      await connection.close();
    } catch (err) {
      lastError = String((err as Error).message ?? err);
    }
    await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 100))]);
  }
  return {
    kind: 'failed',
    reason: `did not answer on ${address} within ${Math.round(timeoutMs / 1000)} s (last error: ${lastError || 'none'})`,
  };
}

/** `0.0.0.0` and `::` accept connections but are not addresses to dial. */
export function hostForClient(ip: string): string {
  if (ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip;
}
