/**
 * Code host webhooks (spec/SPEC.md §4.10): a delivery signed with a repository's webhook_secret
 * that names a pull request — check runs and suites, commit statuses, pull requests and their
 * reviews — wakes the PR waits of the issues it names (BatonPR keys); one webhook may serve a
 * GitHub tracker and its repository at once; anything unsigned or forged changes nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RepositoryConfig, TrackerConfig } from '../../config/schema.js';
import { createWebhookHandler, pullRequestQuery } from '../../server/webhooks/index.js';
import { githubPullRequestKeys } from '../../server/webhooks/providers.js';
import { hubSignature } from '../../server/webhooks/signatures.js';

const REPO_SECRET = 'repo-secret';
const SHARED = 'shared-secret';

const repository = { kind: 'github', repo: 'acme/app', base: 'main', branch_prefix: 'baton/', use_tracker_branch: false, poll_interval_ms: 1, poll_max_interval_ms: 1, webhook_secret: REPO_SECRET, secret_env: [] } as RepositoryConfig;
const ghTracker: TrackerConfig = { name: 'gh', kind: 'github', provider: { webhook_secret: SHARED }, required_labels: [], active_states: ['open'], terminal_states: ['closed'], secret_env: [] };

let server: Server;
let base: string;
let wakes: string[][] = [];
let refreshes: string[] = [];
let repositories: RepositoryConfig[] = [repository];

beforeAll(async () => {
  const handler = createWebhookHandler({
    trackers: () => [ghTracker],
    repositories: () => repositories,
    onRefresh: (name) => void refreshes.push(name),
    onPullRequestEvent: (keys) => void wakes.push([...keys]),
  });
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  wakes = [];
  refreshes = [];
  repositories = [repository];
});

let seq = 0;
async function deliver(event: string, payload: Record<string, unknown>, secret = REPO_SECRET): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({ repository: { full_name: 'acme/app' }, ...payload });
  const res = await fetch(`${base}/webhooks/github`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `d-${++seq}`, 'x-hub-signature-256': hubSignature(secret, Buffer.from(body)) },
  });
  return { status: res.status, text: await res.text() };
}

describe('which pull requests an event names', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['pull_request', { action: 'synchronize', pull_request: { number: 7, head: { ref: 'baton/ENG-1' } } }, ['acme/app#7', 'acme/app@baton/ENG-1']],
    ['pull_request_review', { action: 'submitted', pull_request: { number: 7, head: { ref: 'baton/ENG-1' } } }, ['acme/app#7', 'acme/app@baton/ENG-1']],
    ['check_run', { action: 'completed', check_run: { check_suite: { head_branch: 'baton/ENG-1' }, pull_requests: [{ number: 7, head: { ref: 'baton/ENG-1' } }] } }, ['acme/app@baton/ENG-1', 'acme/app#7']],
    ['check_suite', { action: 'completed', check_suite: { head_branch: 'baton/ENG-2', pull_requests: [] } }, ['acme/app@baton/ENG-2']],
    ['status', { state: 'failure', branches: [{ name: 'baton/ENG-1' }, { name: 'main' }] }, ['acme/app@baton/ENG-1', 'acme/app@main']],
    ['issues', { action: 'labeled', issue: { number: 7 } }, []],
  ])('%s', (event, payload, keys) => {
    expect(githubPullRequestKeys(event, 'Acme/App', payload)).toEqual(keys);
  });

  it('the visibility query quotes every key', () => {
    expect(pullRequestQuery(["acme/app#7", "acme/app@it's"])).toBe("BatonPR IN ('acme/app#7', 'acme/app@it\\'s') AND ExecutionStatus = 'Running'");
  });
});

describe('deliveries', () => {
  it('a check run signed with the repository secret wakes the PR waits it names, and polls no tracker', async () => {
    const res = await deliver('check_run', { action: 'completed', check_run: { check_suite: { head_branch: 'baton/ENG-1' }, pull_requests: [{ number: 7, head: { ref: 'baton/ENG-1' } }] } });
    expect(res).toEqual({ status: 200, text: 'ok' });
    expect(wakes).toEqual([['acme/app@baton/ENG-1', 'acme/app#7']]);
    expect(refreshes).toEqual([]);
  });

  it('one webhook for a GitHub tracker and its repository: a review both wakes the PR wait and polls the tracker', async () => {
    repositories = [{ ...repository, webhook_secret: SHARED }];
    const res = await deliver('pull_request_review', { action: 'submitted', pull_request: { number: 7, head: { ref: 'baton/ENG-1' } } }, SHARED);
    expect(res.status).toBe(200);
    expect(wakes).toHaveLength(1);
    expect(refreshes).toEqual(['gh']);
  });

  it('an event about no pull request, signed by the repository, is verified and ignored', async () => {
    expect(await deliver('issues', { action: 'labeled', issue: { number: 3 } })).toEqual({ status: 200, text: 'ignored' });
    expect(wakes).toEqual([]);
    expect(refreshes).toEqual([]);
  });

  it('a forged or unsigned delivery changes nothing', async () => {
    expect((await deliver('status', { state: 'success', branches: [{ name: 'baton/ENG-1' }] }, 'wrong')).status).toBe(401);
    repositories = [{ ...repository, webhook_secret: undefined }];
    expect((await deliver('status', { state: 'success', branches: [{ name: 'baton/ENG-1' }] })).status).toBe(401);
    expect(wakes).toEqual([]);
  });
});
