/**
 * The normalized Issue every tracker adapter produces (Symphony SPEC §4.1.1, §11.3) and the helpers
 * that normalize and compare its fields. Sandbox-safe and zod-free (the schema is in
 * core/issue-schema.ts; only its type is imported here), so workflows may use all of it.
 */
import type { Issue } from './issue-schema.js';

export type { BlockerRef, Issue } from './issue-schema.js';

/** What names an issue to its tracker for a write (linking a pull request): the workflow holds its head, not the whole issue. */
export type IssueKey = Pick<Issue, 'id' | 'identifier' | 'native_ref'>;

/** Trim + lowercase: how the scheduler compares states and labels. */
export function normalizeState(value: string): string {
  return value.trim().toLowerCase();
}

/** Lower-case, trimmed, blank-free, de-duplicated label list (SPEC §11.3). */
export function normalizeLabels(labels: readonly unknown[]): string[] {
  const seen = new Set<string>();
  for (const label of labels) {
    if (typeof label !== 'string') continue;
    const norm = label.trim().toLowerCase();
    if (norm) seen.add(norm);
  }
  return [...seen];
}

/** Integer or null; anything else is unusable metadata and becomes null. */
export function normalizePriority(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return null;
}

/** RFC 3339 instant as ISO string, or null when absent or unparsable. */
export function normalizeTimestamp(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'string' || !value.trim()) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** A short fingerprint of what the scheduler reacts to; unchanged snapshots are not re-sent. */
export function issueFingerprint(issue: Omit<Issue, 'description'>): string {
  return JSON.stringify([
    issue.state,
    issue.labels,
    issue.dispatchable,
    issue.priority,
    issue.updated_at,
    issue.blocked_by.map((b) => [b.id, b.state]),
  ]);
}
