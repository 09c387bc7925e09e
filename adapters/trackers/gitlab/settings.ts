/**
 * A `gitlab` tracker's configuration in the shape the adapter works with: the provider block parsed
 * by its profile schema, the project path (or Symphony's GITLAB_PROJECT_PATH fallback), the API
 * host for @gitbeaker, the token required.
 */
import { z } from 'zod';
import type { TrackerConfig } from '../../../config/schema.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState } from '../../../core/issue.js';
import { GitlabProviderSchema } from './profile.js';
import { sendsTokenInClear } from '../endpoint.js';

export type GitlabProvider = z.output<typeof GitlabProviderSchema>;

export interface GitlabSettings {
  trackerName: string;
  /** `group/project` as configured, or a numeric project id. */
  projectPath: string;
  /** `https://gitlab.example.com` (what @gitbeaker calls the host; it appends /api/v4). */
  host: string;
  /** `<host>/api/v4`, for messages and link checks. */
  apiUrl: string;
  token: string;
  stateSource: GitlabProvider['state_source'];
  stateLabelPrefix: string;
  defaultState: string;
  blockers: boolean;
  pageSize: number;
  timeoutMs: number;
  /** Lower-cased required labels (`required_labels`). */
  requiredLabels: string[];
  /** Normalized terminal states. */
  terminalStates: Set<string>;
  secretEnv: string[];
}

function invalid(name: string, message: string): BatonError {
  return new BatonError(ErrorCategory.invalidTrackerConfig, `tracker \`${name}\` (gitlab): ${message}`, { retryable: false });
}

/** `https://host[/prefix]/api/v4` → `https://host[/prefix]`; anything else is refused. */
function hostOf(name: string, apiUrl: string): { host: string; apiUrl: string } {
  const url = new URL(apiUrl);
  // The token goes with every request: never in clear text except to this machine.
  if (sendsTokenInClear(url)) {
    throw invalid(name, `provider.api_url must use https (http only for localhost); got ${apiUrl}`);
  }
  if (url.search || url.hash) throw invalid(name, `provider.api_url must not carry a query or fragment; got ${apiUrl}`);
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/api/v4')) throw invalid(name, `provider.api_url must end in /api/v4 (for example https://gitlab.com/api/v4); got ${apiUrl}`);
  const host = `${url.origin}${path.slice(0, -'/api/v4'.length)}`;
  return { host, apiUrl: `${host}/api/v4` };
}

/** Validate `config.provider` and derive the settings; failures name the key and the fix. */
export function gitlabSettings(config: TrackerConfig, env: NodeJS.ProcessEnv = {}): GitlabSettings {
  const name = config.name;
  const parsed = GitlabProviderSchema.safeParse(config.provider);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `provider.${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw invalid(name, issues);
  }
  const p = parsed.data;
  const token = p.api_key?.trim() ?? '';
  if (!token) {
    throw new BatonError(
      ErrorCategory.missingTrackerSecret,
      `tracker \`${name}\` (gitlab) has no token; set provider.api_key (for example \`$GITLAB_PAT\`) or the GITLAB_PAT environment variable`,
      { retryable: false },
    );
  }
  const projectPath = (p.project_path ?? env.GITLAB_PROJECT_PATH ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (!projectPath) throw invalid(name, 'set provider.project_path to the project (`group/project`) or its numeric id, or set GITLAB_PROJECT_PATH');
  if (/\s/.test(projectPath) || (!/^\d+$/.test(projectPath) && !projectPath.includes('/'))) {
    throw invalid(name, `provider.project_path must be \`group/project\` (subgroups allowed) or a numeric project id; got ${JSON.stringify(projectPath)}`);
  }
  const { host, apiUrl } = hostOf(name, p.api_url);
  return {
    trackerName: name,
    projectPath,
    host,
    apiUrl,
    token,
    stateSource: p.state_source,
    stateLabelPrefix: p.state_label_prefix,
    defaultState: p.default_state,
    blockers: p.blockers,
    pageSize: p.page_size,
    timeoutMs: p.timeout_ms,
    requiredLabels: config.required_labels.filter(Boolean),
    terminalStates: new Set(config.terminal_states.map(normalizeState)),
    secretEnv: config.secret_env,
  };
}
