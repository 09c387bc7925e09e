/**
 * Every Baton activity, built around one per-process runtime. Workflows import the type only
 * (`proxyActivities<BatonActivities>` / `proxyLocalActivities`); workers register the object
 * `createActivities` returns.
 */
import { createHostActivities } from './host.js';
import { createIssueActivities } from './issue.js';
import { createOrchestratorActivities } from './orchestrator.js';
import { createPullRequestActivities } from './pull-request.js';
import type { BatonRuntime } from './runtime.js';
import { createStageActivities } from './stage/run.js';

export function createActivities(rt: BatonRuntime) {
  return {
    ...createOrchestratorActivities(rt),
    ...createIssueActivities(rt),
    ...createHostActivities(rt),
    ...createStageActivities(rt),
    ...createPullRequestActivities(rt),
  };
}

export type BatonActivities = ReturnType<typeof createActivities>;
