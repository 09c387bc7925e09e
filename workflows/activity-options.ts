/**
 * Every activity a workflow calls, with its options and why each timeout is what it is. Short
 * calls are local activities: they run in the worker that runs the workflow, cost one history
 * marker and no task-queue hop. Only the agent stage and workspace removal go through a task
 * queue, because they must run on the host that holds the workspace.
 *
 * Sandbox-safe.
 */
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BatonActivities } from '../activities/index.js';
import type { ConfigView } from '../core/protocol.js';
import { WATCH_HEARTBEAT_MS, WATCH_MAX_MS } from '../core/idle-watch.js';

/**
 * Polling: a tracker error comes back as data (the tick skips that tracker), so a failure here is
 * Baton's own; retry it briefly, then let the next tick try again. 30 s bounds a slow provider.
 */
export const poller = proxyLocalActivities<BatonActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

/**
 * The idle watch (core/idle-watch.ts): a regular activity, so the orchestrator's workflow task
 * ends while it runs. Any failure of it (its worker gone, noticed within the heartbeat timeout)
 * only sends the orchestrator back to its poll loop, so Temporal never retries it; and the
 * orchestrator never waits for a cancel to be confirmed. The cap leaves room for a last slow poll.
 */
export const watcher = proxyActivities<BatonActivities>({
  startToCloseTimeout: WATCH_MAX_MS + 60_000,
  heartbeatTimeout: 4 * WATCH_HEARTBEAT_MS,
  retry: { maximumAttempts: 1 },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

/**
 * Delivery (workflow starts, grants, snapshots) must not be lost: Temporal retries it until the
 * server takes it. One call covers one tick's batch; 60 s is far above a batch of signals.
 */
export const deliverer = proxyLocalActivities<BatonActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
});

/**
 * The issue workflow's tracker reads/writes and reports: seconds each; retried until they succeed
 * so an outage delays a write but never loses it (the SDK backs off with durable timers once the
 * retry interval passes a minute).
 */
export const shortCalls = proxyLocalActivities<BatonActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});

/**
 * The agent stage on a task queue: the shared queue for an issue's first run (whichever worker
 * takes it becomes the home), the home host's queue after that.
 */
export function stageRunner(view: ConfigView, queue: string | null) {
  return proxyActivities<BatonActivities>({
    ...(queue ? { taskQueue: queue } : {}),
    // Liveness comes from heartbeats (a dead worker is noticed within heartbeatTimeoutMs); this is
    // only a generous cap on one stage run.
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: view.heartbeatTimeoutMs,
    // A pinned host that leaves the work unstarted this long is presumed gone: the issue re-homes.
    ...(queue ? { scheduleToStartTimeout: view.rehomeAfterMs } : {}),
    // The workflow decides about retries (backoff, gates, holds); Temporal never retries a run.
    retry: { maximumAttempts: 1 },
    // A cancelled stage is over only when its agent is gone: cleanup must not race it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

/**
 * Workspace removal on its host: `before_remove` may take up to the hook timeout; heartbeats
 * every second mean a lost task or dead host is noticed in 10 s instead of at the timeout.
 */
export function workspaceRemover(view: ConfigView, queue: string) {
  return proxyActivities<BatonActivities>({
    taskQueue: queue,
    startToCloseTimeout: view.hookTimeoutMs + 30_000,
    heartbeatTimeout: '10 seconds',
    scheduleToStartTimeout: view.rehomeAfterMs,
    retry: { initialInterval: '1s', maximumAttempts: 3 },
  });
}
