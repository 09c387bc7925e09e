/**
 * Agent tools of the `gitlab` tracker, executed host-side with the tracker's token (SPEC §11.5):
 *
 * - `gitlab_api`: a raw REST v4 call (the Symphony tool's name and arguments), confined to
 *   `/projects/<the configured project>/…` (its path, URL-encoded, or its numeric id).
 * - `gitlab_get_issue`: an issue of the project, normalized, with its comments.
 * - `gitlab_comment`: a comment (note) on the current issue.
 *
 * Results are pretty JSON; `success` is false for HTTP errors, bad arguments and unknown tools.
 */
import { z } from 'zod';
import type { AgentToolSpec } from '../types.js';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const GitlabApiArgs = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).describe('HTTP method'),
    path: z.string().min(1).describe('Path under /api/v4, inside the configured project, e.g. /projects/group%2Fapp/issues/12/notes'),
    query: z.record(z.string(), z.union([Scalar, z.array(Scalar)])).nullable().optional().describe('Query parameters (arrays are sent as key[]=…)'),
    body: z.unknown().optional().describe('JSON request body'),
  })
  .strict();

export const GetIssueArgs = z.object({ iid: z.number().int().positive().optional().describe('Issue iid in the project; default: the current issue') }).strict();
export const CommentArgs = z.object({ body: z.string().trim().min(1, '`body` must be non-empty Markdown') }).strict();

export const GITLAB_TOOL_NAMES = ['gitlab_api', 'gitlab_get_issue', 'gitlab_comment'] as const;

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

export function gitlabToolSpecs(projectPath: string): AgentToolSpec[] {
  return [
    {
      name: 'gitlab_api',
      description: `Call the GitLab REST API v4 with Baton's credential. Only paths under /projects/${encodeURIComponent(projectPath)}/ (or the project's numeric id) are allowed. Returns {status, body}.`,
      inputSchema: schemaOf(GitlabApiArgs),
    },
    {
      name: 'gitlab_get_issue',
      description: `Read an issue of ${projectPath} (default: the current one), normalized, with its comments (system notes left out).`,
      inputSchema: schemaOf(GetIssueArgs),
    },
    { name: 'gitlab_comment', description: 'Add a comment (Markdown) to the current GitLab issue.', inputSchema: schemaOf(CommentArgs) },
  ];
}

/**
 * Why `path` may not be called, or null when it names the configured project (by encoded path or
 * numeric id). Rejects other projects and API areas, traversal, query strings (use `query`),
 * absolute URLs and control characters.
 */
export function rejectApiPath(path: string, config: { path: string; id: number | null }): string | null {
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'path contains control characters';
  if (path.includes('://') || !path.startsWith('/')) return 'path must start with / (relative to /api/v4; no scheme or host)';
  if (/[?#\\]/.test(path)) return 'path may not contain ?, # or \\ (pass query parameters in `query`)';
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..' || /%2e/i.test(s))) return 'path may not contain empty, . or .. segments';
  if (segments[0] !== 'projects' || segments.length < 2) return 'path must start with /projects/<project>';
  let project: string;
  try {
    project = decodeURIComponent(segments[1]!);
  } catch {
    return 'path has a malformed %-escape';
  }
  const byPath = project.toLowerCase() === config.path.toLowerCase();
  const byId = config.id !== null && project === String(config.id);
  if (!byPath && !byId) return `project ${project} is not the configured project (${config.path}); use /projects/${encodeURIComponent(config.path)}/…`;
  return null;
}

/** `query` as GitLab's query string: scalars as text, arrays as `key[]=a&key[]=b`. */
export function apiQuery(query: z.output<typeof GitlabApiArgs>['query']): URLSearchParams {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (Array.isArray(value)) for (const v of value) search.append(key.endsWith('[]') ? key : `${key}[]`, String(v));
    else search.set(key, String(value));
  }
  return search;
}
