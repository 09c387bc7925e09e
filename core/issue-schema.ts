/**
 * The normalized Issue as a zod schema (Symphony SPEC §4.1.1, §11.3): the single definition the
 * `Issue` type comes from. Kept apart from core/issue.ts so code Temporal replays can use the type
 * and the helpers without bundling zod into the workflow sandbox.
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

