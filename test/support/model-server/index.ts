/**
 * A scripted, local imitation of the OpenAI Responses API for tests and benchmarks: the real
 * Codex binary (and the `openai` backend) talk to it over HTTP on 127.0.0.1 instead of a model.
 *
 * Answers come from a queue when one is set (`enqueue`), else from `@@` directives in the last
 * user message (see `script.ts`). `stream: true` requests get SSE (`response.created`,
 * `response.output_item.*`, text deltas, `response.completed` with usage); others get the
 * completed response as JSON. Every request is logged for assertions.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { directiveStep, entryStep, messageText, type ModelScriptEntry, type ModelStep, type ModelUsage } from './script.js';

export type { ModelScriptEntry, ModelUsage } from './script.js';
export { parseDirectives, lastUserMessageIndex, messageText } from './script.js';

/** One request the server received. */
export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (an empty object when there was none or it was not JSON). */
  body: Record<string, unknown>;
  /** How it was answered: from `@@` directives or from the queue. */
  mode: 'directive' | 'queue';
  /** HTTP status sent back. */
  status: number;
}

export interface ModelServerOptions {
  /** Model id reported in responses (default `fake-model`). */
  model?: string;
  /** Usage of every response that does not set its own (default 100 in / 20 out). */
  usage?: ModelUsage;
  /** Entries answered before directive mode takes over. */
  script?: ModelScriptEntry[];
  /** Port to bind on 127.0.0.1 (default: any free port). */
  port?: number;
}

export interface ModelServer {
  /** Base URL to configure clients with, ending in `/v1`. */
  url: string;
  port: number;
  /** Queue answers; queued answers win over directives, first in first out. */
  enqueue(...entries: ModelScriptEntry[]): void;
  /** Every `/responses` request so far (a copy). */
  requests(): LoggedRequest[];
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

export const DEFAULT_USAGE: ModelUsage = { input_tokens: 100, output_tokens: 20 };

function usagePayload(u: ModelUsage) {
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_tokens ?? 0 },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0 },
    total_tokens: u.input_tokens + u.output_tokens,
  };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

let responseCounter = 0;

/** The SSE events of one streamed response, in the order the Responses API sends them. */
export function streamEvents(items: Record<string, unknown>[], model: string, usage: ModelUsage): Record<string, unknown>[] {
  responseCounter += 1;
  const base = { id: `resp_${responseCounter}`, object: 'response', created_at: Math.floor(Date.now() / 1000), model };
  const events: Record<string, unknown>[] = [{ type: 'response.created', response: { ...base, status: 'in_progress', output: [] } }];
  items.forEach((item, outputIndex) => {
    events.push({ type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress' } });
    if (item.type === 'message') {
      const text = messageText(item.content);
      const itemId = item.id;
      const part = { type: 'output_text', text: '', annotations: [] };
      events.push({ type: 'response.content_part.added', item_id: itemId, output_index: outputIndex, content_index: 0, part });
      events.push({ type: 'response.output_text.delta', item_id: itemId, output_index: outputIndex, content_index: 0, delta: text });
      events.push({ type: 'response.output_text.done', item_id: itemId, output_index: outputIndex, content_index: 0, text });
      events.push({ type: 'response.content_part.done', item_id: itemId, output_index: outputIndex, content_index: 0, part: { ...part, text } });
    }
    events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  });
  events.push({ type: 'response.completed', response: { ...base, status: 'completed', output: items, usage: usagePayload(usage) } });
  return events.map((event, i) => ({ ...event, sequence_number: i }));
}

function writeSse(res: ServerResponse, events: Record<string, unknown>[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const event of events) res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
  res.end();
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Start the server on 127.0.0.1. */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const model = options.model ?? 'fake-model';
  const defaultUsage = options.usage ?? DEFAULT_USAGE;
  const queue: ModelScriptEntry[] = [...(options.script ?? [])];
  const log: LoggedRequest[] = [];

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = await readBody(req);
    // Control endpoints, for a client in another process (benchmarks).
    if (path === '/__fake/enqueue' && req.method === 'POST') {
      const entries = Array.isArray(body.entries) ? (body.entries as ModelScriptEntry[]) : [body as ModelScriptEntry];
      queue.push(...entries);
      return writeJson(res, 200, { queued: queue.length });
    }
    if (path === '/__fake/requests') return writeJson(res, 200, log);
    if (path.endsWith('/models') && req.method === 'GET') {
      return writeJson(res, 200, { object: 'list', data: [{ id: model, object: 'model', owned_by: 'baton-test' }] });
    }
    if (!path.endsWith('/responses') || req.method !== 'POST') {
      return writeJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    }

    const entry = queue.shift();
    const step: ModelStep = entry ? entryStep(body, entry) : directiveStep(body);
    const status = step.kind === 'status' ? step.status : 200;
    log.push({ method: req.method ?? 'POST', path, headers: { ...req.headers }, body, mode: entry ? 'queue' : 'directive', status });
    if (entry?.delayMs) await new Promise((r) => setTimeout(r, entry.delayMs));
    if (step.kind === 'status') return writeJson(res, step.status, step.body);
    const usage = entry?.usage ?? defaultUsage;
    if (step.kind === 'events') return writeSse(res, step.events);
    const events = streamEvents(step.items, model, usage);
    if (body.stream === true) return writeSse(res, events);
    const completed = events[events.length - 1] as { response: unknown };
    return writeJson(res, 200, completed.response);
  };

  const server = createServer((req, res) => {
    answer(req, res).catch((err: unknown) => {
      if (!res.headersSent) writeJson(res, 500, { error: { message: String(err) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    enqueue: (...entries) => queue.push(...entries),
    requests: () => log.map((entry) => ({ ...entry })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
