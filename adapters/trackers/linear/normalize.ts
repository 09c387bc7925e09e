/**
 * Linear issue node (the `BatonIssue` fragment) → normalized Issue (SPEC §4.1.1, §11.3).
 * Pure: no I/O, table-tested. Required fields that cannot be produced make the record malformed;
 * unusable optional fields become null (or are dropped from lists) without hiding the rest.
 */
import { z } from 'zod';
import {
  normalizeLabels,
  normalizePriority,
  normalizeState,
  normalizeTimestamp,
  type BlockerRef,
  type Issue,
} from '../../../core/issue.js';

const nonBlank = z.string().trim().min(1);
/** An optional field: anything unusable reads as null. */
const optionalString = z.string().nullable().optional().catch(null);
const optionalRef = <T extends z.ZodType>(schema: T) => schema.nullable().optional().catch(null);

const RelationSchema = z.object({
  type: z.string(),
  issue: z
    .object({ id: optionalString, identifier: optionalString, state: optionalRef(z.object({ name: optionalString, type: optionalString })) })
    .nullable(),
});

/** The required part is strict; everything else tolerates missing or wrong values. */
const LinearIssueNodeSchema = z.object({
  id: nonBlank,
  identifier: nonBlank,
  title: nonBlank,
  state: z.object({ name: nonBlank, type: optionalString }),
  description: optionalString,
  priority: z.unknown().optional(),
  branchName: optionalString,
  url: optionalString,
  createdAt: z.unknown().optional(),
  updatedAt: z.unknown().optional(),
  team: optionalRef(z.object({ id: z.string(), key: optionalString })),
  project: optionalRef(z.object({ id: optionalString, slugId: optionalString })),
  assignee: optionalRef(z.object({ id: z.string() })),
  labels: optionalRef(z.object({ nodes: z.array(z.unknown()) })),
  inverseRelations: optionalRef(z.object({ nodes: z.array(z.unknown()) })),
});
export type LinearIssueNode = z.infer<typeof LinearIssueNodeSchema>;

/** Linear's state types that end an issue, whatever the team named the state. */
const RESOLVED_STATE_TYPES = new Set(['completed', 'canceled', 'duplicate']);
/** Linear's "not started" state type; a Todo issue waits for its blockers. */
const GATED_STATE_TYPES = new Set(['unstarted']);

export interface LinearNormalizeContext {
  /** Normalized configured terminal states. */
  terminalStates: ReadonlySet<string>;
  /** Only issues assigned to this user id dispatch; null: no assignee filter. */
  assigneeId: string | null;
}

export type NormalizeResult = { ok: true; issue: Issue } | { ok: false; reason: string; id: string | null };

function blockerIsResolved(blocker: { state: string | null; stateType: string | null }, terminal: ReadonlySet<string>): boolean {
  if (blocker.stateType && RESOLVED_STATE_TYPES.has(blocker.stateType)) return true;
  return blocker.state !== null && terminal.has(normalizeState(blocker.state));
}

/**
 * Linear's dispatch rule: the assignee filter (when configured) must match, and an issue that has
 * not started (Todo) waits while any blocker is unresolved or of unknown state.
 */
export function linearDispatchable(
  input: { state: string; stateType: string | null; assigneeId: string | null; blockers: Array<{ state: string | null; stateType: string | null }> },
  ctx: LinearNormalizeContext,
): boolean {
  if (ctx.assigneeId !== null && input.assigneeId !== ctx.assigneeId) return false;
  const gated = normalizeState(input.state) === 'todo' || (input.stateType !== null && GATED_STATE_TYPES.has(input.stateType));
  if (!gated) return true;
  return input.blockers.every((b) => blockerIsResolved(b, ctx.terminalStates));
}

/** Normalizes one node; a malformed node yields the reason instead of throwing. */
export function normalizeLinearIssue(node: unknown, ctx: LinearNormalizeContext): NormalizeResult {
  const parsed = LinearIssueNodeSchema.safeParse(node);
  if (!parsed.success) {
    const id = typeof (node as { id?: unknown } | null)?.id === 'string' ? (node as { id: string }).id : null;
    const reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(node)'}: ${i.message}`).join('; ');
    return { ok: false, reason, id };
  }
  const n = parsed.data;
  const labelNames = (n.labels?.nodes ?? []).map((label) => (label as { name?: unknown } | null)?.name);
  const blockers: Array<BlockerRef & { stateType: string | null }> = [];
  for (const raw of n.inverseRelations?.nodes ?? []) {
    const relation = RelationSchema.safeParse(raw);
    // A relation Baton cannot read is best-effort metadata: dropped, never invented.
    if (!relation.success || relation.data.type.trim().toLowerCase() !== 'blocks' || !relation.data.issue) continue;
    const blocker = relation.data.issue;
    blockers.push({
      id: blocker.id || null,
      identifier: blocker.identifier || null,
      state: blocker.state?.name || null,
      stateType: blocker.state?.type || null,
    });
  }
  const priority = normalizePriority(n.priority);
  const assigneeId = n.assignee?.id || null;
  const stateType = n.state.type || null;
  const issue: Issue = {
    id: n.id,
    identifier: n.identifier,
    title: n.title,
    description: n.description ?? null,
    // Linear's 0 means "No priority": the scheduler's null, not a rank.
    priority: priority === 0 ? null : priority,
    state: n.state.name,
    branch_name: n.branchName || null,
    url: n.url || null,
    assignee_id: assigneeId,
    labels: normalizeLabels(labelNames),
    blocked_by: blockers.map(({ id, identifier, state }) => ({ id, identifier, state })),
    dispatchable: linearDispatchable({ state: n.state.name, stateType, assigneeId, blockers }, ctx),
    created_at: normalizeTimestamp(n.createdAt),
    updated_at: normalizeTimestamp(n.updatedAt),
    native_ref: {
      linear_issue_id: n.id,
      team_id: n.team?.id ?? null,
      team_key: n.team?.key ?? null,
      project_slug: n.project?.slugId ?? null,
      state_type: stateType,
    },
  };
  return { ok: true, issue };
}
