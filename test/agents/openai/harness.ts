/**
 * The `openai` backend as a stage activity would run it, offline: a real `baton.yaml` loaded by
 * `loadConfig` (a Linear tracker whose key is `$LINEAR_API_KEY`, so the config knows a tracker
 * secret), the scripted Responses-API server as the model (`openai.base_url: $FAKE_MODEL_URL`),
 * and per-issue workspaces below a temporary root.
 */
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveWorkspacePath } from '../../../workspace/workspace.js';
import { createOpenAIBackend, type OpenAIBackendOptions } from '../../../adapters/agents/openai/backend.js';
import type { AgentSession, AgentToolbox, SessionContext, TurnResult } from '../../../adapters/agents/types.js';
import { loadConfig } from '../../../config/load.js';
import { trackerProfiles } from '../../../adapters/trackers/index.js';
import type { BatonConfig } from '../../../config/schema.js';
import type { AgentEvent } from '../../../core/agent-events.js';
import { silentLogger } from '../../../base/logger.js';
import { startModelServer, type LoggedRequest, type ModelServer } from '../../support/model-server/index.js';
import { fakeToolbox, testIssue } from '../codex/harness.js';
import { pollUntil, scaled } from '../../helpers/time.js';

export { fakeToolbox };

/** The tracker secret the config references; no shell command may see it. */
export const TRACKER_SECRET = 'lin_test_secret_do_not_leak';
/** The model key Baton holds; no shell command may see it either. */
export const MODEL_KEY = 'sk-test-model-key';

export interface OpenAIHarness {
  server: ModelServer;
  base: string;
  root: string;
  /** Baton's own environment: where the backend reads the key and base URL. */
  hostEnv: NodeJS.ProcessEnv;
  /** Load a config with these extra `openai:` lines and stage `agent:` lines. */
  config(options?: { openai?: Record<string, unknown>; stageAgent?: Record<string, unknown> }): Promise<BatonConfig>;
  /** A fresh workspace for `identifier` below the root. */
  workspaceFor(identifier: string): Promise<string>;
  cleanup(): Promise<void>;
}

function yamlLines(values: Record<string, unknown>, indent: string): string {
  return Object.entries(values)
    .map(([k, v]) => `${indent}${k}: ${JSON.stringify(v)}`)
    .join('\n');
}

/** A model server and a temporary root, shared by the tests of one file. */
export async function createOpenAIHarness(): Promise<OpenAIHarness> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'baton-openai-test-')));
  const root = path.join(base, 'workspaces');
  await mkdir(root, { recursive: true });
  const server = await startModelServer();
  const hostEnv: NodeJS.ProcessEnv = { OPENAI_API_KEY: MODEL_KEY, FAKE_MODEL_URL: server.url, LINEAR_API_KEY: TRACKER_SECRET };
  let configs = 0;
  return {
    server,
    base,
    root,
    hostEnv,
    async config(options = {}) {
      const file = path.join(base, `baton-${++configs}.yaml`);
      const openai = { model: 'fake-model', base_url: '$FAKE_MODEL_URL', turn_timeout_ms: scaled(20_000), ...options.openai };
      const text = [
        'tracker:',
        '  kind: linear',
        '  api_key: $LINEAR_API_KEY',
        '  project_slug: demo',
        'workspace:',
        `  root: ${JSON.stringify(root)}`,
        'agent:',
        '  backend: openai',
        'openai:',
        yamlLines(openai, '  '),
        'stages:',
        '  - name: implement',
        '    states: [In Progress]',
        '    prompt: work',
        ...(options.stageAgent ? ['    agent:', yamlLines(options.stageAgent, '      ')] : []),
        '',
      ].join('\n');
      await writeFile(file, text);
      return loadConfig(file, { env: hostEnv, trackerProfiles }).config;
    },
    async workspaceFor(identifier) {
      const dir = await resolveWorkspacePath(root, identifier);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      return dir;
    },
    async cleanup() {
      await server.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

export interface StartOptions {
  config: BatonConfig;
  workspace: string;
  identifier: string;
  tools?: AgentToolbox;
  signal?: AbortSignal;
  backend?: OpenAIBackendOptions;
  hostEnv?: NodeJS.ProcessEnv;
}

export interface StartedSession {
  session: AgentSession;
  ctx: SessionContext;
  events: AgentEvent[];
}

/**
 * Start a session the way the stage activity does. The child environment deliberately still holds
 * the tracker secret and the model key, to show the backend removes both from shell commands.
 */
export async function startSession(h: OpenAIHarness, options: StartOptions): Promise<StartedSession> {
  const events: AgentEvent[] = [];
  const stage = options.config.stages[0]!;
  const ctx: SessionContext = {
    workspace: options.workspace,
    issue: testIssue(options.identifier),
    stage,
    config: options.config,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LINEAR_API_KEY: TRACKER_SECRET, OPENAI_API_KEY: MODEL_KEY, BATON_STAGE: stage.name },
    tools: options.tools ?? fakeToolbox({}),
    logger: silentLogger,
    onEvent: (event) => events.push(event),
    signal: options.signal ?? new AbortController().signal,
  };
  const backend = createOpenAIBackend({ maxRetries: 0, env: options.hostEnv ?? h.hostEnv, ...options.backend });
  const session = await backend.startSession(ctx);
  return { session, ctx, events };
}

/** Start a session, run one turn with `prompt`, close it; with the requests that turn made. */
export async function runOneTurn(
  h: OpenAIHarness,
  options: StartOptions,
  prompt: string,
): Promise<StartedSession & { result: TurnResult; requests: LoggedRequest[] }> {
  const from = h.server.requests().length;
  const started = await startSession(h, options);
  const result = await started.session.runTurn({ turn: 1, maxTurns: 1, prompt });
  await started.session.close();
  return { ...started, result, requests: h.server.requests().slice(from) };
}

/** The `function_call_output` / `custom_tool_call_output` items of a request body, parsed. */
export function toolOutputs(body: Record<string, unknown>): { call_id: string; success: boolean; output: string }[] {
  const input = Array.isArray(body.input) ? (body.input as Record<string, unknown>[]) : [];
  return input
    .filter((item) => item.type === 'function_call_output' || item.type === 'custom_tool_call_output')
    .map((item) => ({ call_id: String(item.call_id), ...(JSON.parse(String(item.output)) as { success: boolean; output: string }) }));
}

/** Event names in order. */
export function eventNames(events: readonly AgentEvent[]): string[] {
  return events.map((e) => e.event);
}

/** State letter and process group of `pid` from `/proc` (Linux), or null when it is gone. */
async function procState(pid: number): Promise<{ state: string; pgid: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', pgid: Number(fields[2]) };
}

/** True while `pid` runs; a killed orphan that waits for its reaper (a zombie) does not count. */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await procState(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

/** Live members of process group `pgid`. */
export async function liveGroupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await procState(Number(name));
    if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(name));
  }
  return members;
}

/** Poll `condition` until it holds or `timeoutMs` (scaled) passes; returns its last value (no timing assert). */
export async function eventually(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  return pollUntil(condition, timeoutMs, 25);
}
