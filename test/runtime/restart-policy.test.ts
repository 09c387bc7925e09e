/** When the embedded server's supervisor restarts, waits, or gives up (runtime/restart-policy.ts). */
import { describe, expect, it } from 'vitest';
import { defaultRestartPolicy, nextRestart } from '../../runtime/restart-policy.js';

const policy = { maxFailures: 3, windowMs: 60_000, initialBackoffMs: 500, maxBackoffMs: 1_500 };
const now = 1_000_000;

describe('nextRestart', () => {
  it.each([
    ['the first failure: restart at once', [now], { kind: 'restart', delayMs: 0, failuresInWindow: 1 }],
    ['a second failure in the window waits the initial back-off', [now - 5_000, now], { kind: 'restart', delayMs: 500, failuresInWindow: 2 }],
    ['a third doubles it', [now - 9_000, now - 5_000, now], { kind: 'restart', delayMs: 1_000, failuresInWindow: 3 }],
    ['one more than allowed gives up', [now - 12_000, now - 9_000, now - 5_000, now], { kind: 'give-up', failuresInWindow: 4 }],
    ['old failures fall out of the window', [now - 200_000, now - 100_000, now - 61_000, now], { kind: 'restart', delayMs: 0, failuresInWindow: 1 }],
    ['a failure exactly one window ago no longer counts', [now - 60_000, now], { kind: 'restart', delayMs: 0, failuresInWindow: 1 }],
  ] as const)('%s', (_what, failures, decision) => {
    expect(nextRestart(failures, now, policy)).toEqual(decision);
  });

  it('caps the back-off', () => {
    const wide = { ...policy, maxFailures: 10 };
    const failures = Array.from({ length: 6 }, (_, i) => now - i * 1_000);
    expect(nextRestart(failures, now, wide)).toEqual({ kind: 'restart', delayMs: 1_500, failuresInWindow: 6 });
  });

  it('by default tolerates 5 failures in 2 minutes, the first restart immediate', () => {
    expect(defaultRestartPolicy).toMatchObject({ maxFailures: 5, windowMs: 120_000 });
    expect(nextRestart([now], now)).toMatchObject({ kind: 'restart', delayMs: 0 });
    expect(nextRestart([1, 2, 3, 4, 5, 6].map((i) => now - i * 1_000), now)).toMatchObject({ kind: 'give-up' });
  });
});
