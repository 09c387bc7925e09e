/**
 * Secret masking for anything a person or a log may see (SPEC §15.3: validate secrets without
 * printing them).
 */
import { parseEnvReference } from './resolve-env.js';
import type { BatonConfig } from './schema.js';
import type { TrackerProfileRegistry } from './tracker-profiles.js';

/** What a masked secret reads as. */
export const MASK = '***';

/** Provider keys that look secret even when a profile does not declare them. */
const SECRET_LOOKING = /(secret|token|password|api_key|apikey|credential)/i;

/**
 * A deep copy of the config with every tracker secret (profile-declared or secret-looking), every
 * repository secret, the OpenAI API key and the Temporal API key replaced by `***`. `$VAR` references are not secrets and stay readable.
 */
export function maskSecrets(config: BatonConfig, trackerProfiles: TrackerProfileRegistry): BatonConfig {
  const copy = structuredClone(config);
  for (const repository of [copy.repository, ...copy.trackers.map((t) => t.repository)]) {
    if (!repository) continue;
    const fields = repository as Record<string, unknown>;
    for (const secret of trackerProfiles.codeHosts?.get(repository.kind)?.secrets ?? []) {
      if (typeof fields[secret.key] === 'string' && fields[secret.key] !== '') fields[secret.key] = MASK;
    }
  }
  for (const tracker of copy.trackers) {
    const declared = new Set(trackerProfiles.get(tracker.kind)?.secrets.map((s) => s.key) ?? []);
    for (const [key, value] of Object.entries(tracker.provider)) {
      if (typeof value !== 'string' || value === '') continue;
      if (declared.has(key) || SECRET_LOOKING.test(key)) tracker.provider[key] = MASK;
    }
  }
  const apiKey = copy.openai.api_key;
  if (apiKey && !parseEnvReference(apiKey)) copy.openai.api_key = MASK;
  const token = copy.server.token;
  if (token && !parseEnvReference(token)) copy.server.token = MASK;
  const temporalKey = copy.temporal.api_key;
  if (temporalKey && !parseEnvReference(temporalKey)) copy.temporal.api_key = MASK;
  return copy;
}
