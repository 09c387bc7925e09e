/**
 * The durable pipeline end to end against the GitLab fake (Baton issue 12; spec/adapters/gitlab.md,
 * SPEC §7.1 stage hand-off, §8 polling): a real worker on the shared Temporal server, the `command`
 * agent, and GitLab's REST v4 API served by the fake on 127.0.0.1. States come from scoped
 * `workflow::` labels, the plan state is GitLab's own `opened` (an open issue with no state label),
 * and Done also closes the issue. Every move is one issue update, as the real API applies it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startGitlabFake, type FakeGitlabIssue, type GitlabFake, type GitlabRecordedRequest } from '../fakes/gitlab/index.js';
import { GATE_LABEL, runPipelineScenario, type PipelineStates, type ProviderHarness } from './support.js';

const PREFIX = 'workflow::';
const STATES: PipelineStates = { plan: 'opened', implement: 'In Progress', review: 'In Review', merge: 'Merging', done: 'Done' };
const TERMINAL = ['Done', 'closed'];

let env: TestTemporalEnv;
let fake: GitlabFake;
beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startGitlabFake({ projectPath: 'acme/e2e-widgets' });
});
afterAll(async () => {
  await fake?.close();
  await env?.teardown();
});

function labelState(label: string): string | null {
  return label.toLowerCase().startsWith(PREFIX) ? label.slice(PREFIX.length) : null;
}

/**
 * The state the profile documents (spec/adapters/gitlab.md, *States*): an open issue reports its
 * first non-terminal state label (else `opened`), a closed one its first terminal state label
 * (else `closed`). Written from the table, not taken from the adapter, so the two can disagree.
 */
function documentedState(issue: FakeGitlabIssue): string {
  const states = issue.labels.map(labelState).filter((s): s is string => s !== null);
  const terminal = (s: string) => TERMINAL.some((t) => t.toLowerCase() === s.toLowerCase());
  if (issue.state === 'opened') return states.find((s) => !terminal(s)) ?? 'opened';
  return states.find(terminal) ?? 'closed';
}

/**
 * Records each update of the issue as GitLab applied it: the fake bumps `updated_at` once per
 * update, after every field is set, so the diff at each bump is one update's whole effect (a
 * comment bumps it too and changes nothing here). `updates` gets one entry per update that
 * changed labels or state; `changes` the provider-neutral view (a state label added is the state
 * change; other labels pass through).
 */
function watchIssue(issue: FakeGitlabIssue): { updates: string[][]; changes: string[] } {
  const updates: string[][] = [];
  const changes: string[] = [];
  let seen = { labels: [...issue.labels], state: issue.state, documented: documentedState(issue) };
  let updatedAt = issue.updated_at;
  Object.defineProperty(issue, 'updated_at', {
    enumerable: true,
    configurable: true,
    get: () => updatedAt,
    set: (next: string) => {
      updatedAt = next;
      const now = { labels: [...issue.labels], state: issue.state, documented: documentedState(issue) };
      const update = [
        ...now.labels.filter((l) => !seen.labels.includes(l)).map((l) => `+label ${l}`),
        ...seen.labels.filter((l) => !now.labels.includes(l)).map((l) => `-label ${l}`),
        ...(now.state !== seen.state ? [now.state] : []),
      ];
      if (update.length) updates.push(update);
      if (now.documented !== seen.documented) changes.push(`state ${now.documented}`);
      for (const entry of update) if (/^[+-]label /.test(entry) && labelState(entry.slice(7)) === null) changes.push(entry);
      seen = now;
    },
  });
  return { updates, changes };
}

const isListing = (r: GitlabRecordedRequest) => r.method === 'GET' && r.route === 'list-issues' && !r.query.has('iids[]');

function gitlabHarness(): ProviderHarness<GitlabRecordedRequest> & { updates: string[][]; labelledIid: number } {
  process.env.BATON_TEST_GITLAB_TOKEN = fake.token;
  const labelled = fake.addIssue({ title: 'Ship the pipeline through GitLab', labels: ['agent', 'priority::2'] });
  const unlabelled = fake.addIssue({ title: 'A question for people, not the agent', labels: [] });
  const watched = watchIssue(labelled);
  const other = watchIssue(unlabelled);
  const byId = new Map([labelled, unlabelled].map((i) => [String(i.iid), i]));
  const onIssue = (r: GitlabRecordedRequest, iid: number) => r.path.startsWith(`/projects/acme/e2e-widgets/issues/${iid}`) && (r.path.length === `/projects/acme/e2e-widgets/issues/${iid}`.length || r.path[`/projects/acme/e2e-widgets/issues/${iid}`.length] === '/');
  return {
    tracker: 'gitlab-e2e',
    trackerConfig: {
      name: 'gitlab-e2e',
      kind: 'gitlab',
      provider: { project_path: 'acme/e2e-widgets', api_url: fake.apiUrl, api_key: '$BATON_TEST_GITLAB_TOKEN' },
      required_labels: ['agent'],
      active_states: [STATES.plan, STATES.implement, STATES.review, STATES.merge],
      terminal_states: TERMINAL,
    },
    states: STATES,
    secretEnv: ['BATON_TEST_GITLAB_TOKEN'],
    labelled: { id: String(labelled.iid), identifier: `GL-${labelled.iid}` },
    labelledIid: labelled.iid,
    unlabelled: { id: String(unlabelled.iid), identifier: `GL-${unlabelled.iid}` },
    changes: watched.changes,
    updates: watched.updates,
    unlabelledChanges: other.changes,
    addGateLabel() {
      fake.update(labelled.iid, { labels: [...labelled.labels, GATE_LABEL] });
    },
    read(identifier) {
      const issue = fake.issue(Number(identifier.replace(/^GL-/, '')));
      return { state: documentedState(issue), labels: [...issue.labels], comments: issue.notes.filter((n) => !n.system).map((n) => n.body) };
    },
    commentWrites(issueId) {
      const iid = byId.get(issueId)!.iid;
      const mine = fake.requests.filter((r) => onIssue(r, iid));
      return {
        created: mine.filter((r) => r.route === 'create-note' && r.status === 201).length,
        updated: mine.filter((r) => r.route === 'edit-note' && r.status === 200).length,
      };
    },
    mentions: (r, issueId) => onIssue(r, Number(issueId)) || r.query.getAll('iids[]').includes(issueId),
    describe: (r) => `${r.method} ${r.path}?${r.query.toString()} → ${r.status}`,
    fake,
    isPoll: isListing,
  };
}

describe('pipeline on GitLab', () => {
  it('takes a labelled GitLab issue through plan → implement → review (label gate) → merge → Done, each move one update, one poll request per tick', async () => {
    const harness = gitlabHarness();
    await runPipelineScenario(env, harness);

    // The fake's own record, update by update, exactly as GitLab applies them: each move swaps the
    // scoped label in one update (Done also closes in that same update); the reviewer's gate label
    // comes and Baton takes it away.
    const s = STATES;
    expect(harness.updates).toEqual([
      [`+label ${PREFIX}${s.implement}`],
      [`+label ${PREFIX}${s.review}`, `-label ${PREFIX}${s.implement}`],
      [`+label ${GATE_LABEL}`],
      [`-label ${GATE_LABEL}`],
      [`+label ${PREFIX}${s.merge}`, `-label ${PREFIX}${s.review}`],
      [`+label ${PREFIX}${s.done}`, `-label ${PREFIX}${s.merge}`, 'closed'],
    ]);
    const final = fake.issue(harness.labelledIid);
    expect(final.state).toBe('closed');
    expect(final.labels).toEqual(['agent', 'priority::2', `${PREFIX}${s.done}`]);
    // GitLab's timeline: a system note per update, and Baton's one note carrying its marker.
    expect(final.notes.filter((n) => n.system)).toHaveLength(7);
    expect(final.notes.filter((n) => !n.system).map((n) => n.body.split('\n')[0])).toEqual(['<!-- baton:progress -->']);

    // Every request was one the fake could check, with the token from `$BATON_TEST_GITLAB_TOKEN`.
    expect(fake.problems).toEqual([]);
    expect(fake.requests.filter((r) => r.status === 401 || r.status >= 500).map(harness.describe)).toEqual([]);
    expect(fake.requests.every((r) => r.token === fake.token)).toBe(true);
  });
});
