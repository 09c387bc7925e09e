/**
 * Maps what jira.js throws onto Baton's tracker error categories (SPEC §11.4). jira.js gives every
 * failure a type (ApiError subclasses, NetworkError, SchemaMismatchError) with predicates that
 * survive duplicated installs; 429 carries `retryAfterMs` from `Retry-After`.
 */
import {
  isApiError,
  isAuthError,
  isForbiddenError,
  isNetworkError,
  isRateLimitError,
  isSchemaMismatchError,
  isScopeError,
} from 'jira.js';
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';

/** Thrown by the adapter's own per-request timer. */
export class JiraTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'JiraTimeoutError';
  }
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
  if (isRateLimitError(error)) {
    const wait = error.retryAfterMs;
    return new BatonError(
      ErrorCategory.trackerRateLimited,
      `Jira rate limit hit while ${action}${wait === undefined ? '' : `; retry in ${Math.ceil(wait / 1000)} s`}`,
      { retryAfterMs: wait, details: { status: 429 }, cause: error },
    );
  }
  if (isAuthError(error) || isScopeError(error) || isForbiddenError(error)) {
    return new BatonError(
      ErrorCategory.trackerStatus,
      `Jira refused Baton's credentials while ${action} (HTTP ${error.status}${jiraErrorDetail(error.body) ? `: ${jiraErrorDetail(error.body)}` : ''}); check JIRA_EMAIL / JIRA_API_TOKEN and the account's access to the project`,
      { retryable: false, details: { status: error.status }, cause: error },
    );
  }
  if (isApiError(error)) {
    const detail = jiraErrorDetail(error.body) ?? error.statusText;
    const hint = error.status === 400 && /jql/i.test(detail ?? '') ? '; check tracker.provider.jql and the state names' : error.status >= 500 ? '; Jira may be down, Baton retries next tick' : '';
    return new BatonError(ErrorCategory.trackerStatus, `Jira answered HTTP ${error.status} while ${action}: ${detail ?? 'no detail'}${hint}`, {
      retryable: error.status >= 500 || error.status === 408,
      details: { status: error.status },
      cause: error,
    });
  }
  if (isSchemaMismatchError(error) || error instanceof SyntaxError) {
    return new BatonError(ErrorCategory.trackerResponse, `Jira returned a body Baton cannot read while ${action}: ${oneLine((error as Error).message, 200)}`, {
      cause: error,
    });
  }
  if (error instanceof JiraTimeoutError) {
    return new BatonError(ErrorCategory.trackerRequest, `Jira did not answer within ${error.timeoutMs} ms while ${action} (${baseUrl}); Baton retries next tick`, {
      cause: error,
    });
  }
  const reason = isNetworkError(error) ? (error.code ?? error.message) : error instanceof Error ? error.message : String(error);
  return new BatonError(
    ErrorCategory.trackerRequest,
    `could not reach Jira at ${baseUrl} while ${action} (${oneLine(reason, 120)}); check the network and tracker.provider.base_url`,
    { cause: error },
  );
}
