/**
 * Real agent smoke tests (SPEC §17.8), run by `npm run test:live` only: one turn of the `openai`
 * backend against the OpenAI API (OPENAI_API_KEY; OPENAI_BASE_URL and BATON_LIVE_OPENAI_MODEL
 * optional) and one of the `codex` backend with the installed Codex and its login (an `auth.json`
 * in CODEX_HOME, default ~/.codex). Each asks for a one-line file in a fresh workspace and checks
 * it is there. Without the credentials each is reported as skipped, naming what it needs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgentBackend } from '../../adapters/agents/index.js';
import type { AgentEvent } from '../../core/agent-events.js';
import { buildChildEnv } from '../../workspace/workspace.js';
import { silentLogger } from '../../base/logger.js';
import { testIssue } from '../agents/codex/harness.js';
import { liveConfig, unset } from './live-env.js';

const codexHome = process.env.CODEX_HOME?.trim() || path.join(homedir(), '.codex');
const PROMPT = 'Create a file named live.txt in the current directory containing exactly the word ok, then reply with the single word done.';


/** One turn of `backend` with `section` as its config, in a fresh workspace; what it left there. */
async function oneTurn(backend: 'openai' | 'codex', section: Record<string, unknown>) {
  const { config, dir } = liveConfig({
    tracker: { kind: 'memory' },
    agent: { backend },
    [backend]: section,
    stages: [{ name: 'run', states: ['Todo'], prompt: PROMPT }],
  });
  const workspace = path.join(dir, 'workspaces', 'LIVE-1');
  await mkdir(workspace, { recursive: true });
  const events: AgentEvent[] = [];
  const session = await (await createAgentBackend(backend)).startSession({
    workspace,
    issue: testIssue('LIVE-1'),
    stage: config.stages[0]!,
    config,
    env: buildChildEnv({ base: process.env }),
    tools: { specs: [], execute: async () => ({ success: false, output: 'no tools in the smoke test' }) },
    logger: silentLogger,
    onEvent: (e) => events.push(e),
    signal: new AbortController().signal,
  });
  try {
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: PROMPT });
    const file = await readFile(path.join(workspace, 'live.txt'), 'utf8').catch(() => null);
    return { result, file, events };
  } finally {
    await session.close();
  }
}

describe('openai backend (needs OPENAI_API_KEY)', () => {
  it.skipIf(unset(['OPENAI_API_KEY']).length > 0)('§17.8 a real agent turn edits the workspace through the OpenAI API', { timeout: 300_000 }, async () => {
    const { result, file, events } = await oneTurn('openai', {
      api_key: '$OPENAI_API_KEY',
      ...(process.env.BATON_LIVE_OPENAI_MODEL ? { model: process.env.BATON_LIVE_OPENAI_MODEL } : {}),
    });
    expect(result.outcome, JSON.stringify(result.error)).toBe('completed');
    expect(file?.trim()).toBe('ok');
    expect(events.some((e) => e.usage && e.usage.total_tokens > 0)).toBe(true);
  });
});

describe('codex backend (needs a Codex login: auth.json in CODEX_HOME or ~/.codex)', () => {
  it.skipIf(!existsSync(path.join(codexHome, 'auth.json')))('§17.8 a real Codex turn edits the workspace', { timeout: 300_000 }, async () => {
    const { result, file } = await oneTurn('codex', { approval_policy: 'never', thread_sandbox: 'workspace-write' });
    expect(result.outcome, JSON.stringify(result.error)).toBe('completed');
    expect(file?.trim()).toBe('ok');
  });
});
