/**
 * Tracker tools when the provider fails mid-call (SPEC §10.5, §17.5 "invalid arguments, missing
 * auth, and transport failures return structured failure payloads"): for every provider with agent
 * tools, the real adapter against its schema-checked fake. The issue is read normally; then the
 * connection drops during the tool call (a proxy in front of the fake cuts every connection as soon
 * as a request arrives), and separately the provider answers 401 (a key it does not accept). Each
 * time the tool answers `success: false` with a message saying what happened: it neither throws
 * nor hangs, so the agent's turn goes on.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { TrackerConfig } from '../../config/schema.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';
import { createTracker } from '../../adapters/trackers/index.js';
import { startLinearFake, type LinearFake } from '../fakes/linear/index.js';
import { startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { startJiraFake, type JiraFake } from '../fakes/jira/index.js';
import { startGitlabFake, type GitlabFake } from '../fakes/gitlab/index.js';
import { startAsanaFake, type AsanaFake } from '../fakes/asana/index.js';
import { scaled } from '../helpers/time.js';

/** A TCP proxy to `target` that, once `drop()` is called, cuts every connection it holds or gets. */
interface DroppingProxy {
  url(path?: string): string;
  drop(): void;
  close(): Promise<void>;
}

async function droppingProxy(targetUrl: string): Promise<DroppingProxy> {
  const target = new URL(targetUrl);
  let dropping = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (dropping) {
      // Let the request arrive, then reset the connection: a drop mid-call, not a refusal.
      client.once('data', () => client.resetAndDestroy());
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path = target.pathname.replace(/\/$/, '')) => `http://127.0.0.1:${port}${path}`,
    drop() {
      dropping = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Provider {
  kind: string;
  start(): Promise<{ close(): Promise<void> }>;
  /** The tracker config for a fake reached at `url`, with `key` as its credential. */
  config(url: string, key?: string): TrackerConfig;
  /** The fake's own base URL. */
  url(): string;
  /** Seed one issue; its id as the adapter reads it. */
  seed(): string;
  tool: string;
  args: Record<string, unknown>;
}

const base = { required_labels: [], active_states: ['Todo'], terminal_states: ['Done'], secret_env: [] };
let linear: LinearFake;
let github: GithubFake;
let jira: JiraFake;
let gitlab: GitlabFake;
let asana: AsanaFake;

const providers: Provider[] = [
  {
    kind: 'linear',
    start: async () => (linear = await startLinearFake()),
    url: () => linear.url,
    config: (url, key = linear.apiKey) => ({ ...base, name: 'linear', kind: 'linear', provider: { endpoint: url, api_key: key, project_slug: linear.store.defaultProjectSlug } }),
    seed: () => linear.store.addIssue({ title: 'Tool target' }).id,
    tool: 'linear_comment',
    args: { body: 'hello' },
  },
  {
    kind: 'github',
    start: async () => (github = await startGithubFake()),
    url: () => github.url,
    config: (url, key = github.token) => ({ ...base, name: 'gh', kind: 'github', provider: { repo: 'acme/widgets', token: key, api_url: url, write_interval_ms: 0 }, active_states: ['open'], terminal_states: ['closed'] }),
    seed: () => `acme/widgets#${github.addIssue('acme/widgets', { title: 'Tool target' }).number}`,
    tool: 'github_comment',
    args: { body: 'hello' },
  },
  {
    kind: 'jira',
    start: async () => (jira = await startJiraFake()),
    url: () => jira.url,
    config: (url, key = jira.apiToken) => ({ ...base, name: 'jira', kind: 'jira', provider: { base_url: url, email: jira.email, api_token: key, project: jira.store.defaultProject }, active_states: ['To Do'] }),
    seed: () => jira.store.addIssue().id,
    tool: 'jira_comment',
    args: { body: 'hello' },
  },
  {
    kind: 'gitlab',
    start: async () => (gitlab = await startGitlabFake()),
    url: () => gitlab.apiUrl,
    config: (url, key = gitlab.token) => ({ ...base, name: 'gitlab', kind: 'gitlab', provider: { project_path: gitlab.project.path, api_url: url, api_key: key } }),
    seed: () => String(gitlab.addIssue({ labels: [] }).iid),
    tool: 'gitlab_comment',
    args: { body: 'hello' },
  },
  {
    kind: 'asana',
    start: async () => (asana = await startAsanaFake()),
    url: () => asana.endpoint,
    config: (url, key = asana.token) => ({ ...base, name: 'asana', kind: 'asana', provider: { project_gid: asana.project.gid, endpoint: url, api_key: key } }),
    seed: () => asana.addTask({ name: 'Tool target' }).gid,
    tool: 'asana_comment',
    args: { text: 'hello' },
  },
];

const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  for (const p of providers) running.push(await p.start());
});
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
});

const logger = pino({ level: 'silent' });
const build = (config: TrackerConfig): Promise<TrackerAdapter> => createTracker(config, { logger, env: {} });

describe.each(providers)('$kind tools when the provider fails', (p) => {
  it('§17.5 a connection dropped during the tool call answers success:false with the cause', async () => {
    const id = p.seed();
    const proxy = await droppingProxy(p.url());
    try {
      const adapter = await build(p.config(proxy.url()));
      const [issue] = await adapter.fetchIssuesByIds([id]);
      expect(issue?.id).toBe(id);
      proxy.drop();
      const started = Date.now();
      const result = await adapter.executeAgentTool(p.tool, p.args, issue!);
      expect(result.success).toBe(false);
      expect(result.output).toMatch(/ECONNRESET/);
      expect(result.output).toContain('tracker_request');
      // An answer, not a wait for some long timeout.
      expect(Date.now() - started).toBeLessThan(scaled(30_000));
      await adapter.close?.();
    } finally {
      await proxy.close();
    }
  });

  it('§17.5 a 401 during the tool call answers success:false with the status', async () => {
    const id = p.seed();
    const [issue] = await (await build(p.config(p.url()))).fetchIssuesByIds([id]);
    const unauthorized = await build(p.config(p.url(), 'not-the-key'));
    const result = await unauthorized.executeAgentTool(p.tool, p.args, issue!);
    expect(result.success).toBe(false);
    expect(result.output).toMatch(/401/);
  });
});
