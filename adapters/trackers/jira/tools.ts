/**
 * Agent tools of the Jira adapter, executed host-side with Baton's credentials: `jira_api` (raw
 * REST v3, restricted to the configured project's issues), `jira_get_issue` and `jira_comment`.
 */
import { z } from 'zod';
import { BatonError } from '../../../core/errors.js';
import type { Issue } from '../../../core/issue.js';
import type { AgentToolResult, AgentToolSpec } from '../types.js';
import { adfToText, textToAdf } from './adf.js';
import type { JiraApi } from './client.js';
import { confineJql } from './jql.js';
import { ISSUE_FIELDS, normalizeJiraIssue, type JiraNormalizeContext } from './normalize.js';

const QueryValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);
const ApiArgs = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
    path: z.string().regex(/^\/rest\/api\/3\//, '`path` must start with /rest/api/3/'),
    query: z.record(z.string(), QueryValue).optional().describe('Query parameters'),
    body: z.unknown().optional().describe('JSON body (ADF for rich text)'),
  })
  .strict();
const GetIssueArgs = z.object({ key: z.string().trim().min(1).optional().describe('Issue key such as ENG-12; default: the current issue') }).strict();
const CommentArgs = z.object({ body: z.string().trim().min(1, '`body` must be non-empty text') }).strict();

const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

export const JIRA_TOOL_SPECS: AgentToolSpec[] = [
  {
    name: 'jira_api',
    description:
      'Call the Jira Cloud REST API v3 with Baton’s credentials, limited to this project: issue paths (/rest/api/3/issue/{key}[/comment|/transitions|/remotelink|/worklog|/properties/…]) ' +
      'of issues in the project, issue creation in the project, /rest/api/3/issueLink between project issues, and /rest/api/3/search/jql (your JQL is ANDed with the project). Rich text is ADF.',
    inputSchema: schemaOf(ApiArgs),
  },
  {
    name: 'jira_get_issue',
    description: 'Read an issue of this project (default: the current one), normalized, with its comments as plain text.',
    inputSchema: schemaOf(GetIssueArgs),
  },
  {
    name: 'jira_comment',
    description: 'Add a comment to the current issue (Markdown-ish text: paragraphs, # headings, - lists, **bold**, `code`).',
    inputSchema: schemaOf(CommentArgs),
  },
];

export interface JiraToolContext {
  api: JiraApi;
  projectKey: string;
  normalize: JiraNormalizeContext;
}

function ok(value: unknown): AgentToolResult {
  return { success: true, output: JSON.stringify(value, null, 2) };
}

function failure(message: string, extra: Record<string, unknown> = {}): AgentToolResult {
  return { success: false, output: JSON.stringify({ error: { message, ...extra } }, null, 2) };
}

const ISSUE_SUBPATHS = /^(|\/comment(\/\d+)?|\/transitions|\/remotelink(\/\d+)?|\/worklog(\/\d+)?|\/properties(\/[^/]+)?|\/watchers)$/;

async function inProject(ctx: JiraToolContext, idOrKey: string): Promise<boolean> {
  const answer = await ctx.api.raw({ url: `/rest/api/3/issue/${encodeURIComponent(idOrKey)}`, method: 'GET', searchParams: { fields: 'project' } });
  const key = answer.ok ? (answer.body as { fields?: { project?: { key?: string } } } | null)?.fields?.project?.key : undefined;
  return key?.toUpperCase() === ctx.projectKey.toUpperCase();
}

function linkTarget(side: unknown): string | undefined {
  const ref = side as { key?: unknown; id?: unknown } | undefined;
  const value = ref?.key ?? ref?.id;
  return typeof value === 'string' && value ? value : undefined;
}

/** Checks a `jira_api` call against the project scope; returns the request to send or a refusal. */
async function scopeRequest(ctx: JiraToolContext, args: z.output<typeof ApiArgs>): Promise<{ url: string; searchParams?: Record<string, unknown>; body?: unknown } | string> {
  const path = args.path.replace(/\/+$/, '');
  const query: Record<string, unknown> = { ...(args.query ?? {}) };
  if (path === '/rest/api/3/search/jql') {
    if (args.method === 'GET') {
      query.jql = confineJql(ctx.projectKey, typeof query.jql === 'string' ? query.jql : '');
      return { url: path, searchParams: query };
    }
    if (args.method === 'POST') {
      const body = { ...((args.body as Record<string, unknown> | undefined) ?? {}) };
      body.jql = confineJql(ctx.projectKey, typeof body.jql === 'string' ? body.jql : '');
      return { url: path, searchParams: query, body };
    }
    return 'search accepts GET or POST';
  }
  if (path === '/rest/api/3/issue' && args.method === 'POST') {
    const project = (args.body as { fields?: { project?: { key?: unknown } } } | undefined)?.fields?.project?.key;
    if (typeof project !== 'string' || project.toUpperCase() !== ctx.projectKey.toUpperCase()) {
      return `issues may only be created in project ${ctx.projectKey} (set fields.project.key)`;
    }
    return { url: path, searchParams: query, body: args.body };
  }
  if (path === '/rest/api/3/issueLink' && args.method === 'POST') {
    const body = args.body as { inwardIssue?: unknown; outwardIssue?: unknown } | undefined;
    const ends = [linkTarget(body?.inwardIssue), linkTarget(body?.outwardIssue)];
    if (ends.some((end) => end === undefined)) return 'issueLink needs inwardIssue and outwardIssue (key or id)';
    for (const end of ends) if (!(await inProject(ctx, end!))) return `issue ${end} is not in project ${ctx.projectKey} (or not found)`;
    return { url: path, searchParams: query, body: args.body };
  }
  const match = /^\/rest\/api\/3\/issue\/([^/]+)(\/.*)?$/.exec(path);
  if (match && ISSUE_SUBPATHS.test(match[2] ?? '')) {
    if (args.method === 'DELETE' && !match[2]) return 'deleting issues is not allowed';
    const idOrKey = decodeURIComponent(match[1]!);
    if (!(await inProject(ctx, idOrKey))) return `issue ${idOrKey} is not in project ${ctx.projectKey} (or not found)`;
    return { url: path, searchParams: query, body: args.body };
  }
  return `${args.method} ${path} is outside Baton’s scope for agents; use issue paths of project ${ctx.projectKey}, /rest/api/3/issueLink or /rest/api/3/search/jql`;
}

async function callApi(ctx: JiraToolContext, args: unknown): Promise<AgentToolResult> {
  const parsed = ApiArgs.safeParse(args);
  if (!parsed.success) return failure(`jira_api: invalid arguments: ${z.prettifyError(parsed.error)}`);
  const request = await scopeRequest(ctx, parsed.data);
  if (typeof request === 'string') return failure(`jira_api: refused: ${request}`);
  const result = await ctx.api.raw({ method: parsed.data.method, ...request });
  return result.ok ? ok({ status: 'ok', body: result.body }) : { success: false, output: JSON.stringify({ status: result.status, body: result.body }, null, 2) };
}

async function getIssue(ctx: JiraToolContext, args: unknown, issue: Issue): Promise<AgentToolResult> {
  const parsed = GetIssueArgs.safeParse(args ?? {});
  if (!parsed.success) return failure(`jira_get_issue: invalid arguments: ${z.prettifyError(parsed.error)}`);
  const ref = parsed.data.key ?? issue.id;
  const answer = await ctx.api.raw({ url: `/rest/api/3/issue/${encodeURIComponent(ref)}`, method: 'GET', searchParams: { fields: [...ISSUE_FIELDS, 'comment'] } });
  if (!answer.ok) return failure(`jira_get_issue: Jira answered HTTP ${answer.status} for ${ref}`, { body: answer.body });
  const raw = answer.body as { fields?: { project?: { key?: string }; comment?: { comments?: unknown[] } } };
  if (raw.fields?.project?.key?.toUpperCase() !== ctx.projectKey.toUpperCase()) return failure(`jira_get_issue: issue ${ref} is not in project ${ctx.projectKey}`);
  const normalized = normalizeJiraIssue(raw, ctx.normalize);
  const comments = (raw.fields?.comment?.comments ?? []).map((c) => {
    const comment = c as { id?: string; author?: { displayName?: string }; created?: string; body?: unknown };
    return { id: comment.id, author: comment.author?.displayName ?? null, created: comment.created ?? null, text: adfToText(comment.body) };
  });
  return ok({ issue: normalized.ok ? normalized.issue : raw, comments });
}

async function comment(ctx: JiraToolContext, args: unknown, issue: Issue): Promise<AgentToolResult> {
  const parsed = CommentArgs.safeParse(args);
  if (!parsed.success) return failure(`jira_comment: invalid arguments: ${z.prettifyError(parsed.error)}`);
  const result = await ctx.api.raw({
    url: `/rest/api/3/issue/${encodeURIComponent(issue.id)}/comment`,
    method: 'POST',
    body: { body: textToAdf(parsed.data.body) },
  });
  return result.ok ? ok({ status: 'ok', comment: { id: (result.body as { id?: string } | null)?.id ?? null } }) : { success: false, output: JSON.stringify(result, null, 2) };
}

/** Runs one tool call; unknown tools, bad arguments and refused scopes answer `success: false`. */
export async function executeJiraTool(ctx: JiraToolContext, name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
  try {
    switch (name) {
      case 'jira_api':
        return await callApi(ctx, args);
      case 'jira_get_issue':
        return await getIssue(ctx, args, issue);
      case 'jira_comment':
        return await comment(ctx, args, issue);
      default:
        return failure(`Unsupported dynamic tool: ${JSON.stringify(name)}.`, { supportedTools: JIRA_TOOL_SPECS.map((t) => t.name) });
    }
  } catch (error) {
    return failure(error instanceof BatonError ? error.toString() : String(error));
  }
}
