/**
 * Baton's HTTP API and dashboard (`server/http.ts`; Symphony SPEC §13.7) over a real deployment:
 * a worker on the shared Temporal server, a file tracker, and the server bound where the config's
 * defaults put it. One issue's agent is held running, another waits at an approval gate, so the
 * state endpoint has both kinds to report.
 */
import { writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor, writeIssue, type Deployment } from '../helpers/deployment.js';
import { loadConfig } from '../../config/index.js';
import { startHttpServer, type BatonHttpServer } from '../../server/http.js';
import { silentLogger } from '../../runtime/logger.js';

/** Only a refresh ticks the orchestrator during the test (the first tick runs at start). */
const POLL_INTERVAL_MS = 600_000;

let env: TestTemporalEnv;
let d: Deployment;
let worker: Awaited<ReturnType<typeof startWorker>>;
let http: BatonHttpServer;
let release: string;

beforeAll(async () => {
  env = await connectTestEnv();
  d = await createDeployment({
    issues: [
      { identifier: 'HTTP-1', state: 'Todo' },
      { identifier: 'HTTP-2', state: 'In Review' },
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
  const { config } = await loadConfig(d.configPath);
  http = await startHttpServer(
    { client: env.client, config: () => worker.runtime.config(d.configPath).config, logger: silentLogger },
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

async function call(method: string, route: string): Promise<{ status: number; type: string; body: string; json: () => any }> {
  const res = await fetch(`${http.url}${route}`, { method });
  const body = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body, json: () => JSON.parse(body) };
}

describe('HTTP server', () => {
  it('binds 127.0.0.1 when the config names no host', async () => {
    const { config } = await loadConfig(d.configPath);
    expect(config.server.host).toBe('127.0.0.1');
    expect((http.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Not reachable on the machine's other addresses (where it has one).
    const { port } = http.server.address() as AddressInfo;
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (outside) await expect(fetch(`http://${outside.address}:${port}/api/v1/state`)).rejects.toThrow();
  });

  it('GET /api/v1/state: counts, slots and every in-flight issue with its status', async () => {
    const res = await call('GET', '/api/v1/state');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    const state = res.json();
    expect(state.counts).toEqual({ running: 1, retrying: 0, gated: 1, stopped: 0, waiting: 0 });
    expect(state.config_error).toBeNull();
    expect(state.poll_errors).toEqual({});
    expect(Date.parse(state.last_poll_at)).not.toBeNaN();
    expect(state.slots).toMatchObject({ max: 10, waiting: 0 });
    const issues = (state.issues as Array<{ identifier: string; status: string; stage: string; state: string }>)
      .map(({ identifier, status, stage, state: s }) => ({ identifier, status, stage, state: s }))
      .sort((a, b) => a.identifier.localeCompare(b.identifier));
    expect(issues).toEqual([
      { identifier: 'HTTP-1', status: 'running', stage: 'plan', state: 'Todo' },
      { identifier: 'HTTP-2', status: 'gated', stage: 'review', state: 'In Review' },
    ]);
  });

  it('GET /api/v1/<identifier>: 200 with the status of a known issue, 404 issue_not_found otherwise', async () => {
    const known = await call('GET', '/api/v1/HTTP-2');
    expect(known.status).toBe(200);
    expect(known.json()).toMatchObject({ identifier: 'HTTP-2', tracker: 'local', status: 'gated', gate: { stage: 'review', waitFor: 'approval' } });
    const byTracker = await call('GET', '/api/v1/HTTP-1?tracker=local');
    expect(byTracker.json()).toMatchObject({ identifier: 'HTTP-1', status: 'running' });

    for (const route of ['/api/v1/NOPE-9', '/api/v1/HTTP-1?tracker=elsewhere']) {
      const missing = await call('GET', route);
      expect({ route, status: missing.status }).toEqual({ route, status: 404 });
      expect(missing.json().error.code).toBe('issue_not_found');
    }
  });

  it('POST /api/v1/refresh: 202, and the orchestrator ticks (a new issue is dispatched without waiting for the poll)', async () => {
    const before = (await orchestratorStatus(env.client, d)).ticks;
    await writeIssue(d.issuesDir, { identifier: 'HTTP-3', state: 'Merging' });
    const res = await call('POST', '/api/v1/refresh');
    expect(res.status).toBe(202);
    expect(res.json()).toMatchObject({ queued: true, operations: ['poll', 'reconcile'] });
    await waitFor('a tick after the refresh', async () => (await orchestratorStatus(env.client, d)).ticks === before + 1, 15_000, 50);
    await waitFor('HTTP-3 dispatched', async () => (await agentRuns(d.logFile)).some((r) => r.identifier === 'HTTP-3'), 15_000, 50);
  });

  it('answers 405 to a wrong method and 404 to an unknown path, as JSON', async () => {
    for (const [method, route] of [
      ['POST', '/api/v1/state'],
      ['GET', '/api/v1/refresh'],
      ['DELETE', '/api/v1/HTTP-1'],
      ['POST', '/'],
    ] as const) {
      const res = await call(method, route);
      expect({ method, route, status: res.status }).toEqual({ method, route, status: 405 });
      expect(res.json().error.code).toBe('method_not_allowed');
    }
    for (const route of ['/nope', '/api/v2/state', '/api/v1/HTTP-1/history', '/api/v1']) {
      const res = await call('GET', route);
      expect({ route, status: res.status }).toEqual({ route, status: 404 });
      expect(res.json().error.code).toBe('not_found');
    }
    // Webhook routes answer through the webhook handler: wrong method, unknown provider.
    expect((await call('GET', '/webhooks/github')).status).toBe(405);
    expect((await call('POST', '/webhooks/gitlab')).status).toBe(404);
  });

  it('GET / serves the dashboard page for this deployment, which reads /api/v1/state', async () => {
    const res = await call('GET', '/');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/html/);
    expect(res.body).toMatch(/^<!doctype html>/i);
    expect(res.body).toContain(`<title>Baton · ${d.name}</title>`);
    expect(res.body).toContain("fetch('/api/v1/state')");
  });
});
