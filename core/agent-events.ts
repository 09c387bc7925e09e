/**
 * Agent events as the stage activity, heartbeats and statuses see them. Names follow Symphony
 * SPEC §10.4 so logs and dashboards read the same whatever the backend.
 * Sandbox-safe.
 */
export const AgentEventName = {
  sessionStarted: 'session_started',
  startupFailed: 'startup_failed',
  turnCompleted: 'turn_completed',
  turnFailed: 'turn_failed',
  turnCancelled: 'turn_cancelled',
  turnEndedWithError: 'turn_ended_with_error',
  turnInputRequired: 'turn_input_required',
  approvalRequired: 'approval_required',
  approvalAutoApproved: 'approval_auto_approved',
  toolCallCompleted: 'tool_call_completed',
  toolCallFailed: 'tool_call_failed',
  unsupportedToolCall: 'unsupported_tool_call',
  notification: 'notification',
  otherMessage: 'other_message',
  malformed: 'malformed',
  output: 'output',
} as const;
export type AgentEventName = (typeof AgentEventName)[keyof typeof AgentEventName];

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface AgentEvent {
  event: AgentEventName | string;
  /** ISO timestamp. */
  at: string;
  /** One-line human summary. */
  message?: string;
  session_id?: string;
  pid?: number;
  /** Absolute thread totals (SPEC §13.5), never deltas. */
  usage?: TokenUsage;
  rate_limits?: Record<string, unknown>;
}

export const ZERO_USAGE: TokenUsage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };

/**
 * Token accounting per SPEC §13.5: backends report absolute totals; the accountant turns them into
 * deltas against the last reported totals so repeated updates never double count.
 */
export class TokenAccountant {
  private last: TokenUsage = { ...ZERO_USAGE };
  private sum: TokenUsage = { ...ZERO_USAGE };

  /** Feed an absolute total; returns the delta added (zero when the total did not grow). */
  observe(total: TokenUsage): TokenUsage {
    const delta = {
      input_tokens: Math.max(0, total.input_tokens - this.last.input_tokens),
      output_tokens: Math.max(0, total.output_tokens - this.last.output_tokens),
      total_tokens: Math.max(0, total.total_tokens - this.last.total_tokens),
    };
    this.last = {
      input_tokens: Math.max(this.last.input_tokens, total.input_tokens),
      output_tokens: Math.max(this.last.output_tokens, total.output_tokens),
      total_tokens: Math.max(this.last.total_tokens, total.total_tokens),
    };
    this.sum = addUsage(this.sum, delta);
    return delta;
  }

  /** Start a new thread (a new session): its totals start from zero again. */
  resetThread(): void {
    this.last = { ...ZERO_USAGE };
  }

  get totals(): TokenUsage {
    return { ...this.sum };
  }
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}
