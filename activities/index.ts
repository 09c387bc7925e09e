/**
 * Every Baton activity, built around one per-process runtime. Workflows import the type only
 * (`proxyActivities<BatonActivities>`); workers register the object `createActivities` returns.
 */
import { createAgentStageActivities } from './agent-stage.js';
import { createConfigActivities } from './config.js';
import { createDispatchActivities } from './dispatch.js';
import { createHostActivities } from './host.js';
import type { BatonRuntime } from './runtime.js';
import { createTrackerActivities } from './tracker.js';

export function createActivities(rt: BatonRuntime) {
  return {
    ...createConfigActivities(rt),
    ...createTrackerActivities(rt),
    ...createDispatchActivities(rt),
    ...createHostActivities(rt),
    ...createAgentStageActivities(rt),
  };
}

export type BatonActivities = ReturnType<typeof createActivities>;
export type { StageSummary } from './agent-stage.js';
