/**
 * Baton's HTTP API and dashboard (`server/http.ts`; Symphony SPEC §13.7) over a real deployment:
 * a worker on the shared Temporal server, a file tracker, and the server bound where the config's
 * defaults put it. One issue's agent is held running, another waits at an approval gate, so the
 * state endpoint has both kinds to report. Responses are validated against JSON Schemas written
 * from §13.7 (test/server/symphony-schema.ts).
 */
import { writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor, writeIssue, type Deployment } from '../helpers/deployment.js';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { startHttpServer, type BatonHttpServer } from '../../server/http.js';
import { StateResponseSchema } from '../../server/contract.js';
import { silentLogger } from '../../base/logger.js';
import { errorSchema, issueSchema, refreshSchema, stateSchema } from './symphony-schema.js';

/** Only a refresh ticks the orchestrator during the test (the first tick runs at start). */
const POLL_INTERVAL_MS = 600_000;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
function conforms(schema: object, body: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

let env: TestTemporalEnv;
let d: Deployment;
let worker: Awaited<ReturnType<typeof startWorker>>;
let http: BatonHttpServer;
let release: string;

beforeAll(async () => {
  env = await connectTestEnv();
  d = await createDeployment({
    issues: [
      { identifier: 'HTTP-1', state: 'Todo', labels: ['agent'] },
      { identifier: 'HTTP-2', state: 'In Review', labels: ['agent'], body: 'Check the <script>alert(1)</script> **greeting**.' },
    ],
    // HTTP-1's agent runs until the test lets it go; every other run ends at once.
    agentBody: 'if [ "$BATON_ISSUE_IDENTIFIER" = HTTP-1 ]; then while [ ! -f "$(dirname "$0")/release" ]; do sleep 0.05; done; fi',
    config: {
      polling: { interval_ms: POLL_INTERVAL_MS },
      server: { port: 0 },
      stages: [
        { name: 'plan', states: ['Todo'], prompt: 'plan {{ issue.identifier }}', on_success: { move_to: 'In Progress' } },
        { name: 'implement', states: ['In Progress'], prompt: 'implement {{ issue.identifier }}', on_success: { move_to: 'In Review' } },
        { name: 'review', states: ['In Review'], prompt: 'review {{ issue.identifier }}', on_success: { move_to: 'Merging' }, gate: { wait_for: 'approval' } },
        { name: 'merge', states: ['Merging'], prompt: 'merge {{ issue.identifier }}', on_success: { move_to: 'Done' } },
      ],
    },
  });
  release = path.join(d.dir, 'release');
  worker = await startWorker(env, d);
  // The config as `baton start` would read it: `server.port` set, `server.host` left to its default.
  const { config } = loadConfig(d.configPath, { trackerProfiles });
  http = await startHttpServer(
    { client: env.client, config: () => worker.runtime.config(d.configPath).config, logger: silentLogger, temporalUiUrl: 'http://127.0.0.1:8233' },
    { host: config.server.host, port: config.server.port! },
  );
  await waitFor('HTTP-1 running and HTTP-2 gated', async () => {
    const [one, two] = await Promise.all([issueStatus(env.client, 'HTTP-1'), issueStatus(env.client, 'HTTP-2')]);
    return one.status === 'running' && two.status === 'gated';
  });
});

afterAll(async () => {
  if (release) await writeFile(release, '');
  await http?.close();
  if (worker) {
    worker.shutdown();
    await worker.done;
  }
  await env?.teardown();
});

interface Answer {
  status: number;
  type: string;
  headers: Headers;
  body: string;
  json: () => JsonBody;
}

/** A JSON answer as these tests read it: the envelope fields they check by name, the rest unknown. */
type JsonBody = { error: { code: string; message?: string }; requested_at: string; status: string } & Record<string, unknown>;

async function call(method: string, route: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${http.url}${route}`, {
    method,
    headers: init.headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const body = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body, json: () => JSON.parse(body) as JsonBody };
}

describe('HTTP server', () => {
  it('binds 127.0.0.1 when the config names no host', async () => {
    const { config } = loadConfig(d.configPath, { trackerProfiles });
    expect(config.server.host).toBe('127.0.0.1');
    expect((http.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { port } = http.server.address() as AddressInfo;
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (outside) await expect(fetch(`http://${outside.address}:${port}/api/v1/state`)).rejects.toThrow();
  });

  it('GET /api/v1/state: Symphony §13.7 fields (running, retrying, codex_totals, rate_limits) with Baton’s under `baton`', async () => {
    const res = await call('GET', '/api/v1/state');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(conforms(stateSchema, res.json())).toEqual([]);
    const state = StateResponseSchema.parse(res.json());
    expect(state.counts).toEqual({ running: 1, retrying: 0, blocked: 1 });
    expect(state.running.map((r: { issue_identifier: string; state: string }) => [r.issue_identifier, r.state])).toEqual([['HTTP-1', 'Todo']]);
    expect(state.blocked.map((r: { issue_identifier: string }) => r.issue_identifier)).toEqual(['HTTP-2']);
    expect(state.baton.config_error).toBeNull();
    expect(state.baton.poll_errors).toEqual({});
    expect(Date.parse(state.baton.last_poll_at ?? '')).not.toBeNaN();
    expect(state.baton.slots).toMatchObject({ max: 10, waiting: 0 });
    const issues = (state.baton.issues as Array<{ identifier: string; status: string; stage: string; state: string; actions: string[] }>).map(({ identifier, status, stage, state: s, actions }) => ({
      identifier,
      status,
      stage,
      state: s,
      actions,
    }));
    expect(issues).toEqual([
      { identifier: 'HTTP-1', status: 'running', stage: 'plan', state: 'Todo', actions: ['cancel'] },
      { identifier: 'HTTP-2', status: 'gated', stage: 'review', state: 'In Review', actions: ['approve', 'reject', 'cancel'] },
    ]);
    const gated = state.baton.issues[1]!;
    expect(gated.gate).toMatchObject({ stage: 'review', wait_for: 'approval' });
    expect(gated.gate?.how_to_answer).toContain('baton approve HTTP-2');
    expect(gated.temporal_url).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent('baton-issue/local/HTTP-2')}`);
    expect(gated.tracker_url).toBe('/tracker/local/HTTP-2');
    expect(gated.history.map((h: { stage: string; outcome: string }) => `${h.stage}:${h.outcome}`)).toContain('review:succeeded');
  });

  it('GET /api/v1/<identifier>: the issue in Symphony’s shape, 404 issue_not_found otherwise', async () => {
    const known = await call('GET', '/api/v1/HTTP-2');
    expect(known.status).toBe(200);
    expect(conforms(issueSchema, known.json())).toEqual([]);
    expect(known.json()).toMatchObject({ issue_identifier: 'HTTP-2', status: 'blocked', baton: { tracker: 'local', status: 'gated', gate: { stage: 'review', wait_for: 'approval' } } });
    const running = await call('GET', '/api/v1/HTTP-1?tracker=local');
    expect(running.json()).toMatchObject({ issue_identifier: 'HTTP-1', status: 'running', running: { state: 'Todo' }, retry: null });
    for (const route of ['/api/v1/NOPE-9', '/api/v1/HTTP-1?tracker=elsewhere']) {
      const missing = await call('GET', route);
      expect({ route, status: missing.status }).toEqual({ route, status: 404 });
      expect(conforms(errorSchema, missing.json())).toEqual([]);
      expect(missing.json().error.code).toBe('issue_not_found');
    }
  });

  it('POST /api/v1/refresh: 202, the orchestrator ticks, and a repeat before that tick joins it (coalesced)', async () => {
    const before = (await orchestratorStatus(env.client, d)).ticks;
    await writeIssue(d.issuesDir, { identifier: 'HTTP-3', state: 'Merging', labels: ['agent'] });
    const first = await call('POST', '/api/v1/refresh');
    const second = await call('POST', '/api/v1/refresh');
    expect(first.status).toBe(202);
    expect(conforms(refreshSchema, first.json())).toEqual([]);
    expect(first.json()).toMatchObject({ queued: true, coalesced: false, operations: ['poll', 'reconcile'] });
    expect(second.json()).toMatchObject({ queued: true, coalesced: true, requested_at: first.json().requested_at });
    // Both requests signal (the orchestrator folds them into one poll, or two if the second landed
    // during the first tick): at least one tick, and the issue is dispatched.
    await waitFor('a tick after the refresh', async () => (await orchestratorStatus(env.client, d)).ticks >= before + 1, 15_000, 50);
    await waitFor('HTTP-3 dispatched', async () => (await agentRuns(d.logFile)).some((r) => r.identifier === 'HTTP-3'), 15_000, 50);
  });

  it('answers 405 to a wrong method and 404 to an unknown path, as JSON envelopes', async () => {
    for (const [method, route] of [
      ['POST', '/api/v1/state'],
      ['GET', '/api/v1/refresh'],
      ['DELETE', '/api/v1/HTTP-1'],
      ['POST', '/'],
      ['GET', '/api/v1/HTTP-1/approve'],
    ] as const) {
      const res = await call(method, route);
      expect({ method, route, status: res.status }).toEqual({ method, route, status: 405 });
      expect(res.json().error.code).toBe('method_not_allowed');
    }
    for (const route of ['/nope', '/api/v2/state', '/api/v1']) {
      const res = await call('GET', route);
      expect({ route, status: res.status }).toEqual({ route, status: 404 });
      expect(res.json().error.code).toBe('not_found');
    }
    // Webhook routes answer through the webhook handler: wrong method, unknown provider.
    expect((await call('GET', '/webhooks/github')).status).toBe(405);
    expect((await call('POST', '/webhooks/nosuch')).status).toBe(404);
  });

  it('snapshot_unavailable is a 503 with an error envelope, not a 200', async () => {
    const { config } = loadConfig(d.configPath, { trackerProfiles });
    const elsewhere = await startHttpServer({ client: env.client, config: () => ({ ...config, name: `${d.name}-absent` }), logger: silentLogger }, { host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${elsewhere.url}/api/v1/state`);
      const body = (await res.json()) as { error: { code: string } };
      expect(res.status).toBe(503);
      expect(conforms(errorSchema, body)).toEqual([]);
      expect(body.error.code).toBe('snapshot_unavailable');
      expect((await fetch(`${elsewhere.url}/readyz`)).status).toBe(503);
    } finally {
      await elsewhere.close();
    }
  });

  it('actions: JSON from loopback approves the gated issue; a form post or a foreign origin is refused', async () => {
    const form = await call('POST', '/api/v1/HTTP-2/approve?tracker=local', { body: 'reason=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(400);
    const foreign = await call('POST', '/api/v1/HTTP-2/approve', { body: {}, headers: { 'content-type': 'application/json', origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await issueStatus(env.client, 'HTTP-2')).status).toBe('gated');
    const wrong = await call('POST', '/api/v1/HTTP-1/approve', { body: {}, headers: { 'content-type': 'application/json' } });
    expect(wrong.status).toBe(409);
    expect(wrong.json().error.code).toBe('action_refused');
    const ok = await call('POST', '/api/v1/HTTP-2/approve', { body: { reason: 'looks good' }, headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, issue_identifier: 'HTTP-2', action: 'approve' });
    await waitFor('HTTP-2 past its gate', async () => (await issueStatus(env.client, 'HTTP-2')).status !== 'gated', 15_000, 100);
  });

  it('GET /tracker/<tracker>/<identifier> renders a file-tracker issue without running its HTML', async () => {
    const res = await call('GET', '/tracker/local/HTTP-2');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.body).toContain('<strong>greeting</strong>');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('&lt;script&gt;');
    expect((await call('GET', '/tracker/local/NOPE-1')).status).toBe(404);
  });

  it('GET / serves the dashboard, which follows /api/v1/events (Server-Sent Events)', async () => {
    const page = await call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain(`<title>Baton · ${d.name}</title>`);
    expect(page.body).toContain('<script src="/dashboard.js"></script>');
    expect((await call('GET', '/dashboard.js')).body).toContain("new EventSource('/api/v1/events')");

    const controller = new AbortController();
    const res = await fetch(`${http.url}/api/v1/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!/event: state\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const data = JSON.parse(/event: state\ndata: (.*)\n\n/.exec(text)![1]!);
    expect(StateResponseSchema.safeParse(data).success).toBe(true);
    expect(data.baton.deployment).toBe(d.name);
  });

  it('GET /healthz, /readyz and /metrics', async () => {
    expect((await call('GET', '/healthz')).json()).toMatchObject({ status: 'ok' });
    const ready = await call('GET', '/readyz');
    expect({ status: ready.status, body: ready.json().status }).toEqual({ status: 200, body: 'ready' });
    const metrics = await call('GET', '/metrics');
    expect(metrics.type).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^baton_issues\{status="running",stage="plan"\} 1$/m);
  });
});
