/**
 * The Jira fake's contract, taken from the REST v3 models jira.js publishes (generated from
 * Atlassian's OpenAPI document; rebuilt as zod by schema-from-types.ts): request bodies are checked
 * strictly (unknown keys rejected, as a typo would be lost on the real API), responses loosely as a
 * client reads them, and the issue fields the models leave as a free-form record against their own
 * published sub-models.
 */
import type { Comment, Document, EnhancedSearchRequest, IssueUpdateDetails, LinkIssueRequestJson, RemoteIssueLinkRequest } from 'jira.js/version3/models';
import { z } from 'zod';
import { jiraModel } from './schema-from-types.js';

/** A model that is a plain object (no index signature), so it can be extended. */
function objectModel(name: string, mode: 'strict' | 'loose' = 'loose'): z.ZodObject {
  const schema = jiraModel(name, mode);
  if (!(schema instanceof z.ZodObject)) throw new Error(`jira.js model ${name} is not a plain object`);
  return schema;
}

const jiraTimestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a Jira timestamp');

/** Per-field schemas for `Issue.fields` (the models type it as a free-form record). */
const FIELD_SCHEMAS: Record<string, z.ZodType> = {
  summary: z.string(),
  description: jiraModel('Document').nullable(),
  status: jiraModel('StatusDetails'),
  labels: z.array(z.string()),
  assignee: jiraModel('UserDetails').nullable(),
  priority: jiraModel('Priority').nullable(),
  created: jiraTimestamp,
  updated: jiraTimestamp,
  issuelinks: z.array(jiraModel('IssueLink')),
  project: jiraModel('Project'),
  comment: jiraModel('PageOfComments'),
};

/** An issue as the fake renders it: the model's envelope (id, key, self…) and every field checked on its own. */
const IssueWithFieldsSchema = objectModel('Issue')
  .extend({ fields: z.record(z.string(), z.unknown()) })
  .superRefine((issue, ctx) => {
    for (const [name, value] of Object.entries(issue.fields as Record<string, unknown>)) {
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
  search: objectModel('SearchAndReconcileResults').extend({ issues: z.array(IssueWithFieldsSchema).optional() }),
  issue: IssueWithFieldsSchema,
  transitions: jiraModel('Transitions'),
  comment: jiraModel('Comment'),
  comments: jiraModel('PageOfComments'),
  property: jiraModel('EntityProperty'),
  remoteLink: jiraModel('RemoteIssueLinkIdentifies'),
  error: jiraModel('ErrorCollection'),
} as const;

/** The runtime schema checks the shape; the published declaration of the same model types it. */
const typed = <T>(schema: z.ZodType): z.ZodType<T> => schema as z.ZodType<T>;

export const RequestSchemas = {
  search: typed<EnhancedSearchRequest>(objectModel('EnhancedSearchRequest', 'strict')),
  editIssue: typed<IssueUpdateDetails>(objectModel('IssueUpdateDetails', 'strict')),
  transition: typed<IssueUpdateDetails & { transition: { id: string } }>(
    objectModel('IssueUpdateDetails', 'strict').extend({ transition: z.looseObject({ id: z.string() }) }),
  ),
  comment: typed<Comment & { body: Document }>(objectModel('Comment', 'strict').extend({ body: jiraModel('Document') })),
  link: typed<LinkIssueRequestJson>(objectModel('LinkIssueRequestJson', 'strict')),
  remoteLink: typed<RemoteIssueLinkRequest>(objectModel('RemoteIssueLinkRequest', 'strict')),
} as const;
