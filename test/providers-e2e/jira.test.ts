/**
 * The durable pipeline end to end against the Jira fake (Baton issue 5; SPEC §11.2 Jira profile,
 * §7.1 stage hand-off, §8 polling): a real worker on the shared Temporal server, the `command`
 * agent, and Jira Cloud's REST v3 API served by the schema-validating fake on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startJiraFake, type JiraFake, type JiraRecordedRequest } from '../fakes/jira/index.js';
import { adfToText } from '../../adapters/trackers/jira/adf.js';
import { PROGRESS_PROPERTY } from '../../adapters/trackers/jira/tracker.js';
import { GATE_LABEL, recordChanges, runPipelineScenario, type ProviderHarness } from './support.js';

let env: TestTemporalEnv;
let fake: JiraFake;
beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startJiraFake();
});
afterAll(async () => {
  await fake?.close();
  await env?.teardown();
});

const SEARCH_PATH = '/rest/api/3/search/jql';

/** The JQL of an enhanced-search request, or undefined for any other request. */
function jqlOf(r: JiraRecordedRequest): string | undefined {
  if (r.method !== 'POST' || r.path !== SEARCH_PATH) return undefined;
  return (r.body as { jql?: string } | undefined)?.jql;
}

/** True when the request's path names the issue (by id or key) or its JQL asks for the id. */
function names(r: JiraRecordedRequest, issue: { id: string; key: string }): boolean {
  const segments = r.path.split('/');
  if (segments.includes(issue.id) || segments.includes(issue.key)) return true;
  const ids = /\bid in \(([^)]*)\)/.exec(jqlOf(r) ?? '')?.[1];
  return !!ids && ids.split(',').some((id) => id.trim().replace(/"/g, '') === issue.id);
}

function jiraHarness(): ProviderHarness<JiraRecordedRequest> {
  const { store } = fake;
  process.env.BATON_TEST_JIRA_EMAIL = fake.email;
  process.env.BATON_TEST_JIRA_TOKEN = fake.apiToken;
  // The fake's stock workflow ends at In Review → Done; this site has a Merging status too, with
  // a global transition into it named unlike the status (as Jira workflows often are).
  const merging = { id: '19001', name: 'Merging', category: 'indeterminate' as const };
  store.statuses.set(merging.id, merging);
  store.transitions.push({ id: '91', name: 'Ready to merge', toStatusId: merging.id, from: [] });

  const labelled = store.addIssue({ summary: 'Ship the pipeline through Jira', labels: ['agent'], priority: '2' });
  const unlabelled = store.addIssue({ summary: 'A question for people, not the agent', labels: [] });
  const statusName = (id: string) => store.statuses.get(id)!.name;
  const watch = (row: typeof labelled) => recordChanges(row, { field: 'statusId', name: statusName }, { field: 'labels', names: (labels) => labels });
  const changes = watch(labelled);
  const unlabelledChanges = watch(unlabelled);
  const byIssue = (issueId: string) => {
    const row = store.mustFind(issueId);
    return (r: JiraRecordedRequest) => r.path.startsWith(`/rest/api/3/issue/${row.id}/`) || r.path.startsWith(`/rest/api/3/issue/${row.key}/`);
  };
  return {
    tracker: 'jira',
    trackerConfig: {
      name: 'jira',
      kind: 'jira',
      provider: { base_url: fake.url, email: '$BATON_TEST_JIRA_EMAIL', api_token: '$BATON_TEST_JIRA_TOKEN', project: store.defaultProject },
      required_labels: ['agent'],
      active_states: ['To Do', 'In Progress', 'In Review', 'Merging'],
      terminal_states: ['Done', "Won't Do"],
    },
    states: { plan: 'To Do', implement: 'In Progress', review: 'In Review', merge: 'Merging', done: 'Done' },
    secretEnv: ['BATON_TEST_JIRA_EMAIL', 'BATON_TEST_JIRA_TOKEN'],
    labelled: { id: labelled.id, identifier: labelled.key },
    unlabelled: { id: unlabelled.id, identifier: unlabelled.key },
    changes,
    unlabelledChanges,
    addGateLabel() {
      store.patchIssue(labelled.id, { labels: [...labelled.labels, GATE_LABEL], updated: store.now() });
    },
    read(identifier) {
      const snap = store.snapshot(identifier);
      return { state: snap.status, labels: snap.labels, comments: snap.comments.map((c) => adfToText(c.body) ?? '') };
    },
    commentWrites(issueId) {
      const mine = fake.requests.filter(byIssue(issueId));
      return {
        created: mine.filter((r) => r.method === 'POST' && /\/comment$/.test(r.path)).length,
        updated: mine.filter((r) => r.method === 'PUT' && /\/comment\/[^/]+$/.test(r.path)).length,
      };
    },
    mentions: (r, issueId) => names(r, { id: issueId, key: store.mustFind(issueId).key }),
    describe: (r) => `${r.method} ${r.path} ${JSON.stringify(r.body ?? null).slice(0, 300)}`,
    fake,
    isPoll: (r) => /\bstatus in \(/.test(jqlOf(r) ?? ''),
  };
}

describe('pipeline on Jira', () => {
  it('takes a labelled Jira issue through plan → implement → review (label gate) → merge → Done, one poll request per tick', async () => {
    const harness = jiraHarness();
    await runPipelineScenario(env, harness);

    // Jira specifics: Baton's comment is the one its issue property points at, the in-flight
    // issue rode in the same JQL as the candidates, every request used the Basic credentials
    // resolved from the `$VAR`s, and the fake never had to refuse a response of its own.
    const snap = fake.store.snapshot(harness.labelled.identifier);
    expect(snap.properties[PROGRESS_PROPERTY]).toEqual({ commentId: snap.comments[0]?.id });
    const polls = fake.requests.filter(harness.isPoll);
    expect(polls.some((r) => names(r, { id: harness.labelled.id, key: harness.labelled.identifier }))).toBe(true);
    const basic = `Basic ${Buffer.from(`${fake.email}:${fake.apiToken}`).toString('base64')}`;
    expect(fake.requests.every((r) => r.authorization === basic)).toBe(true);
    expect(fake.schemaViolations).toEqual([]);
  });
});
