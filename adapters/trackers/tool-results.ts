/**
 * How a tracker's agent tools answer (SPEC §11.5): `{ success, output }` with pretty JSON, failures
 * as `{"error": {"message": …}}`, bad arguments as the zod issues. Shared by the GitLab and Asana
 * tools (GitHub keeps its own copy of the same shapes in github/tools.ts).
 */
import type { z } from 'zod';
import type { AgentToolResult } from './types.js';

export function toolResult(success: boolean, payload: unknown): AgentToolResult {
  return { success, output: JSON.stringify(payload, null, 2) };
}

export function toolError(message: string, extra: Record<string, unknown> = {}): AgentToolResult {
  return toolResult(false, { error: { message, ...extra } });
}

export function unsupportedTool(name: string, supported: readonly string[]): AgentToolResult {
  return toolError(`Unsupported dynamic tool: ${JSON.stringify(name)}.`, { supportedTools: [...supported] });
}

/** Parse tool arguments; a bad call answers with the zod issues instead of throwing. */
export function parseArgs<T>(schema: z.ZodType<T>, args: unknown, tool: string): { ok: true; value: T } | { ok: false; result: AgentToolResult } {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
  return { ok: false, result: toolError(`${tool}: invalid arguments: ${issues}`) };
}

/** A BatonError from a tool's request, as the agent sees it. */
export function toolFailure(err: { message: string; category: string; retryAfterMs?: number }): AgentToolResult {
  return toolError(err.message, { category: err.category, ...(err.retryAfterMs ? { retry_after_ms: err.retryAfterMs } : {}) });
}
