/**
 * Maps what `@linear/sdk`'s GraphQL client throws onto Baton's tracker error categories
 * (SPEC §11.4). Linear signals a rate limit two ways — HTTP 429, or HTTP 400 whose GraphQL error
 * carries `extensions.code: RATELIMITED` (with or without `type: ratelimited`) — and both map to
 * `tracker_rate_limited` with the wait Linear asked for.
 */
import { LinearError, LinearErrorType } from '@linear/sdk';
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';

/** The GraphQLClientError response the SDK keeps in `LinearError.raw`. */
interface RawResponse {
  status?: number;
  headers?: Headers;
  errors?: Array<{ message?: string; extensions?: Record<string, unknown> }>;
  /** Set when the body was not JSON. */
  error?: string;
}

function rawResponse(error: LinearError): RawResponse {
  const raw = error.raw as { response?: RawResponse } | undefined;
  return raw?.response ?? {};
}

/** Milliseconds to wait, from `retry-after` (seconds) or the requests-reset epoch (ms). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const retryAfter = headers?.get('retry-after');
  if (retryAfter && /^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.ceil(Number(retryAfter) * 1000);
  const reset = Number(headers?.get('x-ratelimit-requests-reset') ?? headers?.get('x-ratelimit-complexity-reset'));
  if (Number.isFinite(reset) && reset > now) return reset - now;
  return undefined;
}

function isRateLimited(error: LinearError, response: RawResponse): boolean {
  if (error.type === LinearErrorType.Ratelimited || response.status === 429) return true;
  return (response.errors ?? []).some((e) => String(e.extensions?.code ?? '').toUpperCase() === 'RATELIMITED');
}

/**
 * A BatonError for a failed Linear call. `action` says what Baton was doing ("polling issues"),
 * so the message reads "Linear … while polling issues: …; what to do".
 */
export function linearErrorToBaton(error: unknown, action: string, endpoint: string): BatonError {
  if (error instanceof BatonError) return error;
  if (error instanceof LinearError) {
    const response = rawResponse(error);
    const status = response.status ?? error.status;
    const detail = oneLine(error.message || 'no message', 200);
    const details = { status, linear_type: error.type, errors: response.errors?.map((e) => e.message) };
    if (isRateLimited(error, response)) {
      const wait = retryAfterMs(response.headers);
      return new BatonError(
        ErrorCategory.trackerRateLimited,
        `Linear rate limit hit while ${action}${wait === undefined ? '' : `; retry in ${Math.ceil(wait / 1000)} s`}: ${detail}`,
        { retryAfterMs: wait, details, cause: error },
      );
    }
    if (status === 401 || status === 403 || error.type === LinearErrorType.AuthenticationError || error.type === LinearErrorType.Forbidden) {
      return new BatonError(
        ErrorCategory.trackerStatus,
        `Linear refused the API key while ${action} (HTTP ${status ?? '?'}: ${detail}); check LINEAR_API_KEY / tracker.provider.api_key and its access to the project`,
        { retryable: false, details, cause: error },
      );
    }
    if (status !== undefined && (status < 200 || status >= 300)) {
      return new BatonError(
        ErrorCategory.trackerStatus,
        `Linear answered HTTP ${status} while ${action}: ${detail}${status >= 500 ? '; Linear may be down, Baton retries next tick' : ''}`,
        { retryable: status >= 500 || status === 408, details, cause: error },
      );
    }
    const what = response.error !== undefined ? 'a body that is not JSON' : 'GraphQL errors';
    return new BatonError(ErrorCategory.trackerResponse, `Linear returned ${what} while ${action}: ${detail}`, { details, cause: error });
  }
  if (error instanceof SyntaxError) {
    return new BatonError(
      ErrorCategory.trackerResponse,
      `Linear returned malformed JSON while ${action}: ${oneLine(error.message, 200)}`,
      { cause: error },
    );
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new BatonError(ErrorCategory.trackerRequest, `Linear did not answer in time while ${action} (${endpoint}); Baton retries next tick`, {
      cause: error,
    });
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new BatonError(
    ErrorCategory.trackerRequest,
    `could not reach Linear at ${endpoint} while ${action} (${oneLine(reason, 120)}); check the network and tracker.provider.endpoint`,
    { cause: error },
  );
}
