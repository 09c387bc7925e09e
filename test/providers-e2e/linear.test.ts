/**
 * The durable pipeline end to end against the Linear fake (Baton issue 5; SPEC §11.2 Linear
 * profile, §7.1 stage hand-off, §8 polling): a real worker on the shared Temporal server, the
 * `command` agent, and Linear's GraphQL API served by the schema-validating fake on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startLinearFake, type LinearFake, type RecordedRequest } from '../fakes/linear/index.js';
import { PROGRESS_MARKER } from '../../adapters/trackers/linear/tracker.js';
import { GATE_LABEL, recordChanges, runPipelineScenario, type ProviderHarness } from './support.js';

let env: TestTemporalEnv;
let fake: LinearFake;
beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startLinearFake();
});
afterAll(async () => {
  await fake?.close();
  await env?.teardown();
});

/** The operation name Baton gives each document (the SDK sends no separate `operationName`). */
function operation(r: RecordedRequest): string | undefined {
  return /^\s*(?:query|mutation)\s+(\w+)/.exec(r.query)?.[1];
}

function linearHarness(): ProviderHarness<RecordedRequest> {
  const { store } = fake;
  // The secret reaches Baton the way an operator gives it: a `$VAR` in baton.yaml, the value in
  // the worker's environment (the runtime reads process.env).
  process.env.BATON_TEST_LINEAR_KEY = fake.apiKey;
  const labelled = store.addIssue({ title: 'Ship the pipeline through Linear', labels: ['agent'], priority: 2 });
  const unlabelled = store.addIssue({ title: 'A question for people, not the agent', labels: [] });
  const stateName = (id: string) => store.states.get(id)!.name;
  const labelNames = (ids: string[]) => ids.map((id) => store.labels.get(id)!.name);
  const watch = (row: typeof labelled) =>
    recordChanges(row, { field: 'stateId', name: stateName }, { field: 'labelIds', names: labelNames });
  const changes = watch(labelled);
  const unlabelledChanges = watch(unlabelled);
  return {
    tracker: 'linear',
    trackerConfig: {
      name: 'linear',
      kind: 'linear',
      provider: { endpoint: fake.url, api_key: '$BATON_TEST_LINEAR_KEY', project_slug: store.defaultProjectSlug },
      required_labels: ['agent'],
      active_states: ['Todo', 'In Progress', 'In Review', 'Merging'],
      terminal_states: ['Done', 'Canceled', 'Duplicate'],
    },
    states: { plan: 'Todo', implement: 'In Progress', review: 'In Review', merge: 'Merging', done: 'Done' },
    secretEnv: ['BATON_TEST_LINEAR_KEY'],
    labelled: { id: labelled.id, identifier: labelled.identifier },
    unlabelled: { id: unlabelled.id, identifier: unlabelled.identifier },
    changes,
    unlabelledChanges,
    addGateLabel() {
      const label = store.labelByName(labelled.teamId, GATE_LABEL);
      store.patchIssue(labelled.id, { labelIds: [...labelled.labelIds, label.id], updatedAt: store.now() });
    },
    read(identifier) {
      const snap = store.snapshot(identifier);
      return { state: snap.state, labels: snap.labels, comments: snap.comments.map((c) => c.body) };
    },
    commentWrites(issueId) {
      const ofIssue = (r: RecordedRequest) =>
        operation(r) === 'BatonCommentCreate'
          ? (r.variables.input as { issueId?: string }).issueId === issueId
          : operation(r) === 'BatonCommentUpdate' && store.comments.get(r.variables.id as string)?.issueId === issueId;
      const mine = fake.requests.filter(ofIssue);
      return {
        created: mine.filter((r) => operation(r) === 'BatonCommentCreate').length,
        updated: mine.filter((r) => operation(r) === 'BatonCommentUpdate').length,
      };
    },
    mentions: (r, issueId) => JSON.stringify(r.variables).includes(issueId),
    describe: (r) => `${operation(r) ?? '(anonymous)'} ${JSON.stringify(r.variables).slice(0, 300)}`,
    fake,
    isPoll: (r) => operation(r) === 'BatonPoll' && r.variables.withCandidates === true,
  };
}

describe('pipeline on Linear', () => {
  it('takes a labelled Linear issue through plan → implement → review (label gate) → merge → Done, one poll request per tick', async () => {
    const harness = linearHarness();
    await runPipelineScenario(env, harness);

    // Linear specifics: the comment carries Baton's marker (that is how it is found again), the
    // in-flight issue rode in the same poll request as the candidates, and every request carried
    // the key resolved from `$BATON_TEST_LINEAR_KEY`.
    const [comment] = harness.read(harness.labelled.identifier).comments;
    expect(comment?.endsWith(PROGRESS_MARKER)).toBe(true);
    const polls = fake.requests.filter(harness.isPoll);
    expect(polls.some((r) => r.variables.withInflight === true && JSON.stringify(r.variables.inflightFilter).includes(harness.labelled.id))).toBe(true);
    expect(fake.requests.every((r) => r.authorization === fake.apiKey)).toBe(true);
  });
});
