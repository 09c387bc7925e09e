/**
 * The Jira fake's contract, taken from the zod schemas jira.js ships (generated from Atlassian's
 * REST v3 specification): request bodies are checked strictly (unknown keys rejected, as a typo
 * would be lost on the real API), responses loosely as the client does, and the issue fields the
 * spec leaves as `record<string, any>` against their own published sub-schemas.
 */
import { z } from 'zod';
import {
  CommentInputSchema,
  CommentSchema,
  DocumentSchema,
  EntityPropertySchema,
  ErrorCollectionSchema,
  IssueLinkSchema,
  IssueSchema,
  IssueUpdateDetailsSchema,
  LinkIssueRequestJsonSchema,
  PageOfCommentsSchema,
  PrioritySchema,
  ProjectSchema,
  SearchAndReconcileRequestSchema,
  SearchAndReconcileResultsSchema,
  StatusDetailsSchema,
  TransitionsSchema,
  UserDetailsSchema,
} from 'jira.js/cloud';

/** Strict version of a jira.js object schema: what the fake demands of a request body. */
export function strictBody<S extends z.core.$ZodShape>(schema: z.ZodObject<S>) {
  return z.strictObject(schema.shape);
}

const jiraTimestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a Jira timestamp');

/** Per-field schemas for `Issue.fields` (the spec types it as a free-form record). */
const FIELD_SCHEMAS: Record<string, z.ZodType> = {
  summary: z.string(),
  description: DocumentSchema.nullable(),
  status: StatusDetailsSchema,
  labels: z.array(z.string()),
  assignee: UserDetailsSchema.nullable(),
  priority: PrioritySchema.nullable(),
  created: jiraTimestamp,
  updated: jiraTimestamp,
  issuelinks: z.array(IssueLinkSchema),
  project: ProjectSchema,
  comment: PageOfCommentsSchema,
};

const IssueWithFieldsSchema = IssueSchema.superRefine((issue, ctx) => {
  for (const [name, value] of Object.entries((issue.fields ?? {}) as Record<string, unknown>)) {
    const schema = FIELD_SCHEMAS[name];
    if (!schema) {
      ctx.addIssue({ code: 'custom', path: ['fields', name], message: 'the fake renders a field it has no schema for' });
      continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['fields', name, ...issue.path] } as never);
  }
});

export const ResponseSchemas = {
  search: SearchAndReconcileResultsSchema.extend({ issues: z.array(IssueWithFieldsSchema).optional() }),
  issue: IssueWithFieldsSchema,
  transitions: TransitionsSchema,
  comment: CommentSchema,
  comments: PageOfCommentsSchema,
  property: EntityPropertySchema,
  error: ErrorCollectionSchema,
} as const;

export const RequestSchemas = {
  search: strictBody(SearchAndReconcileRequestSchema),
  editIssue: strictBody(IssueUpdateDetailsSchema),
  transition: strictBody(IssueUpdateDetailsSchema).extend({ transition: z.looseObject({ id: z.string() }) }),
  comment: strictBody(CommentInputSchema).extend({ body: DocumentSchema }),
  link: strictBody(LinkIssueRequestJsonSchema),
} as const;
