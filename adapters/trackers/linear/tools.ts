/**
 * Agent tools of the Linear adapter, executed host-side with Baton's key (the agent never sees it):
 * `linear_graphql` (raw GraphQL: reads free, mutations limited to the configured project),
 * `linear_get_issue` and `linear_comment` (typed shortcuts for the current issue).
 */
import { z } from 'zod';
import { BatonError } from '../../../core/errors.js';
import type { Issue } from '../../../core/issue.js';
import type { AgentToolResult, AgentToolSpec } from '../types.js';
import type { LinearApi } from './client.js';
import { COMMENT_CREATE_MUTATION, TOOL_ISSUE_QUERY } from './queries.js';
import { ALLOWED_MUTATIONS, outOfScope, planGraphqlScope, scopeCheckQuery } from './scope.js';

const GraphqlArgs = z
  .object({
    query: z.string().trim().min(1, '`query` must be a non-empty GraphQL document'),
    variables: z.record(z.string(), z.unknown()).nullable().optional().describe('Variables object'),
  })
  .strict();
const GetIssueArgs = z
  .object({ identifier: z.string().trim().min(1).optional().describe('Issue key such as ENG-123; default: the current issue') })
  .strict();
const CommentArgs = z.object({ body: z.string().trim().min(1, '`body` must be non-empty Markdown') }).strict();

const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema) as Record<string, unknown>;

export const LINEAR_TOOL_SPECS: AgentToolSpec[] = [
  {
    name: 'linear_graphql',
    description:
      'Run one GraphQL query or mutation against Linear with Baton’s credentials. Queries are unrestricted; ' +
      `mutations may only be ${ALLOWED_MUTATIONS.join(', ')} on issues of this project.`,
    inputSchema: schemaOf(GraphqlArgs),
  },
  {
    name: 'linear_get_issue',
    description: 'Read an issue of this project (default: the current one) with its labels, blockers and recent comments.',
    inputSchema: schemaOf(GetIssueArgs),
  },
  {
    name: 'linear_comment',
    description: 'Add a Markdown comment to the current issue.',
    inputSchema: schemaOf(CommentArgs),
  },
];

function ok(value: unknown): AgentToolResult {
  return { success: true, output: JSON.stringify(value, null, 2) };
}

function failure(message: string, extra: Record<string, unknown> = {}): AgentToolResult {
  return { success: false, output: JSON.stringify({ error: { message, ...extra } }, null, 2) };
}

function argsError(tool: string, error: z.ZodError): AgentToolResult {
  return failure(`${tool}: invalid arguments: ${z.prettifyError(error)}`);
}

export interface LinearToolContext {
  api: LinearApi;
  projectSlug: string;
}

async function runGraphql(ctx: LinearToolContext, args: unknown): Promise<AgentToolResult> {
  // Symphony accepts a bare string as the query; so does Baton.
  const parsed = GraphqlArgs.safeParse(typeof args === 'string' ? { query: args } : args);
  if (!parsed.success) return argsError('linear_graphql', parsed.error);
  const variables = parsed.data.variables ?? {};
  const plan = planGraphqlScope(parsed.data.query, variables);
  if (!plan.ok) return failure(`linear_graphql: ${plan.message}`);
  if (plan.kind === 'mutation') {
    const check = scopeCheckQuery(plan.issues, plan.comments);
    const answer = await ctx.api.requestForTool(check.query, check.variables);
    const outside = outOfScope(answer.data, plan.issues, plan.comments, ctx.projectSlug);
    if (outside.length) {
      return failure(`linear_graphql: refused: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in project ${ctx.projectSlug} (or not found)`);
    }
  }
  const result = await ctx.api.requestForTool(parsed.data.query, variables);
  return result.errors?.length ? { success: false, output: JSON.stringify(result, null, 2) } : ok(result);
}

async function getIssue(ctx: LinearToolContext, args: unknown, issue: Issue): Promise<AgentToolResult> {
  const parsed = GetIssueArgs.safeParse(args ?? {});
  if (!parsed.success) return argsError('linear_get_issue', parsed.error);
  const id = parsed.data.identifier ?? issue.id;
  const result = await ctx.api.requestForTool(TOOL_ISSUE_QUERY, { id });
  if (result.errors?.length) return failure(`linear_get_issue: no issue ${id} readable with Baton’s key`, { errors: result.errors });
  const found = (result.data as { issue?: { project?: { slugId?: string } | null } } | null)?.issue;
  if (!found || found.project?.slugId !== ctx.projectSlug) return failure(`linear_get_issue: issue ${id} is not in project ${ctx.projectSlug}`);
  return ok(found);
}

async function comment(ctx: LinearToolContext, args: unknown, issue: Issue): Promise<AgentToolResult> {
  const parsed = CommentArgs.safeParse(args);
  if (!parsed.success) return argsError('linear_comment', parsed.error);
  const result = await ctx.api.requestForTool(COMMENT_CREATE_MUTATION, { input: { issueId: issue.id, body: parsed.data.body } });
  return result.errors?.length ? { success: false, output: JSON.stringify(result, null, 2) } : ok(result.data);
}

/** Runs one tool call; unknown tools, bad arguments and refused scopes answer `success: false`. */
export async function executeLinearTool(ctx: LinearToolContext, name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
  try {
    switch (name) {
      case 'linear_graphql':
        return await runGraphql(ctx, args);
      case 'linear_get_issue':
        return await getIssue(ctx, args, issue);
      case 'linear_comment':
        return await comment(ctx, args, issue);
      default:
        return failure(`Unsupported dynamic tool: ${JSON.stringify(name)}.`, { supportedTools: LINEAR_TOOL_SPECS.map((t) => t.name) });
    }
  } catch (error) {
    return failure(error instanceof BatonError ? error.toString() : String(error));
  }
}
