/**
 * The 0.1 → 0.2 cut-over. Baton 0.2 moved admission into the orchestrator and renamed its
 * workflow types (`orchestratorWorkflow` → `batonOrchestrator`, `issueWorkflow` → `batonIssue`):
 * histories of the old types cannot replay on the new code, and an old workflow still open would
 * hold its workflow id (and so its issue) forever. Rather than run beside them, Baton refuses to
 * start until none is left, and says how to get there.
 */
import type { Client } from '@temporalio/client';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { RETIRED_WORKFLOW_TYPES } from '../core/protocol.js';

/** The visibility query that finds a task queue's open workflows of the retired types. */
export function retiredWorkflowsQuery(taskQueue: string): string {
  const types = RETIRED_WORKFLOW_TYPES.map((t) => `WorkflowType = '${t}'`).join(' OR ');
  return `(${types}) AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`;
}

export async function assertNoRetiredWorkflows(client: Client, taskQueue: string, namespace: string): Promise<void> {
  const query = retiredWorkflowsQuery(taskQueue);
  const open: string[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: 20 })) {
    open.push(`${wf.workflowId} (${wf.type})`);
    if (open.length >= 20) break;
  }
  if (open.length === 0) return;
  throw new BatonError(
    ErrorCategory.usage,
    [
      `${open.length >= 20 ? 'at least 20' : open.length} workflow(s) started by Baton 0.1 are still open on task queue ${taskQueue}: ${open.slice(0, 5).join(', ')}${open.length > 5 ? ', …' : ''}.`,
      'This version cannot run them (its workflow types changed). Either let Baton 0.1 finish them, or end them and let this version pick the issues up again from the tracker:',
      `  temporal workflow terminate --namespace ${namespace} --query "${query.replace(/"/g, '\\"')}" --reason "baton 0.2 cut-over"`,
    ].join('\n'),
  );
}
