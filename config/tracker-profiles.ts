/**
 * The contract between the config layer and the tracker adapters: what a tracker kind accepts
 * under `tracker.provider`, its documented defaults and its secrets.
 *
 * Layering rule (enforced by test/config/layering.test.ts): `config/` never imports `adapters/`.
 * Each adapter owns its profile (for example `adapters/trackers/linear/profile.ts`, zod only, no
 * provider SDK) and the tracker registry (`adapters/trackers/index.ts`) collects them into a
 * `TrackerProfileRegistry`. The composition root (CLI, worker, schema generator, tests) passes
 * that registry into config loading (`loadConfig(path, { trackers })`), so the config schema, the
 * JSON Schema and every diagnostic know each kind without the config layer naming one.
 *
 * Adding a tracker kind: a folder under `adapters/trackers/<kind>/` with its `profile.ts` and
 * adapter, and one registration line in `adapters/trackers/index.ts`.
 */
import type { z } from 'zod';
import type { CodeHostProfileRegistry } from './code-host-profiles.js';

export interface TrackerSecret {
  /** Key under `provider` that holds the secret (a literal or `$VAR`). */
  key: string;
  /** Environment variable read when the key is omitted (an adapter-local fallback, SPEC §6.1). */
  env?: string;
  /** When false, a missing value is allowed (for example a webhook secret). */
  required: boolean;
}

/**
 * A non-secret provider key that may come from the environment, as Symphony reads it (for example
 * Jira's `base_url` from JIRA_BASE_URL): resolved before schema validation, with the same rules as
 * a secret (SPEC §3.2), but never masked, never warned about as a literal and not in `secret_env`.
 */
export interface TrackerEnvSetting {
  key: string;
  /** Variable read when the key is omitted, or when its `$NAME` reference is unset. */
  env: string;
  /** When true, a value missing from both the file and the environment fails the load. */
  required: boolean;
}

/** One tracker kind as the config layer sees it. */
export interface TrackerProfile {
  kind: string;
  /** One line shown in the JSON Schema next to `kind`. */
  title: string;
  /** `tracker.provider` of this kind; loose (unknown keys warn, they do not fail). */
  providerSchema: z.ZodObject;
  defaultActiveStates?: readonly string[];
  defaultTerminalStates?: readonly string[];
  secrets: readonly TrackerSecret[];
  /** Non-secret keys with an environment fallback; the provider schema leaves them optional. */
  envSettings?: readonly TrackerEnvSetting[];
  /** Provider keys that are local filesystem paths: `~` and `$VAR` expand, relative to the config file. */
  pathKeys?: readonly string[];
  /**
   * The adapter implements `TrackerAdapter.watch` (it can tell when a poll would find something
   * new without being polled), so a running process asks it at start-up; others are not built
   * for it (no SDK loaded, no secret read, just to learn they cannot watch).
   */
  watches?: boolean;
}

/** The tracker kinds a process knows, in registration order (the JSON Schema lists them so). */
export interface TrackerProfileRegistry {
  readonly kinds: readonly string[];
  get(kind: string): TrackerProfile | undefined;
  /**
   * The code host kinds (`repository:` blocks, config/code-host-profiles.ts) it knows, handed in
   * along with the trackers so every composition root passes one registry; absent, a
   * `repository:` block is refused.
   */
  readonly codeHosts?: CodeHostProfileRegistry;
}

/** Symphony's default `active_states` (SPEC §5.3.1), shared by the profiles that follow it. */
export const SYMPHONY_ACTIVE_STATES = ['Todo', 'In Progress'] as const;
/** Symphony's default `terminal_states` (SPEC §5.3.1). */
export const SYMPHONY_TERMINAL_STATES = ['Closed', 'Cancelled', 'Canceled', 'Duplicate', 'Done'] as const;

/** A registry over `profiles`; a kind registered twice is a programming error. */
export function createTrackerProfileRegistry(profiles: readonly TrackerProfile[], codeHosts?: CodeHostProfileRegistry): TrackerProfileRegistry {
  const byKind = new Map<string, TrackerProfile>();
  for (const profile of profiles) {
    if (byKind.has(profile.kind)) throw new Error(`tracker kind \`${profile.kind}\` is registered twice`);
    byKind.set(profile.kind, profile);
  }
  return { kinds: [...byKind.keys()], get: (kind) => byKind.get(kind), ...(codeHosts ? { codeHosts } : {}) };
}
