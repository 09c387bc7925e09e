/**
 * A throw-away Baton deployment for integration tests: a temp folder with a baton.yaml, a file
 * tracker folder of issues and agent scripts, pointed at the shared test Temporal server with its
 * own task queue and deployment name, so test files can run side by side.
 */
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { orchestratorStatusQuery, orchestratorWorkflowId, issueStatusQuery, issueWorkflowId, type IssueStatus, type OrchestratorStatus } from '../../core/protocol.js';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { createBatonWorker, type BatonWorker } from '../../runtime/worker.js';
import { createLogger, silentLogger } from '../../base/logger.js';
import { ensureOrchestrator } from '../../cli/context.js';
import type { TestTemporalEnv } from './temporal.js';
import { deadlineAfter, scaled } from './time.js';

export interface TestIssue {
  identifier: string;
  title?: string;
  state?: string;
  labels?: string[];
  priority?: number | null;
  created_at?: string;
  body?: string;
}

export interface Deployment {
  dir: string;
  configPath: string;
  issuesDir: string;
  /** Agent invocations log: one line per agent start `start <stage> <identifier> <ms>` and stop. */
  logFile: string;
  name: string;
  taskQueue: string;
  writeConfig(patch?: Record<string, unknown>): Promise<void>;
  config: Record<string, unknown>;
}

/**
 * A bash snippet for the `command` backend that logs start/stop with timestamps to `logFile`,
 * then runs `body`. The log is how tests count invocations and measure concurrency.
 */
export function loggingAgent(logFile: string, body = 'true'): string {
  return [
    `echo "start $BATON_STAGE $BATON_ISSUE_IDENTIFIER $(date +%s%3N) $$" >> ${JSON.stringify(logFile)}`,
    'cat > /dev/null',
    body,
    'rc=$?',
    `echo "stop $BATON_STAGE $BATON_ISSUE_IDENTIFIER $(date +%s%3N) $$" >> ${JSON.stringify(logFile)}`,
    'exit $rc',
  ].join('\n');
}

/**
 * The baton.yaml every test deployment starts from: one file tracker, the four default stages, a
 * command agent, short timings. Plain data, so scripts outside vitest can use it too.
 */
export function deploymentConfig(o: { name: string; address: string; namespace: string; taskQueue: string; agentScript: string }): Record<string, unknown> {
  return {
    name: o.name,
    temporal: { address: o.address, namespace: o.namespace, task_queue: o.taskQueue },
    trackers: [
      {
        name: 'local',
        kind: 'file',
        provider: { dir: './issues' },
        required_labels: ['agent'],
        active_states: ['Todo', 'In Progress', 'In Review', 'Merging'],
        terminal_states: ['Done', 'Cancelled'],
      },
    ],
    polling: { interval_ms: 300 },
    workspace: { root: './workspaces' },
    agent: {
      backend: 'command',
      max_concurrent_agents: 10,
      retry_base_ms: 300,
      max_retry_backoff_ms: 2_000,
      continuation_delay_ms: 200,
      heartbeat_timeout_ms: scaled(3_000),
    },
    command: { command: `bash ${JSON.stringify(o.agentScript)}`, turn_timeout_ms: scaled(60_000), stall_timeout_ms: scaled(30_000) },
    stages: [
      { name: 'plan', states: ['Todo'], prompt: 'plan {{ issue.identifier }}', on_success: { move_to: 'In Progress' } },
      { name: 'implement', states: ['In Progress'], prompt: 'implement {{ issue.identifier }}', on_success: { move_to: 'In Review' } },
      { name: 'review', states: ['In Review'], prompt: 'review {{ issue.identifier }}', on_success: { move_to: 'Merging' } },
      { name: 'merge', states: ['Merging'], prompt: 'merge {{ issue.identifier }}', on_success: { move_to: 'Done' } },
    ],
  };
}

export async function createDeployment(options: {
  issues: TestIssue[];
  /** Merged over the defaults (shallow per top-level key). */
  config?: Record<string, unknown>;
  agentBody?: string;
}): Promise<Deployment> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-e2e-'));
  const issuesDir = path.join(dir, 'issues');
  await mkdir(issuesDir, { recursive: true });
  const logFile = path.join(dir, 'agent.log');
  await writeFile(logFile, '');
  const scriptFile = path.join(dir, 'agent.sh');
  await writeFile(scriptFile, `#!/usr/bin/env bash\n${loggingAgent(logFile, options.agentBody)}\n`, { mode: 0o755 });
  const name = `t-${randomUUID().slice(0, 8)}`;
  const taskQueue = `baton-${name}`;
  for (const issue of options.issues) await writeIssue(issuesDir, issue);
  const config: Record<string, unknown> = {
    ...deploymentConfig({ name, address: inject('temporalAddress'), namespace: inject('temporalNamespace'), taskQueue, agentScript: scriptFile }),
    ...options.config,
  };
  const deployment: Deployment = {
    dir,
    configPath: path.join(dir, 'baton.yaml'),
    issuesDir,
    logFile,
    name,
    taskQueue,
    config,
    async writeConfig(patch = {}) {
      Object.assign(deployment.config, patch);
      // Write then rename so a reader never sees half a file.
      const tmp = `${deployment.configPath}.${randomUUID()}.tmp`;
      await writeFile(tmp, stringify(deployment.config));
      const { rename } = await import('node:fs/promises');
      await rename(tmp, deployment.configPath);
    },
  };
  await deployment.writeConfig();
  return deployment;
}

export async function writeIssue(issuesDir: string, issue: TestIssue): Promise<void> {
  const front = {
    id: issue.identifier.toLowerCase(),
    identifier: issue.identifier,
    title: issue.title ?? `Issue ${issue.identifier}`,
    state: issue.state ?? 'Todo',
    labels: issue.labels ?? ['agent'],
    priority: issue.priority ?? null,
    created_at: issue.created_at ?? new Date().toISOString(),
  };
  await writeFile(path.join(issuesDir, `${issue.identifier}.md`), `---\n${stringify(front)}---\n${issue.body ?? 'Test issue.'}\n`);
}

export async function readIssueFile(issuesDir: string, identifier: string): Promise<{ state: string; labels: string[]; text: string }> {
  const text = await readFile(path.join(issuesDir, `${identifier}.md`), 'utf8');
  const { parse } = await import('yaml');
  const front = parse(text.split(/^---$/m)[1] ?? '') as { state: string; labels?: string[] };
  return { state: front.state, labels: front.labels ?? [], text };
}

export interface AgentRun {
  stage: string;
  identifier: string;
  start: number;
  stop?: number;
  pid: number;
}

/** Parse the agent log into runs (start and stop paired by pid). */
export async function agentRuns(logFile: string): Promise<AgentRun[]> {
  const lines = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean);
  const runs: AgentRun[] = [];
  const open = new Map<string, AgentRun>();
  for (const line of lines) {
    const [kind, stage, identifier, ms, pid] = line.split(' ');
    if (kind === 'start') {
      const run: AgentRun = { stage: stage!, identifier: identifier!, start: Number(ms), pid: Number(pid) };
      runs.push(run);
      open.set(pid!, run);
    } else if (kind === 'stop') {
      const run = open.get(pid!);
      if (run) run.stop = Number(ms);
    }
  }
  return runs;
}

/** Start an in-process Baton worker for a deployment and its orchestrator. */
export async function startWorker(env: TestTemporalEnv, deployment: Deployment, options: { host?: string } = {}): Promise<BatonWorker & { done: Promise<void> }> {
  const worker = await createBatonWorker({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue: deployment.taskQueue,
    configPath: deployment.configPath,
    // BATON_TEST_WORKER_LOG=<level> shows the in-process worker's log when a test needs explaining.
    logger: process.env.BATON_TEST_WORKER_LOG ? createLogger({ name: deployment.name, level: process.env.BATON_TEST_WORKER_LOG }) : silentLogger,
    host: options.host ?? `host-${deployment.name}`,
    progressIntervalMs: 200,
    shutdownGraceMs: 500,
  });
  const done = worker.run();
  const { config } = loadConfig(deployment.configPath, { trackerProfiles });
  await ensureOrchestrator(env.client, config);
  return Object.assign(worker, { done });
}

export async function orchestratorStatus(client: Client, deployment: Deployment): Promise<OrchestratorStatus> {
  return client.workflow.getHandle(orchestratorWorkflowId(deployment.name)).query(orchestratorStatusQuery);
}

export async function issueStatus(client: Client, identifier: string, tracker = 'local'): Promise<IssueStatus> {
  return client.workflow.getHandle(issueWorkflowId(tracker, identifier)).query(issueStatusQuery);
}

/** Poll `check` until it returns a truthy value or `timeoutMs` (idle-machine ms, scaled here) passes, then throw with the last value. */
export async function waitFor<T>(what: string, check: () => Promise<T>, timeoutMs = 30_000, everyMs = 200): Promise<NonNullable<T>> {
  const deadline = deadlineAfter(timeoutMs);
  let last: unknown;
  while (!deadline.passed()) {
    try {
      last = await check();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

export async function listWorkspaces(dir: string): Promise<string[]> {
  return readdir(path.join(dir, 'workspaces')).catch(() => []);
}
