/**
 * A Baton deployment whose issues keep their code in a real git repository: a local bare
 * repository as the remote (seeded with a `main` branch), the GitHub fake as the code host backed
 * by that repository, a file tracker, workspaces cloned from the remote by `after_create`, and a
 * `command` agent that saves each prompt it gets, commits, pushes the work branch and asks for
 * `open_pull_request` (host-side; it never sees the token). `CodeReview` plays CI and reviewers:
 * a check run per new head (in progress, then the next planned conclusion, with a job log) and a
 * review once the issue waits in review with green checks.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BareRepoGit, startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { orchestratorWorkflowId } from '../../core/protocol.js';
import { createDeployment, readIssueFile, startWorker, type Deployment, type TestIssue } from './deployment.js';
import { connectTestEnv, type TestTemporalEnv } from './temporal.js';
import { scaled } from './time.js';

export const REPO = 'acme/app';

const GIT_ENV = { GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'agent@example.com', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'agent@example.com' };

/** The agent: save the prompt, commit a change, push the work branch, open the pull request (unless told not to). */
function agentScript(promptsDir: string, openPullRequest: boolean): string {
  return [
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    `prompts=${JSON.stringify(promptsDir)}`,
    'n=$(ls "$prompts" | grep -c "^$BATON_STAGE-" || true)',
    'cat > "$prompts/$BATON_STAGE-$((n + 1)).txt"',
    `echo "start $BATON_STAGE $BATON_ISSUE_IDENTIFIER $(date +%s%3N) $$" >> "$BATON_CONFIG_DIR/agent.log"`,
    'if [ "$BATON_STAGE" = implement ]; then',
    '  git checkout -q -B "$BATON_BRANCH"',
    '  echo "work $((n + 1)) on $BATON_ISSUE_IDENTIFIER" >> work.txt',
    '  git add -A && git commit -q -m "$BATON_ISSUE_IDENTIFIER: work $((n + 1))"',
    '  git push -q -f origin "HEAD:refs/heads/$BATON_BRANCH"',
    ...(openPullRequest ? ['  echo \'{"tool": "open_pull_request", "arguments": {"body": "Does the work."}}\''] : []),
    'fi',
    `echo "stop $BATON_STAGE $BATON_ISSUE_IDENTIFIER $(date +%s%3N) $$" >> "$BATON_CONFIG_DIR/agent.log"`,
  ].join('\n');
}

export interface PullRequestDeployment extends Deployment {
  git: BareRepoGit;
  remote: string;
  promptsDir: string;
  /** Prompts the agent got, by `<stage>-<n>`, in order. */
  prompts(stage: string): Promise<string[]>;
}

export async function createPullRequestDeployment(options: {
  fake: GithubFake;
  issues: TestIssue[];
  stages: unknown[];
  repository?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** false: the agent only pushes; someone else opens the pull request (as `gh pr create` would). */
  openPullRequest?: boolean;
}): Promise<PullRequestDeployment> {
  const d = await createDeployment({ issues: options.issues });
  const remote = path.join(d.dir, 'remote.git');
  const seed = path.join(d.dir, 'seed');
  const run = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, stdio: 'ignore' });
  await mkdir(seed);
  run(d.dir, 'init', '-q', '--bare', '-b', 'main', remote);
  run(seed, 'init', '-q', '-b', 'main');
  await writeFile(path.join(seed, 'README.md'), '# app\n');
  run(seed, 'add', '-A');
  run(seed, 'commit', '-q', '-m', 'initial commit');
  run(seed, 'push', '-q', remote, 'main');
  const git = new BareRepoGit(remote);
  options.fake.useGit(REPO, git);

  const promptsDir = path.join(d.dir, 'prompts');
  await mkdir(promptsDir);
  const script = path.join(d.dir, 'pr-agent.sh');
  await writeFile(script, `${agentScript(promptsDir, options.openPullRequest ?? true)}\n`, { mode: 0o755 });
  await d.writeConfig({
    // A literal token: the fake's, and the config file is the test's own (a real one says $GITHUB_TOKEN).
    repository: { kind: 'github', repo: REPO, token: options.fake.token, api_url: options.fake.url, write_interval_ms: 0, poll_interval_ms: 200, poll_max_interval_ms: 1_000, ...options.repository },
    hooks: { after_create: `git clone -q ${JSON.stringify(remote)} .`, timeout_ms: scaled(60_000) },
    command: { command: `bash ${JSON.stringify(script)}`, turn_timeout_ms: scaled(60_000), stall_timeout_ms: scaled(30_000) },
    stages: options.stages,
    ...options.config,
  });
  return {
    ...d,
    git,
    remote,
    promptsDir,
    async prompts(stage: string) {
      const names = (await readdir(promptsDir)).filter((n) => n.startsWith(`${stage}-`)).sort((a, b) => Number(a.split('-').at(-1)!.split('.')[0]) - Number(b.split('-').at(-1)!.split('.')[0]));
      return Promise.all(names.map((n) => readFile(path.join(promptsDir, n), 'utf8')));
    },
  };
}

type DeploymentOptions = Omit<Parameters<typeof createPullRequestDeployment>[0], 'fake'>;

/** One test file's world: the dev server, the GitHub fake, the deployment and its worker running. */
export interface PullRequestWorld {
  env: TestTemporalEnv;
  fake: GithubFake;
  d: PullRequestDeployment;
  /** Stop the worker, end the orchestrator, close the fake and the connection. */
  close(): Promise<void>;
}

export async function startPullRequestWorld(options: DeploymentOptions): Promise<PullRequestWorld> {
  const env = await connectTestEnv();
  const fake = await startGithubFake();
  const d = await createPullRequestDeployment({ ...options, fake });
  const worker = await startWorker(env, d);
  return {
    env,
    fake,
    d,
    async close() {
      worker.shutdown();
      await worker.done;
      await env.client.workflow.getHandle(orchestratorWorkflowId(d.name)).terminate('test finished').catch(() => undefined);
      await fake.close();
      await env.teardown();
    },
  };
}

export interface ReviewPlan {
  /** Conclusions of the `ci` check, one per new head. */
  ci: Array<'success' | 'failure'>;
  /** Reviews, one per head that waits in review with green checks. */
  reviews: Array<'APPROVED' | 'CHANGES_REQUESTED'>;
}

/** CI and reviewers for one issue's pull requests, every 100 ms until stopped. */
export class CodeReview {
  private readonly heads = new Set<string>();
  private readonly reviewed = new Set<string>();
  private readonly running = new Map<string, ReturnType<GithubFake['pulls']['addCheckRun']>>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly fake: GithubFake,
    private readonly d: PullRequestDeployment,
    private readonly identifier: string,
    private readonly plan: ReviewPlan,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.tick(), 100);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { state } = await readIssueFile(this.d.issuesDir, this.identifier);
      for (const pr of this.fake.pulls.pulls(REPO).filter((p) => p.state === 'open' && p.pull!.head === `baton/${this.identifier}`)) this.step(pr.number, state);
    } finally {
      this.busy = false;
    }
  }

  private step(number: number, issueState: string): void {
    const { issue } = this.fake.pulls.pull(REPO, number);
    const head = this.fake.pulls.headOf(issue);
    const running = this.running.get(head);
    if (!this.heads.has(head)) {
      this.heads.add(head);
      this.running.set(head, this.fake.pulls.addCheckRun(REPO, { sha: head, name: 'ci', status: 'in_progress' }));
      return;
    }
    if (running) {
      this.running.delete(head);
      const conclusion = this.plan.ci.shift() ?? 'success';
      this.fake.pulls.completeCheckRun(
        running,
        conclusion,
        conclusion === 'failure'
          ? { title: '1 test failed', summary: 'work.test: expected 2 lines, got 1', log: 'npm test\n> vitest run\nFAIL work.test > counts lines\nAssertionError: expected 2 lines, got 1' }
          : { title: 'all tests passed', summary: '12 passed' },
      );
      return;
    }
    if (issueState !== 'In Review' || this.reviewed.has(head) || running) return;
    const checks = this.fake.pulls.repo(REPO).checkRuns.filter((c) => c.head_sha === head);
    if (!checks.every((c) => c.conclusion === 'success')) return;
    this.reviewed.add(head);
    const state = this.plan.reviews.shift() ?? 'APPROVED';
    this.fake.pulls.addReview(REPO, number, {
      user: 'reviewer-ann',
      state,
      ...(state === 'CHANGES_REQUESTED'
        ? { body: 'The work log needs a header line.', comments: [{ path: 'work.txt', line: 1, body: 'Start the file with "# Work".' }] }
        : { body: 'Looks good.' }),
    });
  }
}
