/**
 * The Linear adapter's settings, read from a resolved `TrackerConfig` (secrets already substituted
 * by the config layer). The provider schema in `profile.ts` is the source of truth for the keys.
 */
import { z } from 'zod';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState } from '../../../core/issue.js';
import type { TrackerConfig } from '../../../config/schema.js';
import { LinearProviderSchema } from './profile.js';
import { sendsTokenInClear } from '../endpoint.js';

export interface LinearSettings {
  trackerName: string;
  endpoint: string;
  apiKey: string;
  projectSlug: string;
  /** A user id, `me`, or null (no assignee filter). */
  assignee: string | null;
  pageSize: number;
  timeoutMs: number;
  /** Normalized terminal state names (blockers in them no longer block). */
  terminalStates: Set<string>;
}

function invalid(trackerName: string, message: string): BatonError {
  return new BatonError(ErrorCategory.invalidTrackerConfig, `tracker \`${trackerName}\`: ${message}`, { retryable: false });
}

/** Validates `config.provider` for a `linear` tracker; errors name the key and the fix. */
export function parseLinearSettings(config: TrackerConfig): LinearSettings {
  const name = config.name;
  const parsed = LinearProviderSchema.safeParse(config.provider);
  if (!parsed.success) {
    throw invalid(name, `provider is invalid: ${z.prettifyError(parsed.error)}; fix tracker.provider`);
  }
  const provider = parsed.data;
  const apiKey = typeof provider.api_key === 'string' ? provider.api_key.trim() : '';
  if (!apiKey) {
    throw new BatonError(
      ErrorCategory.missingTrackerSecret,
      `tracker \`${name}\` has no Linear API key; set LINEAR_API_KEY or tracker.provider.api_key: $VAR`,
      { retryable: false },
    );
  }
  let url: URL;
  try {
    url = new URL(provider.endpoint);
  } catch {
    throw invalid(name, `provider.endpoint ${JSON.stringify(provider.endpoint)} is not a URL; use https://api.linear.app/graphql`);
  }
  // Same rule as @linear/sdk: a key must never travel in clear text except to this machine.
  if (sendsTokenInClear(url)) {
    throw invalid(name, `provider.endpoint must use https (http only for localhost); got ${provider.endpoint}`);
  }
  const assignee = provider.assignee?.trim() || null;
  return {
    trackerName: name,
    endpoint: url.toString(),
    apiKey,
    projectSlug: provider.project_slug.trim(),
    assignee,
    pageSize: provider.page_size,
    timeoutMs: provider.timeout_ms,
    terminalStates: new Set(config.terminal_states.map(normalizeState)),
  };
}
