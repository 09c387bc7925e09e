/**
 * A `github` tracker's configuration in the shape the adapter works with: the provider block
 * parsed by its profile schema, repositories split, the token required.
 */
import { z } from 'zod';
import type { TrackerConfig } from '../../../config/schema.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { GithubProviderSchema } from './profile.js';

export type GithubProvider = z.output<typeof GithubProviderSchema>;
export type StateSource = GithubProvider['state_source'];

export interface RepoRef {
  owner: string;
  name: string;
  /** `owner/name` as configured: the spelling used in ids and identifiers. */
  full: string;
}

export interface GithubSettings {
  trackerName: string;
  repos: RepoRef[];
  token: string;
  apiUrl: string;
  stateSource: StateSource;
  stateLabelPrefix: string;
  defaultState: string;
  project: { owner: string; number: number; field: string } | null;
  requiredLabels: string[];
  terminalStates: string[];
  writeIntervalMs: number;
  timeoutMs: number;
  secretEnv: string[];
}

/** Validate `config.provider` and derive the settings; failures name the key and the fix. */
export function githubSettings(config: TrackerConfig): GithubSettings {
  const parsed = GithubProviderSchema.safeParse(config.provider);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `provider.${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BatonError(ErrorCategory.invalidTrackerConfig, `tracker \`${config.name}\` (github): ${issues}`, { retryable: false });
  }
  const p = parsed.data;
  if (typeof p.token !== 'string' || !p.token.trim()) {
    throw new BatonError(
      ErrorCategory.missingTrackerSecret,
      `tracker \`${config.name}\` (github) has no token; set provider.token (for example \`$GITHUB_TOKEN\`) or the GITHUB_TOKEN environment variable`,
      { retryable: false },
    );
  }
  // The config layer fills repo from GITHUB_REPO when it is omitted, and fails the load when neither is set.
  if (p.repo === undefined) {
    throw new BatonError(ErrorCategory.invalidTrackerConfig, `tracker \`${config.name}\` (github) has no repo; set provider.repo (\`owner/name\`) or GITHUB_REPO`, { retryable: false });
  }
  const list = Array.isArray(p.repo) ? p.repo : [p.repo];
  const seen = new Set<string>();
  const repos: RepoRef[] = [];
  for (const full of list) {
    const [owner, name] = full.split('/') as [string, string];
    if (seen.has(full.toLowerCase())) continue;
    seen.add(full.toLowerCase());
    repos.push({ owner, name, full });
  }
  return {
    trackerName: config.name,
    repos,
    token: p.token.trim(),
    apiUrl: p.api_url,
    stateSource: p.state_source,
    stateLabelPrefix: p.state_label_prefix,
    defaultState: p.default_state,
    project: p.project ?? null,
    requiredLabels: config.required_labels,
    terminalStates: config.terminal_states,
    writeIntervalMs: p.write_interval_ms,
    timeoutMs: p.timeout_ms,
    secretEnv: config.secret_env,
  };
}

/** The configured repository `full` names (case-insensitive), or undefined. */
export function findRepo(settings: GithubSettings, owner: string, name: string): RepoRef | undefined {
  const key = `${owner}/${name}`.toLowerCase();
  return settings.repos.find((r) => r.full.toLowerCase() === key);
}
