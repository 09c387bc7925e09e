/**
 * A tracker that answers a poll with a rate limit and a wait (`BatonError.retryAfterMs`, from the
 * provider's Retry-After) is not polled again until the wait has passed, whatever the poll
 * interval (SPEC §11.4): the orchestrator records when the next poll may go and skips that
 * tracker until then. Any adapter: here the worker's real file tracker, whose next poll is made to
 * fail (the Linear client also holds its own requests back: test/faults/tracker-outage.test.ts).
 * In-process worker, real dev server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonError, ErrorCategory } from '../../core/errors.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor } from '../helpers/deployment.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Long enough for the test to read the orchestrator's status inside the wait. */
const WAIT_MS = 4_000;

describe('a poll answered with a rate limit', () => {
  it('the tracker is not polled again before its Retry-After has passed; the outage is recorded with its cause', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'RATE-1' }],
      config: { stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' } }] },
    });
    const worker = await startWorker(env, d);
    try {
      const adapter = await worker.runtime.tracker('local');
      const poll = adapter.poll!.bind(adapter);
      const calls: number[] = [];
      let limitedAt = 0;
      adapter.poll = (states, ids) => {
        calls.push(Date.now());
        if (limitedAt === 0) {
          limitedAt = Date.now();
          return Promise.reject(new BatonError(ErrorCategory.trackerRateLimited, 'rate limit hit while polling issues (injected); retry in 4 s', { retryAfterMs: WAIT_MS }));
        }
        return poll(states, ids);
      };

      const failing = await waitFor('the outage recorded', async () => {
        const t = (await orchestratorStatus(env.client, d)).trackers.local;
        return t && !t.ok ? t : null;
      }, 30_000);
      expect(failing.error).toEqual({ category: 'tracker_rate_limited', message: 'rate limit hit while polling issues (injected); retry in 4 s' });
      expect(Date.parse(failing.retryAt ?? '')).toBeGreaterThanOrEqual(limitedAt + WAIT_MS);

      await waitFor('a poll after the rate limit', async () => calls.length >= 2, 30_000);
      const next = calls[1]!;
      console.info(`[figures] poll rate-limited with a ${WAIT_MS} ms wait: the next poll came ${next - limitedAt} ms later`);
      expect(next - limitedAt, 'the next poll waited out the Retry-After').toBeGreaterThanOrEqual(WAIT_MS);

      const recovered = await waitFor('the orchestrator sees the tracker again', async () => {
        const t = (await orchestratorStatus(env.client, d)).trackers.local;
        return t?.ok ? t : null;
      }, 30_000);
      expect(recovered).toMatchObject({ ok: true, error: null });
      await waitFor('RATE-1 done', async () => (await issueStatus(env.client, 'RATE-1')).status === 'done', 30_000);
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
