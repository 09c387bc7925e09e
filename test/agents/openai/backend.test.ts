/**
 * The `openai` backend end to end: the real `openai` client over real HTTP against the scripted
 * Responses-API server, real shell commands and files in a real workspace (SPEC §10.3–10.6,
 * §13.5, §15.2–15.3).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEventName, TokenAccountant } from '../../../core/agent-events.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import {
  createOpenAIHarness,
  eventNames,
  eventually,
  fakeToolbox,
  isRunning,
  liveGroupMembers,
  MODEL_KEY,
  runOneTurn,
  startSession,
  toolOutputs,
  TRACKER_SECRET,
  type OpenAIHarness,
} from './harness.js';

let h: OpenAIHarness;
let counter = 0;
/** A fresh issue identifier and workspace per test, so requests and files never mix. */
async function fresh() {
  const identifier = `OA-${++counter}`;
  return { identifier, workspace: await h.workspaceFor(identifier) };
}

beforeAll(async () => {
  h = await createOpenAIHarness();
});
afterAll(async () => {
  await h?.cleanup();
});

/** Requests made since `from`. */
const requestsSince = (from: number) => h.server.requests().slice(from);

describe('openai backend: tools in the workspace', () => {
  it('runs a shell command in the workspace and reports it with Symphony event names', async () => {
    const { identifier, workspace } = await fresh();
    const { result, events, requests } = await runOneTurn(h, { config: await h.config(), workspace, identifier }, '@@shell echo made-by-shell > made.txt && pwd\n@@say all done');

    expect(result.outcome).toBe('completed');
    expect(await readFile(path.join(workspace, 'made.txt'), 'utf8')).toBe('made-by-shell\n');
    expect(requests).toHaveLength(2);
    const [answer] = toolOutputs(requests[1]!.body);
    expect(answer).toMatchObject({ success: true });
    expect(answer!.output).toContain('Exit code: 0');
    expect(answer!.output).toContain(workspace); // `pwd` printed the workspace: it was the cwd
    expect(eventNames(events)).toEqual([
      AgentEventName.sessionStarted,
      AgentEventName.notification, // model response (the shell call)
      AgentEventName.notification, // running `…`
      AgentEventName.toolCallCompleted,
      AgentEventName.notification, // the final message
      AgentEventName.turnCompleted,
    ]);
    const sessionId = events[0]!.session_id!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}-1$/);
    expect(result.sessionId).toBe(sessionId);
    expect(events.every((e) => e.session_id === sessionId)).toBe(true);
    expect(events[2]!.message).toBe('running `echo made-by-shell > made.txt && pwd`');
    expect(events[3]!.message).toContain('(exit 0)');
    expect(events[4]!.message).toBe('all done');
  });

  it('offers the tools with JSON Schemas and sends model, instructions and reasoning from config and stage', async () => {
    const { identifier, workspace } = await fresh();
    const config = await h.config({ openai: { reasoning_effort: 'low' }, stageAgent: { model: 'stage-model' } });
    const toolbox = fakeToolbox({ tracker_get: () => ({ success: true, output: '{}' }) });
    const { requests } = await runOneTurn(h, { config, workspace, identifier, tools: toolbox }, '@@say ok');
    const body = requests[0]!.body;
    expect(body.model).toBe('stage-model');
    expect(body.reasoning).toEqual({ effort: 'low' });
    expect(body.stream).toBe(true);
    expect(body.store).toBe(false);
    expect(String(body.instructions)).toContain(workspace);
    expect(String(body.instructions)).toContain(identifier);
    const tools = body.tools as { name: string; parameters: { properties: Record<string, unknown>; required?: string[] } }[];
    expect(tools.map((t) => t.name)).toEqual(['shell', 'read_file', 'write_file', 'edit_file', 'tracker_get']);
    expect(tools.find((t) => t.name === 'edit_file')!.parameters.required).toEqual(['path', 'old_string', 'new_string']);
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${MODEL_KEY}`);
  });

  it('writes, edits and reads files, and the results reach the model', async () => {
    const { identifier, workspace } = await fresh();
    h.server.enqueue(
      { call: { name: 'write_file', arguments: { path: 'src/app.txt', content: 'alpha\nbeta\ngamma\n' } } },
      { call: { name: 'edit_file', arguments: { path: 'src/app.txt', old_string: 'beta', new_string: 'BETA' } } },
      { call: { name: 'read_file', arguments: { path: 'src/app.txt', offset: 2, limit: 1 } } },
      { call: { name: 'edit_file', arguments: { path: 'src/app.txt', old_string: 'missing', new_string: 'x' } } },
      { text: 'edited' },
    );
    const { result, events, requests } = await runOneTurn(h, { config: await h.config(), workspace, identifier }, 'edit the file');

    expect(result.outcome).toBe('completed');
    expect(await readFile(path.join(workspace, 'src/app.txt'), 'utf8')).toBe('alpha\nBETA\ngamma\n');
    const outputs = toolOutputs(requests.at(-1)!.body);
    expect(outputs.map((o) => o.success)).toEqual([true, true, true, false]);
    expect(outputs[2]!.output).toBe('BETA');
    expect(outputs[3]!.output).toContain('not found');
    expect(events.filter((e) => e.event === AgentEventName.toolCallCompleted).map((e) => e.message)).toEqual([
      'wrote src/app.txt (17 bytes)',
      'edited src/app.txt',
      'read src/app.txt',
    ]);
    expect(events.filter((e) => e.event === AgentEventName.toolCallFailed)).toHaveLength(1);
  });

  it('refuses paths outside the workspace, through `..`, absolute paths and symlinks, and tells the model', async () => {
    const { identifier, workspace } = await fresh();
    const outside = path.join(h.base, `outside-${identifier}`);
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.txt'), 'outside secret');
    await symlink(outside, path.join(workspace, 'escape-dir'));
    await symlink(path.join(outside, 'secret.txt'), path.join(workspace, 'escape-file'));
    h.server.enqueue(
      { call: { name: 'write_file', arguments: { path: '../x', content: 'escaped' } } },
      { call: { name: 'write_file', arguments: { path: path.join(outside, 'abs.txt'), content: 'escaped' } } },
      { call: { name: 'write_file', arguments: { path: 'escape-dir/y.txt', content: 'escaped' } } },
      { call: { name: 'read_file', arguments: { path: 'escape-file' } } },
      { call: { name: 'edit_file', arguments: { path: 'sub/../../x', old_string: 'a', new_string: 'b' } } },
      { text: 'could not escape' },
    );
    const { result, events, requests } = await runOneTurn(h, { config: await h.config(), workspace, identifier }, 'try to escape');

    expect(result.outcome).toBe('completed');
    expect(existsSync(path.join(path.dirname(workspace), 'x'))).toBe(false);
    expect(existsSync(path.join(outside, 'abs.txt'))).toBe(false);
    expect(existsSync(path.join(outside, 'y.txt'))).toBe(false);
    const outputs = toolOutputs(requests.at(-1)!.body);
    expect(outputs).toHaveLength(5);
    for (const output of outputs) {
      expect(output.success).toBe(false);
      expect(output.output).toMatch(/^Refused: .*(outside the workspace)/);
      expect(output.output).not.toContain('outside secret');
    }
    expect(outputs[2]!.output).toContain('symbolic link');
    expect(events.filter((e) => e.event === AgentEventName.toolCallFailed)).toHaveLength(5);
  });

  it('answers tracker tools host-side and gives their output to the model in the next request', async () => {
    const { identifier, workspace } = await fresh();
    const tools = fakeToolbox({ tracker_comment: (args) => ({ success: true, output: JSON.stringify({ commented: (args as { id?: string }).id }) }) });
    const { result, events, requests } = await runOneTurn(h, { config: await h.config(), workspace, identifier, tools }, '@@tool tracker_comment {"id":"T-42","body":"hi"}\n@@say commented');

    expect(result.outcome).toBe('completed');
    expect(tools.calls).toEqual([{ name: 'tracker_comment', args: { id: 'T-42', body: 'hi' } }]);
    const [output] = toolOutputs(requests[1]!.body);
    expect(output).toMatchObject({ success: true, output: '{"commented":"T-42"}' });
    expect(events.some((e) => e.event === AgentEventName.toolCallCompleted && e.message === 'tool tracker_comment ok')).toBe(true);
  });

  it('answers an unsupported tool with a failure and lets the turn continue to its final message', async () => {
    const { identifier, workspace } = await fresh();
    h.server.enqueue(
      { call: { name: 'launch_rockets', arguments: { count: 3 } } },
      { call: { name: 'get', arguments: {}, namespace: 'tracker' } },
      { text: 'carried on' },
    );
    const { result, events, requests } = await runOneTurn(h, { config: await h.config(), workspace, identifier }, 'call something odd');

    expect(result.outcome).toBe('completed');
    const outputs = toolOutputs(requests.at(-1)!.body);
    expect(outputs.map((o) => o.success)).toEqual([false, false]);
    expect(outputs[0]!.output).toContain('Unsupported tool: launch_rockets');
    expect(outputs[0]!.output).toContain('shell, read_file, write_file, edit_file');
    expect(outputs[1]!.output).toContain('Unsupported tool: tracker.get');
    expect(events.filter((e) => e.event === AgentEventName.unsupportedToolCall).map((e) => e.message)).toEqual([
      'unsupported tool launch_rockets',
      'unsupported tool tracker.get',
    ]);
    expect(events.at(-2)!.message).toBe('carried on');
    expect(events.at(-1)!.event).toBe(AgentEventName.turnCompleted);
  });

  it('gives shell commands an environment without the tracker secret or the model key', async () => {
    const { identifier, workspace } = await fresh();
    const { result } = await runOneTurn(h, { config: await h.config(), workspace, identifier }, '@@shell env > env.txt\n@@say listed');

    expect(result.outcome).toBe('completed');
    const env = await readFile(path.join(workspace, 'env.txt'), 'utf8');
    expect(env).toContain('BATON_STAGE=implement');
    expect(env).toContain(`BATON_SESSION_ID=${result.sessionId}`);
    expect(env).not.toContain('LINEAR_API_KEY');
    expect(env).not.toContain(TRACKER_SECRET);
    expect(env).not.toContain('OPENAI_API_KEY');
    expect(env).not.toContain(MODEL_KEY);
  });
});

describe('openai backend: conversation and accounting', () => {
  it('keeps the conversation across continuation turns on one session', async () => {
    const { identifier, workspace } = await fresh();
    const from = h.server.requests().length;
    const { session, events } = await startSession(h, { config: await h.config(), workspace, identifier });
    const first = await session.runTurn({ turn: 1, maxTurns: 2, prompt: '@@shell echo one\n@@say first answer' });
    const second = await session.runTurn({ turn: 2, maxTurns: 2, prompt: 'Continuation turn.\n@@say second answer' });
    await session.close();

    expect([first.outcome, second.outcome]).toEqual(['completed', 'completed']);
    const [conversation] = first.sessionId!.split(/-1$/);
    expect(second.sessionId).toBe(`${conversation}-2`);
    expect(events.filter((e) => e.event === AgentEventName.sessionStarted).map((e) => e.session_id)).toEqual([first.sessionId, second.sessionId]);
    const last = requestsSince(from).at(-1)!.body.input as { type?: string; role?: string; content?: unknown }[];
    const summary = last.map((item) => (item.type === 'message' || item.role ? `${item.role}` : item.type));
    expect(summary).toEqual(['user', 'function_call', 'function_call_output', 'assistant', 'user']);
    expect(JSON.stringify(last[3])).toContain('first answer');
    expect(String(last[4]!.content)).toContain('Continuation turn.');
  });

  it('reports usage as absolute session totals that the TokenAccountant counts once', async () => {
    const { identifier, workspace } = await fresh();
    h.server.enqueue(
      { shell: 'true', usage: { input_tokens: 100, output_tokens: 10 } },
      { text: 'turn one', usage: { input_tokens: 150, output_tokens: 20 } },
      { text: 'turn two', usage: { input_tokens: 200, output_tokens: 30 } },
    );
    const { session, events } = await startSession(h, { config: await h.config(), workspace, identifier });
    const first = await session.runTurn({ turn: 1, maxTurns: 2, prompt: 'one' });
    const second = await session.runTurn({ turn: 2, maxTurns: 2, prompt: 'two' });
    await session.close();

    expect(first.usage).toEqual({ input_tokens: 250, output_tokens: 30, total_tokens: 280 });
    expect(second.usage).toEqual({ input_tokens: 450, output_tokens: 60, total_tokens: 510 });
    // Feed every event and result the way the stage activity does: repeated totals add nothing.
    const accountant = new TokenAccountant();
    for (const event of events) if (event.usage) accountant.observe(event.usage);
    accountant.observe(first.usage!);
    accountant.observe(second.usage!);
    expect(accountant.totals).toEqual({ input_tokens: 450, output_tokens: 60, total_tokens: 510 });
    expect(events.filter((e) => e.usage).length).toBeGreaterThan(2);
  });

  it('asks again without encrypted reasoning when the model refuses it', async () => {
    const { identifier, workspace } = await fresh();
    h.server.enqueue(
      { status: 400, body: { error: { message: 'Encrypted content is not supported with this model.', type: 'invalid_request_error', param: 'include' } } },
      { text: 'fine without it' },
    );
    const { result, requests } = await runOneTurn(h, { config: await h.config(), workspace, identifier }, 'hello');
    expect(result.outcome).toBe('completed');
    const [rejected, retried] = requests;
    expect(rejected!.body.include).toEqual(['reasoning.encrypted_content']);
    expect(retried!.body.include).toBeUndefined();
  });
});

describe('openai backend: failures, timeouts and cancellation', () => {
  it('fails the turn with turn_failed, the status and the message when the model answers HTTP 500', async () => {
    const { identifier, workspace } = await fresh();
    h.server.enqueue({ status: 500, body: { error: { message: 'the model is on fire', type: 'server_error' } } });
    const { result, events } = await runOneTurn(h, { config: await h.config(), workspace, identifier }, 'anything');

    expect(result.outcome).toBe('failed');
    expect(result.error?.category).toBe(ErrorCategory.turnFailed);
    expect(result.error?.message).toContain('HTTP 500');
    expect(result.error?.message).toContain('the model is on fire');
    expect(events.at(-1)).toMatchObject({ event: AgentEventName.turnFailed });
    expect(events.at(-1)!.message).toContain('HTTP 500');
  });

  it('fails with turn_timeout when the model stays silent for turn_timeout_ms', async () => {
    const { identifier, workspace } = await fresh();
    h.server.enqueue({ text: 'too late', delayMs: 5_000 });
    const config = await h.config({ openai: { turn_timeout_ms: 300 } });
    const { result, events } = await runOneTurn(h, { config, workspace, identifier }, 'slow');

    expect(result.outcome).toBe('failed');
    expect(result.error?.category).toBe(ErrorCategory.turnTimeout);
    expect(result.error?.message).toContain('turn_timeout_ms (300 ms)');
    expect(events.at(-1)!.event).toBe(AgentEventName.turnFailed);
  });

  it('stops a turn that keeps calling tools after the round-trip bound', async () => {
    const { identifier, workspace } = await fresh();
    const from = h.server.requests().length;
    const { session } = await startSession(h, { config: await h.config(), workspace, identifier, backend: { maxToolRoundTrips: 2 } });
    const prompt = ['@@shell echo 1', '@@shell echo 2', '@@shell echo 3', '@@shell echo 4', '@@say never'].join('\n');
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt });
    // The history stays answerable: the next turn goes through.
    const next = await session.runTurn({ turn: 2, maxTurns: 2, prompt: '@@say recovered' });
    await session.close();

    expect(result.outcome).toBe('failed');
    expect(result.error?.category).toBe(ErrorCategory.turnFailed);
    expect(result.error?.message).toContain('2 round trips');
    expect(requestsSince(from)).toHaveLength(4);
    expect(next.outcome).toBe('completed');
  });

  it('cancels mid-command on abort: the request loop stops and the command’s processes are gone', async () => {
    const { identifier, workspace } = await fresh();
    const abort = new AbortController();
    const { session, events } = await startSession(h, { config: await h.config(), workspace, identifier, signal: abort.signal });
    const running = session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell sleep 30 & echo $! > sleep.pid; wait\n@@say never reached' });
    const pidFile = path.join(workspace, 'sleep.pid');
    let leader: number | undefined;
    while (!(leader = session.pid) || !existsSync(pidFile) || !(await readFile(pidFile, 'utf8')).trim()) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const sleeper = Number((await readFile(pidFile, 'utf8')).trim());
    expect(await isRunning(sleeper)).toBe(true);
    expect(await liveGroupMembers(leader)).toContain(sleeper);
    abort.abort();
    const result = await running;
    await session.close();

    expect(result.outcome).toBe('cancelled');
    expect(result.error?.category).toBe(ErrorCategory.turnCancelled);
    expect(events.at(-1)!.event).toBe(AgentEventName.turnCancelled);
    // Killed, not finished: a command left to run would have ended with `exit 0` after 30 s.
    expect(events.find((e) => e.event === AgentEventName.toolCallFailed)?.message).toContain('stopped (abort)');
    // SIGKILL lands when the kernel next schedules the process: wait for it, do not time it.
    expect(await eventually(async () => (await liveGroupMembers(leader)).length === 0)).toBe(true);
    expect(await isRunning(leader)).toBe(false);
    expect(await isRunning(sleeper)).toBe(false);
    expect(session.pid).toBeUndefined();
  });

  it('after close(), a turn is cancelled without a request, and a second close() is harmless', async () => {
    const { identifier, workspace } = await fresh();
    const { session, events } = await startSession(h, { config: await h.config(), workspace, identifier });
    await session.close();
    await session.close();
    const from = h.server.requests().length;
    const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@say hi' });
    expect(result.outcome).toBe('cancelled');
    expect(result.error?.category).toBe(ErrorCategory.turnCancelled);
    expect(eventNames(events)).toEqual([AgentEventName.turnCancelled]);
    expect(requestsSince(from)).toHaveLength(0);
  });

  it('refuses a cwd outside the workspace root before any model request', async () => {
    const { identifier } = await fresh();
    const elsewhere = path.join(h.base, 'not-a-workspace');
    await mkdir(elsewhere, { recursive: true });
    const from = h.server.requests().length;
    const error = await startSession(h, { config: await h.config(), workspace: elsewhere, identifier }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BatonError);
    expect((error as BatonError).category).toBe(ErrorCategory.invalidWorkspaceCwd);
    expect(requestsSince(from)).toHaveLength(0);
  });

  it('refuses to start without an API key and says what to set', async () => {
    const { identifier, workspace } = await fresh();
    const from = h.server.requests().length;
    const error = await startSession(h, { config: await h.config(), workspace, identifier, hostEnv: { FAKE_MODEL_URL: h.server.url } }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BatonError);
    expect((error as BatonError).category).toBe(ErrorCategory.invalidConfig);
    expect((error as BatonError).message).toContain('Set OPENAI_API_KEY');
    expect(requestsSince(from)).toHaveLength(0);
  });
});
