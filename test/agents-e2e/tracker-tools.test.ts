/**
 * Provider-native agent tools with two trackers of different kinds in one deployment (SPEC §10.5,
 * §17.5): a `file` tracker and the GitHub fake, the `openai` backend against the scripted model
 * server, a real worker on the shared Temporal server. Each session is offered its own tracker's
 * tools and no other's; a tool call runs host-side on that tracker's adapter, which receives the
 * current normalized issue with its `native_ref`; and the call lands on the right issue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issue } from '../../core/issue.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { ensureOrchestrator } from '../../cli/context.js';
import { createBatonWorker } from '../../runtime/worker.js';
import { silentLogger } from '../../base/logger.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, issueStatus, readIssueFile, waitFor } from '../helpers/deployment.js';
import { agentSettings, requestText, waitForStatus } from '../helpers/agents.js';
import { startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { startModelServer, type ModelServer } from '../support/model-server/index.js';
import { scaled } from '../helpers/time.js';

const REPO = 'acme/widgets';

let env: TestTemporalEnv;
let fake: GithubFake;
let model: ModelServer;
beforeAll(async () => {
  env = await connectTestEnv();
  fake = await startGithubFake();
  model = await startModelServer();
});
afterAll(async () => {
  await model?.close();
  await fake?.close();
  await env?.teardown();
});

interface ToolCall {
  tracker: string;
  name: string;
  issue: Issue;
}

/** Record each call the adapter's tools answer (passed through unchanged). */
function observeTools(tracker: string, adapter: TrackerAdapter, calls: ToolCall[]): void {
  const execute = adapter.executeAgentTool.bind(adapter);
  adapter.executeAgentTool = (name, args, issue) => {
    calls.push({ tracker, name, issue: structuredClone(issue) });
    return execute(name, args, issue);
  };
}

/** Tracker tool names (`file_…`, `github_…`) a logged model request offered. */
function trackerToolsOffered(body: Record<string, unknown>): string[] {
  const tools = (body.tools ?? []) as { name?: string }[];
  return tools.map((t) => t.name ?? '').filter((n) => /^(file|github)_/.test(n)).sort();
}

describe('agent tools with two trackers of different kinds', () => {
  it('§17.5 a session is offered only its own tracker’s tools, and a tool runs on that tracker with the issue’s native_ref', { timeout: scaled(180_000) }, async () => {
    process.env.BATON_TEST_GITHUB_TOKEN = fake.token;
    const gh = fake.addIssue(REPO, { title: 'Tools from GitHub', labels: ['agent', 'baton:Todo'] });
    const d = await createDeployment({
      issues: [{ identifier: 'FILE-1' }],
      config: {
        trackers: [
          { name: 'local', kind: 'file', provider: { dir: './issues' }, required_labels: ['agent'], active_states: ['Todo'], terminal_states: ['Done'] },
          {
            name: 'gh',
            kind: 'github',
            provider: { repo: REPO, token: '$BATON_TEST_GITHUB_TOKEN', api_url: fake.url, write_interval_ms: 20 },
            required_labels: ['agent'],
            active_states: ['Todo'],
            terminal_states: ['Done'],
          },
        ],
        agent: agentSettings({ backend: 'openai' }),
        openai: { model: 'fake-model', base_url: model.url, api_key: 'sk-e2e-literal', turn_timeout_ms: 30_000, stall_timeout_ms: 30_000 },
        stages: [
          {
            name: 'plan',
            states: ['Todo'],
            // Each issue's agent uses its own tracker's comment tool.
            prompt: [
              'Plan {{ issue.identifier }}.',
              '{% if issue.identifier contains "FILE" %}@@tool file_issue_update {"comment":"note from the agent"}{% else %}@@tool github_comment {"body":"note from the agent"}{% endif %}',
              '@@say planned',
            ].join('\n'),
            on_success: { move_to: 'Done' },
          },
        ],
      },
    });
    const worker = await createBatonWorker({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue: d.taskQueue,
      configPath: d.configPath,
      logger: silentLogger,
      host: `host-${d.name}`,
      progressIntervalMs: 200,
      shutdownGraceMs: 500,
    });
    // Observe the very adapters the worker's activities use, before any issue is admitted.
    const calls: ToolCall[] = [];
    observeTools('local', await worker.runtime.tracker('local'), calls);
    observeTools('gh', await worker.runtime.tracker('gh'), calls);
    const done = worker.run();
    await ensureOrchestrator(env.client, loadConfig(d.configPath, { trackerProfiles }).config);
    try {
      await waitForStatus(env, 'FILE-1', 'done', (s) => s.status === 'done', 60_000);
      const ghId = `GH-${gh.number}`;
      await waitFor(`${ghId} done`, async () => (await issueStatus(env.client, ghId, 'gh')).status === 'done', 60_000);

      // What each session was offered, from the model requests it made.
      const offered = (identifier: string) => [...new Set(model.requests().filter((r) => requestText(r).includes(`Plan ${identifier}.`)).map((r) => trackerToolsOffered(r.body).join(',')))];
      expect(offered('FILE-1')).toEqual(['file_issue_read,file_issue_update']);
      expect(offered(ghId)).toEqual(['github_api,github_comment,github_pr_status']);

      // Each call ran on its own tracker's adapter, with the issue as that tracker normalized it.
      expect(calls.map((c) => [c.tracker, c.name, c.issue.identifier])).toEqual(
        expect.arrayContaining([
          ['local', 'file_issue_update', 'FILE-1'],
          ['gh', 'github_comment', ghId],
        ]),
      );
      expect(calls).toHaveLength(2);
      const ghCall = calls.find((c) => c.tracker === 'gh')!;
      expect(ghCall.issue.native_ref).toMatchObject({ owner: 'acme', repo: 'widgets', number: gh.number, is_pull_request: false });
      expect(ghCall.issue.native_ref?.node_id).toEqual(expect.any(String));
      expect(ghCall.issue.id).toBe(`${REPO}#${gh.number}`);

      // And landed on the right issues.
      expect(fake.issue(REPO, gh.number).comments.map((c) => c.body)).toContain('note from the agent');
      expect((await readIssueFile(d.issuesDir, 'FILE-1')).text).toContain('note from the agent');
      expect(fake.problems).toEqual([]);
    } finally {
      worker.shutdown();
      await done;
    }
  });
});
