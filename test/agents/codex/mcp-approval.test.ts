/**
 * MCP tool calls through the real `codex app-server` (0.169) and the scripted model server (SPEC
 * §10.5, §17.5; spec/agents/codex.md "Approvals"). Codex runs a minimal stdio MCP server
 * (test/support/mcp-server.mjs) whose one tool may change data. Under `approval_policy: never`
 * Codex runs it without asking; under `untrusted` it asks, in its elicitation shape by default and
 * in its question shape when `features.tool_call_mcp_elicitation` is off, and Baton puts either to
 * the operator like a command approval: approved, the tool runs; rejected, it does not and the
 * turn goes on. The paths the binary does not take under `never` are in protocol-edges.test.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodexBackend } from '../../../adapters/agents/codex/backend.js';
import type { ApprovalDecision } from '../../../adapters/agents/types.js';
import { createCodexHarness, offlineCodexCommand, sessionContext, type CodexHarness } from './harness.js';

const MCP_SERVER = fileURLToPath(new URL('../../support/mcp-server.mjs', import.meta.url));
const backend = createCodexBackend({ interruptGraceMs: 2_000, closeGraceMs: 500 });
let h: CodexHarness;
/** The harness's catalog with the search tool off: Codex then offers MCP tools directly. */
let catalogPath: string;

beforeAll(async () => {
  h = await createCodexHarness();
  const catalog = JSON.parse(await readFile(h.catalogPath, 'utf8')) as { models: Record<string, unknown>[] };
  catalog.models = catalog.models.map((m) => ({ ...m, supports_search_tool: false }));
  catalogPath = path.join(path.dirname(h.catalogPath), 'fake-model-catalog-no-search.json');
  await writeFile(catalogPath, JSON.stringify(catalog));
});

afterAll(async () => {
  await h?.cleanup();
});

interface McpRun {
  identifier: string;
  policy: string;
  decide?: ApprovalDecision;
  /** Codex's question shape instead of its elicitation. */
  questionShape?: boolean;
}

/** One turn in which the model calls the MCP tool, then answers. */
async function mcpTurn(run: McpRun) {
  const workspace = await h.workspaceFor(run.identifier);
  const calls = path.join(workspace, '..', `${run.identifier}-mcp-calls.jsonl`);
  const extra = ['-c', `mcp_servers.probe.command=${JSON.stringify(process.execPath)}`, '-c', `mcp_servers.probe.args=${JSON.stringify([MCP_SERVER, calls])}`];
  if (run.questionShape) extra.push('-c', 'features.tool_call_mcp_elicitation=false');
  const asked: { kind: string; summary: string }[] = [];
  const ctx = sessionContext(h, {
    workspace,
    codex: { command: offlineCodexCommand(h.server.url, { catalogPath, extra }), approval_policy: run.policy },
    ...(run.decide
      ? {
          requestApproval: async (request: { kind: string; summary: string }) => {
            asked.push(request);
            return run.decide!;
          },
        }
      : {}),
  });
  const from = h.server.requests().length;
  h.server.enqueue({ call: { name: 'save_note', namespace: 'mcp__probe', arguments: { text: 'hello' } } }, { text: 'finished' });
  const session = await backend.startSession(ctx);
  try {
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: 'save a note' });
    const ran = (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const toolOutput = JSON.stringify(h.server.requests().slice(from).at(-1)?.body.input ?? []);
    return { result, ctx, asked, ran, toolOutput };
  } finally {
    await session.close();
  }
}

describe('MCP tool calls (real app-server)', () => {
  it('§17.5 under approval_policy never the MCP tool runs without asking, and its result reaches the model', async () => {
    const { result, ctx, ran, toolOutput } = await mcpTurn({ identifier: 'MCP-NEVER-1', policy: 'never' });
    expect(result.outcome).toBe('completed');
    expect(ran).toEqual(['{"text":"hello"}']);
    expect(toolOutput).toContain('saved note: hello');
    expect(ctx.events.filter((e) => ['approval_required', 'turn_input_required'].includes(e.event))).toEqual([]);
  });

  it('§17.5 under untrusted an operator approves the MCP tool call Codex asks about as an elicitation, and the tool runs', async () => {
    const { result, asked, ran, toolOutput } = await mcpTurn({ identifier: 'MCP-OK-1', policy: 'untrusted', decide: 'approve' });
    expect(result.outcome).toBe('completed');
    expect(asked).toEqual([{ kind: 'mcp_tool_call', summary: 'run the MCP tool `save_note` of server probe (Allow the probe MCP server to run tool "save_note"?)' }]);
    expect(ran).toEqual(['{"text":"hello"}']);
    expect(toolOutput).toContain('saved note: hello');
  });

  it('§17.5 an operator rejection declines the MCP tool call: the tool does not run and the turn goes on', async () => {
    const { result, asked, ran, toolOutput } = await mcpTurn({ identifier: 'MCP-NO-1', policy: 'untrusted', decide: 'reject' });
    expect(result.outcome).toBe('completed');
    expect(asked.map((a) => a.kind)).toEqual(['mcp_tool_call']);
    expect(ran).toEqual([]);
    expect(toolOutput).not.toContain('saved note');
  });

  it('§17.5 Codex’s question shape of the same approval goes to the operator the same way', async () => {
    const { result, asked, ran } = await mcpTurn({ identifier: 'MCP-Q-1', policy: 'untrusted', decide: 'approve', questionShape: true });
    expect(result.outcome).toBe('completed');
    expect(asked).toEqual([{ kind: 'mcp_tool_call', summary: 'approve an MCP tool call: Allow the probe MCP server to run tool "save_note"?' }]);
    expect(ran).toEqual(['{"text":"hello"}']);
  });
});
