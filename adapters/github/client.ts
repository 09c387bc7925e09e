/**
 * Baton's GitHub transport, shared by the `github` tracker and the `github` code host: octokit for auth, URL templates and GraphQL, plus what a poller needs on
 * top — conditional GETs (an unchanged resource answers 304 and costs no rate limit), `Link`
 * pagination with integrity checks, paced writes, per-request timeouts, and every failure as a
 * BatonError. octokit's own retry and throttling are off: the orchestrator owns retries, and
 * `retryAfterMs` on the error says when.
 */
import { Octokit } from 'octokit';
import { BatonError } from '../../core/errors.js';
import type { Logger } from '../../base/logger.js';
import { malformedResponse, toBatonError, TRACKER_AREA, type GithubArea } from './errors.js';

export interface GithubClientOptions {
  token: string;
  apiUrl: string;
  timeoutMs: number;
  /** Minimum gap between writes; 0 disables pacing. */
  writeIntervalMs: number;
  logger: Logger;
  /** Which part of Baton calls: its error categories and hints (default: the tracker's). */
  area?: GithubArea;
}

/** Request counters, for logs and the polling-cost figures. */
export interface GithubClientStats {
  requests: number;
  /** Conditional GETs answered 304 (free of rate limit). */
  notModified: number;
  writes: number;
  graphql: number;
  /** Last `x-ratelimit-remaining` seen for the REST core resource. */
  coreRemaining: number | null;
}

interface CachedGet {
  etag: string;
  data: unknown;
  link: string | null;
}

export interface GetResult {
  data: unknown;
  link: string | null;
  notModified: boolean;
}

/** The `rel="next"` URL of a `Link` header, if any (RFC 8288; GitHub's own spelling). */
export function nextLink(link: string | null | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part);
    if (m && m[2]!.split(/\s+/).includes('next')) return m[1]!;
  }
  return null;
}

const ETAG_CACHE_LIMIT = 5_000;

export class GithubClient {
  readonly octokit: Octokit;
  private readonly etags = new Map<string, CachedGet>();
  private writeChain: Promise<void> = Promise.resolve();
  private lastWriteAt = 0;
  readonly stats: GithubClientStats = { requests: 0, notModified: 0, writes: 0, graphql: 0, coreRemaining: null };

  private readonly area: GithubArea;

  constructor(private readonly options: GithubClientOptions) {
    this.area = options.area ?? TRACKER_AREA;
    this.octokit = new Octokit({
      auth: options.token,
      baseUrl: options.apiUrl.replace(/\/+$/, ''),
      userAgent: 'baton',
      throttle: { enabled: false },
      retry: { enabled: false },
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string) => options.logger.warn({ source: 'octokit' }, message),
        error: (message: string) => options.logger.error({ source: 'octokit' }, message),
      },
    });
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.options.timeoutMs);
  }

  private noteHeaders(headers: Record<string, string | number | undefined>): void {
    if (headers['x-ratelimit-resource'] === 'core' && headers['x-ratelimit-remaining'] !== undefined) {
      this.stats.coreRemaining = Number(headers['x-ratelimit-remaining']);
    }
  }

  /**
   * GET `url` (a path or an absolute URL from a `Link` header) with `If-None-Match` when an ETag is
   * cached; a 304 answers from the cache.
   */
  async get(url: string, operation: string): Promise<GetResult> {
    const cached = this.etags.get(url);
    try {
      const response = await this.send('GET', url, undefined, cached ? { 'if-none-match': cached.etag } : {});
      const link = typeof response.headers.link === 'string' ? response.headers.link : null;
      const etag = response.headers.etag;
      this.etags.delete(url);
      if (typeof etag === 'string') {
        this.etags.set(url, { etag, data: response.data, link });
        if (this.etags.size > ETAG_CACHE_LIMIT) this.etags.delete(this.etags.keys().next().value!);
      }
      return { data: response.data, link, notModified: false };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 304 && cached) {
        this.stats.notModified += 1;
        // Keep recently used entries at the end so the cache drops the stale ones first.
        this.etags.delete(url);
        this.etags.set(url, cached);
        return { data: cached.data, link: cached.link, notModified: true };
      }
      throw toBatonError(err, operation, Date.now(), this.area);
    }
  }

  /**
   * Every item of a paginated list, following `rel="next"` verbatim. A page that links back to one
   * already read, repeats an item, or is not a list fails with `tracker_pagination` /
   * `tracker_response` instead of returning a partial or looping list.
   */
  async paginate<T>(firstUrl: string, operation: string, identity: (item: T) => string | undefined): Promise<T[]> {
    const seenUrls = new Set<string>();
    const seenItems = new Set<string>();
    const items: T[] = [];
    let url: string | null = firstUrl;
    let page = 0;
    while (url) {
      if (seenUrls.has(url)) {
        throw new BatonError(this.area.categories.pagination, `GitHub pagination looped back to page ${url} while trying to ${operation}; the list was not used`, {
          retryable: true,
          details: { operation, page },
        });
      }
      seenUrls.add(url);
      page += 1;
      const result = await this.get(url, `${operation} (page ${page})`);
      if (!Array.isArray(result.data)) throw malformedResponse(operation, `page ${page} is not a JSON array`, this.area);
      for (const item of result.data as T[]) {
        const key = item !== null && typeof item === 'object' ? identity(item) : undefined;
        if (key !== undefined && seenItems.has(key)) {
          throw new BatonError(
            this.area.categories.pagination,
            `GitHub returned ${key} twice across pages while trying to ${operation} (the list changed or pagination is broken); the list was not used`,
            { retryable: true, details: { operation, page } },
          );
        }
        if (key !== undefined) seenItems.add(key);
        items.push(item);
      }
      url = nextLink(result.link);
      // Links are followed verbatim, but never off the API host: the token goes with each request.
      if (url && new URL(url, this.options.apiUrl).origin !== new URL(this.options.apiUrl).origin) {
        throw new BatonError(this.area.categories.pagination, `GitHub pagination pointed off ${new URL(this.options.apiUrl).origin} while trying to ${operation}; the list was not used`, {
          retryable: false,
          details: { operation, page },
        });
      }
    }
    return items;
  }

  /** Run `fn` after the previous write, at least `writeIntervalMs` after it started. */
  private paced<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      const wait = this.lastWriteAt + this.options.writeIntervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastWriteAt = Date.now();
      return fn();
    };
    const result = this.writeChain.then(run, run);
    this.writeChain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** One REST request with the timeout; counts it and notes the rate-limit headers. */
  private async send(method: string, url: string, body: unknown, headers: Record<string, string> = {}) {
    this.stats.requests += 1;
    const response = await this.octokit.request({
      method,
      url,
      headers,
      ...(body === undefined ? {} : { data: body }),
      request: { signal: this.signal() },
    });
    this.noteHeaders(response.headers);
    return response;
  }

  /** A mutating REST call, paced `writeIntervalMs` apart (GitHub's guidance against secondary limits). */
  write<T = unknown>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body: unknown, operation: string): Promise<{ status: number; data: T }> {
    return this.paced(async () => {
      this.stats.writes += 1;
      try {
        const response = await this.send(method, url, body);
        return { status: response.status, data: response.data as T };
      } catch (err) {
        throw toBatonError(err, operation, Date.now(), this.area);
      }
    });
  }

  /**
   * A raw REST request for the `github_api` tool: answers any HTTP status instead of throwing.
   * `url` is a path (query included); nothing else reaches octokit's options, so no argument can
   * change the host, the headers or the credential.
   */
  async raw(method: string, url: string, body: unknown): Promise<{ status: number; data: unknown }> {
    const exec = async () => {
      try {
        const response = await this.send(method, url, body);
        return { status: response.status, data: response.data };
      } catch (err) {
        const response = (err as { response?: { status: number; data: unknown } }).response;
        if (response) return { status: response.status, data: response.data };
        throw toBatonError(err, `${method} ${url}`, Date.now(), this.area);
      }
    };
    // Agents' writes share the pacing of Baton's own.
    return method === 'GET' || method === 'HEAD' ? exec() : this.paced(exec);
  }

  /**
   * One GraphQL request; errors (including HTTP 200 `RATE_LIMITED`) become BatonErrors. With
   * `allowMissing`, aliases that resolve to nothing (`NOT_FOUND` errors only) leave their fields
   * null instead of failing the call.
   */
  async graphql<T>(query: string, variables: Record<string, unknown>, operation: string, allowMissing = false): Promise<T> {
    this.stats.requests += 1;
    this.stats.graphql += 1;
    try {
      return await this.octokit.graphql<T>(query, { ...variables, request: { signal: this.signal() } });
    } catch (err) {
      const e = err as { name?: string; errors?: Array<{ type?: string }>; data?: unknown };
      if (allowMissing && e.name === 'GraphqlResponseError' && e.errors?.every((x) => x.type === 'NOT_FOUND') && e.data) return e.data as T;
      throw toBatonError(err, operation, Date.now(), this.area);
    }
  }

  /** A GraphQL mutation, paced with the REST writes. */
  graphqlWrite<T>(query: string, variables: Record<string, unknown>, operation: string): Promise<T> {
    return this.paced(() => {
      this.stats.writes += 1;
      return this.graphql<T>(query, variables, operation);
    });
  }
}
