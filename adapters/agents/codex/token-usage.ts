/**
 * Token and rate-limit telemetry from app-server messages (SPEC §13.5). Only absolute thread
 * totals are taken — `thread/tokenUsage/updated` `tokenUsage.total` and the older
 * `total_token_usage` wrappers — never the per-response `last` delta, so a consumer can feed every
 * value to a TokenAccountant without double counting. Pure functions.
 */
import type { TokenUsage } from '../../../core/agent-events.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Where absolute totals live, first match wins (Symphony's order, then the current protocol's). */
const TOTAL_PATHS: readonly (readonly string[])[] = [
  ['msg', 'payload', 'info', 'total_token_usage'],
  ['msg', 'info', 'total_token_usage'],
  ['info', 'total_token_usage'],
  ['tokenUsage', 'total'],
  ['total_token_usage'],
];

const INPUT_KEYS = ['input_tokens', 'prompt_tokens', 'inputTokens', 'promptTokens'];
const OUTPUT_KEYS = ['output_tokens', 'completion_tokens', 'outputTokens', 'completionTokens'];
const TOTAL_KEYS = ['total_tokens', 'total', 'totalTokens'];

function firstNumber(map: Json, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = map[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** Input/output/total counts read leniently from one usage map; undefined when it has none. */
export function usageFromMap(map: unknown): TokenUsage | undefined {
  if (!isObject(map)) return undefined;
  const input = firstNumber(map, INPUT_KEYS);
  const output = firstNumber(map, OUTPUT_KEYS);
  let total = firstNumber(map, TOTAL_KEYS);
  if (input === undefined && output === undefined && total === undefined) return undefined;
  total ??= (input ?? 0) + (output ?? 0);
  return { input_tokens: input ?? 0, output_tokens: output ?? 0, total_tokens: total };
}

/**
 * Absolute thread totals carried by a notification's params, or undefined. `turn/completed` may
 * carry a `usage` map in older protocols; it counts only when no wrapper above was found.
 */
export function absoluteUsage(method: string, params: unknown): TokenUsage | undefined {
  for (const path of TOTAL_PATHS) {
    const found = usageFromMap(at(params, path));
    if (found) return found;
  }
  if (method === 'turn/completed') return usageFromMap(at(params, ['usage'])) ?? usageFromMap(at(params, ['turn', 'usage']));
  return undefined;
}

/**
 * The rate-limit snapshot in a message: `account/rateLimits/updated` `rateLimits`, or the first map
 * found (depth-first) that names a limit and has a primary/secondary/credits entry.
 */
export function rateLimits(method: string, params: unknown): Record<string, unknown> | undefined {
  if (method === 'account/rateLimits/updated') {
    const snapshot = at(params, ['rateLimits']);
    return isObject(snapshot) ? snapshot : undefined;
  }
  return findRateLimitMap(params, 0);
}

function findRateLimitMap(value: unknown, depth: number): Json | undefined {
  if (depth > 6 || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findRateLimitMap(item, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const map = value as Json;
  const named = ['limit_id', 'limit_name', 'limitId', 'limitName'].some((k) => k in map);
  const windows = ['primary', 'secondary', 'credits'].some((k) => k in map);
  if (named && windows) return map;
  for (const child of Object.values(map)) {
    const found = findRateLimitMap(child, depth + 1);
    if (found) return found;
  }
  return undefined;
}
