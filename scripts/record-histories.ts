/**
 * Records the workflow histories that `test/pipeline/replay.test.ts` replays against the current
 * workflow code, so a change that would break running workflows (nondeterminism) fails a test.
 *
 *   npx tsx scripts/record-histories.ts [out-dir]     (default: test/histories)
 *
 * It starts its own Temporal dev server (or uses `$TEMPORAL_SERVICE_ADDRESS`, which must have
 * Baton's search attributes or let this script add them), runs a real Baton worker in this process
 * with the file tracker and a command agent, and takes one issue through every path worth
 * replaying: plan → implement (the first run fails, the retry succeeds) → review (a gate, approved
 * by an operator update) → merge → Done. It then writes:
 *
 *   - `issue-workflow.json`: the finished issue workflow's history;
 *   - `orchestrator-workflow.json`: the orchestrator's history (terminated once the issue is done).
 *
 * Histories are the `temporal workflow show --output json` format (see `historyToJson`). When workflow
 * code changes on purpose (behind `patched()`), keep the files recorded before the change (rename
 * them, e.g. `issue-workflow.before-<change>.json`) and record fresh ones: the replay test replays
 * every `*.json` in the folder, and old histories must still replay through the patch.
 * `test/histories/retired/` keeps histories of workflow types this code no longer runs (the 0.1 →
 * 0.2 cut-over, see runtime/cut-over.ts); the replay test checks they are refused, not replayed.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { Connection, type Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import { approveUpdate, issueStatusQuery, issueWorkflowId, orchestratorWorkflowId, type IssueStatus } from '../core/protocol.js';
import { batonSearchAttributes } from '../core/search-attributes.js';
import { loadConfig } from '../config/index.js';
import { trackerProfiles } from '../adapters/trackers/index.js';
import { ensureOrchestrator } from '../cli/context.js';
import { createBatonWorker } from '../runtime/worker.js';
import { createLogger, silentLogger } from '../base/logger.js';
import { ensureSearchAttributes } from '../runtime/search-attributes.js';
import { resolveTemporalCli } from '../runtime/temporal-binary.js';
import { deploymentConfig, loggingAgent, readIssueFile, waitFor, writeIssue } from '../test/helpers/deployment.js';

/** Where the committed histories live. */
export const HISTORIES_DIR = fileURLToPath(new URL('../test/histories/', import.meta.url));

/** A Temporal server to record on. */
export interface RecordingEnv {
  client: Client;
  nativeConnection: NativeConnection;
  address: string;
  namespace: string;
}

/** One recorded history; `name` is its file name without `.json`. */
export interface RecordedHistory {
  name: string;
  workflowId: string;
  history: History;
}

export interface ScenarioResult {
  histories: RecordedHistory[];
  /** The issue workflow's final status. */
  status: IssueStatus;
  /** The scenario's deployment folder (config, issues, workspaces, agent log). */
  dir: string;
}

/**
 * Run one issue through all four stages with a failed-then-retried implement run and an approved
 * review gate, on a real worker in this process; return the issue and orchestrator histories.
 * `identifier` must be unused on this server (issue workflow ids do not include the deployment).
 */
export async function runRecordingScenario(env: RecordingEnv, options: { identifier?: string; timeoutMs?: number } = {}): Promise<ScenarioResult> {
  const identifier = options.identifier ?? 'REC-1';
  const timeoutMs = options.timeoutMs ?? 90_000;
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-record-'));
  const name = `rec-${randomUUID().slice(0, 8)}`;
  const taskQueue = `baton-${name}`;
  const issuesDir = path.join(dir, 'issues');
  await mkdir(issuesDir, { recursive: true });
  await writeIssue(issuesDir, { identifier });
  const agentFile = path.join(dir, 'agent.sh');
  const failFirstImplement = [
    'marker="$BATON_CONFIG_DIR/implement-failed-once"',
    'if [ "$BATON_STAGE" = implement ] && [ ! -e "$marker" ]; then',
    '  touch "$marker"',
    '  echo "first implement run fails on purpose" >&2',
    '  exit 1',
    'fi',
  ].join('\n');
  await writeFile(agentFile, `#!/usr/bin/env bash\n${loggingAgent(path.join(dir, 'agent.log'), failFirstImplement)}\n`, { mode: 0o755 });
  const configPath = path.join(dir, 'baton.yaml');
  // The test deployments' config (test/helpers/deployment.ts), with a review gate to record and a
  // slower poll so the orchestrator history stays small.
  const base = deploymentConfig({ name, address: env.address, namespace: env.namespace, taskQueue, agentScript: agentFile });
  const stages = (base.stages as Record<string, unknown>[]).map((stage) =>
    stage.name === 'review' ? { ...stage, gate: { wait_for: 'approval' } } : stage,
  );
  await writeFile(configPath, stringify({ ...base, polling: { interval_ms: 1_000 }, stages }));

  const worker = await createBatonWorker({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    configPath,
    logger: silentLogger,
    host: 'recorder',
    progressIntervalMs: 200,
    shutdownGraceMs: 500,
  });
  const running = worker.run();
  const orchestrator = env.client.workflow.getHandle(orchestratorWorkflowId(name));
  const issue = env.client.workflow.getHandle(issueWorkflowId('local', identifier));
  try {
    const { config } = loadConfig(configPath, { trackerProfiles });
    await ensureOrchestrator(env.client, config);
    await waitFor(
      `${identifier} gated at review`,
      async () => {
        const s = await issue.query(issueStatusQuery);
        return s.status === 'gated' && s.stage === 'review';
      },
      timeoutMs,
    );
    await issue.executeUpdate(approveUpdate, { args: [{ by: 'record-histories', reason: 'recorded scenario' }] });
    const status = await waitFor(
      `${identifier} done`,
      async () => {
        const s = await issue.query(issueStatusQuery);
        return s.status === 'done' && (await readIssueFile(issuesDir, identifier)).state === 'Done' ? s : null;
      },
      timeoutMs,
    );
    await issue.result();
    // A closed history: the orchestrator runs forever, so end it where the scenario ends.
    await orchestrator.terminate('history recorded');
    return {
      histories: [
        { name: 'issue-workflow', workflowId: issue.workflowId, history: await issue.fetchHistory() },
        { name: 'orchestrator-workflow', workflowId: orchestrator.workflowId, history: await orchestrator.fetchHistory() },
      ],
      status,
      dir,
    };
  } finally {
    await orchestrator.terminate('scenario ended').catch(() => undefined);
    worker.shutdown();
    await running;
  }
}

// `historyToJSON`/`historyFromJSON` from @temporalio/common fail here with "type must be a Type":
// npm installs separate copies of protobufjs 8 under @temporalio/proto and @temporalio/common (the
// root holds protobufjs 7 for @grpc/proto-loader), and protojson's `instanceof` checks reject a
// type from the other copy. So convert with the protobufjs copy @temporalio/proto itself loads.
const requireHere = createRequire(import.meta.url);
const protoPackage = requireHere.resolve('@temporalio/proto');
const protos = requireHere('@temporalio/proto') as typeof import('@temporalio/proto');
const { patchProtobufRoot } = requireHere('@temporalio/proto/lib/patch-protobuf-root') as typeof import('@temporalio/proto/lib/patch-protobuf-root.js');
const protojson = createRequire(protoPackage)('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
const historyType = (patchProtobufRoot(protos) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** A history as the JSON `temporal workflow show --output json` prints (proto3 JSON). */
export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, protos.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** Parse a history written by {@link historyToJson} (proto3 JSON, canonical enum names). */
export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new Error('not a workflow history: expected an object with a non-empty `events` array');
  return history;
}

/** Read a history file written by this script. */
export async function readHistoryFile(file: string): Promise<History> {
  return historyFromJson(JSON.parse(await readFile(file, 'utf8')));
}

/** Write each history as `<out-dir>/<name>.json`; returns the paths. */
export async function writeHistories(histories: RecordedHistory[], outDir = HISTORIES_DIR): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const h of histories) {
    const file = path.join(outDir, `${h.name}.json`);
    await writeFile(file, `${historyToJson(h.history)}\n`);
    files.push(file);
  }
  return files;
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? HISTORIES_DIR);
  const logger = createLogger({ name: 'record-histories', level: process.env.BATON_LOG_LEVEL ?? 'warn' });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const external = process.env.TEMPORAL_SERVICE_ADDRESS;
  if (external) {
    const connection = await Connection.connect({ address: external });
    await ensureSearchAttributes(connection, namespace, { logger }).finally(() => connection.close());
  }
  const server = external
    ? await TestWorkflowEnvironment.createFromExistingServer({ address: external, namespace })
    : await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: await resolveTemporalCli({ logger }) },
          namespace,
          searchAttributes: batonSearchAttributes,
          log: { format: 'pretty', level: 'error' },
        },
      });
  try {
    const address = external ?? server.address;
    // A shared server may have run the scenario before: issue workflow ids must not repeat.
    const identifier = external ? `REC-${Date.now() % 100_000}` : 'REC-1';
    const result = await runRecordingScenario({ client: server.client, nativeConnection: server.nativeConnection, address, namespace }, { identifier });
    const files = await writeHistories(result.histories, outDir);
    for (const [i, file] of files.entries()) {
      process.stdout.write(`${path.relative(process.cwd(), file)}: ${result.histories[i]?.history.events?.length ?? 0} events\n`);
    }
  } finally {
    await server.teardown();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
