/**
 * The conversation of one `openai` session, kept by Baton and sent whole with every request
 * (`store: false`, no `previous_response_id`): the server keeps nothing, so a retried, restarted
 * or OpenAI-compatible endpoint sees the same history, and the scripted test server, which is
 * stateless, behaves like the real one. Pure helpers: which output items go back into the input,
 * which are tool calls, what a tool answer looks like, how usage adds up, how a failure is named.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ResponseInputItem, ResponseOutputItem, ResponseUsage } from 'openai/resources/responses/responses';
import type { TokenUsage } from '../../../core/agent-events.js';
import { ErrorCategory, oneLine } from '../../../core/errors.js';

/** A tool call the model made. `custom` calls (freeform input) are never offered, only answered. */
export interface ModelToolCall {
  kind: 'function' | 'custom';
  callId: string;
  /** The tool name, `namespace.name` when the model used a namespace. */
  name: string;
  /** Raw arguments: a JSON string for function calls, free text for custom calls. */
  arguments: string;
  /** Set when the model addressed a namespace; Baton offers none, so such calls are unsupported. */
  namespace?: string;
}

/** The user message that opens a turn. */
export function userMessage(text: string): ResponseInputItem {
  return { type: 'message', role: 'user', content: text };
}

/**
 * Output items to append to the history. A reasoning item without `encrypted_content` is a
 * server-side reference, which `store: false` makes unresolvable (the API answers 404), so it is
 * dropped; with `encrypted_content` it goes back as it came.
 */
export function replayableItems(output: readonly ResponseOutputItem[]): ResponseInputItem[] {
  return output.filter((item) => item.type !== 'reasoning' || Boolean(item.encrypted_content)) as ResponseInputItem[];
}

/** The tool calls among the output items, in order. */
export function toolCallsOf(output: readonly ResponseOutputItem[]): ModelToolCall[] {
  const calls: ModelToolCall[] = [];
  for (const item of output) {
    if (item.type === 'function_call') {
      const namespace = item.namespace || undefined;
      calls.push({ kind: 'function', callId: item.call_id, name: namespace ? `${namespace}.${item.name}` : item.name, arguments: item.arguments ?? '', ...(namespace ? { namespace } : {}) });
    } else if (item.type === 'custom_tool_call') {
      calls.push({ kind: 'custom', callId: item.call_id, name: item.name, arguments: item.input ?? '' });
    }
  }
  return calls;
}

/** The text of the assistant messages among the output items. */
export function messageTexts(output: readonly ResponseOutputItem[]): string[] {
  const texts: string[] = [];
  for (const item of output) {
    if (item.type !== 'message') continue;
    const text = item.content.map((part) => (part.type === 'output_text' ? part.text : part.type === 'refusal' ? `(refused) ${part.refusal}` : '')).join('');
    if (text.trim()) texts.push(text);
  }
  return texts;
}

/**
 * The answer to a tool call: a JSON object `{"success": boolean, "output": string}`, the same
 * structure whatever the tool, so the model can always tell a failure from a result.
 */
export function toolOutputItem(call: Pick<ModelToolCall, 'kind' | 'callId'>, result: { success: boolean; output: string }): ResponseInputItem {
  const output = JSON.stringify({ success: result.success, output: result.output });
  return call.kind === 'custom' ? { type: 'custom_tool_call_output', call_id: call.callId, output } : { type: 'function_call_output', call_id: call.callId, output };
}

/** `total` plus one response's usage: the session's absolute totals (SPEC §13.5). */
export function addResponseUsage(total: TokenUsage, usage: Pick<ResponseUsage, 'input_tokens' | 'output_tokens' | 'total_tokens'> | null | undefined): TokenUsage {
  if (!usage) return total;
  const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);
  const input = n(usage.input_tokens);
  const output = n(usage.output_tokens);
  return {
    input_tokens: total.input_tokens + input,
    output_tokens: total.output_tokens + output,
    total_tokens: total.total_tokens + (n(usage.total_tokens) || input + output),
  };
}

/**
 * True for the 400 a model without reasoning gives when asked for `reasoning.encrypted_content`:
 * the session then asks without it.
 */
export function rejectsEncryptedReasoning(err: unknown): boolean {
  if (!(err instanceof APIError) || err.status !== 400) return false;
  return err.param === 'include' || /encrypted content/i.test(err.message);
}

/** A failed model request as an error category and a message that says what to check. */
export function describeModelError(err: unknown, endpoint: string): { category: ErrorCategory; message: string } {
  if (err instanceof APIConnectionTimeoutError) {
    return { category: ErrorCategory.turnTimeout, message: `the model API at ${endpoint} did not answer in time` };
  }
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { category: ErrorCategory.responseError, message: oneLine(`cannot reach the model API at ${endpoint}${cause}. Check openai.base_url / OPENAI_BASE_URL and the network.`, 500) };
  }
  if (err instanceof APIError && err.status !== undefined) {
    const detail = apiErrorMessage(err);
    const hint =
      err.status === 401 || err.status === 403
        ? ' Check the API key (openai.api_key, default $OPENAI_API_KEY).'
        : err.status === 404
          ? ' Check the model name (openai.model or stages[].agent.model) and openai.base_url.'
          : err.status === 429
            ? ' The model API is rate limiting or out of quota; the stage will be retried later.'
            : '';
    return { category: ErrorCategory.turnFailed, message: oneLine(`the model API answered HTTP ${err.status}: ${detail}.${hint}`, 500) };
  }
  if (err instanceof APIError) {
    return { category: ErrorCategory.turnFailed, message: oneLine(`the model stream reported an error: ${apiErrorMessage(err)}`, 500) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { category: ErrorCategory.responseError, message: oneLine(`the model request failed: ${message}`, 500) };
}

function apiErrorMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  // The SDK prefixes its message with the status; keep only what the server said.
  return err.message.replace(/^\d{3}\s*/, '') || 'no message';
}
