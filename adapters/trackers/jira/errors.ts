/**
 * Maps what the Jira client (client.ts) throws onto Baton's tracker error categories (SPEC §11.4):
 * an HTTP answer outside 2xx (JiraHttpError, with `Retry-After` for 429), the adapter's own
 * timeout, a body that is not JSON, and fetch's transport failures.
 */
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';

/** Jira answered, with a status outside 2xx. */
export class JiraHttpError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    /** The parsed JSON body, or its text when it was not JSON. */
    readonly body: unknown,
    /** From `Retry-After` (429 and some 503s). */
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status} ${statusText}`);
    this.name = 'JiraHttpError';
  }
}

/** Thrown when Jira does not answer within the per-request timeout (the request is aborted). */
export class JiraTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'JiraTimeoutError';
  }
}

/** The network-level reason of a fetch failure (`ECONNREFUSED`, `UND_ERR_SOCKET`, …). */
function transportReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Jira's `{ errorMessages: [...], errors: { field: message } }`, flattened to one line. */
export function jiraErrorDetail(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body.trim() ? oneLine(body, 200) : undefined;
  const { errorMessages, errors } = body as { errorMessages?: unknown; errors?: unknown };
  const parts = [
    ...(Array.isArray(errorMessages) ? errorMessages.map(String) : []),
    ...(errors && typeof errors === 'object' ? Object.entries(errors).map(([field, message]) => `${field}: ${String(message)}`) : []),
  ];
  return parts.length ? oneLine(parts.join('; '), 300) : undefined;
}

/** A BatonError for a failed Jira call; `action` says what Baton was doing. */
export function jiraErrorToBaton(error: unknown, action: string, baseUrl: string): BatonError {
  if (error instanceof BatonError) return error;
  if (error instanceof JiraHttpError && error.status === 429) {
    const wait = error.retryAfterMs;
    return new BatonError(
      ErrorCategory.trackerRateLimited,
      `Jira rate limit hit while ${action}${wait === undefined ? '' : `; retry in ${Math.ceil(wait / 1000)} s`}`,
      { retryAfterMs: wait, details: { status: 429 }, cause: error },
    );
  }
  if (error instanceof JiraHttpError && (error.status === 401 || error.status === 403)) {
    const detail = jiraErrorDetail(error.body);
    return new BatonError(
      ErrorCategory.trackerStatus,
      `Jira refused Baton's credentials while ${action} (HTTP ${error.status}${detail ? `: ${detail}` : ''}); check JIRA_EMAIL / JIRA_API_TOKEN and the account's access to the project`,
      { retryable: false, details: { status: error.status }, cause: error },
    );
  }
  if (error instanceof JiraHttpError) {
    const detail = jiraErrorDetail(error.body) ?? (error.statusText || undefined);
    const hint = error.status === 400 && /jql/i.test(detail ?? '') ? '; check tracker.provider.jql and the state names' : error.status >= 500 ? '; Jira may be down, Baton retries next tick' : '';
    return new BatonError(ErrorCategory.trackerStatus, `Jira answered HTTP ${error.status} while ${action}: ${detail ?? 'no detail'}${hint}`, {
      retryable: error.status >= 500 || error.status === 408,
      details: { status: error.status },
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return new BatonError(ErrorCategory.trackerResponse, `Jira returned a body Baton cannot read while ${action}: ${oneLine(error.message, 200)}`, { cause: error });
  }
  if (error instanceof JiraTimeoutError) {
    return new BatonError(ErrorCategory.trackerRequest, `Jira did not answer within ${error.timeoutMs} ms while ${action} (${baseUrl}); Baton retries next tick`, {
      cause: error,
    });
  }
  return new BatonError(
    ErrorCategory.trackerRequest,
    `could not reach Jira at ${baseUrl} while ${action} (${oneLine(transportReason(error), 120)}); check the network and tracker.provider.base_url`,
    { cause: error },
  );
}
