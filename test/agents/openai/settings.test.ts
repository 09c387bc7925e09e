/**
 * How an `openai` session finds its key, endpoint, model and timeouts (SPEC §15.3 `$VAR`
 * indirection; stage overrides from config/stages.ts).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPENAI_BASE_URL, resolveOpenAISettings } from '../../../adapters/agents/openai/settings.js';
import { OpenAIAgentSchema, type ResolvedStage } from '../../../config/schema.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';

const stage = (policy: Partial<ResolvedStage['policy']> = {}) =>
  ({ name: 'implement', policy: { backend: 'openai', max_turns: 3, turn_timeout_ms: 1_000, stall_timeout_ms: 0, ...policy } }) as Pick<ResolvedStage, 'name' | 'policy'>;
const config = (openai: Record<string, unknown> = {}) => ({ openai: OpenAIAgentSchema.parse(openai) });

describe('resolveOpenAISettings', () => {
  const cases: {
    name: string;
    openai?: Record<string, unknown>;
    env: Record<string, string>;
    policy?: Partial<ResolvedStage['policy']>;
    expect: Partial<ReturnType<typeof resolveOpenAISettings>>;
  }[] = [
    {
      name: 'defaults: $OPENAI_API_KEY, the OpenAI API, openai.model',
      env: { OPENAI_API_KEY: 'sk-a' },
      expect: { apiKey: 'sk-a', baseURL: DEFAULT_OPENAI_BASE_URL, model: 'gpt-5.5', secretEnvNames: ['OPENAI_API_KEY'] },
    },
    {
      name: '$OPENAI_BASE_URL when base_url is not set',
      env: { OPENAI_API_KEY: 'sk-a', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
      expect: { baseURL: 'http://127.0.0.1:9/v1' },
    },
    {
      name: 'a literal base_url wins over $OPENAI_BASE_URL',
      openai: { base_url: 'http://proxy.local/v1' },
      env: { OPENAI_API_KEY: 'sk-a', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
      expect: { baseURL: 'http://proxy.local/v1' },
    },
    {
      name: 'base_url: $NAME reads NAME',
      openai: { base_url: '$MODEL_URL' },
      env: { OPENAI_API_KEY: 'sk-a', MODEL_URL: 'http://127.0.0.1:7/v1' },
      expect: { baseURL: 'http://127.0.0.1:7/v1' },
    },
    {
      name: 'api_key: $NAME reads NAME; both names are kept from shell commands',
      openai: { api_key: '$TEAM_KEY' },
      env: { TEAM_KEY: 'sk-team', OPENAI_API_KEY: 'sk-other' },
      expect: { apiKey: 'sk-team', secretEnvNames: ['TEAM_KEY', 'OPENAI_API_KEY'] },
    },
    {
      name: 'api_key: $NAME unset falls back to OPENAI_API_KEY',
      openai: { api_key: '$TEAM_KEY' },
      env: { OPENAI_API_KEY: 'sk-fallback' },
      expect: { apiKey: 'sk-fallback' },
    },
    {
      name: 'a literal api_key names no variable',
      openai: { api_key: 'sk-literal' },
      env: {},
      expect: { apiKey: 'sk-literal', secretEnvNames: [] },
    },
    {
      name: 'the stage model and turn timeout; the reasoning effort',
      openai: { model: 'gpt-base', reasoning_effort: 'high' },
      env: { OPENAI_API_KEY: 'sk-a' },
      policy: { model: 'gpt-stage', turn_timeout_ms: 4_321 },
      expect: { model: 'gpt-stage', reasoningEffort: 'high', turnTimeoutMs: 4_321 },
    },
  ];
  it.each(cases)('$name', ({ openai, env, policy, expect: want }) => {
    expect(resolveOpenAISettings(config(openai), stage(policy), env)).toMatchObject(want);
  });

  const failures: { name: string; openai?: Record<string, unknown>; env: Record<string, string>; message: RegExp }[] = [
    { name: 'no key at all', env: {}, message: /OPENAI_API_KEY is unset or empty.*Set OPENAI_API_KEY/ },
    { name: 'an empty key', env: { OPENAI_API_KEY: '' }, message: /Set OPENAI_API_KEY/ },
    { name: 'a named key that is unset, with no fallback', openai: { api_key: '$TEAM_KEY' }, env: {}, message: /TEAM_KEY \(named by openai.api_key\) and OPENAI_API_KEY/ },
    { name: 'an invalid reference', openai: { api_key: '$not a name' }, env: { OPENAI_API_KEY: 'sk-a' }, message: /not a valid `\$NAME` reference/ },
    { name: 'a base_url variable that is unset', openai: { base_url: '$MODEL_URL' }, env: { OPENAI_API_KEY: 'sk-a' }, message: /openai.base_url is \$MODEL_URL, but MODEL_URL is unset/ },
  ];
  it.each(failures)('refuses $name with invalid_config', ({ openai, env, message }) => {
    let error: unknown;
    try {
      resolveOpenAISettings(config(openai), stage(), env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BatonError);
    expect((error as BatonError).category).toBe(ErrorCategory.invalidConfig);
    expect((error as BatonError).message).toMatch(message);
    expect((error as BatonError).message).not.toContain('sk-a');
  });
});
