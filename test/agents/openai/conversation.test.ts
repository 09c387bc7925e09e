/**
 * The pure conversation rules of the `openai` backend: what goes back into the history, what is a
 * tool call, how answers and usage look (SPEC §13.5), how a failed request is named (SPEC §10.6).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import {
  addResponseUsage,
  describeModelError,
  messageTexts,
  rejectsEncryptedReasoning,
  replayableItems,
  toolCallsOf,
  toolOutputItem,
} from '../../../adapters/agents/openai/conversation.js';
import { ErrorCategory } from '../../../core/errors.js';

const output = [
  { type: 'reasoning', id: 'rs_1', summary: [] },
  { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'opaque' },
  { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] },
  { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{"command":"ls"}' },
  { type: 'function_call', call_id: 'c2', name: 'get', namespace: 'tracker', arguments: '{}' },
  { type: 'custom_tool_call', call_id: 'c3', name: 'apply_patch', input: '*** Begin Patch' },
  { type: 'message', id: 'msg_2', role: 'assistant', status: 'completed', content: [{ type: 'refusal', refusal: 'no' }] },
] as unknown as ResponseOutputItem[];

describe('history and tool calls', () => {
  it('replays every item except reasoning that the server would have to look up', () => {
    const kept = replayableItems(output) as { type: string; id?: string }[];
    expect(kept.map((i) => i.id ?? i.type)).toEqual(['rs_2', 'msg_1', 'function_call', 'function_call', 'custom_tool_call', 'msg_2']);
  });

  it('finds function and custom calls, naming namespaced ones in full', () => {
    expect(toolCallsOf(output)).toEqual([
      { kind: 'function', callId: 'c1', name: 'shell', arguments: '{"command":"ls"}' },
      { kind: 'function', callId: 'c2', name: 'tracker.get', arguments: '{}', namespace: 'tracker' },
      { kind: 'custom', callId: 'c3', name: 'apply_patch', arguments: '*** Begin Patch' },
    ]);
  });

  it('reads the assistant text, refusals included', () => {
    expect(messageTexts(output)).toEqual(['Hello', '(refused) no']);
  });

  it('answers every call with the same JSON structure, in the item type the call needs', () => {
    expect(toolOutputItem({ kind: 'function', callId: 'c1' }, { success: true, output: 'ok' })).toEqual({
      type: 'function_call_output',
      call_id: 'c1',
      output: '{"success":true,"output":"ok"}',
    });
    expect(toolOutputItem({ kind: 'custom', callId: 'c3' }, { success: false, output: 'no' })).toEqual({
      type: 'custom_tool_call_output',
      call_id: 'c3',
      output: '{"success":false,"output":"no"}',
    });
  });
});

describe('addResponseUsage', () => {
  const base = { input_tokens: 10, output_tokens: 5, total_tokens: 15 };
  it.each([
    { name: 'adds a full usage', usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 }, want: { input_tokens: 13, output_tokens: 7, total_tokens: 20 } },
    { name: 'derives a missing total', usage: { input_tokens: 3, output_tokens: 2 } as never, want: { input_tokens: 13, output_tokens: 7, total_tokens: 20 } },
    { name: 'ignores an absent usage', usage: null, want: base },
    { name: 'ignores negative and non-numeric counts', usage: { input_tokens: -4, output_tokens: 'x', total_tokens: 0 } as never, want: base },
  ])('$name', ({ usage, want }) => {
    expect(addResponseUsage(base, usage)).toEqual(want);
  });
});

describe('describeModelError', () => {
  const endpoint = 'http://127.0.0.1:9/v1';
  const status = (code: number, message: string) => APIError.generate(code, { error: { message } }, undefined, new Headers());
  it.each([
    { name: 'HTTP 500', err: status(500, 'overloaded'), category: ErrorCategory.turnFailed, message: /HTTP 500: overloaded\.$/ },
    { name: 'HTTP 401', err: status(401, 'bad key'), category: ErrorCategory.turnFailed, message: /HTTP 401: bad key\. Check the API key/ },
    { name: 'HTTP 404', err: status(404, 'no such model'), category: ErrorCategory.turnFailed, message: /Check the model name/ },
    { name: 'HTTP 429', err: status(429, 'slow down'), category: ErrorCategory.turnFailed, message: /rate limiting/ },
    { name: 'a stream error', err: new APIError(undefined, { message: 'stream broke' }, undefined, undefined), category: ErrorCategory.turnFailed, message: /model stream reported an error: stream broke/ },
    { name: 'a timeout', err: new APIConnectionTimeoutError(), category: ErrorCategory.turnTimeout, message: /did not answer in time/ },
    {
      name: 'a refused connection',
      err: new APIConnectionError({ cause: new Error('ECONNREFUSED') }),
      category: ErrorCategory.responseError,
      message: /cannot reach the model API at http:\/\/127\.0\.0\.1:9\/v1: ECONNREFUSED/,
    },
    { name: 'anything else', err: new Error('weird'), category: ErrorCategory.responseError, message: /the model request failed: weird/ },
  ])('$name', ({ err, category, message }) => {
    const described = describeModelError(err, endpoint);
    expect(described.category).toBe(category);
    expect(described.message).toMatch(message);
  });
});

describe('rejectsEncryptedReasoning', () => {
  it.each([
    { name: 'the 400 on `include`', err: APIError.generate(400, { error: { message: 'Encrypted content is not supported with this model.', param: 'include' } }, undefined, new Headers()), want: true },
    { name: 'the same words without a param', err: APIError.generate(400, { error: { message: 'Encrypted content is not supported' } }, undefined, new Headers()), want: true },
    { name: 'another 400', err: APIError.generate(400, { error: { message: 'bad input', param: 'input' } }, undefined, new Headers()), want: false },
    { name: 'a 500', err: APIError.generate(500, { error: { message: 'Encrypted content' } }, undefined, new Headers()), want: false },
    { name: 'not an API error', err: new Error('Encrypted content'), want: false },
  ])('$name', ({ err, want }) => {
    expect(rejectsEncryptedReasoning(err)).toBe(want);
  });
});
