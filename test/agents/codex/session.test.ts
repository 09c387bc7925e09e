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
import { processAlive } from '../../../runtime/process.js';
import { DEFAULT_USAGE } from '../../support/model-server/index.js';
import { createCodexHarness, fakeToolbox, offlineCodexCommand, sessionContext, waitForEvent, type CodexHarness } from './harness.js';

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
});
