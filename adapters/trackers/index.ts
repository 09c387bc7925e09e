/**
 * Tracker registry: `tracker.kind` → adapter. Each entry loads its module only when a tracker of
 * that kind is configured, so provider SDKs stay out of processes that never use them.
 * Adding a kind is one line here plus its profile in `profiles.ts`.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { TrackerConfig } from '../../config/schema.js';
import type { TrackerAdapter, TrackerContext, TrackerFactory } from './types.js';

const trackerFactories: Record<string, () => Promise<TrackerFactory>> = {
  file: () => import('./file.js').then((m) => m.createFileTracker),
  memory: () => import('./memory.js').then((m) => m.createMemoryTracker),
  linear: () => import('./linear/tracker.js').then((m) => m.createLinearTracker),
  jira: () => import('./jira/tracker.js').then((m) => m.createJiraTracker),
  github: () => import('./github/tracker.js').then((m) => m.createGithubTracker),
};

/** Kinds this build can construct. */
export function supportedTrackerKinds(): string[] {
  return Object.keys(trackerFactories);
}

/** Construct the adapter for `config.kind`; an unknown kind fails with `unsupported_tracker_kind`. */
export async function createTracker(config: TrackerConfig, ctx: TrackerContext): Promise<TrackerAdapter> {
  const load = Object.hasOwn(trackerFactories, config.kind) ? trackerFactories[config.kind] : undefined;
  if (!load) {
    throw new BatonError(
      ErrorCategory.unsupportedTrackerKind,
      `tracker \`${config.name}\`: kind \`${config.kind}\` is not supported; use one of: ${supportedTrackerKinds().join(', ')}`,
      { retryable: false },
    );
  }
  const factory = await load();
  return factory(config, ctx);
}
