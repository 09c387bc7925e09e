/**
 * What one `openai` session talks to and how: API key, base URL, model and reasoning effort,
 * resolved from the `openai` config block, the stage's overrides and Baton's environment. A pure
 * function of its inputs, so every rule has a table test.
 */
import type { BatonConfig, OpenAIAgentConfig, ResolvedStage } from '../../../config/schema.js';
import { parseEnvReference, resolveSecret, type Env } from '../../../config/resolve-env.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';

/** The OpenAI API, used when neither `openai.base_url` nor `$OPENAI_BASE_URL` says otherwise. */
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Variable the key falls back to when `openai.api_key` names an unset variable. */
const API_KEY_ENV = 'OPENAI_API_KEY';
const BASE_URL_ENV = 'OPENAI_BASE_URL';

export interface OpenAISessionSettings {
  apiKey: string;
  baseURL: string;
  model: string;
  reasoningEffort?: OpenAIAgentConfig['reasoning_effort'];
  turnTimeoutMs: number;
  /**
   * Environment variables that hold the model credential: removed from shell commands, like
   * tracker secrets, so the agent cannot read the host's key.
   */
  secretEnvNames: string[];
}

/**
 * Resolve the session settings. `openai.api_key` is a literal or `$NAME` (default
 * `$OPENAI_API_KEY`); `openai.base_url` is a literal or `$NAME`, else `$OPENAI_BASE_URL`, else the
 * OpenAI API; the model is the stage's (`stages[].agent.model`, already merged into
 * `stage.policy.model`) or `openai.model`. A missing key or an unset `$NAME` base URL is an
 * `invalid_config` error that says what to set.
 */
export function resolveOpenAISettings(config: Pick<BatonConfig, 'openai'>, stage: Pick<ResolvedStage, 'name' | 'policy'>, env: Env): OpenAISessionSettings {
  const openai = config.openai;
  const key = resolveSecret(openai.api_key, API_KEY_ENV, env);
  if (!key.value) {
    const named = key.invalidReference !== undefined ? `openai.api_key (${openai.api_key}) is not a valid \`$NAME\` reference` : describeMissingKey(openai.api_key);
    throw new BatonError(
      ErrorCategory.invalidConfig,
      `The openai agent backend (stage \`${stage.name}\`) has no API key: ${named}. Set ${API_KEY_ENV} in Baton's environment, or point openai.api_key at a variable that holds the key ($NAME).`,
      { retryable: false, details: { envNames: key.envNames } },
    );
  }
  return {
    apiKey: key.value,
    baseURL: resolveBaseUrl(openai.base_url, env),
    model: stage.policy.model ?? openai.model,
    ...(openai.reasoning_effort ? { reasoningEffort: openai.reasoning_effort } : {}),
    turnTimeoutMs: stage.policy.turn_timeout_ms,
    secretEnvNames: key.source === 'literal' ? [] : key.envNames,
  };
}

function describeMissingKey(value: string): string {
  const ref = parseEnvReference(value);
  if (ref) return ref.name === API_KEY_ENV ? `${API_KEY_ENV} is unset or empty` : `${ref.name} (named by openai.api_key) and ${API_KEY_ENV} are unset or empty`;
  return 'openai.api_key is empty';
}

function resolveBaseUrl(configured: string | undefined, env: Env): string {
  if (configured !== undefined && configured.trim() !== '') {
    const ref = parseEnvReference(configured);
    if (!ref) return configured;
    const value = ref.valid ? env[ref.name] : undefined;
    if (!value) {
      throw new BatonError(
        ErrorCategory.invalidConfig,
        `openai.base_url is ${configured}, but ${ref.valid ? `${ref.name} is unset or empty` : 'that is not a valid `$NAME` reference'}. Set the variable, write the URL literally, or remove openai.base_url to use $${BASE_URL_ENV} or the OpenAI API.`,
        { retryable: false },
      );
    }
    return value;
  }
  return env[BASE_URL_ENV] || DEFAULT_OPENAI_BASE_URL;
}
