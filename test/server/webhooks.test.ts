/**
 * Webhook receiver: signatures over the raw body, Linear's replay window, de-duplication, routing to
 * the right tracker, and the refusals (401 with no side effect, 404, 405, 413).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TrackerConfig } from '../../config/schema.js';
import { DeliveryLog } from '../../server/webhooks/delivery-log.js';
import { createWebhookHandler, type RefreshHint } from '../../server/webhooks/index.js';
import { hubSignature, linearSignature, verifyHubSignature } from '../../server/webhooks/signatures.js';

const SECRETS = { linear: 'lin-secret', github: 'gh-secret', gh2: 'gh-other-secret', jira: 'jira-secret' };

function tracker(name: string, kind: string, webhookSecret?: string): TrackerConfig {
  return {
    name,
    kind,
    provider: webhookSecret === undefined ? {} : { webhook_secret: webhookSecret },
    required_labels: [],
    active_states: ['Todo'],
    terminal_states: ['Done'],
    secret_env: [],
  };
}

const trackers: TrackerConfig[] = [
  tracker('linear', 'linear', SECRETS.linear),
  tracker('gh-main', 'github', SECRETS.github),
  tracker('gh-docs', 'github', SECRETS.gh2),
  tracker('jira', 'jira', SECRETS.jira),
];

interface Call {
  tracker: string;
  hint: RefreshHint;
  at: number;
}

let server: Server;
let base: string;
let calls: Call[] = [];
let failNext = false;
let trackerList = trackers;

beforeAll(async () => {
  const handler = createWebhookHandler({
    trackers: () => trackerList,
    maxBodyBytes: 64 * 1024,
    dedupeCapacity: 100,
    onRefresh(name, hint) {
      if (failNext) {
        failNext = false;
        throw new Error('orchestrator unavailable');
      }
      calls.push({ tracker: name, hint, at: performance.now() });
    },
  });
  server = createServer((req, res) => {
    void handler(req, res, () => {
      res.writeHead(200);
      res.end('next');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  calls = [];
  failNext = false;
  trackerList = trackers;
});

async function post(path: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; text: string; sentAt: number }> {
  const sentAt = performance.now();
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text(), sentAt };
}

let seq = 0;
function linearBody(timestamp = Date.now()): string {
  seq += 1;
  return JSON.stringify({
    action: 'update',
    type: 'Issue',
    data: { id: `uuid-${seq}`, identifier: `ENG-${seq}`, title: 'x' },
    webhookId: 'hook-1',
    webhookTimestamp: timestamp,
    createdAt: new Date(timestamp).toISOString(),
  });
}

function githubDelivery(secret = SECRETS.github, id = `delivery-${++seq}`) {
  const body = JSON.stringify({ action: 'labeled', issue: { number: 7 }, repository: { full_name: 'acme/app' } });
  return {
    body,
    headers: {
      'x-hub-signature-256': hubSignature(secret, Buffer.from(body)),
      'x-github-event': 'issues',
      'x-github-delivery': id,
    },
  };
}

function jiraDelivery(id = `jira-${++seq}`) {
  const body = JSON.stringify({ webhookEvent: 'jira:issue_updated', issue: { id: '10001', key: 'ENG-4' } });
  return {
    body,
    headers: { 'x-hub-signature': hubSignature(SECRETS.jira, Buffer.from(body)), 'x-atlassian-webhook-identifier': id },
  };
}

/** The delivery with one header left out. */
function without(delivery: { body: string; headers: Record<string, string> }, name: string) {
  const headers = { ...delivery.headers };
  delete headers[name];
  return { body: delivery.body, headers };
}

describe('valid deliveries', () => {
  it('Linear: calls onRefresh once with the tracker and an issue hint', async () => {
    const body = linearBody();
    const res = await post('/webhooks/linear', body, { 'linear-signature': linearSignature(SECRETS.linear, Buffer.from(body)) });
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.tracker).toBe('linear');
    expect(calls[0]!.hint).toMatchObject({ provider: 'linear', event: 'Issue.update', issue: { identifier: `ENG-${seq}` } });
    console.log(`webhook latency (linear): ${(calls[0]!.at - res.sentAt).toFixed(1)} ms from request to onRefresh`);
  });

  it('GitHub: routes by secret to the right tracker and names the issue as owner/repo#number', async () => {
    const first = githubDelivery(SECRETS.github);
    const second = githubDelivery(SECRETS.gh2);
    const a = await post('/webhooks/github', first.body, first.headers);
    const b = await post('/webhooks/github', second.body, second.headers);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(calls.map((c) => c.tracker)).toEqual(['gh-main', 'gh-docs']);
    expect(calls[0]!.hint).toMatchObject({ event: 'issues.labeled', issue: { id: 'acme/app#7' }, deliveryId: first.headers['x-github-delivery'] });
    console.log(`webhook latency (github): ${(calls[0]!.at - a.sentAt).toFixed(1)} ms from request to onRefresh`);
  });

  it('GitHub: a verified ping answers pong without a refresh', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const res = await post('/webhooks/github', body, {
      'x-hub-signature-256': hubSignature(SECRETS.github, Buffer.from(body)),
      'x-github-event': 'ping',
      'x-github-delivery': `ping-${++seq}`,
    });
    expect([res.status, res.text]).toEqual([200, 'pong']);
    expect(calls).toEqual([]);
  });

  it('GitHub: /webhooks/github/<tracker> only tries that tracker', async () => {
    const delivery = githubDelivery(SECRETS.github);
    expect((await post('/webhooks/github/gh-docs', delivery.body, delivery.headers)).status).toBe(401);
    expect((await post('/webhooks/github/gh-main', delivery.body, delivery.headers)).status).toBe(200);
    expect(calls.map((c) => c.tracker)).toEqual(['gh-main']);
  });

  it('Jira: X-Hub-Signature sha256 (WebSub) with the Atlassian delivery id', async () => {
    const delivery = jiraDelivery();
    const res = await post('/webhooks/jira', delivery.body, delivery.headers);
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.hint).toMatchObject({ provider: 'jira', event: 'jira:issue_updated', issue: { id: '10001', identifier: 'ENG-4' } });
  });
});

describe('refusals leave no side effect', () => {
  const forged = (() => {
    const body = linearBody();
    return { body, sig: linearSignature('not-the-secret', Buffer.from(body)) };
  })();

  it.each([
    ['Linear forged signature', '/webhooks/linear', () => ({ body: forged.body, headers: { 'linear-signature': forged.sig } })],
    [
      'Linear stale webhookTimestamp (61 s old)',
      '/webhooks/linear',
      () => {
        const body = linearBody(Date.now() - 61_000);
        return { body, headers: { 'linear-signature': linearSignature(SECRETS.linear, Buffer.from(body)) } };
      },
    ],
    [
      'Linear timestamp from the future (2 min)',
      '/webhooks/linear',
      () => {
        const body = linearBody(Date.now() + 120_000);
        return { body, headers: { 'linear-signature': linearSignature(SECRETS.linear, Buffer.from(body)) } };
      },
    ],
    ['Linear missing signature', '/webhooks/linear', () => ({ body: linearBody(), headers: {} })],
    [
      'GitHub body changed after signing',
      '/webhooks/github',
      () => {
        const d = githubDelivery();
        return { body: d.body.replace('labeled', 'unlabeled'), headers: d.headers };
      },
    ],
    ['GitHub missing X-Hub-Signature-256', '/webhooks/github', () => without(githubDelivery(), 'x-hub-signature-256')],
    [
      'GitHub SHA-1 signature in the sha256 header',
      '/webhooks/github',
      () => {
        const d = githubDelivery();
        return { body: d.body, headers: { ...d.headers, 'x-hub-signature-256': d.headers['x-hub-signature-256'].replace('sha256=', 'sha1=') } };
      },
    ],
    ['GitHub missing X-GitHub-Delivery', '/webhooks/github', () => without(githubDelivery(), 'x-github-delivery')],
    [
      'Jira signed with another secret',
      '/webhooks/jira',
      () => {
        const d = jiraDelivery();
        return { body: d.body, headers: { ...d.headers, 'x-hub-signature': hubSignature('wrong', Buffer.from(d.body)) } };
      },
    ],
    ['Jira missing X-Atlassian-Webhook-Identifier', '/webhooks/jira', () => without(jiraDelivery(), 'x-atlassian-webhook-identifier')],
  ])('%s → 401', async (_name, path, make) => {
    const { body, headers } = make();
    const res = await post(path, body, headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('a tracker without webhook_secret refuses webhooks with 401', async () => {
    trackerList = [tracker('linear', 'linear')];
    const body = linearBody();
    const res = await post('/webhooks/linear', body, { 'linear-signature': linearSignature('', Buffer.from(body)) });
    expect(res.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('a replayed delivery answers 200 "duplicate" without a second refresh', async () => {
    const gh = githubDelivery();
    const body = linearBody();
    const linearHeaders = { 'linear-signature': linearSignature(SECRETS.linear, Buffer.from(body)) };
    const jira = jiraDelivery();
    for (let i = 0; i < 3; i += 1) {
      expect((await post('/webhooks/github', gh.body, gh.headers)).status).toBe(200);
      expect((await post('/webhooks/linear', body, linearHeaders)).status).toBe(200);
      expect((await post('/webhooks/jira', jira.body, jira.headers)).status).toBe(200);
    }
    expect(calls.map((c) => c.hint.provider)).toEqual(['github', 'linear', 'jira']);
    const again = await post('/webhooks/github', gh.body, gh.headers);
    expect(again.text).toBe('duplicate');
  });

  it('a failed refresh answers 503 and the redelivery is acted on', async () => {
    const delivery = githubDelivery();
    failNext = true;
    expect((await post('/webhooks/github', delivery.body, delivery.headers)).status).toBe(503);
    expect(calls).toEqual([]);
    expect((await post('/webhooks/github', delivery.body, delivery.headers)).status).toBe(200);
    expect(calls).toHaveLength(1);
  });
});

describe('routing and limits', () => {
  it('unknown provider → 404, non-POST → 405, other paths → next()', async () => {
    expect((await fetch(`${base}/webhooks/bitbucket`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${base}/webhooks/github/a/b`, { method: 'POST', body: '{}' })).status).toBe(404);
    const get = await fetch(`${base}/webhooks/github`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await (await fetch(`${base}/api/v1/state`)).text()).toBe('next');
    expect(calls).toEqual([]);
  });

  it('a body over the limit → 413 before any verification', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
    const res = await post('/webhooks/github', big, {
      'x-hub-signature-256': hubSignature(SECRETS.github, Buffer.from(big)),
      'x-github-delivery': 'big-1',
    });
    expect(res.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('a signed body that is not JSON → 400, no refresh', async () => {
    const body = 'not json';
    const res = await post('/webhooks/github', body, {
      'x-hub-signature-256': hubSignature(SECRETS.github, Buffer.from(body)),
      'x-github-delivery': 'nj-1',
    });
    expect(res.status).toBe(400);
    expect(calls).toEqual([]);
  });

  it('verifies the raw bytes, not a re-encoding of them', async () => {
    // Same JSON value, different bytes: the signature of the compact form must not verify the spaced one.
    const compact = Buffer.from('{"action":"opened"}');
    const spaced = Buffer.from('{ "action": "opened" }');
    expect(verifyHubSignature('s', compact, hubSignature('s', compact))).toBe(true);
    expect(verifyHubSignature('s', spaced, hubSignature('s', compact))).toBe(false);
    // Non-UTF-8 bytes are signed and verified as they are.
    const binary = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expect(verifyHubSignature('s', binary, hubSignature('s', binary))).toBe(true);
  });
});

describe('DeliveryLog', () => {
  it.each([
    { capacity: 2, adds: ['a', 'b', 'a'], expected: [true, true, false] },
    // 'a' is evicted by 'c', so it counts as new again.
    { capacity: 2, adds: ['a', 'b', 'c', 'a'], expected: [true, true, true, true] },
    // Re-seeing 'a' makes it recent, so 'b' is the one evicted by 'c'.
    { capacity: 2, adds: ['a', 'b', 'a', 'c', 'a', 'b'], expected: [true, true, false, true, false, true] },
  ])('capacity $capacity: $adds', ({ capacity, adds, expected }) => {
    const log = new DeliveryLog(capacity);
    expect(adds.map((k) => log.add(k))).toEqual(expected);
    expect(log.size).toBeLessThanOrEqual(capacity);
  });
});
