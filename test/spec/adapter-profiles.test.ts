/**
 * Every tracker kind Baton registers publishes its compact profile (SPEC §11.2, §17.3):
 * `spec/adapters/<kind>.md` with a section for each part Symphony asks for — configuration, scope
 * (what one poll reads), normalization, agent tools and the error mapping — and the profile names
 * every `tracker.provider` key the adapter accepts and every secret with its environment fallback,
 * so a key added to an adapter without a word in its profile fails here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { supportedTrackerKinds, trackerProfiles } from '../../adapters/trackers/index.js';

const SPEC = fileURLToPath(new URL('../../spec/adapters/', import.meta.url));

/** The profile parts Symphony §11.2 requires, and the section headings that hold each. */
const PARTS: Record<string, RegExp> = {
  configuration: /^## Configuration\b/m,
  scope: /^## (Scope|Requests per poll|Reads)\b/m,
  normalization: /^## (Normalization|Mapping and normalization|Reads)\b/m,
  tools: /^## (Agent tools|Tools and errors)\b/m,
  errors: /^## (Errors|Tools and errors)\b/m,
};

describe.each(supportedTrackerKinds())('tracker profile `%s`', (kind) => {
  const file = `${SPEC}${kind}.md`;

  it('§17.3 spec/adapters/<kind>.md covers configuration, scope, normalization, tools and errors', () => {
    expect(existsSync(file), file).toBe(true);
    const text = readFileSync(file, 'utf8');
    const missing = Object.entries(PARTS)
      .filter(([, heading]) => !heading.test(text))
      .map(([part]) => part);
    expect(missing).toEqual([]);
  });

  it('§17.3 the profile names every provider key and secret variable the adapter accepts', () => {
    const text = readFileSync(file, 'utf8');
    const profile = trackerProfiles.get(kind)!;
    const keys = Object.keys(profile.providerSchema.shape);
    const variables = [...profile.secrets.flatMap((s) => (s.env ? [s.env] : [])), ...(profile.envSettings ?? []).map((s) => s.env)];
    const unnamed = [...keys, ...variables].filter((name) => !text.includes(name));
    expect(unnamed).toEqual([]);
  });
});
