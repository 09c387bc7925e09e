/**
 * When to restart a process that died, and when to stop trying: a pure rule over the times of
 * recent failures, so the embedded server's supervisor and its table test share one definition.
 *
 * A failure is an unexpected exit or a restart attempt that did not come up. The first failure in
 * a quiet window restarts at once (the SDK's calls in flight retry for about ten seconds, so a
 * fast restart loses nothing); each further one in the window doubles the wait, up to a cap; more
 * than `maxFailures` in the window means something outside Baton is wrong, and retrying hides it.
 */

export interface RestartPolicy {
  /** Failures tolerated within `windowMs`; one more gives up. */
  maxFailures: number;
  windowMs: number;
  /** The wait before the second restart in a window; it doubles from there. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const defaultRestartPolicy: RestartPolicy = {
  maxFailures: 5,
  windowMs: 120_000,
  initialBackoffMs: 500,
  maxBackoffMs: 10_000,
};

export type RestartDecision =
  | { kind: 'restart'; delayMs: number; failuresInWindow: number }
  | { kind: 'give-up'; failuresInWindow: number };

/** `failures`: times (ms) of failures so far, the latest included; `now` is the same clock. */
export function nextRestart(failures: readonly number[], now: number, policy: RestartPolicy = defaultRestartPolicy): RestartDecision {
  const failuresInWindow = failures.filter((t) => now - t < policy.windowMs).length;
  if (failuresInWindow > policy.maxFailures) return { kind: 'give-up', failuresInWindow };
  if (failuresInWindow <= 1) return { kind: 'restart', delayMs: 0, failuresInWindow };
  const delayMs = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (failuresInWindow - 2));
  return { kind: 'restart', delayMs, failuresInWindow };
}
