/**
 * A code host webhook wakes a PR wait through the real path: the signed delivery reaches Baton's
 * webhook handler, which finds the waiting issue workflow by its BatonPR search attribute on the
 * real dev server's visibility store and signals it; the gate looks at once. The repository polls
 * every 10 minutes here, so only the webhook can explain the issue finishing within seconds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../base/logger.js';
import { issueStatusQuery, issueWorkflowId } from '../../core/protocol.js';
import { BatonPR } from '../../core/search-attributes.js';
import { configuredRepositories, createWebhookHandler, wakePullRequestWaits } from '../../server/webhooks/index.js';
import { hubSignature } from '../../server/webhooks/signatures.js';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { issueStatus, readIssueFile, waitFor } from '../helpers/deployment.js';
import { REPO, startPullRequestWorld, type PullRequestWorld } from '../helpers/pull-request-deployment.js';
import { scaled } from '../helpers/time.js';

const ISSUE = 'PRHOOK-1';
const SECRET = 'hook-secret';

let world: PullRequestWorld;
let server: Server;
let webhookUrl: string;

beforeAll(async () => {
  world = await startPullRequestWorld({
    issues: [{ identifier: ISSUE, state: 'In Progress' }],
    repository: { webhook_secret: SECRET, poll_interval_ms: 600_000, poll_max_interval_ms: 600_000 },
    stages: [
      { name: 'implement', states: ['In Progress'], prompt: 'implement', on_success: { move_to: 'In Review' } },
      { name: 'ship', states: ['In Review'], agent: { backend: 'none' }, gate: { wait_for: 'checks' }, on_success: { move_to: 'Done', merge_pull_request: { method: 'merge' } } },
    ],
  });
  const { config } = loadConfig(world.d.configPath, { trackerProfiles });
  const handler = createWebhookHandler({
    trackers: () => config.trackers,
    repositories: () => configuredRepositories(config),
    onRefresh: () => undefined,
    onPullRequestEvent: async (keys) => {
      await wakePullRequestWaits(world.env.client, keys, silentLogger);
    },
  });
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/github`;
}, scaled(120_000));

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await world?.close();
});

describe('code host webhooks wake PR waits (real dev server)', () => {
  it('a check_run delivery finds the gated issue by BatonPR and the gate decides at once', async () => {
    const { env, fake, d } = world;
    // The gate first says it is looking at the pull request, then what it found: wait for the finding.
    const gated = await waitFor('the checks gate to report no checks yet', async () => {
      const s = await issueStatus(env.client, ISSUE);
      return s.status === 'gated' && s.pr && /no checks reported on [0-9a-f]{7} yet/.test(s.reason ?? '') ? s : null;
    }, 120_000);
    expect(gated.reason).toMatch(/no checks reported on [0-9a-f]{7} yet/);
    const number = gated.pr!.ref.number;
    // The workflow is findable by its pull request and by its branch.
    const found = await waitFor('the visibility store to index BatonPR', async () => {
      const ids: string[] = [];
      for await (const w of env.client.workflow.list({ query: `BatonPR = 'acme/app#${number}' AND BatonPR = 'acme/app@baton/${ISSUE}'` })) ids.push(w.workflowId);
      return ids.length ? ids : null;
    });
    expect(found).toEqual([issueWorkflowId('local', ISSUE)]);
    const described = await env.client.workflow.getHandle(issueWorkflowId('local', ISSUE)).describe();
    expect(described.typedSearchAttributes.get(BatonPR)).toEqual([`acme/app#${number}`, `acme/app@baton/${ISSUE}`]);

    // CI finishes and GitHub says so: the delivery, not the 10-minute poll, moves the issue on.
    const { issue } = fake.pulls.pull(REPO, number);
    const head = fake.pulls.headOf(issue);
    fake.pulls.addCheckRun(REPO, { sha: head, name: 'ci', conclusion: 'success' });
    const body = JSON.stringify({ action: 'completed', repository: { full_name: REPO }, check_run: { head_sha: head, check_suite: { head_branch: `baton/${ISSUE}` }, pull_requests: [{ number, head: { ref: `baton/${ISSUE}` } }] } });
    const sentAt = Date.now();
    const res = await fetch(webhookUrl, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'check_run', 'x-github-delivery': 'delivery-1', 'x-hub-signature-256': hubSignature(SECRET, Buffer.from(body)) },
    });
    expect(res.status).toBe(200);
    const handle = env.client.workflow.getHandle(issueWorkflowId('local', ISSUE));
    await waitFor('Done', async () => (await handle.query(issueStatusQuery)).status === 'done', 60_000, 50);
    const latencyMs = Date.now() - sentAt;
    console.log(`code host webhook → merged and Done: ${latencyMs} ms (poll interval 600000 ms)`);
    expect((await readIssueFile(d.issuesDir, ISSUE)).state).toBe('Done');
    expect(fake.merges(REPO)).toEqual([expect.objectContaining({ number, method: 'merge' })]);
  }, scaled(240_000));
});
