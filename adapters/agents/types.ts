/**
 * The interface every agent backend implements. A backend starts one session in a workspace and
 * runs turns on it; the agent stage activity owns the turn loop, heartbeats and cancellation.
 */
import type { Issue } from '../../core/issue.js';
import type { AgentEvent, TokenUsage } from '../../core/agent-events.js';
import type { ErrorCategory } from '../../core/errors.js';
import type { BatonConfig, ResolvedStage } from '../../config/schema.js';
import type { AgentToolResult, AgentToolSpec } from '../trackers/types.js';
import type { Logger } from '../../base/logger.js';
import type { PreflightFinding } from '../../core/preflight.js';

export interface AgentToolbox {
  specs: AgentToolSpec[];
  execute(name: string, args: unknown): Promise<AgentToolResult>;
}

/** An operator decision on an approval the agent asked for. */
export type ApprovalDecision = 'approve' | 'reject';

export interface SessionContext {
  /** Absolute, validated workspace path; the agent's cwd. */
  workspace: string;
  issue: Issue;
  stage: ResolvedStage;
  config: BatonConfig;
  /** Child environment: already free of tracker secrets, with BATON_* set. */
  env: NodeJS.ProcessEnv;
  tools: AgentToolbox;
  logger: Logger;
  /** Every protocol event goes here (heartbeats, status, token accounting). */
  onEvent(event: AgentEvent): void;
  /**
   * Ask an operator to approve something the agent requested (approval policy other than `never`).
   * Resolves with the decision; the issue shows as gated until then.
   */
  requestApproval?(request: { kind: string; summary: string }): Promise<ApprovalDecision>;
  /** Fires when the stage is cancelled (issue moved, operator cancel, worker shutdown). */
  signal: AbortSignal;
}

export interface TurnInput {
  /** 1-based turn number within this session. */
  turn: number;
  maxTurns: number;
  /** Full rendered prompt on turn 1, continuation guidance afterwards. */
  prompt: string;
}

export type TurnOutcome = 'completed' | 'failed' | 'input_required' | 'cancelled';

export interface TurnResult {
  outcome: TurnOutcome;
  sessionId?: string;
  error?: { category: ErrorCategory; message: string };
  /** Absolute thread totals after the turn, when the backend knows them. */
  usage?: TokenUsage;
}

export interface AgentSession {
  /** Process id of the agent (or its leader), for status and cleanup checks. */
  readonly pid?: number;
  runTurn(input: TurnInput): Promise<TurnResult>;
  /** Stop the agent and every process it started; safe to call twice. */
  close(): Promise<void>;
}

/** What a backend's preflight may use: the stage it would serve, in a scratch directory. */
export interface BackendPreflightContext {
  config: BatonConfig;
  stage: ResolvedStage;
  /** An empty scratch directory to start the agent in (never an issue workspace). */
  cwd: string;
  /** The environment agents get (tracker secrets removed, `BATON_*` set for the stage). */
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export interface AgentBackendImpl {
  readonly kind: string;
  startSession(ctx: SessionContext): Promise<AgentSession>;
  /**
   * `baton doctor` / start-up check that a session could start: the binary or command resolves,
   * the agent answers its handshake, its account/credentials and model endpoint are usable.
   */
  preflight?(ctx: BackendPreflightContext): Promise<PreflightFinding>;
}
