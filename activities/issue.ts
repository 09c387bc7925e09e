/**
 * The issue workflow's short activities, run as local activities in the worker that runs the
 * workflow (tracker calls need no particular host): reporting to the orchestrator, re-reading the
 * issue, and applying a stage's writes after a gate or for a `backend: none` stage. Tracker errors
 * keep their category; Temporal retries them until they succeed, so an outage delays a write but
 * never loses it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { issueHead, issueReportSignal, orchestratorWorkflowId, type IssueHead, type IssueReport, type WritesInput } from '../core/protocol.js';
import { applyStageWrites } from './stage/writes.js';
import type { BatonRuntime } from './runtime.js';

export function createIssueActivities(rt: BatonRuntime) {
  return {
    /** One message to the deployment's orchestrator: slot release/request, status row, closing. */
    async reportToOrchestrator(input: { deployment: string; report: IssueReport }): Promise<void> {
      try {
        await rt.client.workflow.getHandle(orchestratorWorkflowId(input.deployment)).signal(issueReportSignal, input.report);
      } catch (err) {
        // A closing issue has nothing left to ask of an orchestrator that is gone (terminated, or
        // its deployment renamed); anything else waits (retried) until a worker starts it again.
        if (err instanceof WorkflowNotFoundError && input.report.closing) return;
        throw err;
      }
    },

    /** The issue as the tracker shows it now, or null when it is no longer visible. */
    async refreshIssue(input: { tracker: string; issueId: string }): Promise<IssueHead | null> {
      try {
        const adapter = await rt.tracker(input.tracker);
        const [issue] = await adapter.fetchIssuesByIds([input.issueId]);
        return issue ? issueHead(issue) : null;
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** A stage's writes (after a gate, or for a stage without an agent); the fresh issue back. */
    async applyWrites(input: WritesInput): Promise<IssueHead | null> {
      try {
        const { config } = rt.config();
        const adapter = await rt.tracker(input.tracker);
        const [issue] = await adapter.fetchIssuesByIds([input.issueId]);
        if (!issue) return null;
        const stage = input.withStageComment ? config.stages.find((s) => s.name === input.stage) : undefined;
        const fresh = await applyStageWrites(adapter, issue, { writes: input.writes, stage, progress: input.progress, note: input.note });
        return fresh ? issueHead(fresh) : null;
      } catch (err) {
        throw asFailure(err);
      }
    },
  };
}

/**
 * Tracker errors become activity failures that keep their category as the failure type; rate
 * limits carry the provider's retry delay, and configuration errors are not retried.
 */
export function asFailure(err: unknown): unknown {
  if (!(err instanceof BatonError)) return err;
  const nonRetryable =
    !err.retryable ||
    err.category === ErrorCategory.invalidConfig ||
    err.category === ErrorCategory.invalidTrackerConfig ||
    err.category === ErrorCategory.missingTrackerSecret ||
    err.category === ErrorCategory.unsupportedTrackerKind;
  return ApplicationFailure.create({
    message: err.message,
    type: err.category,
    nonRetryable,
    ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
  });
}
