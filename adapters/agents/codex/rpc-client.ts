/**
 * The Codex app-server wire protocol: newline-delimited JSON-RPC-shaped messages over stdio, with
 * no `"jsonrpc"` field. Requests carry our own increasing ids; server→client requests carry the
 * server's ids (starting at 0, so ids are never tested for truthiness). Only stdout is protocol:
 * stderr is diagnostics and is handled by the caller, never parsed here.
 */
import type { Readable, Writable } from 'node:stream';
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';
import type { ClientNotification } from './protocol/ClientNotification.js';
import type { ClientRequest } from './protocol/ClientRequest.js';
import type { RequestId } from './protocol/RequestId.js';

/** Methods Baton may call, and their params, straight from the generated protocol. */
export type ClientMethod = ClientRequest['method'];
export type ParamsOf<M extends ClientMethod> = Extract<ClientRequest, { method: M }>['params'];

/** SPEC §10.1: a safe upper bound for one protocol line. */
export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;

export interface RpcHandlers {
  /** A notification (`method`, no `id`). */
  onNotification(method: string, params: unknown): void;
  /** A server→client request; answer it with `respond` or `respondError`. */
  onServerRequest(id: RequestId, method: string, params: unknown): void;
  /** A stdout line that is not a JSON object (login-shell noise, a crash message, a cut line). */
  onMalformed(line: string): void;
  /** A JSON message that is neither a request, a notification nor a response we wait for. */
  onOtherMessage(message: Record<string, unknown>): void;
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
}

/** One connection to an app-server over a pair of streams. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<RequestId, Pending>();
  private buffer = '';
  private dropping = false;
  private closedWith?: BatonError;

  constructor(
    private readonly input: Writable,
    output: Readable,
    private readonly handlers: RpcHandlers,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    input.on('error', () => undefined); // a dead child: the exit handler reports it
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => this.push(chunk));
  }

  /** Send a request; resolves with its `result`, rejects with `response_error` or `response_timeout`. */
  request<M extends ClientMethod, R = unknown>(method: M, params: ParamsOf<M>, timeoutMs: number): Promise<R> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = { method, resolve: resolve as (r: unknown) => void, reject };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(
            new BatonError(
              ErrorCategory.responseTimeout,
              `codex app-server did not answer \`${method}\` within ${timeoutMs} ms. Check that codex.command starts an app-server, or raise codex.read_timeout_ms.`,
              { details: { method, timeoutMs } },
            ),
          );
        }, timeoutMs);
      }
      this.pending.set(id, entry);
      this.write({ id, method, params });
    });
  }

  /** Send a notification. */
  notify(method: ClientNotification['method'], params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
  }

  /** Answer a server request. */
  respond(id: RequestId, result: unknown): void {
    this.write({ id, result });
  }

  /** Answer a server request with an error. */
  respondError(id: RequestId, code: number, message: string): void {
    this.write({ id, error: { code, message } });
  }

  /** Fail every waiting request with `error`; later requests fail at once. */
  close(error: BatonError): void {
    this.closedWith ??= error;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(error);
      this.pending.delete(id);
    }
  }

  private write(message: unknown): void {
    if (this.input.writable) this.input.write(`${JSON.stringify(message)}\n`);
  }

  private push(chunk: string): void {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, newline);
      start = newline + 1;
      if (this.dropping) {
        this.dropping = false;
        this.buffer = '';
        continue;
      }
      const line = this.buffer + piece;
      this.buffer = '';
      this.handleLine(line.replace(/\r$/, ''));
    }
    if (this.dropping) return;
    this.buffer += chunk.slice(start);
    if (this.buffer.length > this.maxLineBytes) {
      // Too long to be a sane message: report a prefix and skip to the next newline.
      this.handlers.onMalformed(`${this.buffer.slice(0, 200)}… [line longer than ${this.maxLineBytes} bytes dropped]`);
      this.buffer = '';
      this.dropping = true;
    }
  }

  private handleLine(line: string): void {
    if (!line.trim()) return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.handlers.onMalformed(line);
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.handlers.onMalformed(line);
      return;
    }
    const msg = message as Record<string, unknown>;
    const id = msg.id as RequestId | undefined;
    const hasId = typeof id === 'number' || typeof id === 'string';
    if (typeof msg.method === 'string') {
      if (hasId) this.handlers.onServerRequest(id, msg.method, msg.params);
      else this.handlers.onNotification(msg.method, msg.params);
      return;
    }
    const entry = hasId ? this.pending.get(id) : undefined;
    if (!entry) {
      this.handlers.onOtherMessage(msg);
      return;
    }
    this.pending.delete(id!);
    clearTimeout(entry.timer);
    if (msg.error !== undefined) {
      const error = msg.error as { code?: number; message?: string };
      entry.reject(
        new BatonError(ErrorCategory.responseError, `codex app-server rejected \`${entry.method}\`: ${oneLine(error.message ?? JSON.stringify(msg.error))}`, {
          details: { method: entry.method, code: error.code },
        }),
      );
    } else {
      entry.resolve(msg.result);
    }
  }
}
