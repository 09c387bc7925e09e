/**
 * The Jira adapter's settings, read from a resolved `TrackerConfig` (secrets already substituted
 * by the config layer). The provider schema in `profile.ts` is the source of truth for the keys.
 */
import { z } from 'zod';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState } from '../../../core/issue.js';
import type { TrackerConfig } from '../../../config/schema.js';
import { JiraProviderSchema } from './profile.js';
import { sendsTokenInClear } from '../endpoint.js';

export interface JiraSettings {
  trackerName: string;
  /** Site URL without a trailing slash. */
  baseUrl: string;
  email: string;
  apiToken: string;
  projectKey: string;
  /** Extra JQL ANDed to every read, or null. */
  jql: string | null;
  pageSize: number;
  timeoutMs: number;
  /** Normalized terminal state names (blockers in them no longer block). */
  terminalStates: Set<string>;
}

function invalid(trackerName: string, message: string): BatonError {
  return new BatonError(ErrorCategory.invalidTrackerConfig, `tracker \`${trackerName}\`: ${message}`, { retryable: false });
}

function missing(trackerName: string, key: string, env: string): BatonError {
  return new BatonError(
    ErrorCategory.missingTrackerSecret,
    `tracker \`${trackerName}\` has no Jira ${key}; set ${env} or tracker.provider.${key}: $VAR`,
    { retryable: false },
  );
}

/** Validates `config.provider` for a `jira` tracker; errors name the key and the fix. */
export function parseJiraSettings(config: TrackerConfig): JiraSettings {
  const name = config.name;
  const parsed = JiraProviderSchema.safeParse(config.provider);
  if (!parsed.success) throw invalid(name, `provider is invalid: ${z.prettifyError(parsed.error)}; fix tracker.provider`);
  const provider = parsed.data;
  const email = provider.email?.trim() ?? '';
  const apiToken = provider.api_token?.trim() ?? '';
  if (!email) throw missing(name, 'email', 'JIRA_EMAIL');
  if (!apiToken) throw missing(name, 'api_token', 'JIRA_API_TOKEN');
  // The config layer fills base_url from JIRA_BASE_URL when it is omitted, and fails the load when neither is set.
  if (!provider.base_url) throw invalid(name, 'provider.base_url is missing; write the site URL (https://<site>.atlassian.net) or set JIRA_BASE_URL');
  const url = new URL(provider.base_url);
  // Basic auth carries the token in every request: never in clear text except to this machine.
  if (sendsTokenInClear(url)) {
    throw invalid(name, `provider.base_url must use https (http only for localhost); got ${provider.base_url}`);
  }
  if (url.search || url.hash) throw invalid(name, `provider.base_url must be the site URL without query or fragment; got ${provider.base_url}`);
  const projectKey = (provider.project ?? provider.project_key ?? '').trim();
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(projectKey)) {
    throw invalid(name, `provider.project must be a Jira project key such as ENG; got ${JSON.stringify(projectKey)}`);
  }
  const jql = provider.jql?.trim() || null;
  if (jql && /\border\s+by\b/i.test(jql)) {
    throw invalid(name, 'provider.jql must not contain ORDER BY (Baton orders results itself); remove the ORDER BY clause');
  }
  return {
    trackerName: name,
    baseUrl: url.toString().replace(/\/+$/, ''),
    email,
    apiToken,
    projectKey,
    jql,
    pageSize: provider.page_size,
    timeoutMs: provider.timeout_ms,
    terminalStates: new Set(config.terminal_states.map(normalizeState)),
  };
}
