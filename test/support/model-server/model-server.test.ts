/**
 * The scripted Responses-API model server itself: directive and queue modes, SSE and JSON answers,
 * errors and the request log, checked over real HTTP and with the real `openai` client.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastUserMessageIndex, parseDirectives, startModelServer, type ModelServer } from './index.js';
import { directiveStep } from './script.js';

let server: ModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startModelServer({ usage: { input_tokens: 11, output_tokens: 4 } });
  client = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
});
afterAll(() => server.close());

const shellTool = { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } };

describe('directives', () => {
  it('parses shell, tool, patch and say lines and ignores the rest', () => {
    const text = ['Please do this:', '@@shell ls -la', '@@tool lookup {"id":"A-1"}', '@@patch', '*** Begin Patch', '*** Add File: x', '+y', '*** End Patch', '@@say all', '@@say done'].join('\n');
    expect(parseDirectives(text)).toEqual({
      actions: [
        { kind: 'shell', command: 'ls -la' },
        { kind: 'tool', name: 'lookup', arguments: '{"id":"A-1"}' },
        { kind: 'patch', patch: '*** Begin Patch\n*** Add File: x\n+y\n*** End Patch' },
      ],
      say: 'all\ndone',
    });
  });

  it('skips injected context messages when finding the user message', () => {
    const input = [
      { role: 'user', content: [{ type: 'input_text', text: 'real @@say x' }] },
      { role: 'user', content: [{ type: 'input_text', text: '<environment_context>…' }] },
    ];
    expect(lastUserMessageIndex(input)).toBe(0);
  });

  it.each([
    [[], 'function_call'],
    [[{ type: 'function_call_output', call_id: 'a', output: 'ok' }], 'function_call'],
    [[{ type: 'function_call_output', call_id: 'a', output: 'ok' }, { type: 'function_call_output', call_id: 'b', output: 'ok' }], 'message'],
  ])('walks through the actions as tool outputs arrive (%#)', (outputs, expectedType) => {
    const body = { tools: [shellTool], input: [{ role: 'user', content: '@@shell one\n@@shell two\n@@say end' }, ...outputs] };
    const step = directiveStep(body);
    expect(step.kind === 'items' && step.items[0]!.type).toBe(expectedType);
  });

  it('uses the shell tool the client offers, with its argument shape', () => {
    const step = directiveStep({ tools: [{ type: 'function', name: 'shell', parameters: { properties: { command: { type: 'array' } } } }], input: [{ role: 'user', content: '@@shell ls' }] });
    expect(step.kind === 'items' && JSON.parse(step.items[0]!.arguments as string)).toEqual({ command: ['bash', '-lc', 'ls'] });
  });
});

describe('HTTP', () => {
  it('answers a non-streaming request with the completed response and usage', async () => {
    const response = await client.responses.create({ model: 'fake-model', input: '@@say hello there' });
    expect(response.output_text).toBe('hello there');
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 4, total_tokens: 15 });
  });

  it('streams created, output item and completed events', async () => {
    const stream = await client.responses.create({ model: 'fake-model', input: 'x\n@@say streamed', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('streamed');
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_item.done');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('serves queued answers first, including HTTP errors, then directives again', async () => {
    server.enqueue({ call: { name: 'lookup', arguments: { id: 'Q-1' } } }, { status: 500, body: { error: { message: 'scripted failure' } } });
    const first = await client.responses.create({ model: 'fake-model', input: '@@say later', tools: [{ type: 'function', name: 'lookup', parameters: {}, strict: false }] });
    expect(first.output[0]).toMatchObject({ type: 'function_call', name: 'lookup', arguments: '{"id":"Q-1"}' });
    await expect(client.responses.create({ model: 'fake-model', input: 'x' })).rejects.toMatchObject({ status: 500 });
    expect((await client.responses.create({ model: 'fake-model', input: '@@say back' })).output_text).toBe('back');
  });

  it('logs every request with its body and how it was answered', async () => {
    const before = server.requests().length;
    await client.responses.create({ model: 'fake-model', input: '@@say logged', metadata: { probe: 'yes' } });
    const [entry] = server.requests().slice(before);
    expect(entry).toMatchObject({ method: 'POST', path: '/v1/responses', mode: 'directive', status: 200, body: { metadata: { probe: 'yes' } } });
    expect(entry!.headers.authorization).toBe('Bearer test');
  });

  it('takes queue entries over HTTP from another process', async () => {
    const res = await fetch(`${server.url.replace(/\/v1$/, '')}/__fake/enqueue`, { method: 'POST', body: JSON.stringify({ text: 'remote' }) });
    expect(res.status).toBe(200);
    expect((await client.responses.create({ model: 'fake-model', input: 'x' })).output_text).toBe('remote');
  });
});
