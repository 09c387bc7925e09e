/**
 * GitLab issue (REST v4) → the normalized Issue (SPEC §4.1.1, §11.3). Pure.
 *
 * - `id` is the project-scoped `iid` as text and `identifier` is `GL-<iid>`, as in Symphony's
 *   GitLab adapter (a prompt's `/projects/<path>/issues/{{ issue.id }}` keeps working).
 * - `priority` comes from a label: `priority::1`..`priority::4`, `P1`..`P4`, or
 *   `priority::urgent|high|medium|low` → 1..4; the most urgent wins; otherwise null.
 * - `blocked_by`/`dispatchable` come from "is blocked by" links when the adapter reads them.
 */
import { z } from 'zod';
import { normalizeLabels, normalizeTimestamp, type BlockerRef, type Issue } from '../../../core/issue.js';
import { IssueSchema } from '../../../core/issue-schema.js';
import { priorityFromLabels } from '../label-priority.js';

const loose = <T extends z.ZodType>(schema: T) => schema.nullable().optional().catch(null);

/** The fields Baton reads; the rest of GitLab's issue object is ignored. */
export const GitlabIssueSchema = z.object({
  id: z.number().int(),
  iid: z.number().int().positive(),
  project_id: z.number().int(),
  title: z.string().trim().min(1),
  description: loose(z.string()),
  state: z.enum(['opened', 'closed']),
  labels: z.array(z.string()).catch([]),
  assignees: loose(z.array(z.object({ id: z.number(), username: z.string().optional() }))),
  web_url: loose(z.string()),
  created_at: z.unknown().optional(),
  updated_at: z.unknown().optional(),
  issue_type: loose(z.string()),
  references: loose(z.object({ full: z.string().optional() })),
});
export type GitlabIssue = z.output<typeof GitlabIssueSchema>;

/** One `GET …/issues/:iid/links` entry (GitLab returns the linked issue with its `link_type`). */
export const GitlabLinkSchema = z.object({
  iid: z.number().int(),
  project_id: z.number().int(),
  state: z.string(),
  link_type: z.string(),
  references: loose(z.object({ full: z.string().optional() })),
});
export type GitlabLink = z.output<typeof GitlabLinkSchema>;

export type Normalized = { ok: true; issue: Issue; raw: GitlabIssue } | { ok: false; id: string | null; reason: string };

/** Blockers from an issue's links: other issues that block this one ("is_blocked_by"). */
export function blockersFromLinks(links: readonly GitlabLink[], projectId: number): BlockerRef[] {
  return links
    .filter((l) => l.link_type === 'is_blocked_by')
    .map((l) => ({
      id: l.project_id === projectId ? String(l.iid) : null,
      identifier: l.project_id === projectId ? `GL-${l.iid}` : (l.references?.full ?? null),
      state: l.state,
    }));
}

/**
 * Normalize one record with its Baton `state` (derived by the caller from the labels). A record
 * without a usable iid, title or open/closed state is malformed (SPEC §11.1).
 */
export function normalizeGitlabIssue(raw: unknown, stateOf: (issue: GitlabIssue) => string, ctx: { projectPath: string; blockers?: BlockerRef[] }): Normalized {
  const parsed = GitlabIssueSchema.safeParse(raw);
  if (!parsed.success) {
    const iid = (raw as { iid?: unknown } | null)?.iid;
    return { ok: false, id: typeof iid === 'number' ? String(iid) : null, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(issue)'}: ${i.message}`).join('; ') };
  }
  const g = parsed.data;
  const blockers = ctx.blockers ?? [];
  const assignee = g.assignees?.[0];
  const issue: Issue = {
    id: String(g.iid),
    identifier: `GL-${g.iid}`,
    title: g.title.trim(),
    description: g.description?.trim() ? g.description : null,
    priority: priorityFromLabels(g.labels),
    state: stateOf(g),
    branch_name: null,
    url: g.web_url ?? null,
    assignee_id: assignee ? String(assignee.id) : null,
    labels: normalizeLabels(g.labels),
    blocked_by: blockers,
    // An issue waits while another issue blocks it and is still open.
    dispatchable: blockers.every((b) => b.state !== 'opened'),
    created_at: normalizeTimestamp(g.created_at),
    updated_at: normalizeTimestamp(g.updated_at),
    native_ref: {
      project_path: ctx.projectPath,
      project_id: g.project_id,
      issue_id: g.id,
      iid: g.iid,
      reference: g.references?.full ?? null,
      issue_type: g.issue_type ?? null,
    },
  };
  const checked = IssueSchema.safeParse(issue);
  return checked.success ? { ok: true, issue: checked.data, raw: g } : { ok: false, id: issue.id, reason: checked.error.issues[0]?.message ?? 'invalid' };
}
