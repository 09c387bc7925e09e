/**
 * What Baton remembers of each stage run: the record kept in the history (and rendered in
 * its progress comment) and the last agent event. Sandbox-safe.
 */
import type { TokenUsage } from './agent-events.js';

export interface LastAgentEvent {
  readonly event: string;
  readonly at: string;
  readonly message?: string;
}

export const StageOutcomeKind = {
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  approved: 'approved',
  rejected: 'rejected',
  stopped: 'stopped',
  blocked: 'blocked',
  /** Baton learned of the pull request (the note names it). */
  prOpened: 'pr_opened',
  /** Baton merged the pull request, or found it merged (the note says which). */
  merged: 'merged',
} as const;
export type StageOutcomeKind = (typeof StageOutcomeKind)[keyof typeof StageOutcomeKind];

export interface StageOutcomeRecord {
  readonly stage: string;
  readonly attempt: number;
  readonly outcome: StageOutcomeKind;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly turns?: number;
  readonly tokens?: TokenUsage;
  readonly sessionId?: string;
  readonly error?: string;
  readonly note?: string;
}

/** The most records an issue keeps: its status and continue-as-new input stay bounded. */
export const MAX_HISTORY = 100;

/** `history` plus `record`, oldest dropped beyond MAX_HISTORY. */
export function appendRecord(history: readonly StageOutcomeRecord[], record: StageOutcomeRecord): StageOutcomeRecord[] {
  const next = [...history, record];
  return next.length > MAX_HISTORY ? next.slice(next.length - MAX_HISTORY) : next;
}
