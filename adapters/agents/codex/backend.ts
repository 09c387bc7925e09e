/**
 * The `codex` agent backend (SPEC §10): one `codex app-server` process and one thread per session,
 * turns reusing the thread. It answers every server request by Baton's documented policy
 * (spec/agents/codex.md), runs dynamic tools host-side, reports events with Symphony's names and
 * absolute token totals, and maps every way a turn can end to an outcome and an error category.
 */
import path from 'node:path';
import { assertAgentCwd } from '../../../workspace/workspace.js';
import { AgentEventName, type AgentEvent, type TokenUsage } from '../../../core/agent-events.js';
import { BatonError, ErrorCategory, isBatonError, oneLine } from '../../../core/errors.js';
import type { AgentBackendImpl, AgentSession, SessionContext, TurnInput, TurnOutcome, TurnResult } from '../types.js';
import {
  ApprovalMode,
  DEFAULT_APPROVAL_POLICY,
  approvalMode,
  approvalResponse,
  isApprovalMethod,
  mcpApprovalResponse,
  mcpToolApproval,
  summarizeApproval,
  type ApprovalAnswer,
  type ApprovalRequestSummary,
} from './approvals.js';
import { describeNotification } from './events.js';
import { descendants, killProcessTree, killRefs, spawnAppServer, type AppServerProcess } from './launch.js';
import { killProcessGroup } from '../../../base/process.js';
import { packageInfo } from '../../../base/package-info.js';
import { nativeCodexBinary } from './locate-binary.js';
import { RpcClient } from './rpc-client.js';
import { codexPreflight } from './preflight.js';
import { absoluteUsage, rateLimits } from './token-usage.js';
import type { RequestId } from './protocol/RequestId.js';
import type { AskForApproval } from './protocol/v2/AskForApproval.js';
import type { DynamicToolCallParams } from './protocol/v2/DynamicToolCallParams.js';
import type { DynamicToolCallResponse } from './protocol/v2/DynamicToolCallResponse.js';
import type { McpServerElicitationRequestResponse } from './protocol/v2/McpServerElicitationRequestResponse.js';
import type { SandboxMode } from './protocol/v2/SandboxMode.js';
import type { SandboxPolicy } from './protocol/v2/SandboxPolicy.js';
import type { ThreadStartResponse } from './protocol/v2/ThreadStartResponse.js';
import type { ToolRequestUserInputParams } from './protocol/v2/ToolRequestUserInputParams.js';
import type { ToolRequestUserInputResponse } from './protocol/v2/ToolRequestUserInputResponse.js';
import type { TurnCompletedNotification } from './protocol/v2/TurnCompletedNotification.js';
import type { TurnStartResponse } from './protocol/v2/TurnStartResponse.js';

export interface CodexBackendOptions {
  /** After `turn/interrupt`, how long to wait for `turn/completed` before killing (ms). */
  interruptGraceMs?: number;
  /** On close, how long Codex gets to exit by itself after stdin closes (ms). */
  closeGraceMs?: number;
}

const DEFAULT_INTERRUPT_GRACE_MS = 3_000;
const DEFAULT_CLOSE_GRACE_MS = 1_000;
const STDERR_TAIL_LINES = 20;

const CLIENT_VERSION = packageInfo().version;

/**
 * The turn sandbox policy: `codex.turn_sandbox_policy` when set; else, for the default
 * `workspace-write` thread sandbox, Symphony's default (write access to the workspace only); for
 * any other thread sandbox none, so the thread's own mode applies.
 */
export function turnSandboxPolicy(configured: Record<string, unknown> | undefined, threadSandbox: string, workspace: string): SandboxPolicy | undefined {
  if (configured) return configured as SandboxPolicy;
  if (threadSandbox !== 'workspace-write') return undefined;
  return { type: 'workspaceWrite', writableRoots: [workspace], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false };
}

/** Why Baton ended a turn itself; decides the outcome when `turn/completed` arrives. */
interface TurnEnding {
  outcome: TurnOutcome;
  category: ErrorCategory;
  message: string;
  /** Stop the whole session afterwards (cancellation). */
  stop: boolean;
}

interface ActiveTurn {
  id?: string;
  sessionId?: string;
  ending?: TurnEnding;
  lastError?: string;
  settled: boolean;
  silence?: NodeJS.Timeout;
  grace?: NodeJS.Timeout;
  resolve(result: TurnResult): void;
}

function errorOf(category: ErrorCategory, message: string): { category: ErrorCategory; message: string } {
  return { category, message };
}

class CodexSession implements AgentSession {
  readonly pid: number;
  private threadId = '';
  private usage?: TokenUsage;
  private turn?: ActiveTurn;
  private dead?: { category: ErrorCategory; message: string };
  private closing?: Promise<void>;
  private hostBusy = 0;
  private readonly stderrTail: string[] = [];
  /** Server requests not answered yet, each with the answer that refuses it. */
  private readonly open = new Map<RequestId, () => void>();
  private readonly rpc: RpcClient;
  private readonly onAbort = () => this.abort();

  private constructor(
    private readonly ctx: SessionContext,
    private readonly proc: AppServerProcess,
    private readonly cwd: string,
    private readonly command: string,
    private readonly options: Required<CodexBackendOptions>,
  ) {
    this.pid = proc.pid;
    this.rpc = new RpcClient(proc.child.stdin!, proc.child.stdout!, {
      onNotification: (method, params) => this.onNotification(method, params),
      onServerRequest: (id, method, params) => this.onServerRequest(id, method, params),
      onMalformed: (line) => this.onMalformed(line),
      onOtherMessage: (message) => this.emit(AgentEventName.otherMessage, { message: oneLine(JSON.stringify(message), 200) }),
    });
    proc.child.stdout!.on('data', () => this.armSilence());
    proc.child.stderr!.setEncoding('utf8');
    let partial = '';
    proc.child.stderr!.on('data', (chunk: string) => {
      this.armSilence();
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onStderrLine(line);
    });
    void proc.exited.then(({ code, signal }) => this.onExit(code, signal));
  }

  /** Launch, handshake and start the thread; throws a BatonError when any step fails. */
  static async start(ctx: SessionContext, options: Required<CodexBackendOptions>): Promise<CodexSession> {
    if (ctx.signal.aborted) throw new BatonError(ErrorCategory.turnCancelled, 'The stage was cancelled before Codex started.');
    const cwd = await assertAgentCwd(ctx.config.workspace.root, ctx.workspace, ctx.issue.identifier);
    const command = ctx.stage.agent?.command ?? ctx.config.codex.command;
    const secretNames = [...new Set(ctx.config.trackers.flatMap((t) => t.secret_env))];
    const env = { ...ctx.env };
    for (const name of secretNames) delete env[name];
    const native = nativeCodexBinary();
    const proc = await spawnAppServer({ command, cwd, env, secretNames, ...(native ? { fallbackBinDir: path.dirname(native) } : {}) });
    const session = new CodexSession(ctx, proc, cwd, command, options);
    try {
      await session.handshake();
    } catch (err) {
      const error = session.dead ? new BatonError(session.dead.category, session.dead.message, { cause: err }) : err;
      session.emit(AgentEventName.startupFailed, { message: oneLine(String(isBatonError(error) ? error.message : error)) });
      await session.close();
      throw error;
    }
    ctx.signal.addEventListener('abort', session.onAbort, { once: true });
    if (ctx.signal.aborted) session.abort();
    return session;
  }

  private get readTimeout(): number {
    return this.ctx.config.codex.read_timeout_ms;
  }

  private get turnTimeout(): number {
    return this.ctx.stage.agent?.turn_timeout_ms ?? this.ctx.config.codex.turn_timeout_ms;
  }

  private get approvalPolicy(): AskForApproval {
    return (this.ctx.config.codex.approval_policy as AskForApproval | undefined) ?? DEFAULT_APPROVAL_POLICY;
  }

  private async handshake(): Promise<void> {
    const { config, issue, tools } = this.ctx;
    await this.rpc.request(
      'initialize',
      { clientInfo: { name: 'baton', title: 'Baton', version: CLIENT_VERSION }, capabilities: { experimentalApi: true, requestAttestation: false } },
      this.readTimeout,
    );
    this.rpc.notify('initialized');
    const started = await this.rpc.request<'thread/start', ThreadStartResponse>(
      'thread/start',
      {
        cwd: this.cwd,
        approvalPolicy: this.approvalPolicy,
        sandbox: config.codex.thread_sandbox as SandboxMode,
        dynamicTools: tools.specs.map((spec) => ({ type: 'function' as const, name: spec.name, description: spec.description, inputSchema: spec.inputSchema as never })),
      },
      this.readTimeout,
    );
    this.threadId = started.thread.id;
    // SPEC §10.2: issue-identifying metadata where the protocol has a place for it.
    await this.rpc
      .request('thread/name/set', { threadId: this.threadId, name: oneLine(`${issue.identifier}: ${issue.title}`, 120) }, this.readTimeout)
      .catch((err: unknown) => this.ctx.logger.debug({ err: String(err) }, 'codex thread name not set'));
  }

  // ------------------------------------------------------------------ turns

  runTurn(input: TurnInput): Promise<TurnResult> {
    if (this.dead) return Promise.resolve(this.deadResult());
    if (this.closing) return Promise.resolve({ outcome: 'cancelled', error: errorOf(ErrorCategory.turnCancelled, 'The Codex session is closed.') });
    if (this.turn && !this.turn.settled) throw new Error('runTurn called while a turn is running');
    return new Promise<TurnResult>((resolve) => {
      const turn: ActiveTurn = { settled: false, resolve };
      this.turn = turn;
      this.armSilence();
      const sandboxPolicy = turnSandboxPolicy(this.ctx.config.codex.turn_sandbox_policy, this.ctx.config.codex.thread_sandbox, this.cwd);
      this.rpc
        .request<'turn/start', TurnStartResponse>(
          'turn/start',
          {
            threadId: this.threadId,
            input: [{ type: 'text', text: input.prompt, text_elements: [] }],
            cwd: this.cwd,
            approvalPolicy: this.approvalPolicy,
            ...(sandboxPolicy ? { sandboxPolicy } : {}),
          },
          this.readTimeout,
        )
        .then(
          (res) => {
            turn.id ??= res.turn.id;
            turn.sessionId = `${this.threadId}-${turn.id}`;
            if (turn.settled) return;
            this.emit(AgentEventName.sessionStarted, { message: `turn ${input.turn} of ${input.maxTurns} started` });
            if (turn.ending) this.interrupt(turn);
          },
          (err: unknown) => {
            const error = isBatonError(err) ? err : new BatonError(ErrorCategory.responseError, String(err));
            if (error.category === ErrorCategory.responseTimeout) this.fail(error.category, error.message);
            else this.settle(turn, { outcome: 'failed', error: errorOf(error.category, error.message) });
          },
        );
    });
  }

  private deadResult(): TurnResult {
    const dead = this.dead!;
    return { outcome: dead.category === ErrorCategory.turnCancelled ? 'cancelled' : 'failed', error: { ...dead }, ...(this.usage ? { usage: this.usage } : {}) };
  }

  private settle(turn: ActiveTurn, result: Omit<TurnResult, 'sessionId' | 'usage'>): void {
    if (turn.settled) return;
    turn.settled = true;
    clearTimeout(turn.silence);
    clearTimeout(turn.grace);
    turn.resolve({ ...result, ...(turn.sessionId ? { sessionId: turn.sessionId } : {}), ...(this.usage ? { usage: { ...this.usage } } : {}) });
    if (turn.ending?.stop) void this.close();
  }

  /** (Re)start the silence timer of the running turn; paused while Baton itself is busy. */
  private armSilence(): void {
    const turn = this.turn;
    if (!turn || turn.settled) return;
    clearTimeout(turn.silence);
    turn.silence = setTimeout(() => {
      if (this.hostBusy > 0) return this.armSilence();
      this.fail(
        ErrorCategory.turnTimeout,
        `Codex sent nothing for ${this.turnTimeout} ms during a turn. The agent may be hung; raise codex.turn_timeout_ms if its steps are legitimately this quiet.`,
      );
    }, this.turnTimeout);
  }

  /**
   * End the running turn on Baton's behalf: ask Codex to interrupt it, and if Codex does not
   * confirm within the grace period, kill the session.
   */
  private endTurn(ending: TurnEnding): void {
    const turn = this.turn;
    if (!turn || turn.settled) {
      if (ending.stop) void this.close();
      return;
    }
    if (turn.ending) {
      turn.ending.stop ||= ending.stop;
      return;
    }
    turn.ending = ending;
    if (turn.id) this.interrupt(turn);
    turn.grace = setTimeout(() => {
      this.fail(ending.category, ending.message, ending.outcome);
    }, this.options.interruptGraceMs);
  }

  private interrupt(turn: ActiveTurn): void {
    if (!turn.id) return;
    this.rpc
      .request('turn/interrupt', { threadId: this.threadId, turnId: turn.id }, this.readTimeout)
      .catch((err: unknown) => this.ctx.logger.debug({ err: String(err) }, 'turn/interrupt failed'));
  }

  /** The session cannot go on: settle the running turn, remember why, stop the process. */
  private fail(category: ErrorCategory, message: string, outcome: TurnOutcome = 'failed'): void {
    this.dead ??= errorOf(category, message);
    const turn = this.turn;
    if (turn && !turn.settled) {
      const event = outcome === 'cancelled' ? AgentEventName.turnCancelled : outcome === 'failed' ? AgentEventName.turnEndedWithError : undefined;
      if (event) this.emit(event, { message: oneLine(message) });
      this.settle(turn, { outcome, error: errorOf(category, message) });
    }
    void this.close();
  }

  private abort(): void {
    const message = 'The stage was cancelled; Baton interrupted the turn and stopped Codex.';
    this.dead ??= errorOf(ErrorCategory.turnCancelled, message);
    this.refuseOpenRequests();
    this.endTurn({ outcome: 'cancelled', category: ErrorCategory.turnCancelled, message, stop: true });
  }

  private onTurnCompleted(params: TurnCompletedNotification): void {
    const turn = this.turn;
    if (!turn || turn.settled || params.threadId !== this.threadId) return;
    if (turn.id && params.turn.id !== turn.id) return;
    turn.id ??= params.turn.id;
    turn.sessionId ??= `${this.threadId}-${turn.id}`;
    const { status, error } = params.turn;
    if (status === 'inProgress') return;
    if (turn.ending) {
      if (turn.ending.outcome === 'cancelled') this.emit(AgentEventName.turnCancelled, { message: turn.ending.message });
      this.settle(turn, { outcome: turn.ending.outcome, error: errorOf(turn.ending.category, turn.ending.message) });
      return;
    }
    if (status === 'completed') {
      this.emit(AgentEventName.turnCompleted, { message: 'turn completed' });
      this.settle(turn, { outcome: 'completed' });
    } else if (status === 'failed') {
      const info = error?.codexErrorInfo ? ` [${typeof error.codexErrorInfo === 'string' ? error.codexErrorInfo : Object.keys(error.codexErrorInfo)[0]}]` : '';
      const message = oneLine(`Codex reported the turn failed${info}: ${error?.message ?? turn.lastError ?? 'no reason given'}`, 500);
      this.emit(AgentEventName.turnFailed, { message });
      this.settle(turn, { outcome: 'failed', error: errorOf(ErrorCategory.turnFailed, message) });
    } else {
      const message = 'The turn was interrupted outside Baton.';
      this.emit(AgentEventName.turnCancelled, { message });
      this.settle(turn, { outcome: 'cancelled', error: errorOf(ErrorCategory.turnCancelled, message) });
    }
  }

  // ------------------------------------------------------------------ incoming

  private onNotification(method: string, params: unknown): void {
    const usage = absoluteUsage(method, params);
    if (usage) this.usage = usage;
    if (method === 'turn/completed') return this.onTurnCompleted(params as TurnCompletedNotification);
    if (method === 'error' && this.turn && !this.turn.settled) {
      const p = params as { error?: { message?: string } };
      this.turn.lastError = p.error?.message;
    }
    const limits = rateLimits(method, params);
    this.emit(AgentEventName.notification, {
      message: describeNotification(method, params),
      ...(limits ? { rate_limits: limits } : {}),
    });
  }

  private onServerRequest(id: RequestId, method: string, params: unknown): void {
    if (isApprovalMethod(method)) return void this.onApproval(id, summarizeApproval(method, params), (answer) => approvalResponse(method, params, answer));
    // An MCP tool-call approval (either shape) follows the approval policy like a command does.
    const mcp = mcpToolApproval(method, params);
    if (mcp) return void this.onApproval(id, mcp, (answer) => mcpApprovalResponse(method, params, answer));
    switch (method) {
      case 'item/tool/call':
        return void this.onToolCall(id, params as DynamicToolCallParams);
      case 'item/tool/requestUserInput': {
        const p = params as Partial<ToolRequestUserInputParams>;
        const answer: ToolRequestUserInputResponse = { answers: {} };
        this.rpc.respond(id, answer);
        const questions = (p.questions ?? []).map((q) => q.question).join(' / ');
        return this.inputRequired(`Codex asked for user input (${questions || 'no question text'}); Baton runs unattended and does not answer questions.`);
      }
      case 'mcpServer/elicitation/request': {
        const answer: McpServerElicitationRequestResponse = { action: 'decline', content: null, _meta: null };
        this.rpc.respond(id, answer);
        const p = params as { serverName?: string; message?: string };
        return this.inputRequired(`MCP server ${p.serverName ?? '?'} asked for input (${p.message ?? 'no message'}); Baton declined it.`);
      }
      case 'currentTime/read':
        return this.rpc.respond(id, { currentTimeAt: Math.floor(Date.now() / 1000) });
      default:
        this.ctx.logger.warn({ method }, 'unsupported codex server request');
        return this.rpc.respondError(id, -32601, `Baton does not support ${method}`);
    }
  }

  private inputRequired(message: string): void {
    this.emit(AgentEventName.turnInputRequired, { message: oneLine(message) });
    this.endTurn({ outcome: 'input_required', category: ErrorCategory.turnInputRequired, message, stop: false });
  }

  /** Answer an approval request by the policy: at once (`never`), by an operator, or declined. */
  private async onApproval(id: RequestId, ask: ApprovalRequestSummary, answerWith: (answer: ApprovalAnswer) => Record<string, unknown>): Promise<void> {
    const { kind, summary } = ask;
    const policy = this.approvalPolicy;
    const mode = approvalMode(policy, this.ctx.requestApproval !== undefined);
    if (mode === ApprovalMode.auto) {
      this.rpc.respond(id, answerWith('acceptForSession'));
      this.emit(AgentEventName.approvalAutoApproved, { message: summary });
      return;
    }
    this.emit(AgentEventName.approvalRequired, { message: summary });
    if (mode === ApprovalMode.decline) {
      this.rpc.respond(id, answerWith('decline'));
      this.endTurn({
        outcome: 'input_required',
        category: ErrorCategory.approvalRequired,
        message: `Codex asked to ${summary}; approval_policy ${JSON.stringify(policy)} needs an operator, and none can be asked here. Set codex.approval_policy to never, or run the stage where approvals reach an operator.`,
        stop: false,
      });
      return;
    }
    const refuse = () => this.rpc.respond(id, answerWith('decline'));
    this.open.set(id, refuse);
    this.hostBusy++;
    try {
      const decision = await this.ctx.requestApproval!({ kind, summary });
      if (!this.open.delete(id)) return; // already refused (cancelled meanwhile)
      this.rpc.respond(id, answerWith(decision === 'approve' ? 'accept' : 'decline'));
      this.emit(AgentEventName.notification, { message: `operator ${decision === 'approve' ? 'approved' : 'rejected'}: ${summary}` });
    } catch (err) {
      if (!this.open.delete(id)) return;
      refuse();
      this.endTurn({
        outcome: 'input_required',
        category: ErrorCategory.approvalRequired,
        message: oneLine(`Codex asked to ${summary}, and no operator decision could be had: ${err instanceof Error ? err.message : String(err)}`),
        stop: false,
      });
    } finally {
      this.hostBusy--;
      this.armSilence();
    }
  }

  private async onToolCall(id: RequestId, params: DynamicToolCallParams): Promise<void> {
    const name = params.namespace ? `${params.namespace}.${params.tool}` : params.tool;
    const supported = !params.namespace && this.ctx.tools.specs.some((spec) => spec.name === params.tool);
    if (!supported) {
      const available = this.ctx.tools.specs.map((s) => s.name).join(', ') || 'none';
      const reply: DynamicToolCallResponse = {
        success: false,
        contentItems: [{ type: 'inputText', text: `Unsupported dynamic tool: ${name}. Tools available: ${available}.` }],
      };
      this.rpc.respond(id, reply);
      this.emit(AgentEventName.unsupportedToolCall, { message: `unsupported tool ${name}` });
      return;
    }
    this.open.set(id, () => this.rpc.respond(id, { success: false, contentItems: [{ type: 'inputText', text: 'The session ended before the tool ran.' }] }));
    this.hostBusy++;
    let result: { success: boolean; output: string };
    try {
      result = await this.ctx.tools.execute(params.tool, params.arguments);
    } catch (err) {
      result = { success: false, output: `Tool ${name} failed: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.hostBusy--;
      this.armSilence();
    }
    if (!this.open.delete(id)) return;
    const reply: DynamicToolCallResponse = { success: result.success, contentItems: [{ type: 'inputText', text: result.output }] };
    this.rpc.respond(id, reply);
    this.emit(result.success ? AgentEventName.toolCallCompleted : AgentEventName.toolCallFailed, {
      message: oneLine(`tool ${name} ${result.success ? 'ok' : `failed: ${result.output}`}`),
    });
  }

  private refuseOpenRequests(): void {
    for (const [id, refuse] of this.open) {
      this.open.delete(id);
      try {
        refuse();
      } catch {
        // the process is gone
      }
    }
  }

  private onMalformed(line: string): void {
    // Login-shell noise before `exec` is expected; a broken JSON object is not.
    if (line.trimStart().startsWith('{')) {
      this.ctx.logger.warn({ line: oneLine(line, 500) }, 'malformed codex protocol line');
      this.emit(AgentEventName.malformed, { message: oneLine(line, 200) });
    } else {
      this.ctx.logger.debug({ line: oneLine(line, 500) }, 'non-protocol line on codex stdout');
    }
  }

  private onStderrLine(line: string): void {
    if (!line.trim()) return;
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    const level = /panic|fatal/i.test(line) ? 'warn' : 'debug';
    // Codex colours its log lines; strip the escapes for readable logs.
    this.ctx.logger[level]({ stderr: oneLine(line.replace(/\u001b\[[0-9;]*m/g, ''), 500) }, 'codex stderr');
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closing) return;
    const stderr = oneLine(this.stderrTail.join(' | ').replace(/\u001b\[[0-9;]*m/g, ''), 400);
    const error =
      code === 127
        ? new BatonError(
            ErrorCategory.codexNotFound,
            `\`${this.command}\` could not be started (exit 127: command not found)${stderr ? `: ${stderr}` : ''}. Install Codex (npm install @openai/codex) or fix codex.command.`,
            { retryable: false },
          )
        : new BatonError(
            ErrorCategory.portExit,
            `codex app-server exited unexpectedly (${signal ? `signal ${signal}` : `exit ${code}`})${stderr ? `: ${stderr}` : ''}. Check codex.command and the Codex logs.`,
          );
    this.rpc.close(error);
    this.fail(error.category, error.message);
  }

  // ------------------------------------------------------------------ events and shutdown

  private emit(event: AgentEventName, fields: Omit<AgentEvent, 'event' | 'at'> = {}): void {
    const sessionId = this.turn?.sessionId;
    const payload: AgentEvent = {
      event,
      at: new Date().toISOString(),
      pid: this.pid,
      ...(sessionId ? { session_id: sessionId } : {}),
      ...(this.usage ? { usage: { ...this.usage } } : {}),
      ...fields,
    };
    if (payload.message === undefined) delete payload.message;
    try {
      this.ctx.onEvent(payload);
    } catch (err) {
      this.ctx.logger.warn({ err: String(err) }, 'agent event handler threw');
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ctx.signal.removeEventListener('abort', this.onAbort);
      this.refuseOpenRequests();
      const turn = this.turn;
      if (turn && !turn.settled) {
        const error = this.dead ?? errorOf(ErrorCategory.turnCancelled, 'The Codex session was closed during a turn.');
        turn.settled = true;
        clearTimeout(turn.silence);
        clearTimeout(turn.grace);
        turn.resolve({
          outcome: error.category === ErrorCategory.turnCancelled ? 'cancelled' : 'failed',
          error: { ...error },
          ...(turn.sessionId ? { sessionId: turn.sessionId } : {}),
          ...(this.usage ? { usage: { ...this.usage } } : {}),
        });
      }
      // Descendants are found through the parent links, which vanish once Codex exits.
      const before = descendants(this.pid);
      this.proc.child.stdin?.end();
      if (!this.proc.hasExited()) {
        await Promise.race([this.proc.exited, new Promise((r) => setTimeout(r, this.options.closeGraceMs))]);
      }
      if (!this.proc.hasExited()) {
        // SIGTERM before SIGKILL: a login shell still starting up gets to run its exit traps.
        killProcessGroup(this.pid, 'SIGTERM');
        await Promise.race([this.proc.exited, new Promise((r) => setTimeout(r, this.options.closeGraceMs))]);
      }
      killProcessTree(this.pid);
      killRefs(before);
      this.rpc.close(new BatonError(ErrorCategory.turnCancelled, 'The Codex session is closed.'));
      await this.proc.exited;
    })();
    return this.closing;
  }
}

/** A Codex backend; options are mostly for tests (shorter grace periods). */
export function createCodexBackend(options: CodexBackendOptions = {}): AgentBackendImpl {
  const resolved: Required<CodexBackendOptions> = {
    interruptGraceMs: options.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS,
    closeGraceMs: options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
  };
  return { kind: 'codex', startSession: (ctx) => CodexSession.start(ctx, resolved), preflight: codexPreflight };
}

/** The `codex` backend with default settings, as the registry loads it. */
export const codexBackend: AgentBackendImpl = createCodexBackend();
