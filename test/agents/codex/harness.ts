/**
 * Running the real `codex app-server` offline in tests: an isolated CODEX_HOME and TMPDIR (Codex
 * writes helper binaries and state there, and refuses helpers under a TMPDIR that contains its
 * home), the scripted model server as the only provider, every network-reaching feature off, and a
 * one-model catalog (`fake-model`) copied from the catalog bundled in the binary, so `apply_patch`
 * is offered as the real custom tool. Also builds the SessionContext a stage activity would.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveWorkspacePath } from '../../../workspace/workspace.js';
import { nativeCodexBinary } from '../../../adapters/agents/codex/locate-binary.js';
import type { AgentToolbox, SessionContext } from '../../../adapters/agents/types.js';
import type { AgentToolResult, AgentToolSpec } from '../../../adapters/trackers/types.js';
import { CodexSchema, type BatonConfig, type CodexConfig, type ResolvedStage, type TrackerConfig } from '../../../config/schema.js';
import type { AgentEvent } from '../../../core/agent-events.js';
import type { Issue } from '../../../core/issue.js';
import { silentLogger } from '../../../base/logger.js';
import { startModelServer, type ModelServer } from '../../support/model-server/index.js';
import { deadlineAfter, scaled } from '../../helpers/time.js';

const run = promisify(execFile);

/** Shell-quote one word for `bash -lc`. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `-c` overrides that point Codex at the scripted model and keep it off the network
 * (reference: shared/reference/codex-offline.md §2).
 */
export function offlineConfigArgs(modelUrl: string, catalogPath?: string): string[] {
  const settings: string[] = [
    'model_provider="fake"',
    'model="fake-model"',
    'model_providers.fake.name="fake"',
    `model_providers.fake.base_url="${modelUrl}"`,
    'model_providers.fake.wire_api="responses"',
    'model_providers.fake.env_key="FAKE_MODEL_API_KEY"',
    'model_providers.fake.request_max_retries=0',
    'model_providers.fake.stream_max_retries=0',
    'model_providers.fake.stream_idle_timeout_ms=30000',
    'features.plugins=false',
    'web_search="disabled"',
    'check_for_update_on_startup=false',
    'analytics.enabled=false',
    'features.apps=false',
    'features.tool_suggest=false',
    'features.multi_agent=false',
    'features.goals=false',
    'features.image_generation=false',
    'features.shell_snapshot=false',
  ];
  if (catalogPath) settings.push(`model_catalog_json="${catalogPath}"`);
  return settings.flatMap((s) => ['-c', s]);
}

/** A `codex.command` for the offline setup: `codex app-server --strict-config -c …`. */
export function offlineCodexCommand(modelUrl: string, options: { catalogPath?: string; extra?: string[]; bin?: string } = {}): string {
  const words = [options.bin ?? 'codex', 'app-server', '--strict-config', ...offlineConfigArgs(modelUrl, options.catalogPath), ...(options.extra ?? [])];
  return words.map(shellQuote).join(' ');
}

/**
 * A one-model catalog: the bundled `gpt-5.5` entry (or the first one) renamed `fake-model`, so
 * Codex gives the fake the real tools and instructions instead of fallback metadata.
 */
export async function writeModelCatalog(file: string, env: NodeJS.ProcessEnv, bin = nativeCodexBinary()!): Promise<string> {
  const { stdout } = await run(bin, ['debug', 'models', '--bundled'], { env, maxBuffer: 64 * 1024 * 1024 });
  const catalog = JSON.parse(stdout) as { models: Record<string, unknown>[] };
  const base = catalog.models.find((m) => m.slug === 'gpt-5.5') ?? catalog.models[0]!;
  await writeFile(file, JSON.stringify({ models: [{ ...base, slug: 'fake-model', display_name: 'fake-model' }] }));
  return file;
}

export interface CodexHarness {
  server: ModelServer;
  /** Workspace root; `workspaceFor(identifier)` directories live below it. */
  root: string;
  /** Environment for codex children: isolated home, temp dir, the fake provider key. */
  env: NodeJS.ProcessEnv;
  catalogPath: string;
  /** A fresh workspace directory for `identifier`. */
  workspaceFor(identifier: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** Model server, isolated Codex dirs and catalog, shared by the tests of one file. */
export async function createCodexHarness(): Promise<CodexHarness> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'baton-codex-test-'));
  const home = path.join(base, 'codex-home');
  const tmp = path.join(base, 'tmp');
  const root = path.join(base, 'workspaces');
  await Promise.all([home, tmp, root].map((d) => mkdir(d, { recursive: true })));
  const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: home, TMPDIR: tmp, FAKE_MODEL_API_KEY: 'dummy', RUST_LOG: 'error' };
  const server = await startModelServer();
  const catalogPath = await writeModelCatalog(path.join(base, 'fake-model-catalog.json'), env);
  return {
    server,
    root,
    env,
    catalogPath,
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

/** A normalized issue for tests. */
export function testIssue(identifier: string): Issue {
  return {
    id: `id-${identifier}`,
    identifier,
    title: `Test issue ${identifier}`,
    description: null,
    priority: null,
    state: 'In Progress',
    branch_name: null,
    url: null,
    assignee_id: null,
    labels: [],
    blocked_by: [],
    dispatchable: true,
    created_at: null,
    updated_at: null,
    native_ref: null,
  };
}

/** A toolbox whose tools answer from a table and record every call. */
export function fakeToolbox(tools: Record<string, (args: unknown) => AgentToolResult>): AgentToolbox & { calls: { name: string; args: unknown }[] } {
  const calls: { name: string; args: unknown }[] = [];
  const specs: AgentToolSpec[] = Object.keys(tools).map((name) => ({
    name,
    description: `test tool ${name}`,
    inputSchema: { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: true },
  }));
  return {
    specs,
    calls,
    async execute(name, args) {
      calls.push({ name, args });
      const tool = tools[name];
      return tool ? tool(args) : { success: false, output: `no tool ${name}` };
    },
  };
}

export interface ContextOptions {
  workspace: string;
  issue?: Issue;
  codex?: Partial<CodexConfig>;
  trackers?: Partial<TrackerConfig>[];
  tools?: AgentToolbox;
  env?: NodeJS.ProcessEnv;
  requestApproval?: SessionContext['requestApproval'];
  signal?: AbortSignal;
}

/** A SessionContext like the stage activity builds, with every event collected in `events`. */
export function sessionContext(h: CodexHarness, options: ContextOptions): SessionContext & { events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  const codex = CodexSchema.parse({
    command: offlineCodexCommand(h.server.url, { catalogPath: h.catalogPath }),
    thread_sandbox: 'danger-full-access',
    approval_policy: 'never',
    read_timeout_ms: scaled(10_000),
    turn_timeout_ms: scaled(30_000),
    ...options.codex,
  });
  const trackers: TrackerConfig[] = (options.trackers ?? []).map((t, i) => ({
    name: `t${i}`,
    kind: 'memory',
    provider: {},
    required_labels: [],
    active_states: ['In Progress'],
    terminal_states: ['Done'],
    secret_env: [],
    ...t,
  }));
  const config = { workspace: { root: h.root }, codex, trackers } as unknown as BatonConfig;
  const stage = {
    name: 'implement',
    states: ['In Progress'],
    agent: {},
    on_success: { add_labels: [], remove_labels: [] },
    prompt_template: '',
    policy: { backend: 'codex', max_turns: 5, turn_timeout_ms: codex.turn_timeout_ms, stall_timeout_ms: codex.stall_timeout_ms },
  } as ResolvedStage;
  return {
    workspace: options.workspace,
    issue: options.issue ?? testIssue(path.basename(options.workspace)),
    stage,
    config,
    env: options.env ?? h.env,
    tools: options.tools ?? fakeToolbox({}),
    logger: silentLogger,
    onEvent: (event) => events.push(event),
    ...(options.requestApproval ? { requestApproval: options.requestApproval } : {}),
    signal: options.signal ?? new AbortController().signal,
    events,
  };
}

/** Resolves once `events` holds one matching `predicate` within `timeoutMs` (scaled; polls; for mid-turn actions). */
export async function waitForEvent(events: AgentEvent[], predicate: (e: AgentEvent) => boolean, timeoutMs = 20_000): Promise<AgentEvent> {
  const deadline = deadlineAfter(timeoutMs);
  for (;;) {
    const found = events.find(predicate);
    if (found) return found;
    if (deadline.passed()) throw new Error(`no matching event within ${deadline.budgetMs()} ms; saw: ${events.map((e) => e.event + (e.message ? `(${e.message})` : '')).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
