/**
 * Tracker registry: every tracker kind this build knows, as one registration line each.
 *
 * A registration pairs the kind's profile (its `tracker.provider` schema, defaults and secrets;
 * zod only) with a loader for its adapter. The profiles form `trackerProfiles`, which the
 * composition root (CLI, worker, schema generator, tests) passes to config loading: the config
 * layer never imports adapters (see config/tracker-profiles.ts). The loader is a dynamic
 * `import()`, so a provider SDK (@linear/sdk, octokit, …) is loaded only when a tracker of that
 * kind is constructed.
 *
 * Adding a kind: a folder `adapters/trackers/<kind>/` with `profile.ts` (exports the
 * `TrackerProfile`) and `tracker.ts` (exports the `TrackerFactory`), then one line below:
 *
 *   { profile: fooProfile, load: () => import('./foo/tracker.js').then((m) => m.createFooTracker) },
 *
 * The JSON Schema lists kinds in this order; run `npm run schema` after adding one.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { TrackerConfig } from '../../config/schema.js';
import { createTrackerProfileRegistry, type TrackerProfile, type TrackerProfileRegistry } from '../../config/tracker-profiles.js';
import { codeHostProfiles } from '../code-hosts/profiles.js';
import { fileProfile } from './file-profile.js';
import { asanaProfile } from './asana/profile.js';
import { githubProfile } from './github/profile.js';
import { gitlabProfile } from './gitlab/profile.js';
import { jiraProfile } from './jira/profile.js';
import { linearProfile } from './linear/profile.js';
import { memoryProfile } from './memory-profile.js';
import type { TrackerAdapter, TrackerContext, TrackerFactory } from './types.js';
import { holdDuringRateLimits } from './rate-limit-hold.js';

/** One tracker kind: its profile (loaded eagerly, zod only) and its adapter (loaded on use). */
export interface TrackerRegistration {
  profile: TrackerProfile;
  load: () => Promise<TrackerFactory>;
}

const registrations: readonly TrackerRegistration[] = [
  { profile: fileProfile, load: () => import('./file.js').then((m) => m.createFileTracker) },
  { profile: memoryProfile, load: () => import('./memory.js').then((m) => m.createMemoryTracker) },
  { profile: linearProfile, load: () => import('./linear/tracker.js').then((m) => m.createLinearTracker) },
  { profile: githubProfile, load: () => import('./github/tracker.js').then((m) => m.createGithubTracker) },
  { profile: jiraProfile, load: () => import('./jira/tracker.js').then((m) => m.createJiraTracker) },
  { profile: gitlabProfile, load: () => import('./gitlab/tracker.js').then((m) => m.createGitlabTracker) },
  { profile: asanaProfile, load: () => import('./asana/tracker.js').then((m) => m.createAsanaTracker) },
];

/**
 * Every registered kind's profile, for `loadConfig(path, { trackers: trackerProfiles })`; it
 * carries the code host kinds too (`repository:` blocks), so composition roots pass one registry.
 */
export const trackerProfiles: TrackerProfileRegistry = createTrackerProfileRegistry(
  registrations.map((r) => r.profile),
  codeHostProfiles,
);

const loaders = new Map(registrations.map((r) => [r.profile.kind, r.load]));

/** Kinds this build can construct. */
export function supportedTrackerKinds(): string[] {
  return [...trackerProfiles.kinds];
}

/** Construct the adapter for `config.kind`; an unknown kind fails with `unsupported_tracker_kind`. */
export async function createTracker(config: TrackerConfig, ctx: TrackerContext): Promise<TrackerAdapter> {
  const load = loaders.get(config.kind);
  if (!load) {
    throw new BatonError(
      ErrorCategory.unsupportedTrackerKind,
      `tracker \`${config.name}\`: kind \`${config.kind}\` is not supported; use one of: ${supportedTrackerKinds().join(', ')}`,
      { retryable: false },
    );
  }
  const factory = await load();
  return holdDuringRateLimits(factory(config, ctx));
}
