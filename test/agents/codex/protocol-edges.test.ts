/**
 * Protocol paths of the `codex` backend that the real binary does not take offline, driven by a
 * scripted stand-in app-server (stub-app-server.mjs), plus launch failures (SPEC §10.5, §10.6,
 * §17.5). The real-binary behaviour is covered in session.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodexBackend } from '../../../adapters/agents/codex/backend.js';
import { isBatonError } from '../../../core/errors.js';
import { processAlive } from '../../../base/process.js';
import { sessionContext, shellQuote, testIssue, type CodexHarness } from './harness.js';
import { scaled } from '../../helpers/time.js';

const STUB = fileURLToPath(new URL('./stub-app-server.mjs', import.meta.url));
const backend = createCodexBackend({ interruptGraceMs: 300, closeGraceMs: 200 });

let base: string;
let h: CodexHarness;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'baton-codex-edges-'));
  const root = path.join(base, 'workspaces');
  await mkdir(root);
  // Only the parts sessionContext reads; no model server is needed for a stub.
  h = {
    root,
    env: { ...process.env },
    catalogPath: '',
    server: { url: 'http://127.0.0.1:9/v1' } as CodexHarness['server'],
    async workspaceFor(identifier) {
      const dir = path.join(root, identifier);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    cleanup: async () => undefined,
  };
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

interface StubRun {
  identifier: string;
  script?: unknown[];
  policy?: string | Record<string, unknown>;
  ignoreInterrupt?: boolean;
  requestApproval?: Parameters<typeof sessionContext>[1]['requestApproval'];
  signal?: AbortSignal;
  /** Added to the app-server's environment. */
  env?: Record<string, string>;
  /** The command line that starts the stub (`codex.command`, a shell command); default node + stub. */
  command?: string;
}

/** Start a session on the stub; returns it, its context and a reader for what Baton sent. */
async function stubSession(run: StubRun) {
  const workspace = await h.workspaceFor(run.identifier);
  const logFile = path.join(workspace, 'stub-log.jsonl');
  const env = {
    ...h.env,
    STUB_LOG: logFile,
    STUB_SCRIPT: JSON.stringify(run.script ?? []),
    ...(run.ignoreInterrupt ? { STUB_IGNORE_INTERRUPT: '1' } : {}),
    ...run.env,
  };
  const ctx = sessionContext(h, {
    workspace,
    env,
    codex: { command: run.command ?? `${shellQuote(process.execPath)} ${shellQuote(STUB)}`, approval_policy: run.policy ?? 'never', read_timeout_ms: scaled(5_000) },
    ...(run.requestApproval ? { requestApproval: run.requestApproval } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  });
  const session = await backend.startSession(ctx);
  const sent = async () =>
    (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id?: number | string; method?: string; result?: unknown; error?: { code: number; message: string } });
  return { session, ctx, sent };
}

const request = (id: number | string, method: string, params: unknown = {}) => ({ send: { id, method, params } });

describe('codex backend against a scripted app-server', () => {
  it('sends the handshake Symphony requires', async () => {
    const { session, sent } = await stubSession({ identifier: 'HS-1', script: [{ complete: 'completed' }] });
    await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'hello' });
    await session.close();
    const messages = await sent();
    expect(messages.map((m) => m.method)).toEqual(['initialize', 'initialized', 'thread/start', 'thread/name/set', 'turn/start']);
    expect(messages.every((m) => !('jsonrpc' in m))).toBe(true);
    const [init, , thread, name, turn] = messages as { params: Record<string, unknown> }[];
    expect(init!.params).toMatchObject({ clientInfo: { name: 'baton' }, capabilities: { experimentalApi: true } });
    expect(thread!.params).toMatchObject({ approvalPolicy: 'never', sandbox: 'danger-full-access', dynamicTools: [] });
    expect(name!.params).toEqual({ threadId: 'thread-1', name: 'HS-1: Test issue HS-1' });
    expect(turn!.params).toMatchObject({ threadId: 'thread-1', input: [{ type: 'text', text: 'hello' }] });
    expect(thread!.params.cwd).toBe(turn!.params.cwd);
  });

  it('auto-approves every approval kind for the session under approval_policy never', async () => {
    const { session, ctx, sent } = await stubSession({
      identifier: 'AUTO-1',
      script: [
        request(0, 'item/commandExecution/requestApproval', { kind: 'command', command: 'make', cwd: '/w', itemId: 'i1', threadId: 'thread-1', turnId: 'turn-1' }),
        request('fc', 'item/fileChange/requestApproval', { itemId: 'i2', threadId: 'thread-1', turnId: 'turn-1', reason: 'edit' }),
        request(7, 'execCommandApproval', { conversationId: 'thread-1', callId: 'c', command: ['ls'], cwd: '/w', reason: null, parsedCmd: [] }),
        request(8, 'item/permissions/requestApproval', { permissions: { network: { enabled: true }, fileSystem: null }, cwd: '/w', reason: 'net' }),
        { await: 0 },
        { await: 'fc' },
        { await: 7 },
        { await: 8 },
        { complete: 'completed' },
      ],
    });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();

    expect(result.outcome).toBe('completed');
    const answers = Object.fromEntries((await sent()).filter((m) => m.method === undefined).map((m) => [String(m.id), m.result]));
    expect(answers).toEqual({
      '0': { decision: 'acceptForSession' },
      fc: { decision: 'acceptForSession' },
      '7': { decision: 'approved_for_session' },
      '8': { permissions: { network: { enabled: true } }, scope: 'session' },
    });
    expect(ctx.events.filter((e) => e.event === 'approval_auto_approved').map((e) => e.message)).toEqual([
      'run `make` in /w',
      'apply a file change (edit)',
      'run `ls` in /w',
      'grant extra network (net)',
    ]);
  });

  it('declines an MCP elicitation and ends the turn as turn_input_required', async () => {
    const { session, ctx, sent } = await stubSession({
      identifier: 'ELICIT-1',
      script: [request(3, 'mcpServer/elicitation/request', { threadId: 'thread-1', turnId: 'turn-1', serverName: 'docs', mode: 'form', message: 'Log in?' })],
    });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();

    expect(result.outcome).toBe('input_required');
    expect(result.error?.category).toBe('turn_input_required');
    expect(result.error?.message).toContain('Log in?');
    const messages = await sent();
    expect(messages.find((m) => m.id === 3 && m.method === undefined)?.result).toEqual({ action: 'decline', content: null, _meta: null });
    expect(messages.some((m) => m.method === 'turn/interrupt')).toBe(true);
    expect(ctx.events.some((e) => e.event === 'turn_input_required')).toBe(true);
  });

  it('answers unknown server requests with an error and the clock request with the time', async () => {
    const { session, sent } = await stubSession({
      identifier: 'UNKNOWN-1',
      script: [request(4, 'account/chatgptAuthTokens/refresh'), request(5, 'currentTime/read', { threadId: 'thread-1' }), { await: 4 }, { await: 5 }, { complete: 'completed' }],
    });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();

    expect(result.outcome).toBe('completed');
    const messages = await sent();
    expect(messages.find((m) => m.id === 4 && !m.method)?.error).toMatchObject({ code: -32601 });
    const now = (messages.find((m) => m.id === 5 && !m.method)?.result as { currentTimeAt: number }).currentTimeAt;
    expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(600);
  });

  it('reports broken JSON as malformed, ignores shell noise, and keeps going', async () => {
    const { session, ctx } = await stubSession({
      identifier: 'NOISE-1',
      script: [{ raw: 'pyenv: cannot rehash' }, { raw: '{"method": broken' }, { send: { id: 999, result: {} } }, { complete: 'completed' }],
    });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();

    expect(result.outcome).toBe('completed');
    expect(ctx.events.filter((e) => e.event === 'malformed').map((e) => e.message)).toEqual(['{"method": broken']);
    expect(ctx.events.some((e) => e.event === 'other_message')).toBe(true);
  });

  it('§17.5 launches codex.command with bash -lc in the workspace: a login profile is read, the cwd is the workspace, the shell expands the command', async () => {
    const home = await mkdtemp(path.join(base, 'home-'));
    await writeFile(path.join(home, '.bash_profile'), 'export STUB_LOGIN_PROFILE=sourced\n');
    const startLog = path.join(base, 'start-LOGIN-1.jsonl');
    const { session, ctx } = await stubSession({
      identifier: 'LOGIN-1',
      env: { HOME: home, STUB_START_LOG: startLog, STUB_NODE: process.execPath },
      // `$STUB_NODE` only means something to a shell.
      command: `env STUB_FLAG=through-a-shell "$STUB_NODE" ${shellQuote(STUB)}`,
      script: [{ complete: 'completed' }],
    });
    await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();
    const [seen] = (await readFile(startLog, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(seen).toEqual({ cwd: ctx.workspace, loginProfile: 'sourced', flag: 'through-a-shell' });
  });

  it('§17.5 stderr lines during a turn are diagnostics only: never parsed as protocol, never malformed events', async () => {
    const { session, ctx, sent } = await stubSession({
      identifier: 'STDERR-1',
      script: [
        { stderr: 'WARN codex_core: retrying a request' },
        { stderr: '{"broken json' },
        // Were stderr read as protocol, this request would get an answer on stdin.
        { stderr: JSON.stringify({ id: 99, method: 'item/tool/call', params: { tool: 'x', arguments: {} } }) },
        { send: { method: 'item/agentMessage/delta', params: { delta: 'still here' } } },
        { complete: 'completed' },
      ],
    });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();
    expect(result.outcome).toBe('completed');
    expect(ctx.events.filter((e) => e.event === 'malformed' || e.event === 'other_message')).toEqual([]);
    expect((await sent()).some((m) => m.id === 99)).toBe(false);
    expect(ctx.events.map((e) => e.event)).toContain('turn_completed');
  });

  // The two shapes Codex 0.169 uses to ask before an MCP tool runs, as the real binary sends them.
  const mcpElicitation = (id: number) =>
    request(id, 'mcpServer/elicitation/request', {
      threadId: 'thread-1',
      turnId: 'turn-1',
      serverName: 'probe',
      mode: 'form',
      _meta: { codex_approval_kind: 'mcp_tool_call', persist: ['session', 'always'], tool_name: 'save_note', tool_params: { text: 'hello' } },
      message: 'Allow the probe MCP server to run tool "save_note"?',
      requestedSchema: { type: 'object', properties: {} },
    });
  const mcpQuestion = (id: number) =>
    request(id, 'item/tool/requestUserInput', {
      threadId: 'thread-1',
      turnId: 'turn-1',
      itemId: 'call_1',
      questions: [
        {
          id: 'mcp_tool_call_approval_call_1',
          header: 'Approve app tool call?',
          question: 'Allow the probe MCP server to run tool "save_note"?',
          isOther: false,
          isSecret: false,
          options: [
            { label: 'Allow', description: 'Run the tool and continue.' },
            { label: 'Allow for this session', description: 'Run the tool and remember this choice for this session.' },
            { label: 'Cancel', description: 'Cancel this tool call.' },
          ],
        },
      ],
      isBlocking: true,
      autoResolutionMs: null,
    });

  it('§17.5 approves MCP tool calls for the session under approval_policy never, in both of Codex’s shapes', async () => {
    const { session, ctx, sent } = await stubSession({
      identifier: 'MCP-AUTO-1',
      script: [mcpElicitation(11), mcpQuestion(12), { await: 11 }, { await: 12 }, { complete: 'completed' }],
    });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();
    expect(result.outcome).toBe('completed');
    const answers = Object.fromEntries((await sent()).filter((m) => m.method === undefined).map((m) => [String(m.id), m.result]));
    expect(answers).toEqual({
      '11': { action: 'accept', content: {}, _meta: { persist: 'session' } },
      '12': { answers: { mcp_tool_call_approval_call_1: { answers: ['Allow for this session'] } } },
    });
    expect(ctx.events.filter((e) => e.event === 'approval_auto_approved').map((e) => e.message)).toEqual([
      'run the MCP tool `save_note` of server probe (Allow the probe MCP server to run tool "save_note"?)',
      'approve an MCP tool call: Allow the probe MCP server to run tool "save_note"?',
    ]);
    expect(ctx.events.some((e) => e.event === 'turn_input_required')).toBe(false);
  });

  it('§17.5 without an operator channel, other policies decline an MCP tool call and end the turn as approval_required', async () => {
    const { session, sent } = await stubSession({ identifier: 'MCP-DECLINE-1', policy: 'untrusted', script: [mcpQuestion(13)] });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();
    expect(result).toMatchObject({ outcome: 'input_required', error: { category: 'approval_required' } });
    expect((await sent()).find((m) => m.id === 13 && m.method === undefined)?.result).toEqual({ answers: { mcp_tool_call_approval_call_1: { answers: ['Cancel'] } } });
  });

  it('maps a failed turn to turn_failed with the reason', async () => {
    const { session, ctx } = await stubSession({ identifier: 'FAIL-1', script: [{ complete: 'failed' }] });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    await session.close();
    expect(result).toMatchObject({ outcome: 'failed', error: { category: 'turn_failed' } });
    expect(result.error?.message).toContain('[other]: stub failure');
    expect(ctx.events.some((e) => e.event === 'turn_failed')).toBe(true);
  });

  it('refuses a pending operator approval when the stage is cancelled', async () => {
    const abort = new AbortController();
    let asked = false;
    const { session, ctx, sent } = await stubSession({
      identifier: 'CANCEL-1',
      policy: 'untrusted',
      signal: abort.signal,
      requestApproval: () => {
        asked = true;
        return new Promise(() => undefined); // an operator who never answers
      },
      script: [request(0, 'item/commandExecution/requestApproval', { kind: 'command', command: 'deploy', cwd: '/w' })],
    });
    const turn = session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    while (!asked) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    const result = await turn;
    await session.close();

    expect(result.outcome).toBe('cancelled');
    const messages = await sent();
    expect(messages.find((m) => m.id === 0 && !m.method)?.result).toEqual({ decision: 'decline' });
    expect(messages.some((m) => m.method === 'turn/interrupt')).toBe(true);
    expect(ctx.events.some((e) => e.event === 'approval_required')).toBe(true);
    expect(processAlive(session.pid!)).toBe(false);
  });

  it('kills an app-server that ignores turn/interrupt after the grace period', async () => {
    const abort = new AbortController();
    const { session, sent } = await stubSession({ identifier: 'STUCK-1', ignoreInterrupt: true, signal: abort.signal, script: [{ send: { method: 'turn/started', params: {} } }] });
    const turn = session.runTurn({ turn: 1, maxTurns: 1, prompt: 'go' });
    while (!(await sent()).some((m) => m.method === 'turn/start')) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    const result = await turn;
    await session.close();
    expect(result.outcome).toBe('cancelled');
    expect(processAlive(session.pid!)).toBe(false);
  });
});

describe('codex backend launch failures', () => {
  async function startWith(identifier: string, command: string, codex: Record<string, unknown> = {}) {
    const workspace = await h.workspaceFor(identifier);
    const ctx = sessionContext(h, { workspace, codex: { command, ...codex } });
    const error = await backend.startSession(ctx).then(
      (s) => {
        void s.close();
        throw new Error('session started');
      },
      (err: unknown) => err,
    );
    if (!isBatonError(error)) throw error;
    return { error, ctx, workspace };
  }

  it('reports codex_not_found when the command does not exist', async () => {
    const { error, ctx } = await startWith('NF-1', 'baton-no-such-codex app-server');
    expect(error.category).toBe('codex_not_found');
    expect(error.message).toContain('baton-no-such-codex');
    expect(ctx.events.map((e) => e.event)).toEqual(['startup_failed']);
  });

  it('reports response_timeout when the app-server never answers', async () => {
    const { error } = await startWith('RT-1', 'cat > /dev/null', { read_timeout_ms: 300 });
    expect(error.category).toBe('response_timeout');
    expect(error.message).toContain('initialize');
  });

  it('reports port_exit when the app-server exits during startup', async () => {
    const { error } = await startWith('PE-1', `bash -c ${shellQuote('echo dying >&2; exit 3')}`);
    expect(error.category).toBe('port_exit');
    expect(error.message).toContain('exit 3');
    expect(error.message).toContain('dying');
  });

  it('refuses a cwd outside the workspace root without starting anything', async () => {
    const outside = path.join(base, 'elsewhere');
    await mkdir(outside, { recursive: true });
    const marker = path.join(base, 'spawned-marker');
    const ctx = sessionContext(h, { workspace: outside, issue: testIssue('OUT-1'), codex: { command: `touch ${shellQuote(marker)}; exec cat` } });
    await expect(backend.startSession(ctx)).rejects.toMatchObject({ category: 'invalid_workspace_cwd' });
    expect(existsSync(marker)).toBe(false);
    expect(ctx.events).toEqual([]);
  });

  it('refuses the workspace root itself', async () => {
    const ctx = sessionContext(h, { workspace: h.root, issue: testIssue('ROOT-1'), codex: { command: 'cat' } });
    await expect(backend.startSession(ctx)).rejects.toMatchObject({ category: 'invalid_workspace_cwd' });
  });
});
