/**
 * The real-integration profile's environment (SPEC §17.8): which variables each live smoke test
 * needs, and a throw-away deployment config loaded the way `baton` loads one, so credentials reach
 * the adapters and agents through their documented mechanism (the profile's environment fallbacks
 * and `$VAR`), never through test code. Only `npm run test:live` runs these tests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/index.js';
import type { BatonConfig } from '../../config/schema.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';

/** Names in `names` that the environment does not set (or sets empty). */
export function unset(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return names.filter((n) => !env[n]?.trim());
}

/** A config file in a fresh directory with `body`, loaded as `baton` would load it. */
export function liveConfig(body: Record<string, unknown>): { config: BatonConfig; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'baton-live-'));
  const file = path.join(dir, 'baton.yaml');
  writeFileSync(file, stringify({ name: `live-${process.pid}`, workspace: { root: './workspaces' }, ...body }));
  const { config } = loadConfig(file, { trackerProfiles, env: process.env });
  return { config, dir };
}

/** A comma list from the environment, or the fallback. */
export function listFromEnv(name: string, fallback: readonly string[]): string[] {
  const value = process.env[name]?.trim();
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [...fallback];
}
