/**
 * The `openai` agent backend: a coding-agent loop Baton runs itself on the Responses API (the
 * `openai` package), for teams without the Codex CLI. One session is one conversation held by
 * Baton; each turn is a user message followed by model ↔ tool round trips (loop.ts). Tools are
 * the workspace tools (tools.ts) and the tracker adapter's tools, executed host-side. Events use
 * Symphony's names, usage is reported as absolute session totals, and every way a turn ends maps
 * to an outcome and an error category (profile: spec/agents/openai.md).
 */
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import type { Response, ResponseInputItem } from 'openai/resources/responses/responses';
import { assertAgentCwd, buildChildEnv } from '../../../workspace/workspace.js';
import { AgentEventName, ZERO_USAGE, type AgentEvent, type TokenUsage } from '../../../core/agent-events.js';
import { ErrorCategory, isBatonError, oneLine } from '../../../core/errors.js';
import { SerialTurnSession } from '../serial-session.js';
import { failed, passed, type PreflightFinding } from '../../../core/preflight.js';
import { probeEndpoint } from '../probe.js';
import type { AgentBackendImpl, AgentSession, BackendPreflightContext, SessionContext, TurnInput, TurnResult } from '../types.js';
import { addResponseUsage, messageTexts, type ModelToolCall } from './conversation.js';
import { runTurnLoop, type ModelRequest, type TurnEnding } from './loop.js';
import { truncateMiddle } from './output-window.js';
import { resolveOpenAISettings, type OpenAISessionSettings } from './settings.js';
import {
  describeWorkspaceCall,
  isWorkspaceTool,
  parseToolArguments,
  runWorkspaceTool,
  workspaceToolDeclarations,
  type FunctionToolDeclaration,
} from './tools.js';

/** Tunables, mostly for tests; production uses the defaults. */
export interface OpenAIBackendOptions {
  /** Environment the API key and base URL are read from (default: the session environment the worker built, before the backend removes the key from its shell). */
  env?: NodeJS.ProcessEnv;
  /** SDK retries for 408/409/429/5xx and connection errors (default 2). */
  maxRetries?: number;
  /** Model ↔ tool round trips allowed in one turn (default 50). */
  maxToolRoundTrips?: number;
  /** A shell command's run time when the model names none (default 10 minutes). */
  shellTimeoutMs?: number;
  /** Longest tool output handed back to the model, in characters (default 32 000). */
  maxToolOutputChars?: number;
}

const DEFAULTS = {
  maxRetries: 2,
  maxToolRoundTrips: 50,
  shellTimeoutMs: 600_000,
  maxToolOutputChars: 32_000,
};

/** The system instructions of a session: who the agent is, where it works, how a turn ends. */
export function sessionInstructions(ctx: Pick<SessionContext, 'issue' | 'stage'>, workspace: string, trackerTools: readonly string[]): string {
  return [
    `You are a coding agent working on issue ${ctx.issue.identifier}: ${oneLine(ctx.issue.title, 200)} (stage: ${ctx.stage.name}).`,
    `Your workspace is ${workspace}. It is the current directory of every shell command, and file tools accept only paths inside it.`,
    'Tools: `shell` runs a command with bash -lc in the workspace; `read_file`, `write_file` and `edit_file` work on files in the workspace.',
    trackerTools.length ? `Issue-tracker tools, run by Baton with its own credentials: ${trackerTools.join(', ')}.` : '',
    'Every tool answers with JSON {"success": boolean, "output": string}.',
    'Work autonomously: nobody answers questions during a turn. When the work of this turn is done, reply with a short summary and no tool call.',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Why Baton stopped a turn itself. */
type Stop = Extract<TurnEnding, { outcome: 'failed' | 'cancelled' }>;

interface ActiveTurn {
  turn: number;
  sessionId: string;
  controller: AbortController;
  stop?: Stop;
  silence?: NodeJS.Timeout;
}

class OpenAISession extends SerialTurnSession {
  private readonly conversationId = randomUUID();
  private readonly history: ResponseInputItem[] = [];
  private readonly tools: FunctionToolDeclaration[];
  private readonly trackerTools: Set<string>;
  private readonly instructions: string;
  private readonly shellEnv: NodeJS.ProcessEnv;
  private readonly secretEnvNames: string[];
  private encryptedReasoning = true;
  private usage: TokenUsage | undefined;
  private turn: ActiveTurn | undefined;
  private shellPid: number | undefined;

  constructor(
    private readonly ctx: SessionContext,
    private readonly workspace: string,
    private readonly settings: OpenAISessionSettings,
    private readonly client: OpenAI,
    private readonly options: Required<Omit<OpenAIBackendOptions, 'env'>>,
  ) {
    super();
    const builtIn = workspaceToolDeclarations();
    const shadowed = ctx.tools.specs.filter((spec) => isWorkspaceTool(spec.name));
    if (shadowed.length) {
      ctx.logger.warn({ tools: shadowed.map((s) => s.name) }, 'tracker tools named like built-in openai backend tools are not offered');
    }
    const tracker = ctx.tools.specs.filter((spec) => !isWorkspaceTool(spec.name));
    this.trackerTools = new Set(tracker.map((spec) => spec.name));
    this.tools = [
      ...builtIn,
      ...tracker.map((spec): FunctionToolDeclaration => ({ type: 'function', name: spec.name, description: spec.description, parameters: spec.inputSchema, strict: false })),
    ];
    this.instructions = sessionInstructions(ctx, workspace, [...this.trackerTools]);
    // ctx.env is already free of tracker secrets; removing them again costs nothing and keeps this
    // backend safe when called with a raw environment. The model key never reaches the shell.
    this.secretEnvNames = [...new Set([...ctx.config.trackers.flatMap((t) => t.secret_env), ...settings.secretEnvNames])];
    this.shellEnv = buildChildEnv({ base: ctx.env, secretEnvNames: this.secretEnvNames });
  }

  /** The leader of the shell command running now, if any. */
  get pid(): number | undefined {
    return this.shellPid;
  }

  protected playTurn(input: TurnInput): Promise<TurnResult> {
    return this.turnOnce(input);
  }

  private request(): ModelRequest {
    return {
      model: this.settings.model,
      instructions: this.instructions,
      tools: this.tools,
      tool_choice: 'auto',
      parallel_tool_calls: true,
      store: false,
      ...(this.encryptedReasoning ? { include: ['reasoning.encrypted_content' as const] } : {}),
      ...(this.settings.reasoningEffort ? { reasoning: { effort: this.settings.reasoningEffort } } : {}),
    };
  }

  private async turnOnce(input: TurnInput): Promise<TurnResult> {
    const turn: ActiveTurn = { turn: input.turn, sessionId: `${this.conversationId}-${input.turn}`, controller: new AbortController() };
    this.turn = turn;
    const cancel = () => this.stopTurn(turn, { outcome: 'cancelled', category: ErrorCategory.turnCancelled, message: 'the turn was cancelled; Baton aborted the model request and killed any running command' });
    const signals = [this.ctx.signal, this.closing.signal];
    if (signals.some((s) => s.aborted)) {
      cancel();
    } else {
      signals.forEach((s) => s.addEventListener('abort', cancel, { once: true }));
      this.emit(AgentEventName.sessionStarted, { message: `turn ${input.turn} of ${input.maxTurns} started (model ${this.settings.model})` });
      this.armSilence(turn);
    }
    let ending: TurnEnding;
    try {
      ending = turn.stop ?? (await runTurnLoop(this.loopDeps(turn), input.prompt));
    } catch (err) {
      // The loop never rejects for model or tool failures; anything here is a Baton bug.
      ending = { outcome: 'failed', category: ErrorCategory.internal, message: `the openai agent loop failed: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      clearTimeout(turn.silence);
      signals.forEach((s) => s.removeEventListener('abort', cancel));
    }
    return this.finish(turn, input, ending);
  }

  private loopDeps(turn: ActiveTurn) {
    return {
      client: this.client,
      endpoint: this.settings.baseURL,
      request: () => this.request(),
      history: this.history,
      signal: turn.controller.signal,
      stopped: (): Stop => turn.stop ?? { outcome: 'cancelled', category: ErrorCategory.turnCancelled, message: 'the turn was stopped' },
      maxToolRoundTrips: this.options.maxToolRoundTrips,
      maxRetries: this.options.maxRetries,
      requestTimeoutMs: this.settings.turnTimeoutMs,
      onStreamEvent: () => this.armSilence(turn),
      onResponse: (response: Response) => this.onResponse(response),
      onEncryptedReasoningRejected: () => {
        this.encryptedReasoning = false;
        this.ctx.logger.info({ model: this.settings.model }, 'model does not support encrypted reasoning; asking without it');
      },
      runTool: (call: ModelToolCall) => this.runTool(turn, call),
    };
  }

  private finish(turn: ActiveTurn, input: TurnInput, ending: TurnEnding): TurnResult {
    const usage = this.usage ? { usage: { ...this.usage } } : {};
    if (ending.outcome === 'completed') {
      this.emit(AgentEventName.turnCompleted, { message: `turn ${input.turn} completed` });
      return { outcome: 'completed', sessionId: turn.sessionId, ...usage };
    }
    const event = ending.outcome === 'cancelled' ? AgentEventName.turnCancelled : AgentEventName.turnFailed;
    this.emit(event, { message: oneLine(`${ending.category}: ${ending.message}`, 500) });
    return { outcome: ending.outcome, sessionId: turn.sessionId, error: { category: ending.category, message: ending.message }, ...usage };
  }

  /** End the turn on Baton's behalf; the first reason wins. */
  private stopTurn(turn: ActiveTurn, stop: Stop): void {
    if (turn.stop) return;
    turn.stop = stop;
    turn.controller.abort();
  }

  /** turn_timeout_ms is a silence bound (SPEC §10.6): any model event or command output resets it. */
  private armSilence(turn: ActiveTurn): void {
    if (turn.stop) return;
    clearTimeout(turn.silence);
    const ms = this.settings.turnTimeoutMs;
    turn.silence = setTimeout(
      () =>
        this.stopTurn(turn, {
          outcome: 'failed',
          category: ErrorCategory.turnTimeout,
          message: `nothing happened for turn_timeout_ms (${ms} ms): no model output and no command output. Raise openai.turn_timeout_ms if steps are legitimately this quiet.`,
        }),
      ms,
    );
  }

  private onResponse(response: Response): void {
    this.usage = addResponseUsage(this.usage ?? { ...ZERO_USAGE }, response.usage);
    const texts = messageTexts(response.output);
    if (texts.length === 0) {
      this.emit(AgentEventName.notification, { message: `model response ${response.id}` });
      return;
    }
    for (const text of texts) this.emit(AgentEventName.notification, { message: oneLine(text) });
  }

  private async runTool(turn: ActiveTurn, call: ModelToolCall): Promise<{ success: boolean; output: string }> {
    const known = call.kind === 'function' && !call.namespace && (isWorkspaceTool(call.name) || this.trackerTools.has(call.name));
    if (!known) {
      const available = this.tools.map((t) => t.name).join(', ');
      this.emit(AgentEventName.unsupportedToolCall, { message: `unsupported tool ${call.name}` });
      return { success: false, output: `Unsupported tool: ${call.name}. Tools available: ${available}.` };
    }
    const parsed = parseToolArguments(call.arguments);
    if (!parsed.ok) {
      this.emit(AgentEventName.toolCallFailed, { message: oneLine(`${call.name}: ${parsed.error}`) });
      return { success: false, output: `Invalid arguments for ${call.name}: ${parsed.error}.` };
    }
    this.armSilence(turn);
    if (isWorkspaceTool(call.name)) {
      this.emit(AgentEventName.notification, { message: describeWorkspaceCall(call.name, parsed.value) });
      const outcome = await runWorkspaceTool(call.name, parsed.value, {
        workspace: this.workspace,
        env: { ...this.shellEnv, BATON_TURN: String(turn.turn), BATON_SESSION_ID: turn.sessionId },
        unsetEnvNames: this.secretEnvNames,
        signal: turn.controller.signal,
        shellTimeoutMs: Math.min(this.options.shellTimeoutMs, this.settings.turnTimeoutMs),
        maxShellTimeoutMs: this.settings.turnTimeoutMs,
        maxOutputChars: this.options.maxToolOutputChars,
        onActivity: () => this.armSilence(turn),
        onSpawn: (pid) => {
          this.shellPid = pid;
        },
      });
      const pid = this.shellPid;
      this.shellPid = undefined;
      this.armSilence(turn);
      this.emit(outcome.success ? AgentEventName.toolCallCompleted : AgentEventName.toolCallFailed, {
        message: outcome.summary,
        ...(call.name === 'shell' && pid ? { pid } : {}),
      });
      return outcome;
    }
    this.emit(AgentEventName.notification, { message: `calling tracker tool ${call.name}` });
    let result: { success: boolean; output: string };
    try {
      result = await this.ctx.tools.execute(call.name, parsed.value);
    } catch (err) {
      result = { success: false, output: `Tool ${call.name} failed: ${isBatonError(err) ? err.toString() : err instanceof Error ? err.message : String(err)}` };
    }
    this.armSilence(turn);
    this.emit(result.success ? AgentEventName.toolCallCompleted : AgentEventName.toolCallFailed, {
      message: oneLine(`tool ${call.name} ${result.success ? 'ok' : `failed: ${result.output}`}`),
    });
    return { success: result.success, output: truncateMiddle(result.output, this.options.maxToolOutputChars) };
  }

  private emit(event: AgentEventName, fields: Omit<AgentEvent, 'event' | 'at'> = {}): void {
    const payload: AgentEvent = {
      event,
      at: new Date().toISOString(),
      ...(this.turn ? { session_id: this.turn.sessionId } : {}),
      ...(this.usage ? { usage: { ...this.usage } } : {}),
      ...fields,
    };
    try {
      this.ctx.onEvent(payload);
    } catch (err) {
      this.ctx.logger.warn({ err: String(err) }, 'agent event handler threw');
    }
  }
}

/** An `openai` backend; options are for tests and tuning. */
export function createOpenAIBackend(options: OpenAIBackendOptions = {}): AgentBackendImpl {
  const tunables = {
    maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
    maxToolRoundTrips: options.maxToolRoundTrips ?? DEFAULTS.maxToolRoundTrips,
    shellTimeoutMs: options.shellTimeoutMs ?? DEFAULTS.shellTimeoutMs,
    maxToolOutputChars: options.maxToolOutputChars ?? DEFAULTS.maxToolOutputChars,
  };
  return {
    kind: 'openai',
    async startSession(ctx: SessionContext): Promise<AgentSession> {
      // SPEC §9.5: never start outside this issue's workspace, before anything else happens.
      const workspace = await assertAgentCwd(ctx.config.workspace.root, ctx.workspace, ctx.issue.identifier);
      let settings: OpenAISessionSettings;
      try {
        settings = resolveOpenAISettings(ctx.config, ctx.stage, options.env ?? ctx.env);
      } catch (err) {
        ctx.onEvent({ event: AgentEventName.startupFailed, at: new Date().toISOString(), message: oneLine(String(isBatonError(err) ? err.toString() : err), 500) });
        throw err;
      }
      const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, maxRetries: tunables.maxRetries, timeout: settings.turnTimeoutMs });
      return new OpenAISession(ctx, workspace, settings, client, tunables);
    },
    preflight: (ctx) => openaiPreflight(ctx, options.env),
  };
}

/** `baton doctor`: the API key is present, and the endpoint answers and accepts it (`GET /models`). */
async function openaiPreflight(ctx: BackendPreflightContext, env: NodeJS.ProcessEnv | undefined): Promise<PreflightFinding> {
  let settings: OpenAISessionSettings;
  try {
    settings = resolveOpenAISettings(ctx.config, ctx.stage, env ?? ctx.env);
  } catch (err) {
    return failed('openai', isBatonError(err) ? err.message : String(err), 'set OPENAI_API_KEY in Baton’s environment, or point openai.api_key at a variable that holds the key');
  }
  const base = settings.baseURL.replace(/\/$/, '');
  const facts = { model: settings.model, endpoint: base };
  const probe = await probeEndpoint(`${base}/models`, { authorization: `Bearer ${settings.apiKey}` });
  if (!probe.reachable) return failed(`openai model ${settings.model}`, `the endpoint: ${probe.cause}`, `check openai.base_url / OPENAI_BASE_URL and this host's network access to ${base}`, facts);
  if (probe.status === 401 || probe.status === 403) {
    return failed(`openai endpoint ${base} answers`, `it refuses the API key (HTTP ${probe.status})`, 'check the key in OPENAI_API_KEY (or the variable openai.api_key names)', facts);
  }
  return passed(`model ${settings.model} at ${base} answers (HTTP ${probe.status})`, facts);
}

/** The `openai` backend with default settings, as the registry loads it. */
export const openaiBackend: AgentBackendImpl = createOpenAIBackend();
