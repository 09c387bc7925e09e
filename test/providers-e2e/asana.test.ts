/**
 * The durable pipeline end to end against the Asana fake (Baton issue 12; spec/adapters/asana.md,
 * SPEC §7.1 stage hand-off, §8 polling): a real worker on the shared Temporal server, the `command`
 * agent, and Asana's REST API served by the fake on 127.0.0.1 (validated against Asana's published
 * OpenAPI). A task's state is its section in the project; Done also marks it complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startAsanaFake, type AsanaFake, type AsanaRecordedRequest, type FakeAsanaTask } from '../fakes/asana/index.js';
import { PROGRESS_MARKER } from '../../adapters/trackers/asana/tracker.js';
import { GATE_LABEL, runPipelineScenario, type PipelineStates, type ProviderHarness } from './support.js';

const STATES: PipelineStates = { plan: 'Todo', implement: 'In Progress', review: 'In Review', merge: 'Merging', done: 'Done' };

let env: TestTemporalEnv;
let fake: AsanaFake;
beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startAsanaFake({ projectName: 'E2E Widgets' });
});
afterAll(async () => {
  await fake?.close();
  await env?.teardown();
});

const section = (task: FakeAsanaTask) => fake.store.sectionOf(task).name;
const tags = (task: FakeAsanaTask) => task.tags.map((gid) => fake.store.tags.get(gid)!.name);

/**
 * Records each change as Asana applied it: the fake bumps `modified_at` once per change, after the
 * fields are set (a comment bumps it too and changes nothing here). `updates` gets one entry per
 * change of section, tags or completion; `changes` the provider-neutral view.
 */
function watchTask(task: FakeAsanaTask): { updates: string[][]; changes: string[] } {
  const updates: string[][] = [];
  const changes: string[] = [];
  let seen = { section: section(task), tags: tags(task), completed: task.completed };
  let modifiedAt = task.modified_at;
  Object.defineProperty(task, 'modified_at', {
    enumerable: true,
    configurable: true,
    get: () => modifiedAt,
    set: (next: string) => {
      modifiedAt = next;
      const now = { section: section(task), tags: tags(task), completed: task.completed };
      const tagChanges = [...now.tags.filter((t) => !seen.tags.includes(t)).map((t) => `+label ${t}`), ...seen.tags.filter((t) => !now.tags.includes(t)).map((t) => `-label ${t}`)];
      const update = [...(now.section !== seen.section ? [`section ${now.section}`] : []), ...tagChanges, ...(now.completed !== seen.completed ? [now.completed ? 'completed' : 'incomplete'] : [])];
      if (update.length) updates.push(update);
      if (now.section !== seen.section) changes.push(`state ${now.section}`);
      changes.push(...tagChanges);
      seen = now;
    },
  });
  return { updates, changes };
}

function asanaHarness(): ProviderHarness<AsanaRecordedRequest> & { updates: string[][]; task: FakeAsanaTask } {
  process.env.BATON_TEST_ASANA_PAT = fake.token;
  const labelled = fake.addTask({ name: 'Ship the pipeline through Asana', tags: ['agent'] });
  const unlabelled = fake.addTask({ name: 'A question for people, not the agent' });
  const watched = watchTask(labelled);
  const other = watchTask(unlabelled);
  const byId = new Map([labelled, unlabelled].map((t) => [t.gid, t]));
  const names = (r: AsanaRecordedRequest, task: FakeAsanaTask) =>
    r.path === `/tasks/${task.gid}` ||
    r.path.startsWith(`/tasks/${task.gid}/`) ||
    (r.body as { data?: { task?: unknown } } | undefined)?.data?.task === task.gid ||
    task.stories.some((s) => r.path === `/stories/${s.gid}`);
  return {
    tracker: 'asana-e2e',
    trackerConfig: {
      name: 'asana-e2e',
      kind: 'asana',
      provider: { project_gid: fake.project.gid, endpoint: fake.endpoint, api_key: '$BATON_TEST_ASANA_PAT' },
      required_labels: ['agent'],
      active_states: [STATES.plan, STATES.implement, STATES.review, STATES.merge],
      terminal_states: [STATES.done],
    },
    states: STATES,
    secretEnv: ['BATON_TEST_ASANA_PAT'],
    labelled: { id: labelled.gid, identifier: `ASANA-${labelled.gid}` },
    unlabelled: { id: unlabelled.gid, identifier: `ASANA-${unlabelled.gid}` },
    task: labelled,
    changes: watched.changes,
    updates: watched.updates,
    unlabelledChanges: other.changes,
    addGateLabel() {
      fake.update(labelled.gid, { addTag: GATE_LABEL });
    },
    read(identifier) {
      const task = byId.get(identifier.replace(/^ASANA-/, ''))!;
      return { state: section(task), labels: tags(task), comments: task.stories.filter((s) => s.type === 'comment').map((s) => s.text) };
    },
    commentWrites(issueId) {
      const task = byId.get(issueId)!;
      const mine = fake.requests.filter((r) => names(r, task));
      return {
        created: mine.filter((r) => r.operation === 'createStoryForTask' && r.status === 201).length,
        updated: mine.filter((r) => r.operation === 'updateStory' && r.status === 200).length,
      };
    },
    mentions: (r, issueId) => names(r, byId.get(issueId)!),
    describe: (r) => `${r.method} ${r.path}?${r.query.toString()} ${JSON.stringify(r.body ?? null).slice(0, 200)} → ${r.status}`,
    fake,
    isPoll: (r) => r.operation === 'getTasksForProject',
  };
}

describe('pipeline on Asana', () => {
  it('takes a tagged Asana task through plan → implement → review (tag gate) → merge → Done by section, one poll request per tick', async () => {
    const harness = asanaHarness();
    await runPipelineScenario(env, harness);

    // The fake's own record, change by change, as Asana applies them: each move is one addTask to
    // the next section; the reviewer's tag comes and Baton takes it away; Done is the move and then
    // the completion (so no poll ever reads a completed task in an active section).
    expect(harness.updates).toEqual([
      [`section ${STATES.implement}`],
      [`section ${STATES.review}`],
      [`+label ${GATE_LABEL}`],
      [`-label ${GATE_LABEL}`],
      [`section ${STATES.merge}`],
      [`section ${STATES.done}`],
      ['completed'],
    ]);
    expect(harness.task.completed).toBe(true);
    expect(harness.task.stories.filter((s) => s.type === 'comment').map((s) => s.text.split('\n')[0])).toEqual([PROGRESS_MARKER]);

    // Every request passed the OpenAPI checks and carried the token from `$BATON_TEST_ASANA_PAT`.
    expect(fake.problems).toEqual([]);
    expect(fake.requests.every((r) => r.authorization === `Bearer ${fake.token}`)).toBe(true);
    expect(fake.requests.filter((r) => r.status === 401 || r.status >= 500).map(harness.describe)).toEqual([]);
  });
});
