/**
 * Tracker outages end to end (issue 10 §5), on the Linear fake with a real `baton worker` process
 * and the shared dev server: Linear answers one request with a rate limit (429 + Retry-After), an
 * HTTP 500, a body that is not JSON, or no answer at all (past `provider.timeout_ms`).
 *
 * - Aimed at the orchestrator's candidate poll: the worker keeps running, the outage is logged
 *   with the adapter's own cause (`tracker_poll_failed`: category and message, never Temporal's
 *   "Activity task failed"), the poll resumes, and the issue reaches Done with each state move and
 *   the progress comment written once. After a 429 no request reaches Linear before the
 *   Retry-After has passed.
 * - Aimed at the stage's state move (`BatonIssueUpdate`): the stage's writes fail after its agent
 *   finished, the workflow retries them (activities/stage/writes.ts: every write idempotent), the
 *   agent never runs again, and Linear shows one move per state and one comment, created once.
 *
 * Figures (printed, not asserted): how long after the fault the next request for that document
 * reached Linear. After a 429 every request with the key waits out Retry-After (the Linear
 * client holds them back: adapters/trackers/linear/client.ts).
 */
import { describe, expect, it } from 'vitest';
import type { WorkerProcess } from '../helpers/processes.js';
import { scaled, timeScale } from '../helpers/time.js';
import type { LinearFault, RecordedRequest } from '../fakes/linear/index.js';
import { expectWrittenOnce, useKillHarness } from './kill-harness.js';
import { isMove, linearDeployment, operation, STATES, workerRecords, type LinearDeployment } from './linear-deployment.js';

const harness = useKillHarness();

const RETRY_AFTER_S = 2;
/** Linear's per-request timeout in the hang cases: a hung request fails after this. */
const HANG_TIMEOUT_MS = 2_000;

interface FaultCase {
  fault: LinearFault;
  /** The BatonError category the adapter gives this fault (core/errors.ts). */
  category: string;
  /** What the adapter's message says about it. */
  cause: RegExp;
}

const CASES: Record<string, FaultCase> = {
  '429 + Retry-After': { fault: { kind: 'rate-limit', form: 'http-429', retryAfterSeconds: RETRY_AFTER_S }, category: 'tracker_rate_limited', cause: /Linear rate limit hit while .*retry in 2 s/ },
  'HTTP 500': { fault: { kind: 'status', status: 500 }, category: 'tracker_status', cause: /Linear answered HTTP 500 while / },
  'malformed JSON': { fault: { kind: 'malformed-body' }, category: 'tracker_response', cause: /Linear returned (malformed JSON|a body that is not JSON) while / },
  'a hang past timeout_ms': { fault: { kind: 'hang' }, category: 'tracker_request', cause: /Linear did not answer in time while / },
};
const TABLE = Object.entries(CASES).map(([name, c]) => ({ name, ...c }));

/**
 * The orchestrator's candidate poll: `BatonPoll` over every active state. A starting worker's
 * preflight sends the same document for the first active state only.
 */
function isCandidatePoll(r: RecordedRequest): boolean {
  return operation(r) === 'BatonPoll' && r.variables.withCandidates === true && JSON.stringify(r.variables.candidateFilter).includes(STATES.merge);
}

const isUpdate = (r: RecordedRequest) => operation(r) === 'BatonIssueUpdate';

/** A starting worker's preflight read (its own adapter, before any issue runs). */
function isPreflightRead(r: RecordedRequest): boolean {
  return operation(r) === 'BatonPoll' && r.variables.withInflight === false && !isCandidatePoll(r);
}

/** A deployment with `fault` queued for the first request `match` accepts, and its worker started. */
async function faulted(prefix: string, c: FaultCase, match: (r: RecordedRequest) => boolean): Promise<{ dep: LinearDeployment; worker: WorkerProcess }> {
  const dep = harness().own(await linearDeployment({ prefix, ...(c.fault.kind === 'hang' ? { timeoutMs: scaled(HANG_TIMEOUT_MS) } : {}) }));
  dep.fake.inject({ ...c.fault, match });
  const worker = await harness().start(dep, `${prefix.toLowerCase()}-host`);
  return { dep, worker };
}

/** The first request `match` accepts (the one the fault answered) and the next one after it. */
function faultedAndNext(dep: LinearDeployment, match: (r: RecordedRequest) => boolean): { hit: RecordedRequest; next: RecordedRequest | undefined } {
  const all = dep.fake.requests.filter(match);
  expect(all.length, 'the faulted request reached the fake').toBeGreaterThan(0);
  return { hit: all[0]!, next: all[1] };
}

function figure(what: string, hit: RecordedRequest, next: RecordedRequest | undefined): void {
  const gap = next ? `${next.at - hit.at} ms` : 'never';
  console.info(`[figures] ${what}: the next such request reached Linear ${gap} after the faulted one (time scale ${timeScale})`);
}

describe('tracker outages (Linear fake, real worker process)', () => {
  it.each(TABLE)('the candidate poll answered with $name: logged with its cause, polling resumes, Done, nothing written twice', { timeout: scaled(240_000) }, async (c) => {
    const { dep, worker } = await faulted(`P${c.fault.kind.slice(0, 3).toUpperCase()}`, c, isCandidatePoll);
    await harness().untilDone(dep);
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'review', 'merge']);

    expect(dep.fake.requests.filter(isMove), 'each state move requested once').toHaveLength(4);
    const { hit, next } = faultedAndNext(dep, isCandidatePoll);
    figure(`candidate poll answered with ${c.name}`, hit, next);
    const records = await workerRecords(worker);
    const failed = records.filter((r) => r.event === 'tracker_poll_failed');
    expect(failed, 'the outage is logged once, with the adapter cause').toHaveLength(1);
    expect(failed[0]).toMatchObject({ tracker: 'linear', category: c.category });
    expect(String(failed[0]!.cause)).toMatch(c.cause);
    const recovered = records.filter((r) => r.event === 'tracker_poll_recovered');
    expect(recovered).toHaveLength(1);
    expect(String(recovered[0]!.last_cause)).toMatch(c.cause);
    expect(records.some((r) => JSON.stringify(r).includes('Activity task failed')), 'no Temporal wrapper as the cause').toBe(false);
    expect(records.filter((r) => r.level === 50 || r.level === 60), 'no error or fatal log line').toEqual([]);

    if (c.fault.kind === 'rate-limit') {
      // Retry-After honoured: no poll reached Linear until it had passed since the 429.
      const early = dep.fake.requests.filter((r) => r.at > hit.at && r.at < hit.at + RETRY_AFTER_S * 1000 && isCandidatePoll(r));
      expect(early.map(operation), `requests within Retry-After (${RETRY_AFTER_S} s) of the 429`).toEqual([]);
    }
  });

  it.each(TABLE)("the stage's state move answered with $name: the writes are retried, the agent is not; Done, one move each, one comment", { timeout: scaled(240_000) }, async (c) => {
    const { dep, worker } = await faulted(`W${c.fault.kind.slice(0, 3).toUpperCase()}`, c, isUpdate);
    await harness().untilDone(dep);
    // One agent run per stage: a write outage never re-runs a finished agent.
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'review', 'merge']);

    const { hit, next } = faultedAndNext(dep, isUpdate);
    expect(isMove(hit), 'the fault answered the plan stage\'s state move').toBe(true);
    expect(next && isMove(next) && next.variables.input).toEqual(hit.variables.input);
    figure(`state move answered with ${c.name}`, hit, next);
    const moves = dep.fake.requests.filter(isMove).map((r) => dep.fake.store.states.get((r.variables.input as { stateId: string }).stateId)!.name);
    expect(moves, 'the faulted move, its retry, then one move per stage').toEqual([STATES.implement, STATES.implement, STATES.review, STATES.merge, STATES.done]);

    const records = await workerRecords(worker);
    const writeFailed = records.filter((r) => r.event === 'write_failed');
    expect(writeFailed, "the stage's own write attempt failed once").toHaveLength(1);
    expect(String(writeFailed[0]!.err)).toMatch(c.cause);
    expect(records.filter((r) => r.event === 'stage_failed'), 'a write outage is not a stage failure').toEqual([]);

    if (c.fault.kind === 'rate-limit') {
      // Retry-After binds the key: neither the write's retry nor the polls came before it passed.
      const early = dep.fake.requests.filter((r) => r.at > hit.at && r.at < hit.at + RETRY_AFTER_S * 1000 && !isPreflightRead(r));
      expect(early.map(operation), `requests within Retry-After (${RETRY_AFTER_S} s) of the 429`).toEqual([]);
    }
  });
});
