/**
 * The normalized Issue every tracker adapter produces (Symphony SPEC §4.1.1, §11.3).
 * Sandbox-safe: no Node imports, so workflows may use these types and helpers.
 */
import { z } from 'zod';

export const BlockerRefSchema = z.object({
  id: z.string().nullable(),
  identifier: z.string().nullable(),
  state: z.string().nullable(),
});
export type BlockerRef = z.infer<typeof BlockerRefSchema>;

export const IssueSchema = z.object({
  /** Opaque dispatch identity within the tracker scope. */
  id: z.string().min(1),
  /** Human key (ABC-123); names workspaces and operator routes. */
  identifier: z.string().min(1),
  title: z.string().min(1),
  description: z.string().nullable(),
  /** Lower is more urgent; 1..4 sort first, anything else with null. */
  priority: z.number().int().nullable(),
  /** Provider spelling; compare with normalizeState. */
  state: z.string().min(1),
  branch_name: z.string().nullable(),
  url: z.string().nullable(),
  assignee_id: z.string().nullable(),
  /** Trimmed, lower-cased, de-duplicated. */
  labels: z.array(z.string()),
  blocked_by: z.array(BlockerRefSchema),
  /** Adapter-derived provider rules (assignment, blockers, board membership). */
  dispatchable: z.boolean(),
  /** RFC 3339 instants or null. */
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  /** Non-secret provider identifiers for tools; never interpreted by the core. */
  native_ref: z.record(z.string(), z.unknown()).nullable(),
});
export type Issue = z.infer<typeof IssueSchema>;

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
export function issueFingerprint(issue: Issue): string {
  return JSON.stringify([
    issue.state,
    issue.labels,
    issue.dispatchable,
    issue.priority,
    issue.updated_at,
    issue.blocked_by.map((b) => [b.id, b.state]),
  ]);
}
