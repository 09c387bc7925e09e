/**
 * An `asana` tracker's configuration in the shape the adapter works with: the provider block
 * parsed by its profile schema, the endpoint checked, the token required.
 */
import type { TrackerConfig } from '../../../config/schema.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState } from '../../../core/issue.js';
import { AsanaProviderSchema } from './profile.js';
import { sendsTokenInClear } from '../endpoint.js';

export interface AsanaSettings {
  trackerName: string;
  projectGid: string;
  /** REST base without a trailing slash. */
  endpoint: string;
  token: string;
  completeOnTerminal: boolean;
  pageSize: number;
  timeoutMs: number;
  requiredLabels: string[];
  terminalStates: Set<string>;
  secretEnv: string[];
}

function invalid(name: string, message: string): BatonError {
  return new BatonError(ErrorCategory.invalidTrackerConfig, `tracker \`${name}\` (asana): ${message}`, { retryable: false });
}

export function asanaSettings(config: TrackerConfig): AsanaSettings {
  const name = config.name;
  const parsed = AsanaProviderSchema.safeParse(config.provider);
  if (!parsed.success) throw invalid(name, parsed.error.issues.map((i) => `provider.${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  const p = parsed.data;
  const token = p.api_key?.trim() ?? '';
  if (!token) {
    throw new BatonError(ErrorCategory.missingTrackerSecret, `tracker \`${name}\` (asana) has no token; set provider.api_key (for example \`$ASANA_PAT\`) or the ASANA_PAT environment variable`, {
      retryable: false,
    });
  }
  const url = new URL(p.endpoint);
  if (sendsTokenInClear(url)) {
    throw invalid(name, `provider.endpoint must use https (http only for localhost); got ${p.endpoint}`);
  }
  if (url.search || url.hash) throw invalid(name, `provider.endpoint must not carry a query or fragment; got ${p.endpoint}`);
  return {
    trackerName: name,
    projectGid: p.project_gid,
    endpoint: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    token,
    completeOnTerminal: p.complete_on_terminal,
    pageSize: p.page_size,
    timeoutMs: p.timeout_ms,
    requiredLabels: config.required_labels.filter(Boolean),
    terminalStates: new Set(config.terminal_states.map(normalizeState)),
    secretEnv: config.secret_env,
  };
}
