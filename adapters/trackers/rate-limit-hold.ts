/**
 * A rate limit's wait binds the tracker's credentials, not the one request that got it. Every
 * adapter `createTracker` builds is wrapped here, so that until the wait (`retryAfterMs` on a
 * `tracker_rate_limited` error) ends, each request method fails at once without a request, with
 * the same cause (an outage is logged once) and the wait that is left (a retried activity sleeps
 * exactly that long). State it owns, per adapter instance: the last such error and when its wait
 * ends. Without it the orchestrator's poll and a stage's failed write were retried inside the wait.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { TrackerAdapter } from './types.js';

/** The adapter methods that talk to the provider (agent tools answer rate limits to the agent). */
const REQUEST_METHODS: ReadonlySet<PropertyKey> = new Set<keyof TrackerAdapter>([
  'fetchIssuesByStates',
  'fetchIssuesByIds',
  'poll',
  'moveToState',
  'addLabels',
  'removeLabels',
  'upsertProgressComment',
  'writeBatch',
  'linkPullRequest',
]);

type AsyncCall = (...args: unknown[]) => Promise<unknown>;

export function holdDuringRateLimits(adapter: TrackerAdapter, now: () => number = Date.now): TrackerAdapter {
  let held: { error: BatonError; until: number } | null = null;
  const guarded = (call: AsyncCall): AsyncCall => async (...args) => {
    if (held) {
      const left = held.until - now();
      if (left > 0) throw new BatonError(held.error.category, held.error.message, { retryAfterMs: left, details: held.error.details, cause: held.error });
      held = null;
    }
    try {
      return await call(...args);
    } catch (err) {
      if (err instanceof BatonError && err.category === ErrorCategory.trackerRateLimited && err.retryAfterMs !== undefined && err.retryAfterMs > 0) {
        held = { error: err, until: now() + err.retryAfterMs };
      }
      throw err;
    }
  };
  return new Proxy(adapter, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const bound = (value as AsyncCall).bind(target);
      return REQUEST_METHODS.has(prop) ? guarded(bound) : bound;
    },
  });
}
