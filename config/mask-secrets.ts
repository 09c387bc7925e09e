/**
 * Secret masking for anything a person or a log may see (SPEC §15.3: validate secrets without
 * printing them).
 */
import { trackerProfile } from '../adapters/trackers/profiles.js';
import { parseEnvReference } from './resolve-env.js';
import type { BatonConfig } from './schema.js';

/** What a masked secret reads as. */
export const MASK = '***';

/** Provider keys that look secret even when a profile does not declare them. */
const SECRET_LOOKING = /(secret|token|password|api_key|apikey|credential)/i;

/**
 * A deep copy of the config with every tracker secret (profile-declared or secret-looking) and the
 * OpenAI API key replaced by `***`. `$VAR` references are not secrets and stay readable.
 */
export function maskSecrets(config: BatonConfig): BatonConfig {
  const copy = structuredClone(config);
  for (const tracker of copy.trackers) {
    const declared = new Set(trackerProfile(tracker.kind)?.secrets.map((s) => s.key) ?? []);
    for (const [key, value] of Object.entries(tracker.provider)) {
      if (typeof value !== 'string' || value === '') continue;
      if (declared.has(key) || SECRET_LOOKING.test(key)) tracker.provider[key] = MASK;
    }
  }
  const apiKey = copy.openai.api_key;
  if (apiKey && !parseEnvReference(apiKey)) copy.openai.api_key = MASK;
  return copy;
}
