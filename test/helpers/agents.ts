/**
 * Real agent backends inside a test deployment (see deployment.ts): the real `codex app-server`
 * offline (isolated CODEX_HOME and TMPDIR, the scripted model server as its only provider) or the
 * `openai` backend pointed at the same server, run by an in-process Baton worker whose environment
 * the test chooses. Also finds the processes an agent left behind, by a tag in their environment.
 */
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { issueStatus, listWorkspaces, waitFor, type Deployment } from './deployment.js';
import { ensureOrchestrator } from '../../cli/context.js';
import type { IssueStatus } from '../../core/protocol.js';
import { createBatonWorker, type BatonWorker } from '../../runtime/worker.js';
import { createLogger, silentLogger, type Logger } from '../../base/logger.js';
import { procStat, type ProcStat } from './processes.js';
import type { TestTemporalEnv } from './temporal.js';
import { scaled } from './time.js';
import { offlineCodexCommand, writeModelCatalog } from '../agents/codex/harness.js';
import type { LoggedRequest } from '../support/model-server/index.js';

/** An issue identifier no other test (in any file, on the shared server) uses. */
export function uniqueIdentifier(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex').toUpperCase()}`;
}

/**
 * `agent:` settings for tests: quick retries and continuations, overrides on top. The heartbeat
 * timeout is a limit that must not fire on a busy machine, so it follows the time scale.
 */
export function agentSettings(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    backend: 'command',
    max_concurrent_agents: 10,
    retry_base_ms: 300,
    max_retry_backoff_ms: 2_000,
    continuation_delay_ms: 200,
    heartbeat_timeout_ms: scaled(5_000),
    ...overrides,
  };
}

/** The isolated Codex home, temp dir and model catalog of one test file. */
export interface OfflineCodex {
  /** Environment entries a worker needs so the codex it starts stays offline and isolated. */
  env: Record<string, string>;
  catalogPath: string;
  /** `codex:` settings for a deployment talking to `modelUrl`, overrides on top. */
  settings(modelUrl: string, overrides?: Record<string, unknown>): Record<string, unknown>;
  cleanup(): Promise<void>;
}

/**
 * Prepare Codex for offline runs: CODEX_HOME and TMPDIR side by side (Codex refuses helpers under
 * a TMPDIR that contains its home), a fake provider key, and the one-model catalog that makes
 * Codex offer the real `apply_patch` tool.
 */
export async function prepareOfflineCodex(): Promise<OfflineCodex> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'baton-agents-e2e-codex-'));
  const home = path.join(base, 'codex-home');
  const tmp = path.join(base, 'tmp');
  await Promise.all([mkdir(home, { recursive: true }), mkdir(tmp, { recursive: true })]);
  const env = { CODEX_HOME: home, TMPDIR: tmp, FAKE_MODEL_API_KEY: 'dummy', RUST_LOG: 'error' };
  const catalogPath = await writeModelCatalog(path.join(base, 'fake-model-catalog.json'), { ...process.env, ...env });
  return {
    env,
    catalogPath,
    settings: (modelUrl, overrides = {}) => ({
      command: offlineCodexCommand(modelUrl, { catalogPath }),
      thread_sandbox: 'danger-full-access',
      approval_policy: 'never',
      read_timeout_ms: scaled(10_000),
      turn_timeout_ms: scaled(30_000),
      stall_timeout_ms: scaled(30_000),
      ...overrides,
    }),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/** A started in-process worker; `stop()` shuts it down and waits for it. */
export type AgentWorker = BatonWorker & { done: Promise<void>; stop(): Promise<void> };

/**
 * Start an in-process Baton worker for `deployment` with `workerEnv` added to this process's
 * environment (the environment hooks and agents inherit), and make sure its orchestrator runs.
 */
export async function startAgentWorker(
  env: TestTemporalEnv,
  deployment: Deployment,
  workerEnv: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<AgentWorker> {
  const fullEnv = { ...process.env, ...workerEnv };
  const worker = await createBatonWorker({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue: deployment.taskQueue,
    configPath: deployment.configPath,
    // BATON_TEST_LOG_LEVEL=debug shows the worker's logs while a test is being debugged.
    logger: options.logger ?? (process.env.BATON_TEST_LOG_LEVEL ? createLogger({ name: 'test-worker', level: process.env.BATON_TEST_LOG_LEVEL }) : silentLogger),
    env: fullEnv,
    host: `host-${deployment.name}`,
    progressIntervalMs: 200,
    shutdownGraceMs: 500,
  });
  const done = worker.run();
  const { config } = loadConfig(deployment.configPath, { env: fullEnv, trackerProfiles });
  await ensureOrchestrator(env.client, config);
  return Object.assign(worker, {
    done,
    async stop() {
      worker.shutdown();
      await done;
    },
  });
}

/**
 * Wait until the issue's workflow status satisfies `predicate`; returns that status. On timeout the
 * error shows the last status seen (state, stage, history, last error), which is what a failing
 * pipeline test needs to be read.
 */
export async function waitForStatus(
  env: TestTemporalEnv,
  identifier: string,
  what: string,
  predicate: (s: IssueStatus) => boolean,
  timeoutMs = 45_000,
): Promise<IssueStatus> {
  let last: IssueStatus | undefined;
  try {
    return await waitFor(
      `${identifier}: ${what}`,
      async () => {
        last = await issueStatus(env.client, identifier);
        return predicate(last) ? last : null;
      },
      timeoutMs,
    );
  } catch (err) {
    if (!last) throw err;
    const { status, stage, state, attempt, history, lastError, lastEvent, reason } = last;
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify({ status, stage, state, attempt, reason, lastError, lastEvent, history }, null, 1)}`);
  }
}

/** Issue workspaces under the deployment's root (Baton's own `@baton` folder left out). */
export async function issueWorkspaces(deployment: Deployment): Promise<string[]> {
  return (await listWorkspaces(deployment.dir)).filter((name) => !name.startsWith('@'));
}

/** Text of every input item of a logged model request, for "this history was sent" checks. */
export function requestText(request: LoggedRequest): string {
  return JSON.stringify(request.body.input ?? []);
}

/**
 * Live processes whose environment holds `BATON_ISSUE_IDENTIFIER=<identifier>`: everything Baton
 * started for that issue (agents inherit it; so do the commands they run). Zombies do not count.
 */
export async function processesOfIssue(identifier: string): Promise<(ProcStat & { cmdline: string })[]> {
  const needle = `\0BATON_ISSUE_IDENTIFIER=${identifier}\0`;
  const found: (ProcStat & { cmdline: string })[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (!`\0${environ}`.includes(needle)) continue;
    const stat = await procStat(Number(name));
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim();
    found.push({ ...stat, cmdline });
  }
  return found;
}

/** The environment a process recorded in a file with `env > file` (or `env -0`), as a map. */
export function parseEnvDump(text: string): Map<string, string> {
  const entries = text.includes('\0') ? text.split('\0') : text.split('\n');
  const env = new Map<string, string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}
