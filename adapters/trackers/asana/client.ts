/**
 * Baton's Asana transport: a thin typed client over Node's fetch, chosen over the official
 * `asana` npm package (3.2.0): that package declares no `engines`, ships `@babel/cli` and
 * superagent 6 as runtime dependencies, and keeps a process-wide `ApiClient.instance` (one token
 * per process), while Asana's REST API is plain JSON: `{data}` in and out, `{errors: [...]}` on
 * failure, `next_page.offset` paging, 429 with `Retry-After`. Nothing is retried here; failures
 * are BatonErrors and the orchestrator decides when to try again.
 */
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';
import type { AsanaSettings } from './settings.js';

export interface AsanaStats {
  requests: number;
  writes: number;
}

type QueryValue = string | number | boolean;

/** An HTTP answer outside 2xx, kept whole so callers can treat 404 as data. */
export class AsanaHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
    this.name = 'AsanaHttpError';
  }
}

/** Asana's `{"errors": [{"message": …, "help": …}]}` as one line. */
export function asanaErrorText(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return typeof body === 'string' ? oneLine(body, 200) : '';
  return oneLine(errors.map((e) => String((e as { message?: unknown }).message ?? '')).filter(Boolean).join('; '), 300);
}

/** A failed Asana exchange as a BatonError (SPEC §11.4); pure apart from the clock. */
export function classifyAsanaFailure(failure: { status: number | null; retryAfter?: string | null; message: string; operation: string; timedOut?: boolean }): BatonError {
  const { status, operation } = failure;
  const said = failure.message ? `: ${failure.message}` : '';
  const details = { status, operation };
  if (status === null) {
    return new BatonError(ErrorCategory.trackerRequest, `Asana request failed (${operation}): ${failure.timedOut ? 'no answer in time' : failure.message}; check that provider.endpoint is reachable`, {
      details,
    });
  }
  if (status === 429) {
    const seconds = failure.retryAfter && /^\d+(\.\d+)?$/.test(failure.retryAfter.trim()) ? Number(failure.retryAfter) : 60;
    return new BatonError(ErrorCategory.trackerRateLimited, `Asana rate limit hit while trying to ${operation}; retry in ${Math.ceil(seconds)} s`, { retryAfterMs: seconds * 1000, details });
  }
  if (status === 401 || status === 403) {
    return new BatonError(
      ErrorCategory.trackerStatus,
      `Asana refused Baton's token (${status}${said}) while trying to ${operation}; set a valid token in provider.api_key or ASANA_PAT, with access to the project`,
      { retryable: false, details },
    );
  }
  if (status === 402) {
    return new BatonError(ErrorCategory.trackerStatus, `Asana answered 402 Payment Required${said} while trying to ${operation}: the workspace's plan lacks this feature`, { retryable: false, details });
  }
  return new BatonError(ErrorCategory.trackerStatus, `Asana answered ${status}${said} while trying to ${operation}${status >= 500 ? '; Asana may be down, Baton retries next tick' : ''}`, {
    retryable: status >= 500,
    details,
  });
}

export class AsanaClient {
  readonly stats: AsanaStats = { requests: 0, writes: 0 };

  constructor(private readonly settings: Pick<AsanaSettings, 'endpoint' | 'token' | 'timeoutMs'>) {}

  /** One exchange; 2xx resolves with the parsed body, anything else rejects with AsanaHttpError. */
  private async exchange(method: string, path: string, query: Record<string, QueryValue | undefined>, data: unknown): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.settings.endpoint}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    this.stats.requests += 1;
    if (method !== 'GET') this.stats.writes += 1;
    const headers: Record<string, string> = { authorization: `Bearer ${this.settings.token}`, accept: 'application/json' };
    if (data !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, { method, headers, body: data === undefined ? undefined : JSON.stringify({ data }), signal: AbortSignal.timeout(this.settings.timeoutMs) });
    const text = await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) {
      try {
        body = JSON.parse(text) as unknown;
      } catch (err) {
        if (response.ok) throw err;
      }
    }
    if (!response.ok) throw new AsanaHttpError(response.status, response.headers, body);
    return { status: response.status, body };
  }

  toBaton(err: unknown, operation: string): BatonError {
    if (err instanceof BatonError) return err;
    if (err instanceof AsanaHttpError) return classifyAsanaFailure({ status: err.status, retryAfter: err.headers.get('retry-after'), message: asanaErrorText(err.body), operation });
    if (err instanceof SyntaxError) return new BatonError(ErrorCategory.trackerResponse, `Asana sent a body that is not JSON while trying to ${operation}`, { details: { operation } });
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    return classifyAsanaFailure({ status: null, message: e.cause?.code ?? e.message ?? String(err), operation, timedOut: e.name === 'TimeoutError' || e.name === 'AbortError' });
  }

  /** `data` of one request; with `gone`, a 404 answers null. */
  async data(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, operation: string, options: { query?: Record<string, QueryValue | undefined>; body?: unknown; gone?: boolean } = {}): Promise<unknown> {
    try {
      const { body } = await this.exchange(method, path, options.query ?? {}, options.body);
      if (!body || typeof body !== 'object' || !('data' in body)) throw new BatonError(ErrorCategory.trackerResponse, `Asana's answer to ${operation} has no \`data\``, { details: { operation } });
      return (body as { data: unknown }).data;
    } catch (err) {
      if (options.gone && err instanceof AsanaHttpError && err.status === 404) return null;
      throw this.toBaton(err, operation);
    }
  }

  /** Every item of a list, following `next_page.offset`; a repeated offset is a pagination fault. */
  async list(path: string, operation: string, query: Record<string, QueryValue | undefined>, limit: number): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let offset: string | undefined;
    for (;;) {
      let body: unknown;
      try {
        ({ body } = await this.exchange('GET', path, { ...query, limit, offset }, undefined));
      } catch (err) {
        throw this.toBaton(err, operation);
      }
      const page = body as { data?: unknown; next_page?: { offset?: unknown } | null };
      if (!Array.isArray(page?.data)) throw new BatonError(ErrorCategory.trackerResponse, `Asana's answer to ${operation} has no \`data\` list`, { details: { operation } });
      items.push(...page.data);
      const next = page.next_page?.offset;
      if (page.next_page === null || page.next_page === undefined) return items;
      if (typeof next !== 'string' || !next) throw new BatonError(ErrorCategory.trackerPagination, `Asana sent next_page without an offset while trying to ${operation}; the list was not used`, { details: { operation } });
      if (seen.has(next)) throw new BatonError(ErrorCategory.trackerPagination, `Asana sent the same next_page offset twice while trying to ${operation}; the list was not used`, { details: { operation } });
      seen.add(next);
      offset = next;
    }
  }

  /** A raw call for the `asana_api` tool: any HTTP status is an answer; transport failures reject. */
  async raw(method: string, path: string, query: Record<string, QueryValue>, body: unknown): Promise<{ status: number; body: unknown }> {
    try {
      return await this.exchange(method, path, query, body === undefined ? undefined : ((body as { data?: unknown } | null)?.data ?? body));
    } catch (err) {
      if (err instanceof AsanaHttpError) return { status: err.status, body: err.body };
      throw this.toBaton(err, `${method} ${path}`);
    }
  }
}
