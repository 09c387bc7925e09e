/**
 * The pipeline end to end, once per tracker provider (Baton issue 5): one provider-neutral
 * scenario run against a provider's schema-validating fake. Each provider file supplies a
 * {@link ProviderHarness} (its tracker config and how to read its fake); this module drives the
 * deployment, plays the reviewer, and asserts what every provider must show: four stages in order,
 * every state change and the gate label in the fake's own store, one progress comment updated in
 * place, an unlabelled issue left alone, and one poll request per orchestrator tick.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { agentRuns, createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor, type Deployment } from '../helpers/deployment.js';
import type { TestTemporalEnv } from '../helpers/temporal.js';
import type { IssueStatus } from '../../core/protocol.js';
import { trackerPollCount } from '../../base/metrics.js';

/** The label a reviewer adds to approve the review gate (Baton removes it once the gate decides). */
export const GATE_LABEL = 'approved';

/** The provider's spelling of each stage's state. */
export interface PipelineStates {
  plan: string;
  implement: string;
  review: string;
  merge: string;
  done: string;
}

/** The four default stages; review waits for {@link GATE_LABEL}. */
export function pipelineStages(s: PipelineStates): Array<Record<string, unknown>> {
  return [
    { name: 'plan', states: [s.plan], prompt: 'plan {{ issue.identifier }}', on_success: { move_to: s.implement } },
    { name: 'implement', states: [s.implement], prompt: 'implement {{ issue.identifier }}', on_success: { move_to: s.review } },
    {
      name: 'review',
      states: [s.review],
      prompt: 'review {{ issue.identifier }}',
      on_success: { move_to: s.merge },
      gate: { wait_for: 'label', label: GATE_LABEL },
    },
    { name: 'merge', states: [s.merge], prompt: 'merge {{ issue.identifier }}', on_success: { move_to: s.done } },
  ];
}

/** What one clean run leaves in the issue workflow's history (and so in the progress comment). */
export const EXPECTED_HISTORY: ReadonlyArray<readonly [stage: string, outcome: string]> = [
  ['plan', 'succeeded'],
  ['implement', 'succeeded'],
  ['review', 'succeeded'],
  ['review', 'approved'],
  ['merge', 'succeeded'],
];

// ---------------------------------------------------------------- change log of a fake's row

/**
 * Turns `row[field]` into an accessor that appends `describe(previous, next)` to `log` on every
 * assignment, whoever makes it (a request Baton sent, or the test playing a person). The fakes
 * keep no write log of their own; this records the store's actual changes in order, not the
 * requests that asked for them.
 */
function watchField<T extends object, K extends keyof T>(row: T, field: K, log: string[], describe: (previous: T[K], next: T[K]) => string[]): void {
  let value = row[field];
  Object.defineProperty(row, field, {
    enumerable: true,
    configurable: true,
    get: () => value,
    set: (next: T[K]) => {
      log.push(...describe(value, next));
      value = next;
    },
  });
}

/**
 * The change log of one issue row: `state <name>` and `+label`/`-label <name>` entries in the
 * order the store changed, read through the provider's id → name lookups.
 */
export function recordChanges<T extends object, S extends keyof T, L extends keyof T>(
  row: T,
  state: { field: S; name: (value: T[S]) => string },
  labels: { field: L; names: (value: T[L]) => string[] },
): string[] {
  const log: string[] = [];
  watchField(row, state.field, log, (p, n) => stateChange(state.name(p), state.name(n)));
  watchField(row, labels.field, log, (p, n) => labelChanges(labels.names(p), labels.names(n)));
  return log;
}

/** `state <name>` when the state really changed. */
function stateChange(previous: string, next: string): string[] {
  return previous === next ? [] : [`state ${next}`];
}

/** `+label <name>` / `-label <name>` for each label added or removed. */
function labelChanges(previous: readonly string[], next: readonly string[]): string[] {
  return [...next.filter((l) => !previous.includes(l)).map((l) => `+label ${l}`), ...previous.filter((l) => !next.includes(l)).map((l) => `-label ${l}`)];
}

// ---------------------------------------------------------------- poll accounting

/**
 * Counts taken at one moment: Baton's polls of the tracker (a tick's, or the idle watch's, from
 * `baton_tracker_polls_total`), every request the fake saw, and poll requests among them.
 */
export interface PollPoint {
  ticks: number;
  requests: number;
  polls: number;
}

/** What a fake records, as far as poll accounting needs. */
export interface RequestLog<R> {
  readonly requests: readonly R[];
}

function countPolls<R>(requests: readonly R[], isPoll: (r: R) => boolean): number {
  return requests.reduce((n, r) => n + (isPoll(r) ? 1 : 0), 0);
}

/**
 * Reads Baton's poll counter right after a poll request reached the fake: the counter moves when
 * a poll starts and its request follows at once, so just after a poll lands both counts describe
 * the same poll. A point where another request arrived during the query is
 * taken again. The next tick is a poll interval away, so the counts can only disagree by one if
 * the query itself takes that long.
 */
export async function pollPoint<R>(tracker: string, fake: RequestLog<R>, isPoll: (r: R) => boolean): Promise<PollPoint> {
  for (let tries = 0; tries < 5; tries += 1) {
    const before = countPolls(fake.requests, isPoll);
    await waitFor('the next poll request', async () => countPolls(fake.requests, isPoll) > before, 10_000, 5);
    const requests = fake.requests.length;
    const ticks = await trackerPollCount(tracker);
    if (fake.requests.length === requests) return { ticks, requests, polls: countPolls(fake.requests, isPoll) };
  }
  throw new Error('could not take a quiet poll point in 5 tries: the fake never stopped receiving requests');
}

/** Per-tick figures between two points. */
export function perTick(from: PollPoint, to: PollPoint): { ticks: number; polls: number; requests: number; pollsPerTick: number; requestsPerTick: number } {
  const ticks = to.ticks - from.ticks;
  const polls = to.polls - from.polls;
  const requests = to.requests - from.requests;
  return { ticks, polls, requests, pollsPerTick: polls / ticks, requestsPerTick: requests / ticks };
}

// ---------------------------------------------------------------- the scenario

/**
 * Agent script body: one `envcheck <stage> <names>` line in the agent log per run, naming which of
 * `names` the agent could see (`-` for none). The log sits next to the script (`$0`).
 */
export function secretCheckBody(names: readonly string[]): string {
  for (const name of names) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an environment variable name: ${name}`);
  return [
    'seen=""',
    `for v in ${names.join(' ')}; do if [ -n "\${!v+x}" ]; then seen="$seen$v,"; fi; done`,
    'echo "envcheck $BATON_STAGE ${seen:--}" >> "$(dirname "$0")/agent.log"',
  ].join('\n');
}

/** One provider's fake, as the scenario drives and reads it. */
export interface ProviderHarness<R> {
  /** Tracker name in the deployment (and so in workflow ids). */
  tracker: string;
  /** The `trackers[0]` entry of baton.yaml (secrets as `$VAR`, with the env set by the caller). */
  trackerConfig: Record<string, unknown>;
  states: PipelineStates;
  /** Environment variables that hold the tracker's secrets (set in this process for the worker). */
  secretEnv: readonly string[];
  /** The labelled issue that goes through the pipeline, and the unlabelled one left alone. */
  labelled: { id: string; identifier: string };
  unlabelled: { id: string; identifier: string };
  /** Change log of the labelled issue's state and labels, in the order the store changed. */
  changes: readonly string[];
  /** Same for the unlabelled issue: must stay empty. */
  unlabelledChanges: readonly string[];
  /** The reviewer adds the gate label in the tracker. */
  addGateLabel(): void;
  /** Provider snapshot of an issue: state name, label names, comment bodies as text. */
  read(identifier: string): { state: string; labels: string[]; comments: string[] };
  /** Comment creations and updates Baton asked for, on the given issue. */
  commentWrites(issueId: string): { created: number; updated: number };
  /** True when a request names the given issue (reads and writes alike), for "left alone". */
  mentions(r: R, issueId: string): boolean;
  /** A one-line description of a request for failure messages. */
  describe(r: R): string;
  fake: RequestLog<R>;
  /** True for the orchestrator's poll (candidates by state, with or without in-flight ids). */
  isPoll(r: R): boolean;
}

export interface ScenarioResult {
  deployment: Deployment;
  status: IssueStatus;
  /** Ticks and requests from the worker's start until the issue was done. */
  run: ReturnType<typeof perTick>;
  /** Ticks and requests while idle after it. */
  idle: ReturnType<typeof perTick>;
}

/**
 * Runs the labelled issue through plan → implement → review (label gate) → merge → done on a real
 * worker and the shared Temporal server, and asserts what every provider must show. Returns the
 * figures for provider-specific assertions.
 */
export async function runPipelineScenario<R>(env: TestTemporalEnv, h: ProviderHarness<R>, options: { idleTicks?: number } = {}): Promise<ScenarioResult> {
  const d = await createDeployment({
    issues: [],
    config: { trackers: [h.trackerConfig], stages: pipelineStages(h.states) },
    // BATON_STAGE is the control: every agent sees it, so the check is shown to detect a variable.
    agentBody: secretCheckBody(['BATON_STAGE', ...h.secretEnv]),
  });
  for (const name of h.secretEnv) expect(process.env[name], `${name} set for the worker`).toBeTruthy();
  const zero: PollPoint = { ticks: await trackerPollCount(h.tracker), requests: h.fake.requests.length, polls: countPolls(h.fake.requests, h.isPoll) };
  const startedAt = Date.now();
  const worker = await startWorker(env, d);
  try {
    const { labelled } = h;
    const gated = await waitFor(
      `${labelled.identifier} waiting at the review gate`,
      async () => {
        const s = await issueStatus(env.client, labelled.identifier, h.tracker);
        return s.status === 'gated' && s.stage === 'review' ? s : null;
      },
      // Generous: under a full suite on 2 cores, a fake's first schema-validated answers are slow.
      90_000,
    );
    expect(gated.gate).toMatchObject({ stage: 'review', waitFor: 'label' });
    // The gate holds: two more polls later nothing has moved the issue past review.
    const gatedAt = (await orchestratorStatus(env.client, d)).ticks;
    await waitFor('two polls at the gate', async () => (await orchestratorStatus(env.client, d)).ticks >= gatedAt + 2, 10_000);
    expect((await issueStatus(env.client, labelled.identifier, h.tracker)).status).toBe('gated');
    expect(h.read(labelled.identifier).state).toBe(h.states.review);
    expect(h.changes.at(-1)).toBe(`state ${h.states.review}`);
    h.addGateLabel();

    await waitFor(`${labelled.identifier} in ${h.states.done}`, async () => h.read(labelled.identifier).state === h.states.done, 60_000);
    const status = await waitFor(`${labelled.identifier} workflow done`, async () => {
      const s = await issueStatus(env.client, labelled.identifier, h.tracker);
      return s.status === 'done' ? s : null;
    });
    const run = perTick(zero, await pollPoint(h.tracker, h.fake, h.isPoll));
    const runMs = Date.now() - startedAt;

    // The workflow's own record of the run.
    expect(status.history.map((e) => [e.stage, e.outcome])).toEqual(EXPECTED_HISTORY);
    expect(status.state).toBe(h.states.done);

    // The agent ran once per stage, for the labelled issue only.
    const runs = await agentRuns(d.logFile);
    expect(runs.map((r) => `${r.identifier} ${r.stage}`)).toEqual(['plan', 'implement', 'review', 'merge'].map((s) => `${labelled.identifier} ${s}`));
    // The tracker's secrets reached the adapter (it authenticated) but no agent process.
    const envChecks = (await readFile(d.logFile, 'utf8')).split('\n').filter((line) => line.startsWith('envcheck '));
    expect(envChecks).toEqual(['plan', 'implement', 'review', 'merge'].map((s) => `envcheck ${s} BATON_STAGE,`));

    // Every change the tracker saw, in order: Baton's moves, the reviewer's label, Baton removing it.
    const { states: s } = h;
    expect(h.changes).toEqual([`state ${s.implement}`, `state ${s.review}`, `+label ${GATE_LABEL}`, `-label ${GATE_LABEL}`, `state ${s.merge}`, `state ${s.done}`]);

    // ONE progress comment, created once and then updated in place, holding every stage.
    const final = h.read(labelled.identifier);
    expect(final.comments).toHaveLength(1);
    const writes = h.commentWrites(labelled.id);
    // Written after plan (created), implement, the approved review and merge (updated).
    expect(writes).toEqual({ created: 1, updated: 3 });
    const comment = final.comments[0]!;
    for (const [stage, outcome] of EXPECTED_HISTORY) expect(comment).toMatch(new RegExp(`\\| ${stage} \\| ${outcome} \\|`));
    expect(final.labels.map((l) => l.toLowerCase())).toContain('agent');
    expect(final.labels).not.toContain(GATE_LABEL);

    // The unlabelled issue: never dispatched, never written, not even read on its own.
    const other = h.read(h.unlabelled.identifier);
    expect(other.state).toBe(s.plan);
    expect(other.comments).toEqual([]);
    expect(h.unlabelledChanges).toEqual([]);
    expect(h.fake.requests.filter((r) => h.mentions(r, h.unlabelled.id)).map(h.describe)).toEqual([]);
    await expect(issueStatus(env.client, h.unlabelled.identifier, h.tracker)).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });

    // Idle: once the orchestrator holds nothing, each tick is one poll request and nothing else.
    await waitFor('orchestrator idle', async () => (await orchestratorStatus(env.client, d)).idle, 15_000);
    const idleFrom = await pollPoint(h.tracker, h.fake, h.isPoll);
    const minTicks = options.idleTicks ?? 8;
    let idleTo = idleFrom;
    while (idleTo.ticks - idleFrom.ticks < minTicks) idleTo = await pollPoint(h.tracker, h.fake, h.isPoll);
    const idle = perTick(idleFrom, idleTo);
    const idleRequests = h.fake.requests.slice(idleFrom.requests, idleTo.requests);
    expect(idleRequests.filter((r) => !h.isPoll(r)).map(h.describe)).toEqual([]);

    console.log(
      `[${h.tracker}] run: ${(runMs / 1000).toFixed(1)} s, ${run.ticks} ticks, ${run.polls} poll requests (${run.pollsPerTick.toFixed(2)}/tick), ` +
        `${run.requests} requests in all (${run.requestsPerTick.toFixed(2)}/tick, the rest are refreshes and stage writes); ` +
        `idle: ${idle.ticks} ticks, ${idle.requests} requests (${idle.requestsPerTick.toFixed(2)}/tick)`,
    );
    // Both points are taken right after a poll landed, so the counts match exactly unless a query
    // took a whole poll interval; one of slack keeps that from failing a loaded machine, while
    // two requests per tick (or none) still fails plainly.
    expect(Math.abs(idle.requests - idle.ticks)).toBeLessThanOrEqual(1);
    expect(Math.abs(run.polls - run.ticks)).toBeLessThanOrEqual(1);
    return { deployment: d, status, run, idle };
  } finally {
    worker.shutdown();
    await worker.done;
  }
}
