/**
 * Tracker secrets never reach the agent, through the whole pipeline and with every backend (SPEC
 * §15.3): a deployment watches a file tracker and a GitHub tracker (the schema-validating local
 * fake) whose token is `$BATON_E2E_GH_CRED`, with GITHUB_TOKEN set too. The issue goes through a
 * codex stage, an openai stage and a command stage (and an `after_create` hook), each recording
 * `env` and `pwd` in the workspace. The names avoid KEY/SECRET/TOKEN where possible so that Codex's
 * own shell-environment filter cannot hide a leak Baton made.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployment } from '../helpers/deployment.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { startModelServer, type ModelServer } from '../support/model-server/index.js';
import { agentSettings, parseEnvDump, prepareOfflineCodex, startAgentWorker, uniqueIdentifier, waitForStatus, type OfflineCodex } from '../helpers/agents.js';

const GH_CRED = 'ghp_e2e_tracker_credential_value';
const GH_FALLBACK = 'ghp_e2e_fallback_credential_value';
const MODEL_CRED = 'sk-e2e-model-credential-value';
const SECRET_NAMES = ['BATON_E2E_GH_CRED', 'GITHUB_TOKEN'];

let env: TestTemporalEnv;
let codex: OfflineCodex;
let model: ModelServer;
let github: GithubFake;

beforeAll(async () => {
  env = await connectTestEnv();
  codex = await prepareOfflineCodex();
  model = await startModelServer();
  github = await startGithubFake({ token: GH_CRED });
  // Gives the repository a (non-agent) issue, so polling it is an ordinary, successful poll.
  github.addIssue('acme/widgets', { title: 'not for agents' });
  // The openai backend reads its key from the worker process's own environment, not the worker's
  // `env` option; this fork is this file's alone.
  process.env.BATON_E2E_MODEL_CRED = MODEL_CRED;
});
afterAll(async () => {
  delete process.env.BATON_E2E_MODEL_CRED;
  await github?.close();
  await model?.close();
  await codex?.cleanup();
  await env?.teardown();
});

const dump = (who: string) => `env > env-${who}.txt && pwd > cwd-${who}.txt`;

describe('secrets and cwd through the pipeline', () => {
  it('keeps tracker secrets out of hooks and every backend, which all run in the issue workspace', { timeout: 90_000 }, async () => {
    const id = uniqueIdentifier('SEC');
    const d = await createDeployment({
      issues: [{ identifier: id }],
      config: {
        trackers: [
          {
            name: 'local',
            kind: 'file',
            provider: { dir: './issues' },
            required_labels: ['agent'],
            active_states: ['Todo', 'In Progress', 'In Review'],
            terminal_states: ['Done'],
          },
          {
            name: 'gh',
            kind: 'github',
            provider: { repo: 'acme/widgets', token: '$BATON_E2E_GH_CRED', api_url: github.url, write_interval_ms: 0 },
            required_labels: ['agent'],
            active_states: ['Todo'],
            terminal_states: ['closed'],
          },
        ],
        hooks: { after_create: 'env > env-hook.txt && pwd > cwd-hook.txt' },
        agent: agentSettings({ backend: 'codex' }),
        codex: codex.settings(model.url),
        openai: { model: 'fake-model', base_url: model.url, api_key: '$BATON_E2E_MODEL_CRED', turn_timeout_ms: 30_000 },
        stages: [
          { name: 'plan', states: ['Todo'], prompt: `@@shell ${dump('codex')}\n@@say done`, on_success: { move_to: 'In Progress' } },
          { name: 'implement', states: ['In Progress'], prompt: `@@shell ${dump('openai')}\n@@say done`, agent: { backend: 'openai' }, on_success: { move_to: 'In Review' } },
          // A finished review parks the issue: released, its workspace kept for inspection.
          { name: 'review', states: ['In Review'], prompt: 'review', agent: { backend: 'command', command: `cat > /dev/null && ${dump('command')}` }, on_success: { move_to: 'Parked' } },
        ],
      },
    });
    const worker = await startAgentWorker(env, d, { ...codex.env, BATON_E2E_GH_CRED: GH_CRED, GITHUB_TOKEN: GH_FALLBACK, BATON_E2E_PLAIN: 'visible' });
    try {
      const released = await waitForStatus(env, id, 'released', (s) => s.status === 'released', 60_000);
      expect(released.history.map((h) => `${h.stage}:${h.outcome}`)).toEqual(['plan:succeeded', 'implement:succeeded', 'review:succeeded']);
      // The GitHub tracker really ran on the secret (every request it made was authorized).
      expect(github.requests.length).toBeGreaterThan(0);
      expect(github.requests.every((r) => r.status !== 401)).toBe(true);
      expect(github.problems).toEqual([]);

      const workspace = await realpath(path.join(d.dir, 'workspaces', id));
      for (const who of ['hook', 'codex', 'openai', 'command']) {
        const text = await readFile(path.join(workspace, `env-${who}.txt`), 'utf8');
        const vars = parseEnvDump(text);
        // Positive controls: the dump is a real environment, and the worker's plain variables reach it.
        expect(vars.get('BATON_ISSUE_IDENTIFIER'), who).toBe(id);
        expect(vars.get('BATON_E2E_PLAIN'), who).toBe('visible');
        for (const name of SECRET_NAMES) expect(vars.has(name), `${who} sees ${name}`).toBe(false);
        for (const value of [GH_CRED, GH_FALLBACK]) expect(text.includes(value), `${who} sees a tracker secret value`).toBe(false);
        expect((await readFile(path.join(workspace, `cwd-${who}.txt`), 'utf8')).trim(), `${who} cwd`).toBe(workspace);
      }
      // The openai backend also keeps its own model key from the commands it runs.
      const openaiVars = parseEnvDump(await readFile(path.join(workspace, 'env-openai.txt'), 'utf8'));
      expect(openaiVars.has('BATON_E2E_MODEL_CRED')).toBe(false);
      expect(await readFile(path.join(workspace, 'env-openai.txt'), 'utf8')).not.toContain(MODEL_CRED);
    } finally {
      await worker.stop();
    }
  });
});
