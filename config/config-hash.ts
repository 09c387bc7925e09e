/**
 * A stable fingerprint of the effective config: equal configs hash equal whatever their key order,
 * so workflows and statuses can tell which config a decision was made under.
 */
import { createHash } from 'node:crypto';
import type { BatonConfig } from './schema.js';

/** JSON with object keys sorted at every level (undefined values dropped, as JSON does). */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * SHA-256 (hex, first 16 characters) of the effective config. Secret values are included, so a
 * rotated credential counts as a change; the digest reveals nothing about them.
 */
export function configHash(config: BatonConfig): string {
  return createHash('sha256').update(stableStringify(config)).digest('hex').slice(0, 16);
}
