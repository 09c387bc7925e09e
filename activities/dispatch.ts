/**
 * Handing issues to their issue workflows. New issues are started with signal-with-start on a
 * workflow id derived from tracker + identifier, so a second dispatch of the same issue (another
 * orchestrator, a retried activity) only signals the run that exists. Snapshots for issues already
 * in flight are plain signals: a closed workflow is reported back, never restarted by accident.
 */
import { heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { issueFingerprint, type Issue } from '../core/issue.js';
import { issueWorkflowId, snapshotSignal } from '../core/protocol.js';
import { BatonDeployment, BatonIssue, BatonStage, BatonState, BatonStatus, BatonTracker } from '../core/search-attributes.js';
import type { BatonRuntime } from './runtime.js';

export interface DispatchItem {
  tracker: string;
  issueId: string;
  identifier: string;
  snapshot: Issue | null;
  start: boolean;
}

export interface DispatchResult {
  started: { workflowId: string; tracker: string; issueId: string; identifier: string; fingerprint: string; state: string }[];
  /** In-flight workflows that turned out to be closed. */
  missing: string[];
}

const DISPATCH_CONCURRENCY = 8;

/** Run `fn` over `items` with at most `limit` calls in flight; the first failure rejects. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

export function createDispatchActivities(rt: BatonRuntime) {
  return {
    async dispatchIssues(input: { configPath: string; deployment: string; items: DispatchItem[] }): Promise<DispatchResult> {
      const { config } = rt.config(input.configPath);
      const result: DispatchResult = { started: [], missing: [] };
      // A few calls in flight at once: a first poll that finds hundreds of issues should not start
      // them one round trip at a time (the order of `started` does not matter to the caller).
      let done = 0;
      await forEachConcurrently(input.items, DISPATCH_CONCURRENCY, async (item) => {
        // A long backlog keeps the activity alive item by item instead of racing one fixed timeout.
        heartbeat({ done: done++, of: input.items.length });
        const workflowId = issueWorkflowId(item.tracker, item.identifier);
        if (item.start && item.snapshot) {
          const issue = item.snapshot;
          await rt.client.workflow.signalWithStart('issueWorkflow', {
            workflowId,
            taskQueue: config.temporal.task_queue,
            args: [{ configPath: input.configPath, deployment: input.deployment, tracker: item.tracker, issueId: issue.id, identifier: issue.identifier, snapshot: issue }],
            signal: snapshotSignal,
            signalArgs: [{ issue }],
            typedSearchAttributes: [
              { key: BatonTracker, value: item.tracker },
              { key: BatonIssue, value: issue.identifier },
              { key: BatonDeployment, value: input.deployment },
              { key: BatonState, value: issue.state },
              { key: BatonStage, value: 'none' },
              { key: BatonStatus, value: 'starting' },
            ],
            memo: { title: issue.title, url: issue.url ?? '' },
            staticSummary: `${issue.identifier} · ${issue.title}`.slice(0, 190),
          });
          result.started.push({
            workflowId,
            tracker: item.tracker,
            issueId: issue.id,
            identifier: issue.identifier,
            fingerprint: issueFingerprint(issue),
            state: issue.state,
          });
          return;
        }
        try {
          await rt.client.workflow.getHandle(workflowId).signal(snapshotSignal, { issue: item.snapshot });
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) result.missing.push(workflowId);
          else throw err;
        }
      });
      return result;
    },
  };
}
