/**
 * GitHub failures → Baton's error categories. Shared by the `github` tracker (tracker_* categories,
 * SPEC §11.4) and the `github` code host (code_host_* categories): each caller passes its `GithubArea`,
 * which names the categories and the hints that point at its own config keys. A pure decision over
 * what the response said, so every rule has a table test; `toBatonError` adapts octokit's errors.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';

/** Which part of Baton is calling GitHub: the categories its errors carry and the fixes they name. */
export interface GithubArea {
  readonly categories: {
    readonly request: ErrorCategory;
    readonly status: ErrorCategory;
    readonly response: ErrorCategory;
    readonly pagination: ErrorCategory;
    readonly rateLimited: ErrorCategory;
  };
  /** What to do about a 401, a 403 and a 404. */
  readonly hints: { readonly token: string; readonly access: string; readonly notFound: string };
}

/** The `github` tracker's errors (SPEC §11.4). */
export const TRACKER_AREA: GithubArea = {
  categories: {
    request: ErrorCategory.trackerRequest,
    status: ErrorCategory.trackerStatus,
    response: ErrorCategory.trackerResponse,
    pagination: ErrorCategory.trackerPagination,
    rateLimited: ErrorCategory.trackerRateLimited,
  },
  hints: {
    token: 'set a valid token in provider.token or GITHUB_TOKEN',
    access: 'give the token read/write access to Issues (and Projects for state_source: project)',
    notFound: 'check the repository name in provider.repo and that the token can see it',
  },
};

/** The `github` code host's errors (a `repository:` block). */
export const CODE_HOST_AREA: GithubArea = {
  categories: {
    request: ErrorCategory.codeHostRequest,
    status: ErrorCategory.codeHostStatus,
    response: ErrorCategory.codeHostResponse,
    pagination: ErrorCategory.codeHostPagination,
    rateLimited: ErrorCategory.codeHostRateLimited,
  },
  hints: {
    token: 'set a valid token in repository.token (for example `$GITHUB_TOKEN`)',
    access: 'give the token read/write access to Pull requests and Contents, and read access to Checks and Commit statuses',
    notFound: 'check the repository name in repository.repo and that the token can see it',
  },
};

/** What a failed GitHub exchange told us. */
export interface GithubFailure {
  /** HTTP status, or null when no response arrived (DNS, refused, reset, timeout). */
  status: number | null;
  /** Response headers, lower-case names. */
  headers: Record<string, string | undefined>;
  /** GitHub's `message`, or the transport error's. */
  message: string;
  /** GraphQL `errors[]` of a 200 response. */
  graphqlErrors?: ReadonlyArray<{ type?: string; message?: string }>;
  /** What Baton was doing, for the message (`list issues of acme/app`). */
  operation: string;
}

/** GitHub asks clients to wait at least a minute after a secondary limit without `retry-after`. */
const SECONDARY_DEFAULT_WAIT_MS = 60_000;

function seconds(value: string | undefined): number | null {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** Milliseconds until `x-ratelimit-reset` (epoch seconds), never negative. */
function untilReset(headers: GithubFailure['headers'], now: number): number | null {
  const reset = seconds(headers['x-ratelimit-reset']);
  return reset === null ? null : Math.max(0, reset * 1000 - now);
}

function waitText(ms: number): string {
  return ms >= 60_000 ? `${Math.ceil(ms / 60_000)} min` : `${Math.ceil(ms / 1000)} s`;
}

/** Classify one failure. `now` is injectable so reset arithmetic is testable. */
export function classifyGithubFailure(failure: GithubFailure, now = Date.now(), area: GithubArea = TRACKER_AREA): BatonError {
  const { status, headers, operation } = failure;
  const { categories, hints } = area;
  // GitHub's own words travel too: callers that expect a refusal (a merge's 405) show them as is.
  const details = { status, operation, resource: headers['x-ratelimit-resource'] ?? null, githubMessage: failure.message };
  const retryAfter = seconds(headers['retry-after']);

  if (status === null) {
    return new BatonError(
      categories.request,
      `GitHub request failed (${operation}): ${failure.message}; check that api_url is reachable from this host`,
      { retryable: true, details },
    );
  }

  const rateLimitedGraphql = failure.graphqlErrors?.some((e) => e.type === 'RATE_LIMITED');
  if (rateLimitedGraphql || ((status === 403 || status === 429) && headers['x-ratelimit-remaining'] === '0')) {
    const wait = retryAfter !== null ? retryAfter * 1000 : (untilReset(headers, now) ?? SECONDARY_DEFAULT_WAIT_MS);
    return new BatonError(
      categories.rateLimited,
      `GitHub rate limit exhausted (${headers['x-ratelimit-resource'] ?? (rateLimitedGraphql ? 'graphql' : 'core')}) while trying to ${operation}; it resets in ${waitText(wait)}. Baton waits and retries; poll less often or add webhooks to use fewer requests`,
      { retryable: true, retryAfterMs: wait, details: { ...details, limit: 'primary' } },
    );
  }
  if ((status === 403 || status === 429) && (retryAfter !== null || /secondary rate/i.test(failure.message))) {
    const wait = retryAfter !== null ? retryAfter * 1000 : SECONDARY_DEFAULT_WAIT_MS;
    return new BatonError(
      categories.rateLimited,
      `GitHub secondary rate limit hit while trying to ${operation}; waiting ${waitText(wait)}. Baton retries after that; avoid running many agents' GitHub tools at once`,
      { retryable: true, retryAfterMs: wait, details: { ...details, limit: 'secondary' } },
    );
  }
  if (status === 429) {
    return new BatonError(categories.rateLimited, `GitHub answered 429 Too Many Requests while trying to ${operation}; Baton waits and retries`, {
      retryable: true,
      retryAfterMs: SECONDARY_DEFAULT_WAIT_MS,
      details,
    });
  }
  if (failure.graphqlErrors?.length) {
    const text = failure.graphqlErrors.map((e) => `${e.type ? `${e.type}: ` : ''}${e.message ?? 'error'}`).join('; ');
    return new BatonError(categories.response, `GitHub GraphQL errors while trying to ${operation}: ${text}`, {
      retryable: false,
      details: { ...details, errors: failure.graphqlErrors },
    });
  }
  if (status === 401) {
    return new BatonError(
      categories.status,
      `GitHub rejected the token (401 ${failure.message}) while trying to ${operation}; ${hints.token}`,
      { retryable: false, details },
    );
  }
  if (status === 403) {
    return new BatonError(
      categories.status,
      `GitHub refused access (403 ${failure.message}) while trying to ${operation}; ${hints.access}`,
      { retryable: false, details },
    );
  }
  if (status === 404) {
    return new BatonError(
      categories.status,
      `GitHub answered 404 while trying to ${operation}; ${hints.notFound}`,
      { retryable: false, details },
    );
  }
  return new BatonError(categories.status, `GitHub answered ${status} while trying to ${operation}: ${failure.message}`, {
    retryable: status >= 500,
    details,
  });
}

interface OctokitLikeError {
  name?: string;
  status?: number;
  message?: string;
  response?: { status?: number; headers?: Record<string, string | undefined>; data?: unknown };
  errors?: ReadonlyArray<{ type?: string; message?: string }>;
  headers?: Record<string, string | undefined>;
}

/** Adapt anything octokit throws (RequestError, GraphqlResponseError, AbortError, TypeError). */
export function toBatonError(err: unknown, operation: string, now = Date.now(), area: GithubArea = TRACKER_AREA): BatonError {
  if (err instanceof BatonError) return err;
  const e = (err ?? {}) as OctokitLikeError;
  if (e.name === 'GraphqlResponseError') {
    return classifyGithubFailure({ status: 200, headers: e.headers ?? {}, message: e.message ?? '', graphqlErrors: e.errors ?? [], operation }, now, area);
  }
  const response = e.response;
  if (!response || typeof response.status !== 'number') {
    const message = e.name === 'AbortError' || e.name === 'TimeoutError' ? 'timed out' : (e.message ?? String(err));
    return classifyGithubFailure({ status: null, headers: {}, message, operation }, now, area);
  }
  const data = response.data as { message?: unknown } | undefined;
  const message = typeof data?.message === 'string' ? data.message : (e.message ?? '');
  return classifyGithubFailure({ status: response.status, headers: response.headers ?? {}, message, operation }, now, area);
}

/** A response that arrived but cannot be used (not JSON, wrong shape). */
export function malformedResponse(operation: string, what: string, area: GithubArea = TRACKER_AREA): BatonError {
  return new BatonError(area.categories.response, `GitHub sent an unusable response while trying to ${operation}: ${what}`, {
    retryable: true,
    details: { operation },
  });
}
