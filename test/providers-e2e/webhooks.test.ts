/**
 * Webhooks through Baton's own HTTP server (Baton issue 5; spec/adapters/github.md *Webhooks*,
 * SPEC §8.1 "poll now"): a deployment that polls only every 10 minutes, a real worker, the GitHub
 * and Linear fakes as trackers, and `startHttpServer` on 127.0.0.1. A correctly signed GitHub
 * delivery makes the orchestrator poll at once and the new issue's agent start within a moment;
 * refused deliveries (forged, unsigned, stale, replayed) change nothing at all: no refresh signal
 * reaches the orchestrator, no tick, no poll, no agent.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, orchestratorStatus, startWorker, waitFor, type Deployment } from '../helpers/deployment.js';
import { startGithubFake, type GithubFake, type RecordedRequest } from '../fakes/github/index.js';
import { startLinearFake, type LinearFake } from '../fakes/linear/index.js';
import { orchestratorWorkflowId, refreshSignal } from '../../core/protocol.js';
import { startHttpServer, type BatonHttpServer } from '../../server/http.js';
import { hubSignature, linearSignature } from '../../server/webhooks/index.js';
import { silentLogger } from '../../base/logger.js';
import { scaled } from '../helpers/time.js';

const REPO = 'acme/hooks';
/** Long enough that only a refresh can explain a tick during the test. */
const POLL_INTERVAL_MS = 600_000;
/** How long a refused delivery is watched for an effect it must not have (no assert is about time). */
const SETTLE_MS = scaled(750);
const SECRETS = { github: 'gh-hook-secret', linear: 'lin-hook-secret' };

let env: TestTemporalEnv;
let github: GithubFake;
let linear: LinearFake;
beforeAll(async () => {
  env = await connectTestEnv();
  [github, linear] = await Promise.all([startGithubFake(), startLinearFake()]);
});
afterAll(async () => {
  await Promise.all([github?.close(), linear?.close()]);
  await env?.teardown();
});

interface Delivery {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** An `issues.labeled` delivery as GitHub sends it, signed with `secret`. */
function githubDelivery(number: number, secret = SECRETS.github, id: string = randomUUID()): Delivery {
  const body = JSON.stringify({ action: 'labeled', label: { name: 'agent' }, issue: { number }, repository: { full_name: REPO } });
  return {
    path: '/webhooks/github',
    body,
    headers: { 'x-github-event': 'issues', 'x-github-delivery': id, 'x-hub-signature-256': hubSignature(secret, Buffer.from(body)) },
  };
}

/** An `Issue.update` delivery as Linear sends it: the signed body carries its own timestamp. */
function linearDelivery(timestamp = Date.now(), secret = SECRETS.linear): Delivery {
  const body = JSON.stringify({
    action: 'update',
    type: 'Issue',
    data: { id: randomUUID(), identifier: 'ENG-9', title: 'x' },
    webhookId: randomUUID(),
    webhookTimestamp: timestamp,
    createdAt: new Date(timestamp).toISOString(),
  });
  return { path: '/webhooks/linear', body, headers: { 'linear-signature': linearSignature(secret, Buffer.from(body)) } };
}

function without(d: Delivery, header: string): Delivery {
  const headers = { ...d.headers };
  delete headers[header];
  return { ...d, headers };
}

async function post(base: string, d: Delivery): Promise<{ status: number; text: string; sentAt: number; answeredAt: number }> {
  const sentAt = Date.now();
  const res = await fetch(`${base}${d.path}`, { method: 'POST', body: d.body, headers: { 'content-type': 'application/json', ...d.headers } });
  const text = await res.text();
  return { status: res.status, text, sentAt, answeredAt: Date.now() };
}

/** Refresh signals the orchestrator's history holds: every one a webhook sent is recorded before its 200. */
async function refreshSignals(d: Deployment): Promise<number> {
  const history = await env.client.workflow.getHandle(orchestratorWorkflowId(d.name)).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === refreshSignal.name).length;
}

const isListing = (r: RecordedRequest) => r.method === 'GET' && r.operation === 'issues/list-for-repo';

/** What must not move when a delivery is refused. */
interface Quiet {
  signals: number;
  ticks: number;
  listings: number;
  agentStarts: number;
}

async function quiet(d: Deployment): Promise<Quiet> {
  return {
    signals: await refreshSignals(d),
    ticks: (await orchestratorStatus(env.client, d)).ticks,
    listings: github.requests.filter(isListing).length,
    agentStarts: (await agentRuns(d.logFile)).length,
  };
}

async function firstStart(d: Deployment, identifier: string, timeoutMs = 20_000): Promise<number> {
  const run = await waitFor(`${identifier}'s first agent start`, async () => (await agentRuns(d.logFile)).find((r) => r.identifier === identifier), timeoutMs, 10);
  return run.start;
}

describe('webhooks through Baton', () => {
  it('a signed GitHub delivery dispatches long before the next poll; forged, unsigned, stale and replayed ones change nothing', async () => {
    github.store.repo(REPO); // an empty repository: it exists, nothing is labelled yet
    process.env.BATON_TEST_WH_GITHUB_TOKEN = github.token;
    process.env.BATON_TEST_WH_GITHUB_SECRET = SECRETS.github;
    process.env.BATON_TEST_WH_LINEAR_KEY = linear.apiKey;
    process.env.BATON_TEST_WH_LINEAR_SECRET = SECRETS.linear;
    const active = ['Todo', 'In Progress', 'In Review', 'Merging'];
    const d = await createDeployment({
      issues: [],
      config: {
        polling: { interval_ms: POLL_INTERVAL_MS },
        server: { port: 0 },
        trackers: [
          {
            name: 'github-hooks',
            kind: 'github',
            provider: {
              repo: REPO,
              token: '$BATON_TEST_WH_GITHUB_TOKEN',
              api_url: github.url,
              webhook_secret: '$BATON_TEST_WH_GITHUB_SECRET',
              write_interval_ms: 0,
            },
            required_labels: ['agent'],
            active_states: active,
            terminal_states: ['Done'],
          },
          {
            name: 'linear-hooks',
            kind: 'linear',
            provider: {
              endpoint: linear.url,
              api_key: '$BATON_TEST_WH_LINEAR_KEY',
              project_slug: linear.store.defaultProjectSlug,
              webhook_secret: '$BATON_TEST_WH_LINEAR_SECRET',
            },
            required_labels: ['agent'],
            active_states: active,
            terminal_states: ['Done', 'Canceled'],
          },
        ],
      },
    });
    const worker = await startWorker(env, d);
    let http: BatonHttpServer | undefined;
    try {
      const config = () => worker.runtime.config(d.configPath).config;
      expect(config().server).toEqual({ port: 0, host: '127.0.0.1' });
      http = await startHttpServer({ client: env.client, config, logger: silentLogger }, { host: config().server.host, port: config().server.port! });
      const base = http.url;

      // The first poll (at start) found nothing; from here on only a refresh can poll again.
      await waitFor('the first poll', async () => {
        const s = await orchestratorStatus(env.client, d);
        return s.ticks === 1 && s.lastPollOk;
      });
      const first = github.addIssue(REPO, { title: 'Labelled while Baton sleeps', labels: ['agent', 'baton:Todo'] });
      const firstId = `GH-${first.number}`;

      // ---- refused: 401 (ping: 200 pong), and nothing happens
      const before = await quiet(d);
      expect(before).toMatchObject({ signals: 0, ticks: 1, agentStarts: 0 });
      const staleMs = Date.now() - 5 * 60_000;
      const pingBody = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1, repository: { full_name: REPO } });
      const ping: Delivery = {
        path: '/webhooks/github',
        body: pingBody,
        headers: { 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': hubSignature(SECRETS.github, Buffer.from(pingBody)) },
      };
      const refused: Array<[string, Delivery, number, string]> = [
        ['GitHub signed with another secret', githubDelivery(first.number, 'not-the-secret'), 401, 'unauthorized'],
        ['GitHub without X-Hub-Signature-256', without(githubDelivery(first.number), 'x-hub-signature-256'), 401, 'unauthorized'],
        ['GitHub body changed after signing', { ...githubDelivery(first.number), body: githubDelivery(first.number + 1).body }, 401, 'unauthorized'],
        ['GitHub without X-GitHub-Delivery', without(githubDelivery(first.number), 'x-github-delivery'), 401, 'unauthorized'],
        ['Linear webhookTimestamp 5 min old', linearDelivery(staleMs), 401, 'unauthorized'],
        ['Linear signed with another secret', linearDelivery(Date.now(), 'not-the-secret'), 401, 'unauthorized'],
        ['Linear without linear-signature', without(linearDelivery(), 'linear-signature'), 401, 'unauthorized'],
        ['GitHub ping', ping, 200, 'pong'],
      ];
      for (const [what, delivery, status, text] of refused) {
        const res = await post(base, delivery);
        expect({ what, status: res.status, text: res.text }).toEqual({ what, status, text });
        // The handler awaits the signal before answering, so a refresh would already be in the history.
        expect({ what, signals: await refreshSignals(d) }).toEqual({ what, signals: before.signals });
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      expect(await quiet(d)).toEqual(before);

      // ---- accepted: the orchestrator polls now and the agent starts
      const good = githubDelivery(first.number);
      const accepted = await post(base, good);
      expect(accepted).toMatchObject({ status: 200, text: 'ok' });
      const startedAt = await firstStart(d, firstId);
      const latencyMs = startedAt - accepted.sentAt;
      const afterGood = await quiet(d);
      // One refresh, one tick (not the interval's: that is 10 minutes away), one new listing.
      expect(afterGood.signals).toBe(before.signals + 1);
      expect(afterGood.ticks).toBe(before.ticks + 1);
      expect(afterGood.listings).toBe(before.listings + 1);
      expect(latencyMs).toBeLessThan(POLL_INTERVAL_MS / 20);

      // ---- replayed: the same delivery again answers "duplicate" and does nothing, even though a
      // new labelled issue is now waiting for a poll
      const second = github.addIssue(REPO, { title: 'Labelled next', labels: ['agent', 'baton:Todo'] });
      const secondId = `GH-${second.number}`;
      const beforeReplay = { signals: afterGood.signals, ticks: afterGood.ticks, listings: github.requests.filter(isListing).length };
      const replay = await post(base, good);
      expect(replay).toMatchObject({ status: 200, text: 'duplicate' });
      expect(await refreshSignals(d)).toBe(beforeReplay.signals);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const afterReplay = await quiet(d);
      expect({ signals: afterReplay.signals, ticks: afterReplay.ticks, listings: github.requests.filter(isListing).length }).toEqual(beforeReplay);
      expect((await agentRuns(d.logFile)).filter((r) => r.identifier === secondId)).toEqual([]);

      // ---- control: a fresh Linear delivery, the stale one's twin but for its timestamp, is
      // accepted, and its poll (every tracker) picks up the waiting GitHub issue: it was dispatchable.
      const fresh = await post(base, linearDelivery());
      expect(fresh).toMatchObject({ status: 200, text: 'ok' });
      const secondStart = await firstStart(d, secondId);
      expect(await refreshSignals(d)).toBe(beforeReplay.signals + 1);
      expect((await orchestratorStatus(env.client, d)).ticks).toBe(beforeReplay.ticks + 1);

      console.log(
        `[webhooks] GitHub delivery → 200 in ${accepted.answeredAt - accepted.sentAt} ms; POST → first agent start ${latencyMs} ms ` +
          `(poll interval ${POLL_INTERVAL_MS / 60_000} min); Linear delivery → agent start ${secondStart - fresh.sentAt} ms; ` +
          `${refused.length} refused deliveries and 1 replay: 0 refreshes, 0 ticks, 0 agent starts`,
      );
    } finally {
      await http?.close();
      worker.shutdown();
      await worker.done;
    }
  });
});
