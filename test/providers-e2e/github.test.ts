/**
 * The durable pipeline end to end against the GitHub fake (Baton issue 5; spec/adapters/github.md,
 * SPEC §11.2 profile, §7.1 stage hand-off, §8 polling): a real worker on the shared Temporal
 * server, the `command` agent, and GitHub's REST API served by the schema-validating fake on
 * 127.0.0.1. States come from `baton:<state>` labels (the profile's default `state_source`), so
 * every state change in the fake is a label swap; Done also closes the issue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startGithubFake, type FakeIssue, type GithubFake, type RecordedRequest } from '../fakes/github/index.js';
import { createDeployment, issueStatus, startWorker, waitFor } from '../helpers/deployment.js';
import { GATE_LABEL, pipelineStages, runPipelineScenario, type PipelineStates, type ProviderHarness } from './support.js';

const REPO = 'acme/widgets';
const PREFIX = 'baton:';
const STATES: PipelineStates = { plan: 'Todo', implement: 'In Progress', review: 'In Review', merge: 'Merging', done: 'Done' };
const TERMINAL = ['Done', 'Cancelled'];

let env: TestTemporalEnv;
let fake: GithubFake;
beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startGithubFake();
});
afterAll(async () => {
  await fake?.close();
  await env?.teardown();
});

/** The state a label names (`baton:In Review` → `In Review`), or null. */
function labelState(label: string): string | null {
  return label.toLowerCase().startsWith(PREFIX) ? label.slice(PREFIX.length) : null;
}

/**
 * The state the profile documents for a `labels` issue (spec/adapters/github.md, *States*): an open
 * issue reports its first non-terminal state label (else `open`), a closed one its first terminal
 * state label (else `closed`). Written from the table, not taken from the adapter, so the two can disagree.
 */
function documentedState(issue: FakeIssue): string {
  const states = issue.labels.map(labelState).filter((s): s is string => s !== null);
  const terminal = (s: string) => TERMINAL.some((t) => t.toLowerCase() === s.toLowerCase());
  if (issue.state === 'open') return states.find((s) => !terminal(s)) ?? 'open';
  return states.find(terminal) ?? 'closed';
}

/**
 * Records every change of the issue's labels and open/closed state, in store order: each handler of
 * the fake that changes an issue ends with `store.touch` (a new `updated_at`), and so does
 * `fake.updateIssue` (the test playing a person). Diffing at each touch sees every request's effect.
 * `readable`, when given, collects the documented state after each change that alters it: what
 * any poll landing between two of Baton's requests would read.
 */
function watchIssue(issue: FakeIssue, log: string[], readable?: string[]): void {
  let seen = { labels: [...issue.labels], state: issue.state };
  readable?.push(documentedState(issue));
  let updatedAt = issue.updated_at;
  Object.defineProperty(issue, 'updated_at', {
    enumerable: true,
    configurable: true,
    get: () => updatedAt,
    set: (next: string) => {
      const now = { labels: [...issue.labels], state: issue.state };
      log.push(...now.labels.filter((l) => !seen.labels.includes(l)).map((l) => `+label ${l}`));
      log.push(...seen.labels.filter((l) => !now.labels.includes(l)).map((l) => `-label ${l}`));
      if (now.state !== seen.state) log.push(now.state);
      seen = now;
      updatedAt = next;
      const state = documentedState(issue);
      if (readable && readable.at(-1) !== state) readable.push(state);
    },
  });
}

/**
 * The provider-neutral view of a raw log: a state label added is the state change (the old label's
 * removal and the close that follow belong to the same move); other labels pass through.
 */
function neutralChanges(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of raw) {
    const label = /^([+-])label (.+)$/.exec(entry);
    if (!label) continue;
    const state = labelState(label[2]!);
    if (state === null) out.push(entry);
    else if (label[1] === '+') out.push(`state ${state}`);
  }
  return out;
}

const isListing = (r: RecordedRequest) => r.method === 'GET' && r.operation === 'issues/list-for-repo';
/** The REST path of one issue, with or without a sub-resource. */
const issuePath = (number: number) => `/repos/${REPO}/issues/${number}`;

/** The `trackers[0]` entry of baton.yaml for the fake (the token as `$VAR`, set in this process). */
function trackerConfig(): Record<string, unknown> {
  process.env.BATON_TEST_GITHUB_TOKEN = fake.token;
  return {
    name: 'github-e2e',
    kind: 'github',
    // The token reaches Baton the way an operator gives it: `$VAR` in baton.yaml, the value in the
    // worker's environment.
    provider: { repo: REPO, token: '$BATON_TEST_GITHUB_TOKEN', api_url: fake.url, write_interval_ms: 20 },
    required_labels: ['agent'],
    active_states: [STATES.plan, STATES.implement, STATES.review, STATES.merge],
    terminal_states: TERMINAL,
  };
}

function githubHarness(): ProviderHarness<RecordedRequest> & { rawChanges: string[]; labelled: { number: number } } {
  const labelled = fake.addIssue(REPO, { title: 'Ship the pipeline through GitHub', labels: ['agent', `${PREFIX}${STATES.plan}`, 'p2'] });
  const unlabelled = fake.addIssue(REPO, { title: 'A question for people, not the agent', labels: [`${PREFIX}${STATES.plan}`] });
  const rawChanges: string[] = [];
  const unlabelledChanges: string[] = [];
  watchIssue(labelled, rawChanges);
  watchIssue(unlabelled, unlabelledChanges);
  const idOf = (i: FakeIssue) => `${REPO}#${i.number}`;
  const byId = new Map([labelled, unlabelled].map((i) => [idOf(i), i]));
  const commentIds = (issue: FakeIssue) => new Set(issue.comments.map((c) => c.id));
  return {
    tracker: 'github-e2e',
    trackerConfig: trackerConfig(),
    states: STATES,
    secretEnv: ['BATON_TEST_GITHUB_TOKEN'],
    labelled: { id: idOf(labelled), identifier: `GH-${labelled.number}`, number: labelled.number },
    unlabelled: { id: idOf(unlabelled), identifier: `GH-${unlabelled.number}` },
    get changes() {
      return neutralChanges(rawChanges);
    },
    rawChanges,
    unlabelledChanges,
    addGateLabel() {
      fake.updateIssue(REPO, labelled.number, (i) => void fake.store.attachLabel(i, GATE_LABEL));
    },
    read(identifier) {
      const issue = fake.issue(REPO, Number(identifier.replace(/^GH-/, '')));
      return { state: documentedState(issue), labels: [...issue.labels], comments: issue.comments.map((c) => c.body) };
    },
    commentWrites(issueId) {
      const issue = byId.get(issueId)!;
      const mine = commentIds(issue);
      const created = fake.requests.filter((r) => r.method === 'POST' && r.url === `${issuePath(issue.number)}/comments` && r.status === 201).length;
      const updated = fake.requests.filter((r) => {
        const m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(r.url);
        return r.method === 'PATCH' && m !== null && mine.has(Number(m[1])) && r.status === 200;
      }).length;
      return { created, updated };
    },
    mentions: (r, issueId) => {
      const issue = byId.get(issueId)!;
      const path = issuePath(issue.number);
      return r.url === path || r.url.startsWith(`${path}/`) || r.url.startsWith(`${path}?`) || [...commentIds(issue)].some((id) => r.url.includes(`/comments/${id}`));
    },
    describe: (r) => `${r.method} ${r.url} → ${r.status}`,
    fake,
    isPoll: isListing,
  };
}

describe('pipeline on GitHub', () => {
  it('takes a labelled GitHub issue through plan → implement → review (label gate) → merge → Done with label swaps; idle polls are all 304', async () => {
    const harness = githubHarness();
    const { run, idle } = await runPipelineScenario(env, harness);
    const requests = fake.requests;

    // The fake's own record of the issue, change by change: each move adds the new state label and
    // then removes the old one; the reviewer's gate label comes and Baton takes it away; Done closes
    // before the old label goes, so no read in between sees a third state.
    const s = STATES;
    expect(harness.rawChanges).toEqual([
      `+label ${PREFIX}${s.implement}`,
      `-label ${PREFIX}${s.plan}`,
      `+label ${PREFIX}${s.review}`,
      `-label ${PREFIX}${s.implement}`,
      `+label ${GATE_LABEL}`,
      `-label ${GATE_LABEL}`,
      `+label ${PREFIX}${s.merge}`,
      `-label ${PREFIX}${s.review}`,
      `+label ${PREFIX}${s.done}`,
      'closed',
      `-label ${PREFIX}${s.merge}`,
    ]);
    const final = fake.issue(REPO, harness.labelled.number);
    expect(final.state).toBe('closed');
    expect(final.state_reason).toBe('completed');
    expect(final.labels.filter((l) => labelState(l) !== null)).toEqual([`${PREFIX}${s.done}`]);
    // The progress comment carries the hidden marker the adapter finds it by after a restart.
    expect(final.comments[0]!.body.startsWith('<!-- baton:progress -->')).toBe(true);

    // Every request was one GitHub accepts (the fake checks each against the OpenAPI description)
    // and carried the token resolved from `$BATON_TEST_GITHUB_TOKEN` (a wrong one answers 401).
    expect(fake.problems).toEqual([]);
    expect(requests.filter((r) => r.status === 401 || r.status >= 500).map(harness.describe)).toEqual([]);

    // Conditional requests: the polls after Baton's last write or by-id read are the idle ones. The
    // first of them may see the last change (200); every later one finds the listing unchanged and
    // must be answered 304, which costs no rate limit.
    const lastOther = requests.findLastIndex((r) => !isListing(r));
    const trailing = requests.slice(lastOther + 1);
    expect(trailing.length).toBeGreaterThanOrEqual(idle.polls);
    const unchanged = trailing.slice(1);
    const idle304 = unchanged.filter((r) => r.status === 304).length;
    const all304 = requests.filter((r) => r.status === 304).length;
    console.log(
      `[github] requests per tick: ${run.requestsPerTick.toFixed(2)} while running (${run.requests} over ${run.ticks} ticks), ` +
        `${idle.requestsPerTick.toFixed(2)} idle; idle polls: ${trailing.length}, of which ${idle304} answered 304 ` +
        `(the first may carry the last change); 304 answers in all: ${all304} of ${requests.length} requests; ` +
        `rate-limit points used: ${fake.rateLimitUsed('core')}`,
    );
    expect(unchanged.map(harness.describe)).toEqual(unchanged.map((r) => `GET ${r.url} → 304`));
    expect(unchanged.every((r) => r.cost === 0)).toBe(true);
  });

  // Known bug (reported): moving to a terminal state adds `baton:Done`, removes the old state label,
  // and only then closes (adapters/trackers/github/tracker.ts moveToState). Between the last two
  // requests (write_interval_ms apart, 1 s by default) the issue is open with only a terminal state
  // label, which the profile reads as `default_state` (`open`): neither the state it leaves nor the
  // one it enters. A poll landing there hands the issue workflow a snapshot in a state no stage
  // routes, and GitHub's second-precision `updated_at` can let it pass the newer-snapshot check.
  it('a move to a terminal state never reads as a third state in between (no transient `open`)', async () => {
    const issue = fake.addIssue(REPO, { title: 'Almost done', labels: ['agent', `${PREFIX}${STATES.merge}`] });
    const log: string[] = [];
    const readable: string[] = [];
    watchIssue(issue, log, readable);
    const d = await createDeployment({ issues: [], config: { trackers: [trackerConfig()], stages: pipelineStages(STATES) } });
    const worker = await startWorker(env, d);
    try {
      await waitFor(`GH-${issue.number} done`, async () => (await issueStatus(env.client, `GH-${issue.number}`, 'github-e2e')).status === 'done', 30_000);
    } finally {
      worker.shutdown();
      await worker.done;
    }
    expect(log).toContain('closed');
    expect({ requests: log, readable }).toEqual({ requests: log, readable: [STATES.merge, STATES.done] });
  });
});
