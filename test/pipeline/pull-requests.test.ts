/**
 * Baton owns the pull request, end to end on the real dev server (spec/SPEC.md §4.10): a file
 * tracker issue, a local bare git repository as the remote, the GitHub fake (validated against
 * @octokit/openapi) as the code host over that repository, and a `command` agent that commits,
 * pushes and calls `open_pull_request`. CI fails once → the rework prompt carries the failure →
 * CI passes → a reviewer requests changes → the rework prompt carries the comments → approval →
 * Baton squash-merges → Done; one pull request, one merge, the branch gone. Then branch
 * protection: a merge the fake refuses keeps the issue gated with the refusal until it allows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueStatusQuery, issueWorkflowId, orchestratorWorkflowId, type IssueStatus } from '../../core/protocol.js';
import { agentRuns, issueStatus, readIssueFile, startWorker, waitFor } from '../helpers/deployment.js';
import { CodeReview, createPullRequestDeployment, REPO, type PullRequestDeployment } from '../helpers/pull-request-deployment.js';
import { scaled } from '../helpers/time.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startGithubFake, type GithubFake } from '../fakes/github/index.js';

const IMPLEMENT_PROMPT = [
  'Implement {{ issue.identifier }} on branch {{ repository.branch }} of {{ repository.repo }}.',
  '{% if pr %}Pull request #{{ pr.number }}: checks {{ pr.checks.state }}, review {{ pr.review.state }}.',
  '{% if pr.failed_checks != "" %}Fix these failed checks:',
  '{{ pr.failed_checks }}{% endif %}',
  '{% if pr.review_comments != "" %}Address this review:',
  '{{ pr.review_comments }}{% endif %}{% endif %}',
].join('\n');

const stages = [
  {
    name: 'implement',
    states: ['In Progress'],
    prompt: IMPLEMENT_PROMPT,
    on_success: { move_to: 'In Review' },
    gate: { wait_for: 'checks', on_reject: 'implement', max_rework: 2 },
  },
  {
    name: 'review',
    states: ['In Review'],
    agent: { backend: 'none' },
    gate: { wait_for: 'review', on_reject: 'implement', max_rework: 2 },
    on_success: { move_to: 'Done', merge_pull_request: { method: 'squash', delete_branch: true } },
  },
];

let env: TestTemporalEnv;
let fake: GithubFake;
const deployments: PullRequestDeployment[] = [];
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startGithubFake();
});

afterAll(async () => {
  for (const stop of stops) await stop().catch(() => undefined);
  for (const d of deployments) {
    await env.client.workflow.getHandle(orchestratorWorkflowId(d.name)).terminate('test finished').catch(() => undefined);
  }
  await fake?.close();
  await env?.teardown();
});

async function run(identifier: string, extra: { repoPatch?: Record<string, unknown>; plan: ConstructorParameters<typeof CodeReview>[3]; before?: (d: PullRequestDeployment) => void }) {
  const d = await createPullRequestDeployment({ fake, issues: [{ identifier, state: 'In Progress' }], stages, ...(extra.repoPatch ? { repository: extra.repoPatch } : {}) });
  deployments.push(d);
  extra.before?.(d);
  const review = new CodeReview(fake, d, identifier, extra.plan).start();
  const worker = await startWorker(env, d);
  stops.push(async () => {
    review.stop();
    worker.shutdown();
    await worker.done;
  });
  return { d, review };
}

async function finished(identifier: string): Promise<IssueStatus> {
  const handle = env.client.workflow.getHandle(issueWorkflowId('local', identifier));
  return waitFor(`${identifier} done`, async () => {
    const s = await handle.query(issueStatusQuery);
    return s.status === 'done' ? s : null;
  }, 180_000);
}

describe('Baton owns the pull request (real dev server, real git, GitHub fake)', () => {
  it('checks fail once → rework with the failure → changes requested → rework with the comments → approval → one squash merge → Done, branch deleted', async () => {
    const { d } = await run('PRE2E-1', { plan: { ci: ['failure', 'success', 'success'], reviews: ['CHANGES_REQUESTED', 'APPROVED'] } });
    const status = await finished('PRE2E-1');

    expect((await readIssueFile(d.issuesDir, 'PRE2E-1')).state).toBe('Done');
    // One pull request, one merge (squash), the work branch gone from the remote.
    const pulls = fake.pulls.pulls(REPO).filter((p) => p.pull!.head === 'baton/PRE2E-1');
    expect(pulls).toHaveLength(1);
    const merges = fake.merges(REPO).filter((m) => m.number === pulls[0]!.number);
    expect(merges).toEqual([expect.objectContaining({ method: 'squash' })]);
    expect(fake.requests.filter((r) => r.operation === 'pulls/merge' && r.url.endsWith(`/pulls/${pulls[0]!.number}/merge`))).toHaveLength(1);
    expect(d.git.branches()).not.toContain('baton/PRE2E-1');
    expect(d.git.log('main')[0]).toBe(`PRE2E-1: Issue PRE2E-1 (#${pulls[0]!.number})`);

    // The agent ran implement three times; each rework prompt carried what rejected the last.
    const prompts = await d.prompts('implement');
    expect(prompts).toHaveLength(3);
    expect(prompts[0]).toBe('Implement PRE2E-1 on branch baton/PRE2E-1 of acme/app.\n');
    expect(prompts[1]).toContain('Fix these failed checks:\n### ci — failure\n**1 test failed**\nwork.test: expected 2 lines, got 1\nLog tail:\n```text\nnpm test\n> vitest run\nFAIL work.test > counts lines\nAssertionError: expected 2 lines, got 1\n```');
    expect(prompts[1]).not.toContain('Address this review');
    expect(prompts[2]).toContain('Address this review:\n### @reviewer-ann requested changes\nThe work log needs a header line.\n- `work.txt:1`: Start the file with "# Work".');
    expect(prompts[2]).toContain(`Pull request #${pulls[0]!.number}: checks success, review changes_requested.`);
    expect((await agentRuns(d.logFile)).map((r) => r.stage)).toEqual(['implement', 'implement', 'implement']);

    expect(status.reworks).toEqual({ implement: 1, review: 1 });
    expect(status.pr).toMatchObject({ ref: { repo: REPO, number: pulls[0]!.number, head: 'baton/PRE2E-1' }, merged: { stage: 'review' } });
    expect(status.history.filter((h) => h.outcome === 'merged').map((h) => h.note)).toEqual([expect.stringMatching(new RegExp(`^acme/app#${pulls[0]!.number} \\(squash\\) as [0-9a-f]{7}, branch deleted$`))]);
    // The tracker issue links the pull request: its front matter, and the progress section's history line.
    const file = (await readIssueFile(d.issuesDir, 'PRE2E-1')).text;
    expect(file).toMatch(new RegExp(`^pull_request: https://github.com/${REPO}/pull/${pulls[0]!.number}$`, 'm'));
    expect(file).toContain(`pr_opened — acme/app#${pulls[0]!.number} https://github.com/${REPO}/pull/${pulls[0]!.number}`);
    expect(fake.problems).toEqual([]);
  }, scaled(240_000));

  it('branch protection: a refused merge keeps the issue gated with the reason in its status until the fake allows it', async () => {
    const { d } = await run('PRE2E-2', {
      plan: { ci: ['success'], reviews: ['APPROVED'] },
      before: () => fake.pulls.protect(REPO, { requiredApprovals: 2, requiredChecks: ['ci'] }),
    });
    const gated = await waitFor(
      'PRE2E-2 gated on the refused merge',
      async () => {
        const s = await issueStatus(env.client, 'PRE2E-2');
        return s.status === 'gated' && (s.reason ?? '').includes('refused') ? s : null;
      },
      180_000,
    );
    expect(gated.reason).toBe(
      'waiting at the review gate: GitHub refused the merge (405): At least 2 approving reviews are required by reviewers with write access.; Baton merges as soon as the code host allows it',
    );
    expect(gated.gate).toMatchObject({ stage: 'review', waitFor: 'review' });
    expect((await readIssueFile(d.issuesDir, 'PRE2E-2')).state).toBe('In Review');
    const number = fake.pulls.pulls(REPO).find((p) => p.pull!.head === 'baton/PRE2E-2')!.number;
    expect(fake.merges(REPO).filter((m) => m.number === number)).toEqual([]);

    // A second reviewer approves: the fake allows the merge, and Baton merges at its next look.
    fake.pulls.addReview(REPO, number, { user: 'reviewer-bob', state: 'APPROVED' });
    const status = await finished('PRE2E-2');
    fake.pulls.protect(REPO, null);
    expect(status.status).toBe('done');
    expect(fake.merges(REPO).filter((m) => m.number === number)).toHaveLength(1);
    expect((await readIssueFile(d.issuesDir, 'PRE2E-2')).state).toBe('Done');
    expect(fake.problems).toEqual([]);
  }, scaled(240_000));
});
