/**
 * The `command` agent backend: any CLI agent (a script, `claude -p`, `aider`) run once per turn with
 * `bash -lc` in the workspace, the prompt on stdin, the exit code as the outcome (profile:
 * spec/agents/command.md). Each turn is its own process group, so a timeout, stall or cancel kills
 * everything the command started.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { AgentEventName, type AgentEvent, type TokenUsage } from '../../core/agent-events.js';
import { BatonError, ErrorCategory, oneLine } from '../../core/errors.js';
import { runShell, type ShellResult } from '../../base/shell.js';
import type { AgentBackendImpl, AgentSession, BackendPreflightContext, SessionContext, TurnInput, TurnResult } from './types.js';
import { failed, type PreflightFinding } from '../../core/preflight.js';
import { SerialTurnSession } from './serial-session.js';
import { commandPreflight } from './command-preflight.js';

/** Longest `message` an output event carries. */
const MAX_LINE_MESSAGE = 1_000;
/** Longest stderr tail a failed turn reports. */
const MAX_STDERR_TAIL = 500;

/** The command this stage runs: the stage's own, else `command.command`. */
export function resolveAgentCommand(ctx: Pick<SessionContext, 'stage' | 'config'>): string | undefined {
  return ctx.stage.policy.command ?? ctx.config.command.command;
}

function validUsage(value: unknown): TokenUsage | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const u = value as Record<string, unknown>;
  const n = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (!n(u.input_tokens) || !n(u.output_tokens)) return undefined;
  const input = u.input_tokens as number;
  const output = u.output_tokens as number;
  return { input_tokens: input, output_tokens: output, total_tokens: n(u.total_tokens) ? (u.total_tokens as number) : input + output };
}

/**
 * A stdout line as an agent event: a JSON object with a string `event` is forwarded as that event
 * (its `usage`, an absolute thread total, kept when well-formed); anything else is `output`.
 */
export function lineToEvent(line: string, at: string): AgentEvent {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    try {
      const obj: unknown = JSON.parse(trimmed);
      if (obj && typeof obj === 'object' && typeof (obj as { event?: unknown }).event === 'string') {
        const o = obj as Record<string, unknown>;
        const event: AgentEvent = { event: o.event as string, at };
        if (typeof o.message === 'string') event.message = oneLine(o.message, MAX_LINE_MESSAGE);
        const usage = validUsage(o.usage);
        if (usage) event.usage = usage;
        if (o.rate_limits && typeof o.rate_limits === 'object') event.rate_limits = o.rate_limits as Record<string, unknown>;
        return event;
      }
    } catch {
      // not JSON: plain output
    }
  }
  return { event: AgentEventName.output, at, message: oneLine(line, MAX_LINE_MESSAGE) };
}

/** A stdout line `{"tool": "<name>", "arguments": {...}}` asks Baton to run a tracker tool. */
export function lineToToolCall(line: string): { tool: string; arguments: unknown } | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('"tool"')) return undefined;
  try {
    const obj = JSON.parse(trimmed) as { tool?: unknown; arguments?: unknown; event?: unknown };
    if (typeof obj.tool !== 'string' || obj.event !== undefined) return undefined;
    return { tool: obj.tool, arguments: obj.arguments ?? {} };
  } catch {
    return undefined;
  }
}

/** The last `max` characters of stderr, on one line. */
function stderrTail(stderr: string, max = MAX_STDERR_TAIL): string {
  const flat = stderr.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `…${flat.slice(flat.length - (max - 1))}` : flat;
}

/** How a finished turn maps onto an outcome and an error category. */
export function classifyTurn(result: Pick<ShellResult, 'exitCode' | 'signal' | 'killedFor' | 'stderr'>, limits: { turnTimeoutMs: number; stallTimeoutMs: number }): Pick<TurnResult, 'outcome' | 'error'> {
  switch (result.killedFor) {
    case 'abort':
      return { outcome: 'cancelled', error: { category: ErrorCategory.turnCancelled, message: 'the turn was cancelled' } };
    case 'timeout':
      return {
        outcome: 'failed',
        error: { category: ErrorCategory.turnTimeout, message: `the command ran longer than turn_timeout_ms (${limits.turnTimeoutMs} ms) and was killed` },
      };
    case 'stall':
      return {
        outcome: 'failed',
        error: { category: ErrorCategory.agentStalled, message: `the command printed nothing for stall_timeout_ms (${limits.stallTimeoutMs} ms) and was killed` },
      };
    default:
      break;
  }
  if (result.exitCode === 0) return { outcome: 'completed' };
  const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
  const tail = stderrTail(result.stderr);
  return {
    outcome: 'failed',
    error: { category: ErrorCategory.agentFailed, message: tail ? `the command ${how}: ${tail}` : `the command ${how} (no stderr)` },
  };
}

async function assertDirectory(workspace: string): Promise<void> {
  const info = await stat(workspace).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new BatonError(
      ErrorCategory.invalidWorkspaceCwd,
      `the agent workspace ${workspace} is not a directory; it must exist before the agent starts`,
      { retryable: true },
    );
  }
}

class CommandSession extends SerialTurnSession {
  private readonly sessionUuid = randomUUID();
  private currentPid: number | undefined;
  private lastUsage: TokenUsage | undefined;

  constructor(
    private readonly ctx: SessionContext,
    private readonly command: string,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.currentPid;
  }

  private emit(event: Omit<AgentEvent, 'at'>): void {
    this.ctx.onEvent({ at: new Date().toISOString(), ...event });
  }

  /**
   * Run a tool call the agent printed, host-side with the tracker adapter's credential; the agent
   * itself never holds tracker secrets. The result becomes an event (a CLI agent reads no reply).
   */
  private async callTool(call: { tool: string; arguments: unknown }, sessionId: string): Promise<void> {
    const known = this.ctx.tools.specs.some((s) => s.name === call.tool);
    if (!known) {
      this.emit({
        event: AgentEventName.unsupportedToolCall,
        session_id: sessionId,
        message: `unsupported tool \`${call.tool}\`; available: ${this.ctx.tools.specs.map((s) => s.name).join(', ') || 'none'}`,
      });
      return;
    }
    try {
      const result = await this.ctx.tools.execute(call.tool, call.arguments);
      this.emit({
        event: result.success ? AgentEventName.toolCallCompleted : AgentEventName.toolCallFailed,
        session_id: sessionId,
        message: `${call.tool}: ${oneLine(result.output, 200)}`,
      });
    } catch (err) {
      this.emit({ event: AgentEventName.toolCallFailed, session_id: sessionId, message: `${call.tool}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  protected async playTurn(input: TurnInput): Promise<TurnResult> {
    const { ctx } = this;
    const sessionId = `${this.sessionUuid}-${input.turn}`;
    const signal = AbortSignal.any([ctx.signal, this.closing.signal]);
    if (signal.aborted) {
      this.emit({ event: AgentEventName.turnCancelled, session_id: sessionId, message: 'cancelled before the turn started' });
      return { outcome: 'cancelled', sessionId, error: { category: ErrorCategory.turnCancelled, message: 'the session was cancelled or closed' } };
    }
    await assertDirectory(ctx.workspace);
    const limits = { turnTimeoutMs: ctx.stage.policy.turn_timeout_ms, stallTimeoutMs: ctx.stage.policy.stall_timeout_ms };
    const env: NodeJS.ProcessEnv = {
      ...ctx.env,
      BATON_TURN: String(input.turn),
      BATON_MAX_TURNS: String(input.maxTurns),
      BATON_SESSION_ID: sessionId,
    };
    let result: ShellResult;
    const toolCalls: Promise<void>[] = [];
    try {
      result = await runShell(this.command, {
        cwd: ctx.workspace,
        env,
        stdin: input.prompt,
        timeoutMs: limits.turnTimeoutMs,
        stallMs: limits.stallTimeoutMs,
        signal,
        onSpawn: (pid) => {
          this.currentPid = pid;
          this.emit({ event: AgentEventName.sessionStarted, session_id: sessionId, pid, message: `turn ${input.turn}/${input.maxTurns}: ${oneLine(this.command, 120)}` });
        },
        onStdoutLine: (line) => {
          const call = lineToToolCall(line);
          if (call) {
            toolCalls.push(this.callTool(call, sessionId));
            return;
          }
          const event = lineToEvent(line, new Date().toISOString());
          if (event.usage) this.lastUsage = event.usage;
          this.ctx.onEvent({ ...event, session_id: sessionId, pid: this.currentPid });
        },
        onStderrLine: (line) => ctx.logger.debug({ session_id: sessionId, stderr: line }, 'agent stderr'),
      });
    } catch (err) {
      // bash itself could not start (the workspace vanished or bash is missing).
      await assertDirectory(ctx.workspace);
      const message = `cannot start \`bash -lc\` for the agent command: ${err instanceof Error ? err.message : String(err)}`;
      this.emit({ event: AgentEventName.startupFailed, session_id: sessionId, message });
      return { outcome: 'failed', sessionId, error: { category: ErrorCategory.agentNotFound, message } };
    }
    // Tool calls the agent printed finish before the turn reports its outcome.
    await Promise.all(toolCalls);
    const { outcome, error } = classifyTurn(result, limits);
    const event =
      outcome === 'completed' ? AgentEventName.turnCompleted : outcome === 'cancelled' ? AgentEventName.turnCancelled : AgentEventName.turnFailed;
    this.emit({
      event,
      session_id: sessionId,
      pid: result.pid,
      message: error ? `${error.category}: ${error.message}` : `turn ${input.turn} completed`,
      ...(this.lastUsage ? { usage: this.lastUsage } : {}),
    });
    return { outcome, sessionId, ...(error ? { error } : {}), ...(this.lastUsage ? { usage: this.lastUsage } : {}) };
  }
}

/** The `command` backend. */
export const commandBackend: AgentBackendImpl = {
  kind: 'command',
  async startSession(ctx: SessionContext): Promise<AgentSession> {
    const command = resolveAgentCommand(ctx);
    if (!command?.trim()) {
      throw new BatonError(
        ErrorCategory.invalidConfig,
        `stage \`${ctx.stage.name}\` uses the command backend but names no command; set command.command or stages[].agent.command`,
        { retryable: false },
      );
    }
    await assertDirectory(ctx.workspace);
    return new CommandSession(ctx, command);
  },
  preflight: preflightCommand,
};

/** `baton doctor` and the stage preflight: see command-preflight.ts. */
async function preflightCommand(ctx: BackendPreflightContext): Promise<PreflightFinding> {
  const command = resolveAgentCommand(ctx);
  if (!command?.trim()) {
    return failed('command', `stage \`${ctx.stage.name}\` names no command`, 'set command.command, or stages[].agent.command for this stage');
  }
  return commandPreflight(command, ctx.cwd, ctx.env);
}
