/**
 * HTTP plumbing the provider fakes share: a server on a free port of 127.0.0.1 that closes with its
 * open connections, request bodies (raw or JSON), JSON answers, the error a handler throws to answer
 * with a status, and the transport faults every provider shows (an error status, a truncated body,
 * a dropped connection, no answer at all). Provider-specific answers (rate-limit headers, error
 * envelopes) stay in each fake.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fake's HTTP server: `url` is `http://127.0.0.1:<port>`. */
export interface LocalServer {
  url: string;
  /** Drops open connections (a `hang` fault holds one) and stops listening. */
  close(): Promise<void>;
}

/** What a REST fake records of each request (each fake adds what it matched and the credential it saw). */
export interface RecordedRestRequest {
  method: string;
  /** Path under the API's base path. */
  path: string;
  query: URLSearchParams;
  /** The JSON body, once the request passed authentication. */
  body: unknown;
  /** The status answered; -1 when no answer was sent (a dropped or held connection). */
  status: number;
}

/** What every REST fake offers a test besides its provider's data. */
export interface RestFakeControls<R extends RecordedRestRequest, F> {
  /** The one token the fake accepts. */
  token: string;
  /** Every request received, oldest first. */
  readonly requests: readonly R[];
  /** Validation failures of requests (client bugs) and responses (fake bugs). Tests expect none. */
  readonly problems: string[];
  inject(fault: F): void;
  /** Forget recorded requests (not data). */
  resetRequests(): void;
  close(): Promise<void>;
}

/**
 * Serves `handle` on a free port of 127.0.0.1. When the handler throws (a bug in the fake),
 * `onCrash` hears of it, then `answerError` answers in the provider's 500 envelope, or the
 * connection is dropped if an answer had already started (so the client never waits forever).
 */
export async function listenLocal(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  answerError: (res: ServerResponse, error: unknown) => void,
  onCrash?: (error: unknown) => void,
): Promise<LocalServer> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onCrash?.(error);
      if (!res.headersSent) answerError(res, error);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole request body as UTF-8 text ('' when there is none). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A request body read as JSON: `ok` with `value` (undefined for an empty body), or not JSON at all. */
export type JsonBody = { ok: true; value: unknown } | { ok: false };

/** The whole request body, parsed as JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  const text = await readBody(req);
  if (!text) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A request as a REST fake first reads it: the method (upper case), the URL, the body as JSON. */
export async function readRequest(req: IncomingMessage): Promise<{ method: string; url: URL; json: JsonBody }> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return { method, url, json: await readJsonBody(req) };
}

/** What a fake's handler throws to answer with `status` (the fake wraps `message` in its provider's error envelope). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON answer; `undefined` sends no body (204-style). `contentType` is the provider's exact spelling. */
export function sendJson(res: ServerResponse, status: number, body: unknown, contentType: string, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(JSON.stringify(body));
}

/** Transport-level faults a test can inject into any fake that adopts them. */
export type TransportFault =
  /** This status with `body` (default: the provider's 500 envelope) instead of the answer. */
  | { kind: 'status'; status: number; body?: string; contentType?: string; times?: number }
  /** 200 with a JSON body cut off mid-way. */
  | { kind: 'malformed-body'; times?: number }
  /** The socket is destroyed before any answer. */
  | { kind: 'disconnect'; times?: number }
  /** Never answers (until the fake closes): for client timeouts. */
  | { kind: 'hang'; times?: number };

/** 429 with `Retry-After` (each fake adds its provider's headers and envelope). */
export type RateLimitFault = { kind: 'rate-limit'; retryAfterSeconds?: number; times?: number };

/**
 * The faults of a paginated REST fake (GitLab, Asana): transport faults, a rate limit, and a list
 * page that does not advance (each fake says how its provider spells that).
 */
export type RestFault = TransportFault | RateLimitFault | { kind: 'broken-pagination'; times?: number };

export const TRANSPORT_FAULT_KINDS = ['status', 'malformed-body', 'disconnect', 'hang'] as const satisfies readonly TransportFault['kind'][];

/** How one provider spells the answers to transport faults. */
export interface TransportFaultStyle {
  contentType: string;
  /** Body of a `status` fault that gives none. */
  serverErrorBody: string;
  /** A truncated body that starts like a real answer of this provider. */
  truncatedBody: string;
}

/**
 * Answers `fault` in the provider's style, with `headers` (a provider's rate-limit headers) on any
 * answer it sends. Returns the status sent, or null when the fault sends none.
 */
export function answerTransportFault(req: IncomingMessage, res: ServerResponse, fault: TransportFault, style: TransportFaultStyle, headers: Record<string, string> = {}): number | null {
  switch (fault.kind) {
    case 'disconnect':
      req.socket.destroy();
      return null;
    case 'hang':
      return null;
    case 'status':
      res.writeHead(fault.status, { 'content-type': fault.contentType ?? style.contentType, ...headers });
      res.end(fault.body ?? style.serverErrorBody);
      return fault.status;
    case 'malformed-body':
      res.writeHead(200, { 'content-type': style.contentType, ...headers });
      res.end(style.truncatedBody);
      return 200;
  }
}
