/**
 * GitLab failures → Baton's tracker error categories (SPEC §11.4). A pure decision over what the
 * response said (status, `RateLimit-*`/`Retry-After` headers, GitLab's `message`/`error` body), so
 * every rule has a table test; `client.ts` feeds it.
 */
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';

/** What a failed GitLab exchange told us. */
export interface GitlabFailure {
  /** HTTP status, or null when no response arrived (DNS, refused, reset, timeout). */
  status: number | null;
  /** Response headers, lower-case names. */
  headers: Record<string, string | undefined>;
  /** GitLab's message (`message`, `error`, `error_description`) or the transport error's. */
  message: string;
  /** What Baton was doing (`list issues of acme/app`). */
  operation: string;
  timedOut?: boolean;
}

/** GitLab.com's limits are per minute: without a hint, wait one window. */
const DEFAULT_WAIT_MS = 60_000;

function seconds(value: string | undefined): number | null {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return null;
  return Number(value.trim());
}

function waitText(ms: number): string {
  return ms >= 60_000 ? `${Math.ceil(ms / 60_000)} min` : `${Math.ceil(ms / 1000)} s`;
}

/** How long GitLab asks us to wait: `Retry-After` (seconds), else until `RateLimit-Reset` (epoch seconds). */
export function gitlabRetryAfterMs(headers: GitlabFailure['headers'], now = Date.now()): number | null {
  const retryAfter = seconds(headers['retry-after']);
  if (retryAfter !== null) return retryAfter * 1000;
  const reset = seconds(headers['ratelimit-reset']);
  return reset === null ? null : Math.max(0, reset * 1000 - now);
}

/** GitLab's error body (`{"message": "404 Not found"}`, `{"message": {"labels": [..]}}`, `{"error": ..}`) as one line. */
export function gitlabErrorText(body: unknown): string {
  if (typeof body === 'string') return oneLine(body, 200);
  if (!body || typeof body !== 'object') return '';
  const { message, error, error_description } = body as Record<string, unknown>;
  const text = (value: unknown): string =>
    typeof value === 'string'
      ? value
      : value && typeof value === 'object'
        ? Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('; ')
        : '';
  return oneLine([text(message), text(error), text(error_description)].filter(Boolean).join(' — '), 300);
}

/** Classify one failure. `now` is injectable so reset arithmetic is testable. */
export function classifyGitlabFailure(failure: GitlabFailure, now = Date.now()): BatonError {
  const { status, headers, operation } = failure;
  const details = { status, operation, ratelimit_remaining: headers['ratelimit-remaining'] ?? null };
  if (status === null) {
    const what = failure.timedOut ? 'no answer in time' : failure.message;
    return new BatonError(ErrorCategory.trackerRequest, `GitLab request failed (${operation}): ${what}; check that provider.api_url is reachable from this host`, {
      retryable: true,
      details,
    });
  }
  if (status === 429) {
    const wait = gitlabRetryAfterMs(headers, now) ?? DEFAULT_WAIT_MS;
    return new BatonError(
      ErrorCategory.trackerRateLimited,
      `GitLab rate limit hit while trying to ${operation}; retry in ${waitText(wait)}. Baton waits and retries; poll less often or add the webhook to use fewer requests`,
      { retryable: true, retryAfterMs: wait, details },
    );
  }
  const said = failure.message ? `: ${failure.message}` : '';
  if (status === 401) {
    return new BatonError(ErrorCategory.trackerStatus, `GitLab rejected the token (401${said}) while trying to ${operation}; set a valid token in provider.api_key or GITLAB_PAT`, {
      retryable: false,
      details,
    });
  }
  if (status === 403) {
    return new BatonError(
      ErrorCategory.trackerStatus,
      `GitLab refused access (403${said}) while trying to ${operation}; the token needs the \`api\` scope and at least the Reporter role (Planner/Reporter to label, Developer to close)`,
      { retryable: false, details },
    );
  }
  if (status === 404) {
    return new BatonError(ErrorCategory.trackerStatus, `GitLab answered 404${said} while trying to ${operation}; check provider.project_path and that the token can see the project`, {
      retryable: false,
      details,
    });
  }
  return new BatonError(ErrorCategory.trackerStatus, `GitLab answered ${status}${said} while trying to ${operation}${status >= 500 ? '; GitLab may be down, Baton retries next tick' : ''}`, {
    retryable: status >= 500 || status === 408,
    details,
  });
}

/** A response that arrived but cannot be used (not JSON, wrong shape). */
export function malformedResponse(operation: string, what: string): BatonError {
  return new BatonError(ErrorCategory.trackerResponse, `GitLab sent an unusable response while trying to ${operation}: ${what}`, {
    retryable: true,
    details: { operation },
  });
}
