/**
 * Starting and stopping a bench deployment's orchestrator the way a Baton worker does, and asking
 * it for its status.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { loadConfig } from '../config/index.js';
import { ensureOrchestrator } from '../cli/context.js';
import { orchestratorStatusQuery, refreshSignal, type OrchestratorStatus } from '../core/protocol.js';
import type { BenchDeployment } from './deployment.js';
import { waitUntil } from './wait.js';

export interface BenchOrchestrator {
  workflowId: string;
  handle: WorkflowHandle;
  status(): Promise<OrchestratorStatus>;
  /** The `baton refresh` signal: poll every tracker now. */
  refresh(): Promise<void>;
  /** Terminate it, so a finished phase leaves nothing ticking beside the next one. */
  stop(): Promise<void>;
}

/** Start the deployment's orchestrator and wait for its first successful poll. */
export async function startOrchestrator(client: Client, deployment: BenchDeployment, signal: AbortSignal): Promise<BenchOrchestrator> {
  const { config } = await loadConfig(deployment.configPath);
  const workflowId = await ensureOrchestrator(client, config, deployment.configPath);
  const handle = client.workflow.getHandle(workflowId);
  const orchestrator: BenchOrchestrator = {
    workflowId,
    handle,
    status: () => handle.query(orchestratorStatusQuery),
    refresh: () => handle.signal(refreshSignal),
    async stop() {
      await handle.terminate('bench phase finished').catch(() => undefined);
    },
  };
  await waitUntil(`the first poll of ${workflowId}`, async () => (await orchestrator.status().catch(() => null))?.lastPollOk, {
    signal,
    everyMs: 100,
  });
  return orchestrator;
}
