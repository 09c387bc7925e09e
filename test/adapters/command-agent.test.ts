/**
 * The `command` agent backend with real bash processes in a temp workspace (profile
 * spec/agents/command.md): outcomes and error categories, timeouts, stall, cancellation of the whole
 * process group, JSON event forwarding with usage, the child environment.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../core/agent-events.js';
import type { BatonConfig, ResolvedStage } from '../../config/schema.js';
import { commandBackend, lineToEvent } from '../../adapters/agents/command.js';
import { createAgentBackend } from '../../adapters/agents/index.js';
import { createFileTracker } from '../../adapters/trackers/file.js';
import type { AgentSession, SessionContext } from '../../adapters/agents/types.js';
import { processAlive } from '../../base/process.js';
import { silentLogger } from '../../base/logger.js';
import { pollUntil, scaled } from '../helpers/time.js';

let root: string;
let workspace: string;
let events: AgentEvent[];
let sessions: AgentSession[];

interface Options {
  command?: string;
  configCommand?: string;
  turnTimeoutMs?: number;
  stallTimeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  workspace?: string;
  tools?: SessionContext['tools'];
  onEvent?: (event: AgentEvent) => void;
}

function context(o: Options): SessionContext {
  const stage: ResolvedStage = {
    name: 'implement',
    states: ['In Progress'],
    agent: {},
    on_success: { add_labels: [], remove_labels: [] },
    prompt_template: '',
    policy: {
      backend: 'command',
      max_turns: 3,
      turn_timeout_ms: o.turnTimeoutMs ?? scaled(30_000),
      stall_timeout_ms: o.stallTimeoutMs ?? 0,
      ...(o.command ? { command: o.command } : {}),
    },
  };
  // The backend reads only `command` from the whole config.
  const config = { command: { command: o.configCommand, turn_timeout_ms: scaled(30_000), stall_timeout_ms: 0 } } as unknown as BatonConfig;
  return {
    workspace: o.workspace ?? workspace,
    issue: {} as SessionContext['issue'],
    stage,
    config,
    // A HOME of its own keeps the login shell from sourcing this machine's profile into stderr.
    env: o.env ?? { PATH: process.env.PATH, HOME: root },
    tools: o.tools ?? { specs: [], execute: async () => ({ success: false, output: '{}' }) },
    logger: silentLogger,
    onEvent: (event) => {
      events.push(event);
      o.onEvent?.(event);
    },
    signal: o.signal ?? new AbortController().signal,
  };
}

async function start(o: Options): Promise<AgentSession> {
  const session = await commandBackend.startSession(context(o));
  sessions.push(session);
  return session;
}

const turn = (n = 1, prompt = 'the prompt\n') => ({ turn: n, maxTurns: 3, prompt });
const outputs = () => events.filter((e) => e.event === 'output').map((e) => e.message);

/** Bounded wait for something another process does; never a timing assertion. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  if (!(await pollUntil(check, 5_000, 25))) throw new Error(`still not true after ${scaled(5_000)} ms: ${what}`);
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'baton-command-agent-'));
  workspace = path.join(root, 'ws');
  mkdirSync(workspace);
  events = [];
  sessions = [];
});

afterEach(async () => {
  for (const s of sessions) await s.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a turn', () => {
  it('runs in the workspace with the prompt on stdin and completes on exit 0', async () => {
    const session = await start({ command: 'cat > prompt.txt; pwd; echo "turn=$BATON_TURN/$BATON_MAX_TURNS id=$BATON_SESSION_ID"' });
    const result = await session.runTurn(turn(1, 'Fix ABC-1 please.\n'));
    expect(result.outcome).toBe('completed');
    expect(result.error).toBeUndefined();
    expect(await readFile(path.join(workspace, 'prompt.txt'), 'utf8')).toBe('Fix ABC-1 please.\n');
    const dirs = outputs();
    expect(await realpath(dirs[0] ?? '')).toBe(await realpath(workspace));
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}-1$/);
    expect(dirs[1]).toBe(`turn=1/3 id=${result.sessionId}`);

    const started = events[0];
    expect(started).toMatchObject({ event: 'session_started', session_id: result.sessionId });
    expect(started?.pid).toBeGreaterThan(0);
    expect(session.pid).toBe(started?.pid);
    expect(events.at(-1)).toMatchObject({ event: 'turn_completed', session_id: result.sessionId });
  });

  it('numbers later turns on the same session id', async () => {
    const session = await start({ command: 'cat >/dev/null' });
    const first = await session.runTurn(turn(1));
    const second = await session.runTurn(turn(2));
    expect(second.sessionId).toBe(first.sessionId?.replace(/-1$/, '-2'));
    expect(events.filter((e) => e.event === 'session_started')).toHaveLength(2);
  });

  it("prefers the stage's command and falls back to command.command", async () => {
    const stageFirst = await start({ command: 'echo stage', configCommand: 'echo config' });
    await stageFirst.runTurn(turn());
    const fallback = await start({ configCommand: 'echo config' });
    await fallback.runTurn(turn());
    expect(outputs()).toEqual(['stage', 'config']);
  });

  it('fails with agent_failed and the stderr tail on a non-zero exit', async () => {
    const session = await start({ command: 'echo working; head -c 3000 /dev/zero | tr "\\0" a >&2; echo " boom: disk full" >&2; exit 3' });
    const result = await session.runTurn(turn());
    expect(result.outcome).toBe('failed');
    expect(result.error?.category).toBe('agent_failed');
    const message = result.error?.message ?? '';
    expect(message).toMatch(/^the command exited with code 3: …a+ boom: disk full$/);
    expect(message.length).toBeLessThanOrEqual('the command exited with code 3: '.length + 500);
    expect(events.at(-1)).toMatchObject({ event: 'turn_failed' });
  });

  it('fails with turn_timeout when the command outlives turn_timeout_ms', async () => {
    const session = await start({ command: 'echo started; exec sleep 30', turnTimeoutMs: 300 });
    const result = await session.runTurn(turn());
    expect(result).toMatchObject({ outcome: 'failed', error: { category: 'turn_timeout' } });
  });

  it('fails with agent_stalled when the command prints nothing for stall_timeout_ms', async () => {
    const session = await start({ command: 'echo started; exec sleep 30', stallTimeoutMs: 300 });
    const result = await session.runTurn(turn());
    expect(result).toMatchObject({ outcome: 'failed', error: { category: 'agent_stalled' } });
    expect(outputs()).toEqual(['started']);
  });
});

describe('cancellation', () => {
  it('kills the whole process group, background children included', async () => {
    const abort = new AbortController();
    let child = 0;
    const session = await start({
      command: 'sleep 1000 & echo "child $!"; wait',
      signal: abort.signal,
      onEvent: (e) => {
        const m = /^child (\d+)$/.exec(e.message ?? '');
        if (m) {
          child = Number(m[1]);
          abort.abort();
        }
      },
    });
    const result = await session.runTurn(turn());
    expect(result).toMatchObject({ outcome: 'cancelled', error: { category: 'turn_cancelled' } });
    expect(events.at(-1)).toMatchObject({ event: 'turn_cancelled' });
    const leader = session.pid ?? 0;
    expect(leader).toBeGreaterThan(0);
    expect(child).toBeGreaterThan(0);
    await eventually(() => !processAlive(leader) && !processAlive(child), `processes ${leader} and ${child} are gone`);
  });

  it('ends the turn when the command exits, killing background jobs that still hold its output', async () => {
    let child = 0;
    const session = await start({
      command: 'sleep 1000 & echo "child $!"; exit 0',
      onEvent: (e) => {
        const m = /^child (\d+)$/.exec(e.message ?? '');
        if (m) child = Number(m[1]);
      },
    });
    const result = await session.runTurn(turn());
    expect(result.outcome).toBe('completed');
    expect(child).toBeGreaterThan(0);
    await eventually(() => !processAlive(child), `background job ${child} is gone`);
  });

  it('close() kills a running turn and is safe to call twice', async () => {
    let running!: () => void;
    const spawned = new Promise<void>((resolve) => (running = resolve));
    const session = await start({ command: 'echo up; exec sleep 1000', onEvent: (e) => e.message === 'up' && running() });
    const pending = session.runTurn(turn());
    await spawned;
    await session.close();
    await session.close();
    expect((await pending).outcome).toBe('cancelled');
    const pid = session.pid ?? 0;
    await eventually(() => !processAlive(pid), `process ${pid} is gone`);
    expect((await session.runTurn(turn(2))).outcome).toBe('cancelled');
  });

  it('does not start a turn when the stage is already cancelled', async () => {
    const abort = new AbortController();
    abort.abort();
    const session = await start({ command: 'touch ran', signal: abort.signal });
    expect((await session.runTurn(turn())).outcome).toBe('cancelled');
    expect(events.some((e) => e.event === 'session_started')).toBe(false);
    await expect(readFile(path.join(workspace, 'ran'))).rejects.toThrow();
  });
});

describe('events', () => {
  it('forwards JSON lines with an event field, usage as absolute totals, everything else as output', async () => {
    const script = path.join(root, 'agent.sh');
    await writeFile(
      script,
      [
        `echo '{"event":"notification","message":"thinking","usage":{"input_tokens":10,"output_tokens":2,"total_tokens":12}}'`,
        `echo 'plain text line'`,
        `echo '{"no_event":true}'`,
        `echo '{"event":"other_message","usage":{"input_tokens":"lots"}}'`,
        `echo '{broken json'`,
        `echo '{"event":"notification","usage":{"input_tokens":30,"output_tokens":5}}'`,
      ].join('\n'),
    );
    const session = await start({ command: `bash ${script}` });
    const result = await session.runTurn(turn());
    const seen = events.filter((e) => !['session_started', 'turn_completed'].includes(e.event));
    expect(seen.map((e) => [e.event, e.message ?? null, e.usage ?? null])).toEqual([
      ['notification', 'thinking', { input_tokens: 10, output_tokens: 2, total_tokens: 12 }],
      ['output', 'plain text line', null],
      ['output', '{"no_event":true}', null],
      ['other_message', null, null],
      ['output', '{broken json', null],
      ['notification', null, { input_tokens: 30, output_tokens: 5, total_tokens: 35 }],
    ]);
    for (const e of seen) expect(e.session_id).toBe(result.sessionId);
    expect(result.usage).toEqual({ input_tokens: 30, output_tokens: 5, total_tokens: 35 });
    expect(events.at(-1)).toMatchObject({ event: 'turn_completed', usage: { total_tokens: 35 } });
  });

  it('truncates long output lines', () => {
    const event = lineToEvent('y'.repeat(5000), '2030-01-01T00:00:00.000Z');
    expect(event.event).toBe('output');
    expect(event.message?.length).toBeLessThanOrEqual(1000);
  });
});

describe('tracker tools', () => {
  it('runs a printed tool call host-side on the real file tracker and reports the result as an event', async () => {
    const issues = path.join(root, 'issues');
    mkdirSync(issues);
    await writeFile(path.join(issues, 'T-1.md'), '---\ntitle: t\nstate: In Progress\n---\nBody.\n');
    const tracker = createFileTracker(
      { name: 'files', kind: 'file', provider: { dir: issues }, required_labels: [], active_states: [], terminal_states: ['Done'], secret_env: [] },
      { logger: silentLogger, env: {} },
    );
    const [issue] = await tracker.fetchIssuesByIds(['T-1']);
    if (!issue) throw new Error('seed failed');
    const session = await start({
      command: `echo '{"tool":"file_issue_update","arguments":{"state":"In Review"}}'; echo '{"tool":"jira_api","arguments":{}}'; echo done`,
      tools: { specs: tracker.agentTools(), execute: (name, args) => tracker.executeAgentTool(name, args, issue) },
    });
    expect((await session.runTurn(turn())).outcome).toBe('completed');
    expect((await tracker.fetchIssuesByIds(['T-1']))[0]?.state).toBe('In Review');
    expect(events.find((e) => e.event === 'tool_call_completed')?.message).toMatch(/^file_issue_update: /);
    expect(events.find((e) => e.event === 'unsupported_tool_call')?.message).toContain('jira_api');
    expect(outputs()).toEqual(['done']);
  });
});

describe('environment and workspace', () => {
  it("passes ctx.env plus BATON_* and nothing the caller removed from the parent's", async () => {
    process.env.BATON_TEST_TRACKER_SECRET = 'hunter2';
    try {
      // What the caller does: the parent env minus the tracker's secret names.
      const { BATON_TEST_TRACKER_SECRET: _removed, ...env } = process.env;
      const session = await start({ command: 'env', env: { ...env, HOME: root, KEPT: 'yes' } });
      const result = await session.runTurn(turn(2));
      const lines = outputs();
      expect(lines.some((l) => l?.includes('hunter2'))).toBe(false);
      expect(lines).toEqual(expect.arrayContaining(['KEPT=yes', 'BATON_TURN=2', 'BATON_MAX_TURNS=3', `BATON_SESSION_ID=${result.sessionId}`]));
    } finally {
      delete process.env.BATON_TEST_TRACKER_SECRET;
    }
  });

  it('refuses a workspace that is not a directory with invalid_workspace_cwd', async () => {
    const file = path.join(root, 'not-a-dir');
    await writeFile(file, '');
    for (const ws of [file, path.join(root, 'missing')]) {
      await expect(commandBackend.startSession(context({ command: 'true', workspace: ws }))).rejects.toMatchObject({
        name: 'BatonError',
        category: 'invalid_workspace_cwd',
      });
    }
  });

  it('refuses a stage with no command with invalid_config', async () => {
    await expect(commandBackend.startSession(context({}))).rejects.toMatchObject({
      category: 'invalid_config',
      message: expect.stringContaining('command.command'),
    });
  });
});

describe('registry', () => {
  it('loads the command backend and rejects unknown backends', async () => {
    expect((await createAgentBackend('command')).kind).toBe('command');
    for (const kind of ['none', 'telepathy']) {
      await expect(createAgentBackend(kind)).rejects.toMatchObject({
        name: 'BatonError',
        category: 'invalid_config',
        message: expect.stringContaining(kind),
      });
    }
  });
});
