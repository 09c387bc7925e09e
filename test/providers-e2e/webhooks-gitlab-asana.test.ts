/**
 * GitLab and Asana webhooks through Baton's own HTTP server (spec/adapters/gitlab.md and
 * asana.md, *Webhooks*; SPEC §8.1 "poll now"): a deployment polling only every 10 minutes, a real
 * worker, both fakes as trackers, `startHttpServer` on 127.0.0.1. A GitLab delivery with the right
 * token and a signed Asana event each make the orchestrator poll at once and the new issue's agent
 * start; Asana's handshake is echoed and changes nothing; wrong tokens, forged signatures and
 * replays change nothing at all (no refresh signal, no tick, no poll, no agent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, orchestratorStatus, startWorker, waitFor, type Deployment } from '../helpers/deployment.js';
import { startGitlabFake, type GitlabFake } from '../fakes/gitlab/index.js';
import { startAsanaFake, type AsanaFake } from '../fakes/asana/index.js';
import { orchestratorWorkflowId, refreshSignal } from '../../core/protocol.js';
import { startHttpServer, type BatonHttpServer } from '../../server/http.js';
import { asanaSignature } from '../../server/webhooks/index.js';
import { silentLogger } from '../../base/logger.js';

const POLL_INTERVAL_MS = 600_000;
const SETTLE_MS = 750;
const SECRETS = { gitlab: 'gl-hook-token', asana: '6a1f0c2d9e8b7a6f' };

let env: TestTemporalEnv;
let gitlab: GitlabFake;
let asana: AsanaFake;
beforeAll(async () => {
  env = await connectTestEnv();
  [gitlab, asana] = await Promise.all([startGitlabFake({ projectPath: 'acme/hooks' }), startAsanaFake({ projectName: 'Hooks' })]);
});
afterAll(async () => {
  await Promise.all([gitlab?.close(), asana?.close()]);
  await env?.teardown();
});

async function post(base: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string; headers: Headers; sentAt: number }> {
  const sentAt = Date.now();
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text(), headers: res.headers, sentAt };
}

async function refreshSignals(d: Deployment): Promise<number> {
  const history = await env.client.workflow.getHandle(orchestratorWorkflowId(d.name)).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === refreshSignal.name).length;
}

const listings = () => gitlab.requests.filter((r) => r.route === 'list-issues').length + asana.requests.filter((r) => r.operation === 'getTasksForProject').length;

async function quiet(d: Deployment) {
  return { signals: await refreshSignals(d), ticks: (await orchestratorStatus(env.client, d)).ticks, listings: listings(), agentStarts: (await agentRuns(d.logFile)).length };
}

async function firstStart(d: Deployment, identifier: string): Promise<number> {
  return (await waitFor(`${identifier}'s first agent start`, async () => (await agentRuns(d.logFile)).find((r) => r.identifier === identifier), 20_000, 10)).start;
}

function gitlabHook(iid: number, uuid: string, token = SECRETS.gitlab) {
  const body = JSON.stringify({ object_kind: 'issue', event_type: 'issue', object_attributes: { iid, action: 'update' }, project: { path_with_namespace: 'acme/hooks' } });
  return { body, headers: { 'x-gitlab-event': 'Issue Hook', 'x-gitlab-event-uuid': uuid, 'x-gitlab-token': token } };
}

function asanaEvent(gid: string, secret = SECRETS.asana) {
  const body = JSON.stringify({ events: [{ action: 'added', resource: { gid, resource_type: 'task' }, parent: { gid: asana.project.gid, resource_type: 'project' }, created_at: new Date().toISOString(), user: { gid: '1', resource_type: 'user' } }] });
  return { body, headers: { 'x-hook-signature': asanaSignature(secret, Buffer.from(body)) } };
}

describe('GitLab and Asana webhooks through Baton', () => {
  it('a GitLab delivery with the right token and a signed Asana event each dispatch at once; the handshake, wrong tokens, forgeries and replays change nothing', async () => {
    process.env.BATON_TEST_WH_GITLAB_PAT = gitlab.token;
    process.env.BATON_TEST_WH_GITLAB_SECRET = SECRETS.gitlab;
    process.env.BATON_TEST_WH_ASANA_PAT = asana.token;
    process.env.BATON_TEST_WH_ASANA_SECRET = SECRETS.asana;
    const d = await createDeployment({
      issues: [],
      config: {
        polling: { interval_ms: POLL_INTERVAL_MS },
        server: { port: 0 },
        trackers: [
          {
            name: 'gitlab-hooks',
            kind: 'gitlab',
            provider: { project_path: 'acme/hooks', api_url: gitlab.apiUrl, api_key: '$BATON_TEST_WH_GITLAB_PAT', webhook_secret: '$BATON_TEST_WH_GITLAB_SECRET' },
            required_labels: ['agent'],
            active_states: ['Todo', 'In Progress', 'In Review', 'Merging'],
            terminal_states: ['Done', 'closed'],
          },
          {
            name: 'asana-hooks',
            kind: 'asana',
            provider: { project_gid: asana.project.gid, endpoint: asana.endpoint, api_key: '$BATON_TEST_WH_ASANA_PAT', webhook_secret: '$BATON_TEST_WH_ASANA_SECRET' },
            required_labels: ['agent'],
            active_states: ['Todo', 'In Progress', 'In Review', 'Merging'],
            terminal_states: ['Done'],
          },
        ],
      },
    });
    const worker = await startWorker(env, d);
    let http: BatonHttpServer | undefined;
    try {
      const config = () => worker.runtime.config(d.configPath).config;
      http = await startHttpServer({ client: env.client, config, logger: silentLogger }, { host: '127.0.0.1', port: 0 });
      const base = http.url;
      await waitFor('the first poll', async () => {
        const s = await orchestratorStatus(env.client, d);
        return s.ticks === 1 && s.lastPollOk;
      });
      const issue = gitlab.addIssue({ title: 'Labelled while Baton sleeps', labels: ['agent', 'workflow::Todo'] });

      // ---- changes nothing: the handshake (echoed), a wrong token, a forged signature
      const before = await quiet(d);
      const handshake = await post(base, '/webhooks/asana', '', { 'x-hook-secret': 'f00dfeed' });
      expect([handshake.status, handshake.headers.get('x-hook-secret')]).toEqual([200, 'f00dfeed']);
      const wrong = gitlabHook(issue.iid, 'u-0', 'not-the-token');
      expect((await post(base, '/webhooks/gitlab', wrong.body, wrong.headers)).status).toBe(401);
      const forged = asanaEvent('1', 'not-the-secret');
      expect((await post(base, '/webhooks/asana', forged.body, forged.headers)).status).toBe(401);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      expect(await quiet(d)).toEqual(before);

      // ---- GitLab: the right token polls now
      const hook = gitlabHook(issue.iid, 'u-1');
      const accepted = await post(base, '/webhooks/gitlab', hook.body, hook.headers);
      expect(accepted).toMatchObject({ status: 200, text: 'ok' });
      const gitlabLatency = (await firstStart(d, `GL-${issue.iid}`)) - accepted.sentAt;
      const afterGitlab = await quiet(d);
      expect(afterGitlab.signals).toBe(before.signals + 1);
      expect(afterGitlab.ticks).toBe(before.ticks + 1);

      // ---- replay: duplicate, nothing more (even with a new task waiting in Asana)
      const task = asana.addTask({ name: 'Tagged while Baton sleeps', tags: ['agent'] });
      expect(await post(base, '/webhooks/gitlab', hook.body, hook.headers)).toMatchObject({ status: 200, text: 'duplicate' });
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      expect((await quiet(d)).signals).toBe(afterGitlab.signals);
      expect((await agentRuns(d.logFile)).filter((r) => r.identifier === `ASANA-${task.gid}`)).toEqual([]);

      // ---- Asana: a signed event polls now
      const event = asanaEvent(task.gid);
      const asanaAccepted = await post(base, '/webhooks/asana', event.body, event.headers);
      expect(asanaAccepted).toMatchObject({ status: 200, text: 'ok' });
      const asanaLatency = (await firstStart(d, `ASANA-${task.gid}`)) - asanaAccepted.sentAt;
      expect(await refreshSignals(d)).toBe(afterGitlab.signals + 1);
      expect(Math.max(gitlabLatency, asanaLatency)).toBeLessThan(POLL_INTERVAL_MS / 20);
      console.log(`[webhooks] GitLab delivery → agent start ${gitlabLatency} ms; Asana event → agent start ${asanaLatency} ms (poll interval ${POLL_INTERVAL_MS / 60_000} min); handshake, 2 refused and 1 replay: 0 refreshes`);
      expect([...gitlab.problems, ...asana.problems]).toEqual([]);
    } finally {
      await http?.close();
      worker.shutdown();
      await worker.done;
    }
  });
});
