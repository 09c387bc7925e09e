/**
 * A pull request Baton did not open is still Baton's to follow and to link: the agent only pushes
 * its branch, someone opens the pull request the way `gh pr create` does (the REST call, on the
 * GitHub fake), and the checks gate finds it by branch, links it from the tracker issue (the file
 * tracker's `pull_request` front-matter line), and merges it once CI is green. The tool path
 * (`open_pull_request`) links the same way; pull-requests.test.ts shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { issueStatus, readIssueFile, waitFor } from '../helpers/deployment.js';
import { REPO, startPullRequestWorld, type PullRequestWorld } from '../helpers/pull-request-deployment.js';
import { scaled } from '../helpers/time.js';

const ISSUE = 'PRLINK-1';

let world: PullRequestWorld;

beforeAll(async () => {
  world = await startPullRequestWorld({
    openPullRequest: false,
    issues: [{ identifier: ISSUE, state: 'In Progress' }],
    stages: [
      { name: 'implement', states: ['In Progress'], prompt: 'implement', on_success: { move_to: 'In Review' } },
      { name: 'ship', states: ['In Review'], agent: { backend: 'none' }, gate: { wait_for: 'checks' }, on_success: { move_to: 'Done', merge_pull_request: { method: 'merge' } } },
    ],
  });
}, scaled(120_000));

afterAll(async () => {
  await world?.close();
});

describe('a pull request opened outside Baton (real dev server)', () => {
  it('is found by its branch, linked from the tracker issue, and merged', async () => {
    const { env, fake, d } = world;
    await waitFor('the checks gate to wait for a pull request', async () => {
      const s = await issueStatus(env.client, ISSUE);
      return s.status === 'gated' && (s.reason ?? '').includes(`no pull request from branch baton/${ISSUE} yet`) ? s : null;
    }, 120_000);
    expect(parse((await readIssueFile(d.issuesDir, ISSUE)).text.split(/^---$/m)[1] ?? '')).not.toHaveProperty('pull_request');

    // `gh pr create`: the REST call, with the person's token.
    const res = await fetch(`${fake.url}/repos/${REPO}/pulls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
      body: JSON.stringify({ title: `${ISSUE}: by hand`, head: `baton/${ISSUE}`, base: 'main', body: 'Opened outside Baton.' }),
    });
    expect(res.status).toBe(201);
    const { number, html_url: url } = (await res.json()) as { number: number; html_url: string };
    fake.pulls.addCheckRun(REPO, { sha: fake.pulls.headOf(fake.pulls.pull(REPO, number).issue), name: 'ci', conclusion: 'success' });

    const done = await waitFor('Done', async () => {
      const s = await issueStatus(env.client, ISSUE);
      return s.status === 'done' ? s : null;
    }, 120_000);
    expect(done.pr).toMatchObject({ ref: { repo: REPO, number, url } });
    const file = await readIssueFile(d.issuesDir, ISSUE);
    expect(file.state).toBe('Done');
    expect(parse(file.text.split(/^---$/m)[1] ?? '')).toMatchObject({ pull_request: url });
    expect(fake.merges(REPO)).toEqual([expect.objectContaining({ number, method: 'merge' })]);
    expect(fake.problems).toEqual([]);
  }, scaled(240_000));
});
