/**
 * The real-integration profile (SPEC §17.8) as a CI job sees it: `npm run test:live` is a separate
 * vitest run over test/live that `npm test` never includes; without credentials every smoke test
 * is reported as skipped with the variables it needs (not counted as passed); and once a smoke
 * test is enabled, its failure fails the run. The live runs here are real child vitest processes
 * whose environments hold no credential (and, for the failing run, a bogus Linear key aimed at a
 * closed local port, so nothing leaves this machine).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/ports.js';
import defaultConfig from '../../vitest.config.js';
import liveConfig from '../../vitest.live.config.js';
import { scaled } from '../helpers/time.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

interface LiveRun {
  code: number;
  results: { fullName: string; status: string }[];
}

/** The environment without any tracker or agent credential, nor a Codex login. */
function credentialFree(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(LINEAR|GITHUB|JIRA|GITLAB|ASANA|OPENAI|CODEX|BATON_LIVE)_/.test(k)) env[k] = v;
  return { ...env, CODEX_HOME: mkdtempSync(path.join(tmpdir(), 'baton-no-codex-login-')), ...extra };
}

function runLive(env: NodeJS.ProcessEnv): Promise<LiveRun> {
  const report = path.join(mkdtempSync(path.join(tmpdir(), 'baton-live-report-')), 'report.json');
  return new Promise((resolve) => {
    execFile(process.execPath, [VITEST, 'run', '--config', 'vitest.live.config.ts', '--reporter=json', `--outputFile=${report}`], { cwd: ROOT, env, timeout: scaled(120_000) }, (err) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const json = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { assertionResults: { fullName: string; status: string }[] }[] };
      resolve({ code, results: json.testResults.flatMap((f) => f.assertionResults.map(({ fullName, status }) => ({ fullName, status }))) });
    });
  });
}


describe('the real-integration profile', () => {
  it('§17.8 npm test never runs it: the live files are not test files of the default config', () => {
    const live = readdirSync(path.join(ROOT, 'test', 'live'));
    expect(live.filter((f) => f.endsWith('.live.ts')).length).toBeGreaterThanOrEqual(2);
    expect(live.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    expect(defaultConfig.test?.include).toEqual(['test/**/*.test.ts']);
    expect(liveConfig.test?.include).toEqual(['test/live/**/*.live.ts']);
  });

  it('§17.8 without credentials every smoke test is reported as skipped, naming what it needs, and the run passes', async () => {
    const run = await runLive(credentialFree());
    expect(run.code).toBe(0);
    expect(run.results.map((r) => r.fullName).sort()).toEqual(
      [
        'linear (needs LINEAR_API_KEY, BATON_LIVE_LINEAR_PROJECT)',
        'github (needs GITHUB_TOKEN, GITHUB_REPO)',
        'jira (needs JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN, BATON_LIVE_JIRA_PROJECT)',
        'gitlab (needs GITLAB_PAT, GITLAB_PROJECT_PATH)',
        'asana (needs ASANA_PAT, BATON_LIVE_ASANA_PROJECT)',
      ]
        .map((d) => `${d} §17.8 a real tracker smoke test reads through credentials from the adapter’s documented variables`)
        .concat([
          'openai backend (needs OPENAI_API_KEY) §17.8 a real agent turn edits the workspace through the OpenAI API',
          'codex backend (needs a Codex login: auth.json in CODEX_HOME or ~/.codex) §17.8 a real Codex turn edits the workspace',
        ])
        .sort(),
    );
    expect(new Set(run.results.map((r) => r.status))).toEqual(new Set(['skipped']));
  });

  it('§17.8 an enabled smoke test that fails fails the run', async () => {
    const port = await closedPort();
    const run = await runLive(credentialFree({ LINEAR_API_KEY: 'lin_api_not_a_key', BATON_LIVE_LINEAR_PROJECT: 'nope', BATON_LIVE_LINEAR_ENDPOINT: `http://127.0.0.1:${port}/graphql` }));
    expect(run.code).not.toBe(0);
    const linear = run.results.filter((r) => r.fullName.startsWith('linear '));
    expect(linear.map((r) => r.status)).toEqual(['failed']);
    expect(run.results.filter((r) => !r.fullName.startsWith('linear ')).every((r) => r.status === 'skipped')).toBe(true);
  });
});
