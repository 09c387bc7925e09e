/**
 * `open_pull_request { push: true }`: Baton pushes the workspace's HEAD to the work branch itself,
 * over real git smart HTTP (`git http-backend`, which asks for credentials on push as GitHub does),
 * with a credential helper fed from Baton's own process — the token reaches the remote, never the
 * workspace's git config or the tool's answer, even when the push is refused.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Issue } from '../../core/issue.js';
import type { PullRequestRef } from '../../core/pull-request.js';
import type { RepositoryConfig } from '../../config/schema.js';
import { GithubCodeHost } from '../../adapters/code-hosts/github/host.js';
import { executeCodeHostTool } from '../../adapters/code-hosts/tools.js';
import { BareRepoGit, startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';

const REPO = 'acme/app';
const BRANCH = 'baton/ENG-1';
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'agent@example.com', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'agent@example.com', GIT_TERMINAL_PROMPT: '0' };
const issue: Issue = { id: 'i1', identifier: 'ENG-1', title: 'Fix math', description: null, priority: null, state: 'In Progress', branch_name: null, url: null, assignee_id: null, labels: [], blocked_by: [], dispatchable: true, created_at: null, updated_at: null, native_ref: null };

let dir: string;
let remote: string;
let workspace: string;
let fake: GithubFake;
let server: GitHttpServer;

// Asynchronous: the HTTP remote is served by this same process, which a synchronous git call would block.
const git = async (cwd: string, ...args: string[]) => (await promisify(execFile)('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' })).stdout.trim();

function host(token: string): GithubCodeHost {
  const config = { kind: 'github', repo: REPO, token, api_url: fake.url, base: 'main', branch_prefix: 'baton/', use_tracker_branch: false, poll_interval_ms: 1_000, poll_max_interval_ms: 10_000, timeout_ms: 5_000, write_interval_ms: 0, secret_env: [] } as RepositoryConfig;
  return new GithubCodeHost(config, pino({ level: 'silent' }));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'baton-push-'));
  remote = path.join(dir, 'app.git');
  await git(dir, 'init', '-q', '--bare', '-b', 'main', remote);
  const seed = path.join(dir, 'seed');
  await git(dir, 'init', '-q', '-b', 'main', seed);
  await writeFile(path.join(seed, 'README.md'), '# app\n');
  await git(seed, 'add', '-A');
  await git(seed, 'commit', '-q', '-m', 'initial commit');
  await git(seed, 'push', '-q', remote, 'main');
  fake = await startGithubFake();
  fake.useGit(REPO, new BareRepoGit(remote));
  server = await startGitHttpServer(dir, fake.token);
  // The workspace: cloned over HTTP without credentials (fetching needs none), one commit made.
  workspace = path.join(dir, 'ws');
  await git(dir, 'clone', '-q', `${server.url}app.git`, workspace);
  await writeFile(path.join(workspace, 'work.txt'), 'work\n');
  await git(workspace, 'add', '-A');
  await git(workspace, 'commit', '-q', '-m', 'ENG-1: work');
});

afterEach(async () => {
  await server.close();
  const problems = [...fake.problems];
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  expect(problems).toEqual([]);
});

describe('open_pull_request with push: true', () => {
  it('pushes HEAD to the work branch with the repository token, then opens the pull request from it', async () => {
    const announced: PullRequestRef[] = [];
    const ctx = { host: host(fake.token), issue, branch: BRANCH, base: 'main', workspace, announce: async (ref: PullRequestRef) => void announced.push(ref) };
    const result = await executeCodeHostTool('open_pull_request', { push: true, body: 'Does the work.' }, ctx);
    expect(result, result.output).toMatchObject({ success: true });
    expect(await git(remote, 'rev-parse', BRANCH)).toBe(await git(workspace, 'rev-parse', 'HEAD'));
    expect(server.pushes.length).toBeGreaterThan(0);
    expect(new Set(server.pushes)).toEqual(new Set([`x-access-token:${fake.token}`]));
    const number = (JSON.parse(result.output) as { pull_request: { number: number } }).pull_request.number;
    expect(fake.pulls.pull(REPO, number).issue.pull!.head).toBe(BRANCH);
    expect(announced.map((r) => r.number)).toEqual([number]);
    // Nothing the agent can read kept the token.
    expect(await readFile(path.join(workspace, '.git', 'config'), 'utf8')).not.toContain(fake.token);
    expect(result.output).not.toContain(fake.token);
  });

  it('a refused push answers success: false with git’s reason, the token masked, and opens nothing', async () => {
    const ctx = { host: host('ghp_wrong_token'), issue, branch: BRANCH, base: 'main', workspace, announce: async () => undefined };
    const result = await executeCodeHostTool('open_pull_request', { push: true }, ctx);
    expect(result.success).toBe(false);
    expect(result.output).toMatch(/git push of HEAD to baton\/ENG-1 failed: .*(Authentication failed|401)/);
    expect(result.output).not.toContain('ghp_wrong_token');
    expect(server.pushes).toEqual([]);
    await expect(git(remote, 'rev-parse', '--verify', '--quiet', BRANCH)).rejects.toThrow();
    expect(fake.pulls.pulls(REPO)).toEqual([]);
  });

  it('without a workspace it says so instead of pushing', async () => {
    const ctx = { host: host(fake.token), issue, branch: BRANCH, base: 'main', workspace: null, announce: async () => undefined };
    const result = await executeCodeHostTool('open_pull_request', { push: true }, ctx);
    expect(result.success).toBe(false);
    expect(result.output).toContain('push: true needs the issue workspace');
    expect(server.pushes).toEqual([]);
  });
});
