/**
 * Asana task → the normalized Issue (SPEC §4.1.1, §11.3). Pure.
 *
 * - `id` is the task gid and `identifier` `ASANA-<gid>`, as in Symphony's Asana adapter.
 * - `state` is the name of the task's section in the configured project (required: a task that
 *   is not in the project has no state here).
 * - `labels` are the task's tag names; `priority` comes from a tag (`priority::1`, `P2`, …).
 * - `blocked_by` are the task's dependencies ("waiting on"), with state `completed` or
 *   `incomplete`; a task waits while any dependency is incomplete, and a completed task or a
 *   legacy section row is never dispatched.
 */
import { z } from 'zod';
import { normalizeLabels, normalizeTimestamp, type Issue } from '../../../core/issue.js';
import { IssueSchema } from '../../../core/issue-schema.js';
import { priorityFromLabels } from '../label-priority.js';

/** The `opt_fields` every task read asks for (Asana returns only `gid`, `name`, `resource_type` by default). */
export const TASK_FIELDS = [
  'name',
  'notes',
  'completed',
  'resource_subtype',
  'assignee.gid',
  'tags.name',
  'memberships.project.gid',
  'memberships.section.gid',
  'memberships.section.name',
  'dependencies.name',
  'dependencies.completed',
  'permalink_url',
  'created_at',
  'modified_at',
].join(',');

const loose = <T extends z.ZodType>(schema: T) => schema.nullable().optional().catch(null);

export const AsanaTaskSchema = z.object({
  gid: z.string().regex(/^\d+$/),
  name: z.string().trim().min(1),
  notes: loose(z.string()),
  completed: z.boolean().catch(false),
  resource_subtype: loose(z.string()),
  assignee: loose(z.object({ gid: z.string() })),
  tags: z.array(z.object({ gid: z.string().optional(), name: z.string().catch('') })).catch([]),
  memberships: z.array(z.object({ project: loose(z.object({ gid: z.string() })), section: loose(z.object({ gid: z.string(), name: z.string().optional() })) })).catch([]),
  dependencies: z.array(z.object({ gid: z.string(), name: z.string().optional(), completed: z.boolean().optional() })).catch([]),
  permalink_url: loose(z.string()),
  created_at: z.unknown().optional(),
  modified_at: z.unknown().optional(),
});
export type AsanaTask = z.output<typeof AsanaTaskSchema>;

export type Normalized = { ok: true; issue: Issue; task: AsanaTask } | { ok: false; id: string | null; reason: string; outside?: boolean };

/** The task's section in `projectGid`, or null when it is not in that project. */
export function sectionIn(task: Pick<AsanaTask, 'memberships'>, projectGid: string): { gid: string; name: string } | null {
  const m = task.memberships.find((x) => x.project?.gid === projectGid);
  return m?.section?.name ? { gid: m.section.gid, name: m.section.name } : null;
}

export function normalizeAsanaTask(raw: unknown, projectGid: string): Normalized {
  const parsed = AsanaTaskSchema.safeParse(raw);
  const gid = (raw as { gid?: unknown } | null)?.gid;
  if (!parsed.success) {
    return { ok: false, id: typeof gid === 'string' ? gid : null, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(task)'}: ${i.message}`).join('; ') };
  }
  const t = parsed.data;
  const section = sectionIn(t, projectGid);
  if (!section) return { ok: false, id: t.gid, reason: `not in project ${projectGid} (or in no section of it)`, outside: true };
  const tagNames = t.tags.map((x) => x.name).filter(Boolean);
  const blockers = t.dependencies.map((d) => ({ id: d.gid, identifier: `ASANA-${d.gid}`, state: d.completed === undefined ? null : d.completed ? 'completed' : 'incomplete' }));
  const issue: Issue = {
    id: t.gid,
    identifier: `ASANA-${t.gid}`,
    title: t.name.trim(),
    description: t.notes?.trim() ? t.notes : null,
    priority: priorityFromLabels(tagNames),
    state: section.name,
    branch_name: null,
    url: t.permalink_url ?? null,
    assignee_id: t.assignee?.gid ?? null,
    labels: normalizeLabels(tagNames),
    blocked_by: blockers,
    dispatchable: !t.completed && t.resource_subtype !== 'section' && blockers.every((b) => b.state === 'completed'),
    created_at: normalizeTimestamp(t.created_at),
    updated_at: normalizeTimestamp(t.modified_at),
    native_ref: { task_gid: t.gid, project_gid: projectGid, section_gid: section.gid, completed: t.completed, resource_subtype: t.resource_subtype ?? null },
  };
  const checked = IssueSchema.safeParse(issue);
  return checked.success ? { ok: true, issue: checked.data, task: t } : { ok: false, id: t.gid, reason: checked.error.issues[0]?.message ?? 'invalid' };
}
