/**
 * Agent tools of the `github` tracker, executed host-side with the tracker's token (SPEC §11.5):
 *
 * - `github_api`: a raw REST call, confined to `/repos/{owner}/{repo}/…` of the configured repositories.
 * - `github_pr_status`: pull requests linked to the current issue, with review and check state.
 * - `github_comment`: a comment on the current issue.
 *
 * Results are pretty JSON; `success` is false for HTTP errors, bad arguments and unknown tools.
 */
import { z } from 'zod';
import type { AgentToolResult, AgentToolSpec } from '../types.js';
import type { RepoRef } from './settings.js';

export const GithubApiArgs = z
  .object({
    method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']).describe('HTTP method'),
    path: z.string().min(1).describe('Path under /repos/{owner}/{repo} of a configured repository, e.g. /repos/acme/app/pulls/12'),
    params: z.record(z.string(), z.unknown()).nullable().optional().describe('Query parameters'),
    body: z.unknown().optional().describe('JSON request body'),
  })
  .strict();

export const PrStatusArgs = z
  .object({
    branch: z.string().min(1).optional().describe('Head branch to look for besides PRs that close the issue (default: the issue branch, if known)'),
  })
  .strict();

export const CommentArgs = z.object({ body: z.string().min(1).describe('Markdown comment') }).strict();

export const GITHUB_TOOL_NAMES = ['github_api', 'github_pr_status', 'github_comment'] as const;

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

/** The tool specs, with the configured repositories named in `github_api`'s description. */
export function githubToolSpecs(repos: readonly RepoRef[]): AgentToolSpec[] {
  const scope = repos.map((r) => r.full).join(', ');
  return [
    {
      name: 'github_api',
      description: `Call the GitHub REST API with Baton's credential. Only paths under /repos/{owner}/{repo} of ${scope} are allowed. Returns {status, body}.`,
      inputSchema: schemaOf(GithubApiArgs),
    },
    {
      name: 'github_pr_status',
      description: 'Pull requests linked to the current issue (closing it, or from its branch): state, draft, review decision, checks, mergeable.',
      inputSchema: schemaOf(PrStatusArgs),
    },
    {
      name: 'github_comment',
      description: 'Add a comment to the current GitHub issue.',
      inputSchema: schemaOf(CommentArgs),
    },
  ];
}

/**
 * Why `path` may not be called, or null when it is inside a configured repository. Rejects other
 * repositories, other API areas, traversal (`..`, encoded slashes), absolute URLs, query strings
 * (use `params`), URI templates and control characters.
 */
export function rejectApiPath(path: string, repos: readonly RepoRef[]): string | null {
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'path contains control characters';
  if (path.includes('://') || !path.startsWith('/')) return 'path must be a path starting with / (no scheme or host)';
  if (/[?#{}\\]/.test(path)) return 'path may not contain ?, #, {, } or \\ (pass query parameters in `params`)';
  if (/%2f|%5c|%2e/i.test(path)) return 'path may not contain encoded slashes or dots';
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'path may not contain empty, . or .. segments';
  if (segments[0] !== 'repos' || segments.length < 3) return 'path must start with /repos/{owner}/{repo}';
  const full = `${segments[1]}/${segments[2]}`.toLowerCase();
  if (!repos.some((r) => r.full.toLowerCase() === full)) {
    return `repository ${segments[1]}/${segments[2]} is not configured for this tracker (allowed: ${repos.map((r) => r.full).join(', ')})`;
  }
  return null;
}

/**
 * `params` as a query string (`?a=1&b=x,y`): scalars as text, arrays comma-joined (GitHub's list
 * spelling). Nested objects have no query form and are refused.
 */
export function apiQuery(params: Record<string, unknown> | null | undefined): { ok: true; query: string } | { ok: false; reason: string } {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (scalar(value)) search.set(key, String(value));
    else if (Array.isArray(value) && value.every(scalar)) search.set(key, value.map(String).join(','));
    else return { ok: false, reason: `params.${key} must be a string, number, boolean or a list of them` };
  }
  const text = search.toString();
  return { ok: true, query: text ? `?${text}` : '' };
}

export function toolResult(success: boolean, payload: unknown): AgentToolResult {
  return { success, output: JSON.stringify(payload, null, 2) };
}

export function toolError(message: string, extra: Record<string, unknown> = {}): AgentToolResult {
  return toolResult(false, { error: { message, ...extra } });
}

export function unsupportedTool(name: string): AgentToolResult {
  return toolError(`Unsupported dynamic tool: ${JSON.stringify(name)}.`, { supportedTools: [...GITHUB_TOOL_NAMES] });
}

/** Parse tool arguments; a bad call answers with the zod issues instead of throwing. */
export function parseArgs<T>(schema: z.ZodType<T>, args: unknown, tool: string): { ok: true; value: T } | { ok: false; result: AgentToolResult } {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
  return { ok: false, result: toolError(`${tool}: invalid arguments: ${issues}`) };
}
