/**
 * The `codex` backend against the real `codex app-server` binary and the scripted model server
 * (SPEC §10, §13.5, §15.3, §17.5). Tests run one after another: each starts its own app-server.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodexBackend } from '../../../adapters/agents/codex/backend.js';
import { descendantPids } from '../../../adapters/agents/codex/launch.js';
import type { AgentSession } from '../../../adapters/agents/types.js';
import { TokenAccountant } from '../../../core/agent-events.js';
import { processAlive } from '../../../base/process.js';
import { DEFAULT_USAGE } from '../../support/model-server/index.js';
import { createCodexHarness, fakeToolbox, offlineCodexCommand, sessionContext, waitForEvent, type CodexHarness } from './harness.js';
import { deadlineAfter } from '../../helpers/time.js';

const backend = createCodexBackend({ interruptGraceMs: 2_000, closeGraceMs: 500 });
let h: CodexHarness;
const sessions: AgentSession[] = [];

beforeAll(async () => {
  h = await createCodexHarness();
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await h?.cleanup();
});

async function start(ctx: Parameters<typeof backend.startSession>[0]): Promise<AgentSession> {
  const session = await backend.startSession(ctx);
  sessions.push(session);
  return session;
}

/** Model requests made since `from`, as logged by the model server. */
function requestsSince(from: number) {
  return h.server.requests().slice(from);
}

/** The process tree under `root` once a process named `comm` is part of it. */
async function waitForDescendant(root: number, comm: string): Promise<number[]> {
  const deadline = deadlineAfter(10_000);
  for (;;) {
    const tree = [root, ...descendantPids(root)];
    const names = await Promise.all(tree.map((pid) => readFile(`/proc/${pid}/comm`, 'utf8').then((c) => c.trim(), () => '')));
    if (names.includes(comm)) return tree;
    if (deadline.passed()) throw new Error(`no ${comm} process under ${root}; saw ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function inputText(body: Record<string, unknown>): string {
  return JSON.stringify(body.input ?? []);
}

describe('codex backend (real app-server)', () => {
  it('runs a shell command in the workspace and reports Symphony events', async () => {
    const workspace = await h.workspaceFor('SHELL-1');
    const ctx = sessionContext(h, { workspace });
    const session = await start(ctx);
    expect(session.pid).toBeGreaterThan(0);
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell echo hi > done.txt\n@@say made it' });

    expect(result.outcome).toBe('completed');
    expect((await readFile(path.join(workspace, 'done.txt'), 'utf8')).trim()).toBe('hi');
    const started = ctx.events.find((e) => e.event === 'session_started');
    expect(started?.pid).toBe(session.pid);
    expect(started?.session_id).toMatch(/^[0-9a-f-]{36}-[0-9a-f-]{36}$/);
    expect(result.sessionId).toBe(started?.session_id);
    const messages = ctx.events.map((e) => e.message);
    expect(messages).toContain('ran `echo hi > done.txt` (exit 0)');
    expect(messages).toContain('made it');
    expect(ctx.events.at(-1)?.event).toBe('turn_completed');
    await session.close();
    expect(processAlive(session.pid!)).toBe(false);
  });

  it('edits a file through the apply_patch custom tool', async () => {
    const workspace = await h.workspaceFor('PATCH-1');
    const ctx = sessionContext(h, { workspace });
    const session = await start(ctx);
    const from = h.server.requests().length;
    const patch = ['*** Begin Patch', '*** Add File: notes/hello.md', '+# Hello', '+from the patch', '*** End Patch'].join('\n');
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: `@@patch\n${patch}\n@@say patched` });

    expect(result.outcome).toBe('completed');
    expect(await readFile(path.join(workspace, 'notes/hello.md'), 'utf8')).toBe('# Hello\nfrom the patch\n');
    // The catalog makes Codex offer apply_patch as a custom (freeform) tool, not the heredoc fallback.
    const tools = requestsSince(from)[0]!.body.tools as { name: string; type: string }[];
    expect(tools.find((t) => t.name === 'apply_patch')?.type).toBe('custom');
    expect(ctx.events.some((e) => e.message?.startsWith('edited ') && e.message.includes('hello.md'))).toBe(true);
    await session.close();
  });

  it('answers a dynamic tool call host-side and the result reaches the model', async () => {
    const workspace = await h.workspaceFor('TOOL-1');
    const tools = fakeToolbox({ lookup_ticket: (args) => ({ success: true, output: `ticket ${(args as { id: string }).id} is blue` }) });
    const ctx = sessionContext(h, { workspace, tools });
    const session = await start(ctx);
    const from = h.server.requests().length;
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@tool lookup_ticket {"id":"T-42"}\n@@say looked up' });

    expect(result.outcome).toBe('completed');
    expect(tools.calls).toEqual([{ name: 'lookup_ticket', args: { id: 'T-42' } }]);
    const requests = requestsSince(from);
    expect((requests[0]!.body.tools as { name: string }[]).map((t) => t.name)).toContain('lookup_ticket');
    expect(inputText(requests.at(-1)!.body)).toContain('ticket T-42 is blue');
    expect(ctx.events.some((e) => e.event === 'tool_call_completed')).toBe(true);
    await session.close();
  });

  it('answers a tool that is no longer in the toolbox with a failure and the turn goes on', async () => {
    const workspace = await h.workspaceFor('TOOL-2');
    const tools = fakeToolbox({ ghost_tool: () => ({ success: true, output: 'should not run' }) });
    const ctx = sessionContext(h, { workspace, tools });
    const session = await start(ctx);
    // Codex only forwards calls to tools advertised at thread/start; drop it from the toolbox
    // afterwards, as a toolbox bound to a different adapter would be.
    tools.specs.length = 0;
    const from = h.server.requests().length;
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@tool ghost_tool {"id":"x"}\n@@say carried on' });

    expect(result.outcome).toBe('completed');
    expect(tools.calls).toEqual([]);
    expect(inputText(requestsSince(from).at(-1)!.body)).toContain('Unsupported dynamic tool: ghost_tool');
    expect(ctx.events.some((e) => e.event === 'unsupported_tool_call')).toBe(true);
    expect(ctx.events.some((e) => e.message === 'carried on')).toBe(true);
    await session.close();
  });

  it('asks an operator under approval_policy untrusted and runs the command when approved', async () => {
    const workspace = await h.workspaceFor('APPROVE-1');
    const asked: { kind: string; summary: string }[] = [];
    const ctx = sessionContext(h, {
      workspace,
      codex: { approval_policy: 'untrusted' },
      requestApproval: async (request) => {
        asked.push(request);
        return 'approve';
      },
    });
    const session = await start(ctx);
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell echo ok > approved.txt\n@@say done' });

    expect(result.outcome).toBe('completed');
    expect(existsSync(path.join(workspace, 'approved.txt'))).toBe(true);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.kind).toBe('command');
    expect(asked[0]!.summary).toContain('echo ok > approved.txt');
    expect(ctx.events.some((e) => e.event === 'approval_required')).toBe(true);
    expect(ctx.events.some((e) => e.event === 'approval_auto_approved')).toBe(false);
    await session.close();
  });

  it('declines the command when the operator rejects it, and the model is told', async () => {
    const workspace = await h.workspaceFor('APPROVE-2');
    const ctx = sessionContext(h, { workspace, codex: { approval_policy: 'untrusted' }, requestApproval: async () => 'reject' });
    const session = await start(ctx);
    const from = h.server.requests().length;
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell echo no > rejected.txt\n@@say understood' });

    expect(result.outcome).toBe('completed');
    expect(existsSync(path.join(workspace, 'rejected.txt'))).toBe(false);
    expect(inputText(requestsSince(from).at(-1)!.body)).toMatch(/rejected/i);
    expect(ctx.events.some((e) => e.message === 'declined `echo no > rejected.txt`')).toBe(true);
    await session.close();
  });

  it('without an operator channel declines and ends the turn as approval_required', async () => {
    const workspace = await h.workspaceFor('APPROVE-3');
    const ctx = sessionContext(h, { workspace, codex: { approval_policy: 'untrusted' } });
    const session = await start(ctx);
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell echo no > nobody.txt\n@@say never' });

    expect(result.outcome).toBe('input_required');
    expect(result.error?.category).toBe('approval_required');
    expect(existsSync(path.join(workspace, 'nobody.txt'))).toBe(false);
    expect(ctx.events.some((e) => e.event === 'approval_required')).toBe(true);
    await session.close();
  });

  it('fails the turn with turn_failed when the model answers HTTP 500', async () => {
    const workspace = await h.workspaceFor('HTTP-500');
    const ctx = sessionContext(h, { workspace });
    const session = await start(ctx);
    h.server.enqueue({ status: 500, body: { error: { message: 'model exploded', type: 'server_error' } } });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'anything' });

    expect(result.outcome).toBe('failed');
    expect(result.error?.category).toBe('turn_failed');
    expect(result.error?.message).toContain('internalServerError');
    expect(ctx.events.some((e) => e.event === 'turn_failed')).toBe(true);
    await session.close();
  });

  it('cancels a running turn on abort and leaves no process behind', async () => {
    const workspace = await h.workspaceFor('ABORT-1');
    const abort = new AbortController();
    const ctx = sessionContext(h, { workspace, signal: abort.signal });
    const session = await start(ctx);
    const turn = session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell sleep 30\n@@say too late' });
    await waitForEvent(ctx.events, (e) => e.message === 'running `sleep 30`');
    const tree = await waitForDescendant(session.pid!, 'sleep');
    abort.abort();
    const result = await turn;

    expect(result.outcome).toBe('cancelled');
    expect(result.error?.category).toBe('turn_cancelled');
    expect(ctx.events.at(-1)?.event).toBe('turn_cancelled');
    await session.close();
    expect(tree.filter((pid) => processAlive(pid))).toEqual([]);
    expect((await session.runTurn({ turn: 2, maxTurns: 2, prompt: 'again' })).outcome).toBe('cancelled');
  });

  it('runs continuation turns on one thread with the earlier history', async () => {
    const workspace = await h.workspaceFor('MULTI-1');
    const ctx = sessionContext(h, { workspace });
    const session = await start(ctx);
    const first = await session.runTurn({ turn: 1, maxTurns: 2, prompt: 'first prompt\n@@say first reply' });
    const from = h.server.requests().length;
    const second = await session.runTurn({ turn: 2, maxTurns: 2, prompt: 'continue please\n@@say second answer' });

    expect([first.outcome, second.outcome]).toEqual(['completed', 'completed']);
    const thread = (id?: string) => id?.slice(0, 36);
    expect(thread(second.sessionId)).toBe(thread(first.sessionId));
    expect(second.sessionId).not.toBe(first.sessionId);
    const input = requestsSince(from)[0]!.body.input as { role?: string; content?: unknown }[];
    const said = (role: string) => input.filter((i) => i.role === role).map((i) => JSON.stringify(i.content));
    expect(said('user').some((c) => c.includes('first prompt'))).toBe(true);
    expect(said('assistant').some((c) => c.includes('first reply'))).toBe(true);
    expect(said('user').at(-1)).toContain('continue please');
    await session.close();
  });

  it('reports absolute thread token totals that an accountant never double counts', async () => {
    const workspace = await h.workspaceFor('TOKENS-1');
    const ctx = sessionContext(h, { workspace });
    const session = await start(ctx);
    const from = h.server.requests().length;
    await session.runTurn({ turn: 1, maxTurns: 2, prompt: '@@shell true\n@@shell true\n@@say counted' });
    const result = await session.runTurn({ turn: 2, maxTurns: 2, prompt: '@@say again' });
    const calls = requestsSince(from).length;
    const expected = {
      input_tokens: calls * DEFAULT_USAGE.input_tokens,
      output_tokens: calls * DEFAULT_USAGE.output_tokens,
      total_tokens: calls * (DEFAULT_USAGE.input_tokens + DEFAULT_USAGE.output_tokens),
    };

    expect(calls).toBe(4);
    expect(result.usage).toEqual(expected);
    const withUsage = ctx.events.filter((e) => e.usage);
    expect(withUsage.length).toBeGreaterThan(calls); // the same totals arrive many times
    const accountant = new TokenAccountant();
    for (const event of withUsage) accountant.observe(event.usage!);
    accountant.observe(result.usage!);
    expect(accountant.totals).toEqual(expected);
    expect(ctx.events.some((e) => e.rate_limits && 'limitId' in e.rate_limits)).toBe(true);
    await session.close();
  });

  it('keeps tracker secrets out of the agent environment', async () => {
    const workspace = await h.workspaceFor('ENV-1');
    // Names without KEY/SECRET/TOKEN, which Codex's own shell policy would already drop.
    const env = { ...h.env, LINEAR_AUTH_PASSPHRASE: 'hunter2', JIRA_BASIC_AUTH: 'user:pw', BATON_VISIBLE_MARKER: 'visible' };
    const ctx = sessionContext(h, {
      workspace,
      env,
      trackers: [{ secret_env: ['LINEAR_AUTH_PASSPHRASE'] }, { secret_env: ['JIRA_BASIC_AUTH', 'not a name; touch pwned'] }],
    });
    const session = await start(ctx);
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell env > env.txt\n@@say dumped' });

    expect(result.outcome).toBe('completed');
    const dumped = await readFile(path.join(workspace, 'env.txt'), 'utf8');
    expect(dumped).toContain('BATON_VISIBLE_MARKER=visible');
    expect(dumped).not.toContain('hunter2');
    expect(dumped).not.toContain('user:pw');
    expect(existsSync(path.join(workspace, 'pwned'))).toBe(false);
    await session.close();
  });

  it('ends the turn as turn_input_required when Codex asks the user a question', async () => {
    const workspace = await h.workspaceFor('INPUT-1');
    const command = offlineCodexCommand(h.server.url, { catalogPath: h.catalogPath, extra: ['-c', 'features.default_mode_request_user_input=true'] });
    const ctx = sessionContext(h, { workspace, codex: { command } });
    const session = await start(ctx);
    const question = { questions: [{ id: 'pick', header: 'Pick', question: 'Which colour?', options: [{ label: 'Red', description: 'red' }, { label: 'Blue', description: 'blue' }] }] };
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: `@@tool request_user_input ${JSON.stringify(question)}\n@@say answered` });

    expect(result.outcome).toBe('input_required');
    expect(result.error?.category).toBe('turn_input_required');
    expect(result.error?.message).toContain('Which colour?');
    expect(ctx.events.some((e) => e.event === 'turn_input_required')).toBe(true);
    // The thread is still usable afterwards.
    expect((await session.runTurn({ turn: 2, maxTurns: 2, prompt: '@@say still here' })).outcome).toBe('completed');
    await session.close();
  });

  it('fails with turn_timeout when Codex goes silent for turn_timeout_ms', async () => {
    const workspace = await h.workspaceFor('SILENT-1');
    const ctx = sessionContext(h, { workspace, codex: { turn_timeout_ms: 400 } });
    const session = await start(ctx);
    h.server.enqueue({ text: 'slow', delayMs: 3_000 });
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'take your time' });

    expect(result.outcome).toBe('failed');
    expect(result.error?.category).toBe('turn_timeout');
    // The session is over: later turns fail at once with the same reason.
    expect((await session.runTurn({ turn: 2, maxTurns: 2, prompt: 'again' })).error?.category).toBe('turn_timeout');
    await session.close();
    expect(processAlive(session.pid!)).toBe(false);
  });

  it('fails with port_exit when the app-server dies mid-turn', async () => {
    const workspace = await h.workspaceFor('EXIT-1');
    const ctx = sessionContext(h, { workspace });
    const session = await start(ctx);
    const turn = session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell sleep 20\n@@say never' });
    await waitForEvent(ctx.events, (e) => e.message === 'running `sleep 20`');
    process.kill(session.pid!, 'SIGKILL');
    const result = await turn;

    expect(result.outcome).toBe('failed');
    expect(result.error?.category).toBe('port_exit');
    expect(result.error?.message).toContain('signal SIGKILL');
    await session.close();
  });
});
