/**
 * Baton's GitLab transport: @gitbeaker/rest's resources (URL templates, token header, query
 * encoding, GitLab.com's per-endpoint client-side limits) over a request handler of Baton's own.
 * gitbeaker's stock handler retries 429 and 502 ten times within a quarter second and ignores
 * `Retry-After`; here nothing is retried: a failure becomes a BatonError whose `retryAfterMs`
 * comes from `Retry-After`/`RateLimit-Reset`, and the orchestrator decides when to try again.
 * Counts requests and keeps the last `RateLimit-Remaining` for the poll log.
 */
import { IssueLinks, IssueNotes, Issues, ProjectLabels } from '@gitbeaker/rest';
import { createRequesterFn, getMatchingRateLimiter, type FormattedResponse, type RateLimiters } from '@gitbeaker/requester-utils';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { classifyGitlabFailure, gitlabErrorText, malformedResponse } from './errors.js';
import type { GitlabSettings } from './settings.js';

/** A non-2xx answer, kept whole so callers can treat some statuses (404) as data. */
export class GitlabHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
    this.name = 'GitlabHttpError';
  }
}

export interface GitlabClientStats {
  requests: number;
  writes: number;
  /** Last `RateLimit-Remaining` GitLab sent, if any. */
  rateLimitRemaining: number | null;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const text = await response.text();
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (type !== 'application/json') return text;
  if (!text) return null;
  return JSON.parse(text) as unknown;
}

/** One HTTP exchange; resolves for 2xx, rejects with GitlabHttpError otherwise (transport errors pass through). */
async function exchange(url: URL, init: RequestInit, stats: GitlabClientStats): Promise<FormattedResponse> {
  stats.requests += 1;
  if (init.method && init.method !== 'GET') stats.writes += 1;
  const response = await fetch(url, init);
  const headers = Object.fromEntries(response.headers.entries());
  const remaining = headers['ratelimit-remaining'];
  if (remaining !== undefined && /^\d+$/.test(remaining)) stats.rateLimitRemaining = Number(remaining);
  let body: unknown;
  try {
    body = await readBody(response);
  } catch (err) {
    if (!response.ok) body = null;
    else throw err;
  }
  if (!response.ok) throw new GitlabHttpError(response.status, headers, body);
  return { body: body as FormattedResponse['body'], headers, status: response.status };
}

export class GitlabClient {
  readonly stats: GitlabClientStats = { requests: 0, writes: 0, rateLimitRemaining: null };
  readonly issues: InstanceType<typeof Issues<false>>;
  readonly notes: InstanceType<typeof IssueNotes<false>>;
  readonly links: InstanceType<typeof IssueLinks<false>>;
  readonly labels: InstanceType<typeof ProjectLabels<false>>;

  constructor(private readonly settings: Pick<GitlabSettings, 'host' | 'apiUrl' | 'token' | 'timeoutMs'>) {
    const stats = this.stats;
    const requesterFn = createRequesterFn(
      (_service, options) => Promise.resolve(options),
      async (endpoint, options = {}) => {
        const { rateLimiters, prefixUrl, searchParams, method = 'GET', headers, body, signal } = options as {
          rateLimiters?: RateLimiters;
          prefixUrl?: string;
          searchParams?: string;
          method?: string;
          headers?: Record<string, string>;
          body?: string;
          signal?: AbortSignal;
        };
        await getMatchingRateLimiter(endpoint, rateLimiters, method)();
        const url = new URL(endpoint, prefixUrl?.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
        url.search = searchParams ?? '';
        return exchange(url, { method, headers, body, signal: signal ?? AbortSignal.timeout(settings.timeoutMs) }, stats);
      },
    );
    const options = { host: settings.host, token: settings.token, requesterFn, queryTimeout: settings.timeoutMs };
    this.issues = new Issues(options);
    this.notes = new IssueNotes(options);
    this.links = new IssueLinks(options);
    this.labels = new ProjectLabels(options);
  }

  /** Runs one gitbeaker call; every failure becomes a BatonError naming `operation`. */
  async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.toBaton(err, operation);
    }
  }

  /** Like `call`, but a 404 answers null (the issue or note is gone). */
  async callOrGone<T>(operation: string, run: () => Promise<T>): Promise<T | null> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof GitlabHttpError && err.status === 404) return null;
      throw this.toBaton(err, operation);
    }
  }

  toBaton(err: unknown, operation: string): BatonError {
    if (err instanceof BatonError) return err;
    if (err instanceof GitlabHttpError) {
      return classifyGitlabFailure({ status: err.status, headers: err.headers, message: gitlabErrorText(err.body), operation });
    }
    if (err instanceof SyntaxError) return malformedResponse(operation, `not JSON (${err.message})`);
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' || e.name === 'GitbeakerTimeoutError';
    return classifyGitlabFailure({ status: null, headers: {}, message: e.cause?.code ?? e.message ?? String(err), operation, timedOut });
  }

  /**
   * A raw REST call for the `gitlab_api` tool: any HTTP status is an answer, transport failures
   * reject. `path` is relative to /api/v4 and already checked by the caller; nothing the agent
   * sends can change the host, the headers or the credential.
   */
  async raw(method: string, path: string, query: URLSearchParams, body: unknown): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.settings.apiUrl}${path}`);
    url.search = query.toString();
    const headers: Record<string, string> = { 'private-token': this.settings.token, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await exchange(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.settings.timeoutMs) }, this.stats);
      return { status: response.status, body: response.body ?? null };
    } catch (err) {
      if (err instanceof GitlabHttpError) return { status: err.status, body: err.body };
      throw this.toBaton(err, `${method} ${path}`);
    }
  }
}

/** The page after `current` from GitLab's `X-Next-Page`, refusing a number that does not move forward. */
export function nextPage(current: number, header: string | undefined, operation: string): number | null {
  if (header === undefined || header.trim() === '') return null;
  const next = Number(header);
  if (!Number.isInteger(next) || next <= current) {
    throw new BatonError(ErrorCategory.trackerPagination, `GitLab pointed page ${current} of ${operation} at page ${header}; the list was not used`, {
      retryable: true,
      details: { operation, page: current },
    });
  }
  return next;
}
