/**
 * Jira issue (REST v3 search result) → normalized Issue (SPEC §4.1.1, §11.3). Pure, table-tested.
 * Required: `id`, `key`, `fields.summary`, `fields.status.name`; everything else falls back to null
 * or an empty list when unusable.
 */
import { z } from 'zod';
import { normalizeLabels, normalizeState, normalizeTimestamp, type BlockerRef, type Issue } from '../../../core/issue.js';
import { adfToText } from './adf.js';

/** The fields every read asks for (the enhanced search returns only `id` by default). */
export const ISSUE_FIELDS = ['summary', 'description', 'status', 'labels', 'assignee', 'priority', 'created', 'updated', 'issuelinks', 'project'];

const nonBlank = z.string().trim().min(1);
const loose = <T extends z.ZodType>(schema: T) => schema.nullable().optional().catch(null);
const StatusSchema = z.object({ name: z.string(), statusCategory: loose(z.object({ key: z.string() })) });

const JiraIssueSchema = z.object({
  id: nonBlank,
  key: nonBlank,
  fields: z.object({
    summary: nonBlank,
    status: z.object({ name: nonBlank, statusCategory: loose(z.object({ key: z.string() })) }),
    description: z.unknown().optional(),
    labels: loose(z.array(z.unknown())),
    assignee: loose(z.object({ accountId: z.string() })),
    priority: loose(z.object({ id: z.string().optional(), name: z.string().optional() })),
    created: z.unknown().optional(),
    updated: z.unknown().optional(),
    issuelinks: loose(z.array(z.unknown())),
    project: loose(z.object({ key: z.string() })),
  }),
});

const LinkSchema = z.object({
  type: z.object({ name: z.string() }),
  inwardIssue: z.object({ id: z.string().optional(), key: z.string().optional(), fields: loose(z.object({ status: loose(StatusSchema) })) }),
});

export interface JiraNormalizeContext {
  baseUrl: string;
  /** Normalized configured terminal states. */
  terminalStates: ReadonlySet<string>;
}

export type NormalizeResult = { ok: true; issue: Issue } | { ok: false; reason: string; id: string | null };

/** Jira's default priority scheme numbers 1 (Highest) .. 5 (Lowest); other schemes have no rank. */
function jiraPriority(priority: { id?: string } | null | undefined): number | null {
  const id = priority?.id;
  return id && /^[1-5]$/.test(id) ? Number(id) : null;
}

/**
 * Jira's dispatch rule: an issue that has not started (status category `new`, or a state named
 * "To Do"/"Todo" when no category is given) waits while any inward "Blocks" link points at an
 * issue that is not resolved (category `done` or a configured terminal state).
 */
export function jiraDispatchable(
  input: { state: string; category: string | null; blockers: Array<{ state: string | null; category: string | null }> },
  terminalStates: ReadonlySet<string>,
): boolean {
  const gated = input.category ? input.category === 'new' : ['todo', 'to do'].includes(normalizeState(input.state));
  if (!gated) return true;
  return input.blockers.every((b) => b.category === 'done' || (b.state !== null && terminalStates.has(normalizeState(b.state))));
}

/** Normalizes one issue; a malformed one yields the reason instead of throwing. */
export function normalizeJiraIssue(raw: unknown, ctx: JiraNormalizeContext): NormalizeResult {
  const parsed = JiraIssueSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : null;
    const reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(issue)'}: ${i.message}`).join('; ');
    return { ok: false, reason, id };
  }
  const { id, key, fields } = parsed.data;
  const blockers: Array<BlockerRef & { category: string | null }> = [];
  for (const entry of fields.issuelinks ?? []) {
    const link = LinkSchema.safeParse(entry);
    // Only inward "Blocks" links say "this issue is blocked by"; others are not blockers.
    if (!link.success || link.data.type.name.trim().toLowerCase() !== 'blocks') continue;
    const other = link.data.inwardIssue;
    blockers.push({
      id: other.id ?? null,
      identifier: other.key ?? null,
      state: other.fields?.status?.name || null,
      category: other.fields?.status?.statusCategory?.key ?? null,
    });
  }
  const category = fields.status.statusCategory?.key ?? null;
  const issue: Issue = {
    id,
    identifier: key,
    title: fields.summary,
    description: adfToText(fields.description),
    priority: jiraPriority(fields.priority),
    state: fields.status.name,
    branch_name: null,
    url: `${ctx.baseUrl}/browse/${encodeURIComponent(key)}`,
    assignee_id: fields.assignee?.accountId || null,
    labels: normalizeLabels(fields.labels ?? []),
    blocked_by: blockers.map(({ id: bid, identifier, state }) => ({ id: bid, identifier, state })),
    dispatchable: jiraDispatchable({ state: fields.status.name, category, blockers }, ctx.terminalStates),
    created_at: normalizeTimestamp(fields.created),
    updated_at: normalizeTimestamp(fields.updated),
    native_ref: { jira_issue_id: id, key, project_key: fields.project?.key ?? null, status_category: category },
  };
  return { ok: true, issue };
}
