/**
 * The pure parts of the `codex` backend, table by table: approval policy, token extraction
 * (SPEC §13.5), event summaries, the launch script, and the wire framing of the RPC client.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ApprovalMethod, DEFAULT_APPROVAL_POLICY, approvalMode, approvalResponse, summarizeApproval } from '../../../adapters/agents/codex/approvals.js';
import { turnSandboxPolicy } from '../../../adapters/agents/codex/backend.js';
import { describeNotification, unwrapShell } from '../../../adapters/agents/codex/events.js';
import { launchScript } from '../../../adapters/agents/codex/launch.js';
import { codexTargetTriple, nativeCodexBinary } from '../../../adapters/agents/codex/locate-binary.js';
import { RpcClient } from '../../../adapters/agents/codex/rpc-client.js';
import { absoluteUsage, rateLimits, usageFromMap } from '../../../adapters/agents/codex/token-usage.js';

describe('approval policy (SPEC §10.5)', () => {
  it.each([
    ['never', true, 'auto'],
    ['never', false, 'auto'],
    ['untrusted', true, 'operator'],
    ['on-request', false, 'decline'],
    [DEFAULT_APPROVAL_POLICY, true, 'operator'],
    [undefined, false, 'decline'],
  ])('policy %j with operator=%s → %s', (policy, hasOperator, mode) => {
    expect(approvalMode(policy, hasOperator)).toBe(mode);
  });

  it.each([
    [ApprovalMethod.command, 'acceptForSession', { decision: 'acceptForSession' }],
    [ApprovalMethod.command, 'decline', { decision: 'decline' }],
    [ApprovalMethod.fileChange, 'accept', { decision: 'accept' }],
    [ApprovalMethod.legacyExec, 'acceptForSession', { decision: 'approved_for_session' }],
    [ApprovalMethod.legacyPatch, 'accept', { decision: 'approved' }],
    [ApprovalMethod.legacyPatch, 'decline', { decision: { denied: { rejection: 'declined by Baton policy' } } }],
    [ApprovalMethod.permissions, 'decline', { permissions: {}, scope: 'turn' }],
  ] as const)('%s answered %s', (method, answer, expected) => {
    expect(approvalResponse(method, { permissions: { network: { enabled: true }, fileSystem: null } }, answer)).toEqual(expected);
  });

  it('summarizes what is asked in words an operator can decide on', () => {
    expect(summarizeApproval(ApprovalMethod.command, { command: 'rm -rf build', cwd: '/ws', reason: 'clean' })).toEqual({
      kind: 'command',
      summary: 'run `rm -rf build` in /ws (clean)',
    });
    expect(summarizeApproval(ApprovalMethod.legacyPatch, { fileChanges: { 'a.ts': {}, 'b.ts': {} }, reason: null }).summary).toBe('edit a.ts, b.ts');
    expect(summarizeApproval(ApprovalMethod.fileChange, { grantRoot: '/etc' }).summary).toBe('apply a file change (write access to /etc)');
  });

  it('defaults to rejecting every escalation prompt inside Codex', () => {
    expect(Object.values((DEFAULT_APPROVAL_POLICY as { granular: Record<string, boolean> }).granular).every((v) => v === false)).toBe(true);
  });
});

describe('token usage (SPEC §13.5)', () => {
  it.each([
    ['thread/tokenUsage/updated', { tokenUsage: { total: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, last: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } } }, { input_tokens: 10, output_tokens: 5, total_tokens: 15 }],
    ['codex/event/token_count', { msg: { info: { total_token_usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10 }, last_token_usage: { input_tokens: 1 } } } }, { input_tokens: 7, output_tokens: 3, total_tokens: 10 }],
    ['codex/event/token_count', { msg: { payload: { info: { total_token_usage: { prompt_tokens: 4, completion_tokens: 2 } } } } }, { input_tokens: 4, output_tokens: 2, total_tokens: 6 }],
    ['turn/completed', { usage: { inputTokens: 2, outputTokens: 2, total: 4 } }, { input_tokens: 2, output_tokens: 2, total_tokens: 4 }],
    ['item/completed', { usage: { input_tokens: 2 } }, undefined],
    ['codex/event/token_count', { msg: { info: { last_token_usage: { input_tokens: 9 } } } }, undefined],
  ])('%s %j → %j', (method, params, expected) => {
    expect(absoluteUsage(method, params)).toEqual(expected);
  });

  it('ignores maps without counts', () => {
    expect(usageFromMap({ cached: 3 })).toBeUndefined();
    expect(usageFromMap(null)).toBeUndefined();
  });

  it('finds rate limits in the update and nested in other payloads', () => {
    const snapshot = { limitId: 'codex', primary: { usedPercent: 12 }, secondary: null };
    expect(rateLimits('account/rateLimits/updated', { rateLimits: snapshot })).toBe(snapshot);
    expect(rateLimits('codex/event/token_count', { msg: { rate_limits: { limit_id: 'x', credits: 3 } } })).toEqual({ limit_id: 'x', credits: 3 });
    expect(rateLimits('item/completed', { item: { primary: 1 } })).toBeUndefined();
  });
});

describe('event summaries', () => {
  const item = (fields: Record<string, unknown>) => ({ item: fields });
  it.each([
    ['item/completed', item({ type: 'commandExecution', command: "/bin/bash -lc 'echo hi'", status: 'completed', exitCode: 0 }), 'ran `echo hi` (exit 0)'],
    ['item/completed', item({ type: 'commandExecution', command: 'ls', status: 'failed', exitCode: 2 }), 'ran `ls` (exit 2)'],
    ['item/completed', item({ type: 'commandExecution', command: 'ls', status: 'declined', exitCode: null }), 'declined `ls`'],
    ['item/completed', item({ type: 'fileChange', status: 'completed', changes: [{ path: 'a' }, { path: 'b' }] }), 'edited 2 files'],
    ['item/completed', item({ type: 'fileChange', status: 'completed', changes: [{ path: 'a.md' }] }), 'edited a.md'],
    ['item/completed', item({ type: 'agentMessage', text: 'All\n  done.' }), 'All done.'],
    ['item/completed', item({ type: 'dynamicToolCall', namespace: null, tool: 'get', status: 'completed', success: true }), 'called tool get (completed)'],
    ['item/started', item({ type: 'commandExecution', command: "bash -lc 'make test'" }), 'running `make test`'],
    ['item/agentMessage/delta', { delta: 'x' }, undefined],
    ['item/commandExecution/outputDelta', { delta: 'x' }, undefined],
    ['error', { error: { message: 'boom' }, willRetry: true }, 'error (retrying): boom'],
    ['thread/tokenUsage/updated', { tokenUsage: { total: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } } }, 'tokens: 1 in, 2 out, 3 total'],
    ['thread/status/changed', {}, undefined],
    ['hook/started', {}, 'hook/started'],
  ])('%s → %s', (method, params, expected) => {
    expect(describeNotification(method, params)).toBe(expected);
  });

  it('unwraps quoted login-shell commands', () => {
    expect(unwrapShell(`/bin/bash -lc 'echo '\\''q'\\'''`)).toBe("echo 'q'");
    expect(unwrapShell('git status')).toBe('git status');
  });
});

describe('launch', () => {
  it.each([
    [[], undefined, 'exec codex app-server'],
    [['LINEAR_API_KEY', 'GITHUB_TOKEN', 'LINEAR_API_KEY'], undefined, 'unset LINEAR_API_KEY GITHUB_TOKEN && exec codex app-server'],
    [['$(touch x)', 'OK_1'], undefined, 'unset OK_1 && exec codex app-server'],
    [[], '/opt/co dex', `if ! command -v codex >/dev/null 2>&1; then export PATH='/opt/co dex':"$PATH"; fi && exec codex app-server`],
  ])('secrets %j, fallback %s', (secrets, dir, expected) => {
    expect(launchScript('codex app-server', secrets, dir)).toBe(expected);
  });

  it('finds the native binary the npm package ships', () => {
    expect(codexTargetTriple('linux', 'x64')).toBe('x86_64-unknown-linux-musl');
    expect(codexTargetTriple('win32', 'x64')).toBeUndefined();
    expect(nativeCodexBinary()).toMatch(/vendor\/[^/]+\/bin\/codex$/);
  });

  it.each([
    [undefined, 'workspace-write', { type: 'workspaceWrite', writableRoots: ['/ws'], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false }],
    [undefined, 'danger-full-access', undefined],
    [{ type: 'externalSandbox', networkAccess: 'restricted' }, 'danger-full-access', { type: 'externalSandbox', networkAccess: 'restricted' }],
  ])('turn sandbox policy for %j / %s', (configured, thread, expected) => {
    expect(turnSandboxPolicy(configured, thread, '/ws')).toEqual(expected);
  });
});

describe('rpc client framing', () => {
  function wire(maxLineBytes?: number) {
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const seen: { kind: string; value: unknown }[] = [];
    const client = new RpcClient(
      toServer,
      fromServer,
      {
        onNotification: (method, params) => seen.push({ kind: 'notification', value: { method, params } }),
        onServerRequest: (id, method) => seen.push({ kind: 'request', value: { id, method } }),
        onMalformed: (line) => seen.push({ kind: 'malformed', value: line }),
        onOtherMessage: (message) => seen.push({ kind: 'other', value: message }),
      },
      maxLineBytes,
    );
    const written: unknown[] = [];
    toServer.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach((l) => written.push(JSON.parse(l))));
    return { client, fromServer, seen, written };
  }

  it('sends requests without a jsonrpc field and matches responses split across chunks', async () => {
    const { client, fromServer, written } = wire();
    const reply = client.request('thread/name/set', { threadId: 't', name: 'n' }, 1_000);
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([{ id: 1, method: 'thread/name/set', params: { threadId: 't', name: 'n' } }]);
    fromServer.write('{"id":1,"res');
    fromServer.write('ult":{"ok":true}}\n');
    await expect(reply).resolves.toEqual({ ok: true });
  });

  it('tells server requests (id 0 included) from notifications and responses', async () => {
    const { fromServer, seen } = wire();
    fromServer.write('{"id":0,"method":"item/tool/call","params":{}}\n{"method":"turn/started","params":{"a":1}}\n\nnoise\n{"id":42,"result":{}}\n');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([
      { kind: 'request', value: { id: 0, method: 'item/tool/call' } },
      { kind: 'notification', value: { method: 'turn/started', params: { a: 1 } } },
      { kind: 'malformed', value: 'noise' },
      { kind: 'other', value: { id: 42, result: {} } },
    ]);
  });

  it('maps error responses to response_error and silence to response_timeout', async () => {
    const { client, fromServer } = wire();
    const rejected = client.request('thread/name/set', { threadId: 't', name: 'n' }, 1_000);
    fromServer.write('{"id":1,"error":{"code":-32600,"message":"Not initialized"}}\n');
    await expect(rejected).rejects.toMatchObject({ category: 'response_error', message: expect.stringContaining('Not initialized') });
    await expect(client.request('thread/name/set', { threadId: 't', name: 'n' }, 20)).rejects.toMatchObject({ category: 'response_timeout' });
  });

  it('drops a line longer than the limit and recovers on the next one', async () => {
    const { fromServer, seen } = wire(64);
    fromServer.write(`{"method":"x","params":"${'a'.repeat(100)}`);
    fromServer.write(`${'b'.repeat(100)}"}\n{"method":"after"}\n`);
    await new Promise((r) => setImmediate(r));
    expect(seen.map((s) => s.kind)).toEqual(['malformed', 'notification']);
    expect((seen[1]!.value as { method: string }).method).toBe('after');
  });
});
