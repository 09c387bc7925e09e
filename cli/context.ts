/**
 * What every CLI command needs: the config file (explicit, else ./baton.yaml, else ./WORKFLOW.md),
 * a connection to Temporal (the configured address, or the embedded server `baton start` recorded
 * next to its database), and the orchestrator's handle.
 */
import path from 'node:path';
import { Client, Connection, WorkflowIdConflictPolicy } from '@temporalio/client';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { orchestratorWorkflowId, type OrchestratorInput } from '../core/protocol.js';
import { findDefaultConfigPath, loadConfig } from '../config/index.js';
import type { BatonConfig } from '../config/schema.js';
import { readServerState } from '../runtime/server-state.js';
import type { Logger } from '../runtime/logger.js';

export function isEmbedded(config: BatonConfig): boolean {
  return config.temporal.address.trim().toLowerCase() === 'embedded';
}

/** Load and validate the config, or fail with every diagnostic (file:line:col and a fix). */
export async function loadCliConfig(file: string | undefined, logger?: Logger): Promise<{ path: string; config: BatonConfig }> {
  const configPath = path.resolve(file ?? (await findDefaultConfigPath(process.cwd())));
  const { config, warnings } = await loadConfig(configPath);
  for (const w of warnings) logger?.warn(`${w.file}:${w.line}:${w.column}: ${w.path}: ${w.message}${w.hint ? ` (${w.hint})` : ''}`);
  return { path: configPath, config };
}

/** The frontend address: the configured one, or the embedded server `baton start` is running. */
export async function temporalAddress(config: BatonConfig): Promise<string> {
  if (!isEmbedded(config)) return config.temporal.address;
  const dbFile = config.temporal.embedded.db_file;
  const state = await readServerState(dbFile);
  if (!state) {
    throw new BatonError(
      ErrorCategory.temporalUnavailable,
      `no embedded Temporal server is running for ${config.source} (none recorded next to ${dbFile}); start one with \`baton start ${path.relative(process.cwd(), config.source) || config.source}\`, or set temporal.address to a running server`,
    );
  }
  return state.address;
}

export async function connectClient(config: BatonConfig, address?: string): Promise<{ client: Client; connection: Connection; address: string }> {
  const target = address ?? (await temporalAddress(config));
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target, connectTimeout: '10 seconds' });
  } catch (err) {
    throw new BatonError(
      ErrorCategory.temporalUnavailable,
      `cannot reach Temporal at ${target} (${err instanceof Error ? err.message : String(err)}); check temporal.address or start the server`,
      { cause: err },
    );
  }
  return { client: new Client({ connection, namespace: config.temporal.namespace }), connection, address: target };
}

/** Start the deployment's orchestrator if it is not running (any worker may do this). */
export async function ensureOrchestrator(client: Client, config: BatonConfig, configPath: string): Promise<string> {
  const workflowId = orchestratorWorkflowId(config.name);
  const input: OrchestratorInput = { configPath, deployment: config.name };
  await client.workflow.start('orchestratorWorkflow', {
    workflowId,
    taskQueue: config.temporal.task_queue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: `Baton orchestrator · ${config.name}`,
  });
  return workflowId;
}
