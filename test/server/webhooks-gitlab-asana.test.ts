/**
 * Webhook receiver for GitLab and Asana (spec/adapters/gitlab.md and asana.md, *Webhooks*):
 * GitLab's secret token compared in constant time, Asana's `X-Hook-Secret` handshake and
 * `X-Hook-Signature` HMAC over the raw body, heartbeats, de-duplication, and refusals that answer
 * 401 with no side effect.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TrackerConfig } from '../../config/schema.js';
import { asanaSignature, createWebhookHandler, type RefreshHint, verifyToken } from '../../server/webhooks/index.js';

const SECRETS = { gitlab: 'gl-token-secret', asana: 'a1b2c3d4e5f6' };

function tracker(name: string, kind: string, webhookSecret?: string): TrackerConfig {
  return {
    name,
    kind,
    provider: webhookSecret === undefined ? {} : { webhook_secret: webhookSecret },
    required_labels: [],
    active_states: ['opened'],
    terminal_states: ['closed'],
    secret_env: [],
  };
}

let server: Server;
let base: string;
let calls: Array<{ tracker: string; hint: RefreshHint }> = [];
let trackerList: TrackerConfig[] = [];

beforeAll(async () => {
  const handler = createWebhookHandler({ trackers: () => trackerList, onRefresh: (name, hint) => void calls.push({ tracker: name, hint }) });
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  calls = [];
  trackerList = [tracker('gitlab', 'gitlab', SECRETS.gitlab), tracker('asana', 'asana', SECRETS.asana)];
});

async function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

let seq = 0;
function gitlabIssueHook(iid = 7, uuid = `uuid-${++seq}`) {
  const body = JSON.stringify({ object_kind: 'issue', event_type: 'issue', project: { path_with_namespace: 'acme/app' }, object_attributes: { id: 900 + iid, iid, action: 'update' } });
  return { body, headers: { 'x-gitlab-token': SECRETS.gitlab, 'x-gitlab-event': 'Issue Hook', 'x-gitlab-event-uuid': uuid } as Record<string, string> };
}

function asanaEvents(gid = '1200000000000042', secret = SECRETS.asana) {
  seq += 1;
  const body = JSON.stringify({
    events: [{ user: { gid: '1', resource_type: 'user' }, created_at: new Date(Date.now() + seq).toISOString(), action: 'changed', resource: { gid, resource_type: 'task' }, parent: null, change: { field: 'memberships', action: 'changed' } }],
  });
  return { body, headers: { 'x-hook-signature': asanaSignature(secret, Buffer.from(body)) } as Record<string, string> };
}

describe('GitLab', () => {
  it('a delivery with the right X-Gitlab-Token refreshes once, naming the issue by iid; its redelivery is a duplicate', async () => {
    const d = gitlabIssueHook(7);
    expect(await post('/webhooks/gitlab', d.body, d.headers)).toMatchObject({ status: 200, text: 'ok' });
    expect(calls).toEqual([{ tracker: 'gitlab', hint: { provider: 'gitlab', deliveryId: d.headers['x-gitlab-event-uuid'], event: 'Issue Hook', issue: { id: '7', identifier: 'GL-7' } } }]);
    expect(await post('/webhooks/gitlab', d.body, d.headers)).toMatchObject({ status: 200, text: 'duplicate' });
    // GitLab 17.4+ keeps Idempotency-Key across retries: it wins over the event UUID.
    const retried = gitlabIssueHook(8);
    await post('/webhooks/gitlab', retried.body, { ...retried.headers, 'idempotency-key': 'k-1' });
    await post('/webhooks/gitlab', retried.body, { ...retried.headers, 'x-gitlab-event-uuid': 'other', 'idempotency-key': 'k-1' });
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['a wrong token', { 'x-gitlab-token': 'nope' }],
    ['a token that is a prefix of the secret', { 'x-gitlab-token': SECRETS.gitlab.slice(0, -1) }],
    ['no token', { 'x-gitlab-token': undefined }],
  ])('%s → 401, no refresh', async (_what, change) => {
    const d = gitlabIssueHook();
    const headers = { ...d.headers, ...change } as Record<string, string | undefined>;
    for (const [k, v] of Object.entries(headers)) if (v === undefined) delete headers[k];
    expect((await post('/webhooks/gitlab', d.body, headers as Record<string, string>)).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('a tracker without webhook_secret refuses GitLab deliveries; a right token on a non-JSON body is 400', async () => {
    trackerList = [tracker('gitlab', 'gitlab')];
    const d = gitlabIssueHook();
    expect((await post('/webhooks/gitlab', d.body, d.headers)).status).toBe(401);
    trackerList = [tracker('gitlab', 'gitlab', SECRETS.gitlab)];
    expect((await post('/webhooks/gitlab', 'not json', d.headers)).status).toBe(400);
    expect(calls).toEqual([]);
  });

  it.each([
    ['equal', 's3cret', 's3cret', true],
    ['different', 's3cret', 's3creT', false],
    ['longer', 's3cret', 's3cret!', false],
    ['empty secret', '', '', false],
  ])('verifyToken: %s', (_what, secret, given, expected) => {
    expect(verifyToken(secret, given)).toBe(expected);
  });
});

describe('Asana', () => {
  it('answers the X-Hook-Secret handshake by echoing it, without a refresh and without a configured secret', async () => {
    trackerList = [tracker('asana', 'asana')];
    const res = await post('/webhooks/asana', '', { 'x-hook-secret': 'b537207f20cbfa02357cf448134da559' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-hook-secret')).toBe('b537207f20cbfa02357cf448134da559');
    expect(calls).toEqual([]);
    // Not on a route with no Asana tracker, and never a header-unsafe value.
    trackerList = [tracker('gitlab', 'gitlab', SECRETS.gitlab)];
    expect((await post('/webhooks/asana', '', { 'x-hook-secret': 'abc' })).status).toBe(404);
    trackerList = [tracker('asana', 'asana')];
    expect((await post('/webhooks/asana', '', { 'x-hook-secret': 'a b' })).headers.get('x-hook-secret')).toBeNull();
  });

  it('a signed event refreshes once, naming the task; a redelivery is a duplicate; a heartbeat refreshes nothing', async () => {
    const d = asanaEvents('1200000000000042');
    expect(await post('/webhooks/asana', d.body, d.headers)).toMatchObject({ status: 200, text: 'ok' });
    expect(calls).toEqual([{ tracker: 'asana', hint: expect.objectContaining({ provider: 'asana', event: 'task.changed', issue: { id: '1200000000000042', identifier: 'ASANA-1200000000000042' } }) }]);
    expect(await post('/webhooks/asana', d.body, d.headers)).toMatchObject({ status: 200, text: 'duplicate' });
    const heartbeat = JSON.stringify({ events: [] });
    expect(await post('/webhooks/asana', heartbeat, { 'x-hook-signature': asanaSignature(SECRETS.asana, Buffer.from(heartbeat)) })).toMatchObject({ status: 200, text: 'heartbeat' });
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['signed with another secret', () => asanaEvents(undefined, 'other')],
    ['no X-Hook-Signature', () => ({ ...asanaEvents(), headers: {} })],
    ['body changed after signing', () => ({ ...asanaEvents(), body: asanaEvents('999').body })],
  ])('%s → 401, no refresh', async (_what, make) => {
    const d = make();
    expect((await post('/webhooks/asana', d.body, d.headers)).status).toBe(401);
    expect(calls).toEqual([]);
  });
});
