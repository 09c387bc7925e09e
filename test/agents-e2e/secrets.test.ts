/**
 * Tracker secrets never reach the agent, through the whole pipeline and with every backend (SPEC
 * §15.3): a deployment watches a file tracker and a GitHub tracker (the schema-validating local
 * fake) whose token is `$BATON_E2E_GH_CRED`, with GITHUB_TOKEN set too. The issue goes through a
 * codex stage, an openai stage and a command stage (and an `after_create` hook), each recording
 * `env` and `pwd` in the workspace. The names avoid KEY/SECRET/TOKEN where possible so that Codex's
 * own shell-environment filter cannot hide a leak Baton made. A stage that fails and is retried
 * (a busy machine can do that) records again: every run is checked, the retries included.
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployment } from '../helpers/deployment.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { startModelServer, type ModelServer } from '../support/model-server/index.js';
import { agentSettings, parseEnvDump, prepareOfflineCodex, startAgentWorker, uniqueIdentifier, waitForStatus, type OfflineCodex } from '../helpers/agents.js';
import { scaled } from '../helpers/time.js';

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

/** Records this run's environment and cwd in files of its own (a retry must not overwrite them). */
const dump = (who: string) => `n=$(date +%s%N)-$$; env > env-${who}-$n.txt && pwd > cwd-${who}-$n.txt`;

/** The `<kind>-<who>-<run>.txt` files in `dir`, one per recorded run. */
async function recordings(dir: string, kind: 'env' | 'cwd', who: string): Promise<string[]> {
  const pattern = new RegExp(`^${kind}-${who}-[0-9]+-[0-9]+\\.txt$`);
  return (await readdir(dir)).filter((name) => pattern.test(name)).sort();
}

describe('secrets and cwd through the pipeline', () => {
  it('keeps tracker secrets out of hooks and every backend, which all run in the issue workspace', { timeout: scaled(90_000) }, async () => {
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
        hooks: { after_create: dump('hook') },
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
      // Each stage succeeded, in order; a run that failed first and was retried is allowed.
      expect(released.history.filter((h) => h.outcome === 'succeeded').map((h) => h.stage)).toEqual(['plan', 'implement', 'review']);
      expect(new Set(released.history.map((h) => h.stage))).toEqual(new Set(['plan', 'implement', 'review']));
      // The GitHub tracker really ran on the secret (every request it made was authorized).
      expect(github.requests.length).toBeGreaterThan(0);
      expect(github.requests.every((r) => r.status !== 401)).toBe(true);
      expect(github.problems).toEqual([]);

      const workspace = await realpath(path.join(d.dir, 'workspaces', id));
      for (const who of ['hook', 'codex', 'openai', 'command']) {
        const dumps = await recordings(workspace, 'env', who);
        // Every run recorded itself (at least one each), and each recording is checked.
        expect(dumps.length, `${who} recordings`).toBeGreaterThanOrEqual(1);
        expect(await recordings(workspace, 'cwd', who), `${who} cwd recordings`).toEqual(dumps.map((f) => f.replace(/^env-/, 'cwd-')));
        for (const file of dumps) {
          const text = await readFile(path.join(workspace, file), 'utf8');
          const vars = parseEnvDump(text);
          // Positive controls: the dump is a real environment, and the worker's plain variables reach it.
          expect(vars.get('BATON_ISSUE_IDENTIFIER'), file).toBe(id);
          expect(vars.get('BATON_E2E_PLAIN'), file).toBe('visible');
          for (const name of SECRET_NAMES) expect(vars.has(name), `${file} sees ${name}`).toBe(false);
          for (const value of [GH_CRED, GH_FALLBACK]) expect(text.includes(value), `${file} sees a tracker secret value`).toBe(false);
          // The openai backend also keeps its own model key from the commands it runs.
          if (who === 'openai') {
            expect(vars.has('BATON_E2E_MODEL_CRED'), `${file} sees the model key`).toBe(false);
            expect(text.includes(MODEL_CRED), `${file} sees the model key's value`).toBe(false);
          }
          expect((await readFile(path.join(workspace, file.replace(/^env-/, 'cwd-')), 'utf8')).trim(), `${file} cwd`).toBe(workspace);
        }
      }
      // At most one recording per run of the stage (a run that failed before its command ran has none).
      const runsOf = (stage: string) => released.history.filter((h) => h.stage === stage).length;
      expect((await recordings(workspace, 'env', 'codex')).length).toBeLessThanOrEqual(runsOf('plan'));
      expect((await recordings(workspace, 'env', 'openai')).length).toBeLessThanOrEqual(runsOf('implement'));
      expect((await recordings(workspace, 'env', 'command')).length).toBeLessThanOrEqual(runsOf('review'));
    } finally {
      await worker.stop();
    }
  });
});
