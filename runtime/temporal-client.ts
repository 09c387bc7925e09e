/**
 * A Temporal client for a deployment, as every process and command makes it: the configured
 * address or the embedded server `baton start` recorded next to its database, connected through
 * `runtime/temporal-connection.ts` (TLS, API key, step-named errors), and the deployment's
 * orchestrator started if it is not running. Heavy modules (the Temporal SDK) are imported on use.
 */
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { BatonError, ErrorCategory } from '../core/errors.js';
import type { OrchestratorInput, PreflightUpdate } from '../core/protocol.js';
import type { BatonConfig } from '../config/schema.js';
import type { TemporalEndpoint } from './temporal-connection.js';

export function isEmbedded(config: BatonConfig): boolean {
  return config.temporal.address.trim().toLowerCase() === 'embedded';
}

/** The frontend address: the configured one, or the embedded server `baton start` is running. */
export async function temporalAddress(config: BatonConfig): Promise<string> {
  if (!isEmbedded(config)) return config.temporal.address;
  const { readServerState } = await import('./server-state.js');
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

/** The config's Temporal endpoint (certificates and API key read), at `address` if given. */
export async function temporalEndpoint(config: BatonConfig, address?: string): Promise<TemporalEndpoint> {
  const { resolveTemporalEndpoint } = await import('./temporal-connection.js');
  return resolveTemporalEndpoint(config.temporal, { address: address ?? (await temporalAddress(config)), baseDir: config.base_dir });
}

export async function connectClient(
  config: BatonConfig,
  address?: string,
): Promise<{ client: Client; connection: Connection; address: string; endpoint: TemporalEndpoint }> {
  const endpoint = await temporalEndpoint(config, address);
  const [{ Client }, { connectTemporalClient }] = await Promise.all([import('@temporalio/client'), import('./temporal-connection.js')]);
  const connection = await connectTemporalClient(endpoint);
  return { client: new Client({ connection, namespace: endpoint.namespace }), connection, address: endpoint.address, endpoint };
}

/** How the deployment's orchestrator is started, wherever it is started from. */
async function orchestratorStart(config: BatonConfig) {
  const { WorkflowType, orchestratorWorkflowId } = await import('../core/protocol.js');
  const input: OrchestratorInput = { deployment: config.name };
  return {
    type: WorkflowType.orchestrator,
    options: { workflowId: orchestratorWorkflowId(config.name), taskQueue: config.temporal.task_queue, args: [input] as [OrchestratorInput], staticSummary: `Baton orchestrator · ${config.name}` },
  };
}

/** Start the deployment's orchestrator if it is not running (any worker may do this). */
export async function ensureOrchestrator(client: Client, config: BatonConfig): Promise<string> {
  const [{ WorkflowIdConflictPolicy }, start] = await Promise.all([import('@temporalio/client'), orchestratorStart(config)]);
  await client.workflow.start(start.type, { ...start.options, workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING });
  return start.options.workflowId;
}

/** Ask the deployment's orchestrator to poll now (what `baton refresh` and webhooks send). */
export async function refreshOrchestrator(client: Client, deployment: string): Promise<void> {
  const { orchestratorWorkflowId, refreshSignal } = await import('../core/protocol.js');
  await client.workflow.getHandle(orchestratorWorkflowId(deployment)).signal(refreshSignal);
}

/**
 * Give the orchestrator a worker's preflight verdict, starting it if it is not running: the signal
 * is then in its first workflow task, before its first poll, so no held stage is ever admitted to.
 */
export async function sendPreflight(client: Client, config: BatonConfig, update: PreflightUpdate): Promise<void> {
  const [start, { preflightSignal }] = await Promise.all([orchestratorStart(config), import('../core/protocol.js')]);
  await client.workflow.signalWithStart(start.type, { ...start.options, signal: preflightSignal, signalArgs: [update] });
}
