/**
 * Agent tools of the `asana` tracker, executed host-side with the tracker's token (SPEC §11.5):
 *
 * - `asana_api`: a raw REST 1.0 call (Symphony's tool name and arguments), confined to the
 *   configured project: `/projects/<gid>/…`, and `/tasks/<gid>/…` of tasks in that project.
 * - `asana_get_task`: a task of the project, normalized, with its comments.
 * - `asana_comment`: a comment (story) on the current task.
 */
import { z } from 'zod';
import type { AgentToolSpec } from '../types.js';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const AsanaApiArgs = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).describe('HTTP method'),
    path: z.string().min(1).describe('Path under /api/1.0, e.g. /tasks/{task_gid}/stories'),
    query: z.record(z.string(), Scalar).nullable().optional().describe('Query parameters, e.g. {"opt_fields": "name,notes"}'),
    body: z.unknown().optional().describe('JSON body; wrapped in {"data": …} unless it already is'),
  })
  .strict();

export const GetTaskArgs = z.object({ gid: z.string().regex(/^\d+$/).optional().describe('Task gid; default: the current task') }).strict();
export const CommentArgs = z.object({ text: z.string().trim().min(1, '`text` must be non-empty') }).strict();

export const ASANA_TOOL_NAMES = ['asana_api', 'asana_get_task', 'asana_comment'] as const;

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

export function asanaToolSpecs(projectGid: string): AgentToolSpec[] {
  return [
    {
      name: 'asana_api',
      description: `Call the Asana REST API with Baton's credential, limited to project ${projectGid}: /projects/${projectGid}/… and /tasks/{gid}/… of its tasks. Returns {status, body}.`,
      inputSchema: schemaOf(AsanaApiArgs),
    },
    { name: 'asana_get_task', description: 'Read a task of the project (default: the current one), normalized, with its comments.', inputSchema: schemaOf(GetTaskArgs) },
    { name: 'asana_comment', description: 'Add a comment to the current Asana task.', inputSchema: schemaOf(CommentArgs) },
  ];
}

/** What an `asana_api` path names: the project itself, a task (to be checked), or a refusal. */
export function classifyApiPath(path: string, projectGid: string): { kind: 'project' } | { kind: 'task'; gid: string } | { kind: 'refused'; reason: string } {
  if (/[\u0000-\u001f\u007f?#\\%]/.test(path) || path.includes('://') || !path.startsWith('/')) {
    return { kind: 'refused', reason: 'path must be a plain path starting with / (no scheme, host, query, % or control characters; pass query parameters in `query`)' };
  }
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return { kind: 'refused', reason: 'path may not contain empty, . or .. segments' };
  if (segments[0] === 'projects' && segments[1] === projectGid) return { kind: 'project' };
  if (segments[0] === 'tasks' && segments[1] && /^\d+$/.test(segments[1])) return { kind: 'task', gid: segments[1] };
  return { kind: 'refused', reason: `only /projects/${projectGid}/… and /tasks/{gid}/… of its tasks are allowed` };
}
