/**
 * Starting and stopping a bench deployment's orchestrator the way a Baton worker does, asking it
 * for its status, and waiting for an issue workflow's result.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { loadConfig } from '../config/index.js';
import { trackerProfiles } from '../adapters/trackers/index.js';
import { ensureOrchestrator } from '../cli/context.js';
import { issueWorkflowId, orchestratorStatusQuery, refreshSignal, type IssueStatus, type OrchestratorStatus } from '../core/protocol.js';
import type { BenchDeployment } from './deployment.js';
import type { BenchEnvironment } from './environment.js';
import { abortable, waitUntil } from './wait.js';

export interface BenchOrchestrator {
  workflowId: string;
  handle: WorkflowHandle;
  status(): Promise<OrchestratorStatus>;
  /** The `baton refresh` signal: poll every tracker now. */
  refresh(): Promise<void>;
  /** Terminate it, so a finished phase leaves nothing ticking beside the next one. */
  stop(): Promise<void>;
}

/** Start a worker for the deployment and its orchestrator, and wait for the first successful poll. */
export async function startOrchestrator(env: BenchEnvironment, deployment: BenchDeployment, signal: AbortSignal, workerOptions: { maxConcurrentAgents?: number } = {}): Promise<BenchOrchestrator> {
  const client = env.client;
  const { config } = loadConfig(deployment.configPath, { trackerProfiles });
  const worker = await env.startWorker(deployment.configPath, config.temporal.task_queue, workerOptions);
  const workflowId = await ensureOrchestrator(client, config);
  const handle = client.workflow.getHandle(workflowId);
  const orchestrator: BenchOrchestrator = {
    workflowId,
    handle,
    status: () => handle.query(orchestratorStatusQuery),
    refresh: () => handle.signal(refreshSignal),
    async stop() {
      await handle.terminate('bench phase finished').catch(() => undefined);
      await worker.stop();
    },
  };
  await waitUntil(`the first poll of ${workflowId}`, async () => (await orchestrator.status().catch(() => null))?.lastPollOk, {
    signal,
    everyMs: 100,
  });
  return orchestrator;
}

/**
 * The issue workflow's final status once it closes. The call is tied to `signal` so an abort
 * cancels the long poll itself, not only the wait for it (a poll left behind would retry on a
 * closed connection).
 */
export function issueResult(client: Client, identifier: string, signal: AbortSignal): Promise<IssueStatus> {
  const handle = client.workflow.getHandle(issueWorkflowId('local', identifier));
  return abortable(client.withAbortSignal(signal, () => handle.result() as Promise<IssueStatus>), signal, `${identifier} to finish`);
}

/** Stage runs that failed (and were retried) in an issue's recorded history. */
export function failedStageRuns(status: IssueStatus): number {
  return status.history.filter((h) => h.outcome === 'failed').length;
}
