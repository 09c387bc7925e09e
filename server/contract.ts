/**
 * The shapes of Baton's JSON API (`/api/v1/*`), `baton status --json` and the dashboard's live
 * feed, defined once as zod schemas. Symphony SPEC §13.7 fields come first, spelled as the spec
 * spells them (snake_case, `running`, `retrying`, `codex_totals`, `rate_limits`); everything Baton
 * adds sits under a field named `baton` (top level and per row), so a Symphony client reads the
 * rest unchanged.
 */
import { z } from 'zod';

const isoTime = z.string().describe('ISO-8601 timestamp');

export const TokensSchema = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});
export type Tokens = z.infer<typeof TokensSchema>;

export const StageRunSchema = z.object({
  stage: z.string(),
  attempt: z.number().int(),
  outcome: z.string(),
  started_at: isoTime,
  ended_at: isoTime,
  duration_seconds: z.number().nonnegative(),
  turns: z.number().int().nullable(),
  tokens: TokensSchema.nullable(),
  session_id: z.string().nullable(),
  error: z.string().nullable(),
  note: z.string().nullable(),
});

/** Everything Baton knows about one issue beyond Symphony's row fields. */
export const BatonIssueSchema = z.object({
  identifier: z.string(),
  issue_id: z.string(),
  workflow_id: z.string(),
  tracker: z.string(),
  title: z.string(),
  stage: z.string().nullable(),
  state: z.string(),
  /** Baton's own status word (`running`, `retrying`, `gated`, `stopped`, `waiting_slot`, …). */
  status: z.string(),
  attempt: z.number().int(),
  last_error: z.string().nullable(),
  /** Why the issue waits or stopped, in words. */
  reason: z.string().nullable(),
  retry_due_at: isoTime.nullable(),
  gate: z
    .object({
      stage: z.string(),
      wait_for: z.string(),
      since: isoTime,
      /** How an operator answers it, in words (a label to set, a state to move to, a command). */
      how_to_answer: z.string(),
    })
    .nullable(),
  pending_approval: z.object({ id: z.string(), kind: z.string(), summary: z.string(), since: isoTime }).nullable(),
  /** Seconds the current stage run has been going (null when no stage runs). */
  stage_runtime_seconds: z.number().nonnegative().nullable(),
  session_id: z.string().nullable(),
  tokens: TokensSchema,
  history: z.array(StageRunSchema),
  reworks: z.record(z.string(), z.number()),
  workspace_host: z.string().nullable(),
  started_at: isoTime,
  updated_at: isoTime,
  /** The issue's workflow in the Temporal Web UI (null when the UI address is unknown). */
  temporal_url: z.string().nullable(),
  /** A link a browser opens: the tracker's own page, or Baton's rendering of a file-tracker issue. */
  tracker_url: z.string().nullable(),
  /** The issue's pull request once Baton has seen one; `summary` is its checks and reviews at the last look. */
  pull_request: z
    .object({
      repo: z.string(),
      number: z.number().int().positive(),
      url: z.string(),
      state: z.enum(['open', 'closed', 'merged']).nullable(),
      summary: z.string().nullable(),
      merged: z.boolean(),
    })
    .nullable(),
  /** Actions an operator can take now (`approve`, `reject`, `retry`, `cancel`). */
  actions: z.array(z.string()),
});
export type BatonIssue = z.infer<typeof BatonIssueSchema>;

export const RunningRowSchema = z.object({
  issue_id: z.string(),
  issue_identifier: z.string(),
  issue_url: z.string().nullable(),
  state: z.string(),
  worker_host: z.string().nullable(),
  workspace_path: z.string().nullable(),
  session_id: z.string().nullable(),
  turn_count: z.number().int().nonnegative(),
  last_event: z.string().nullable(),
  last_message: z.string().nullable(),
  started_at: isoTime,
  last_event_at: isoTime.nullable(),
  tokens: TokensSchema,
  runtime_seconds: z.number().nonnegative(),
  baton: BatonIssueSchema,
});

export const RetryRowSchema = z.object({
  issue_id: z.string(),
  issue_identifier: z.string(),
  issue_url: z.string().nullable(),
  attempt: z.number().int(),
  due_at: isoTime.nullable(),
  error: z.string().nullable(),
  worker_host: z.string().nullable(),
  workspace_path: z.string().nullable(),
  baton: BatonIssueSchema,
});

export const BlockedRowSchema = z.object({
  issue_id: z.string(),
  issue_identifier: z.string(),
  issue_url: z.string().nullable(),
  state: z.string(),
  session_id: z.string().nullable(),
  error: z.string().nullable(),
  blocked_at: isoTime,
  last_event: z.string().nullable(),
  last_message: z.string().nullable(),
  last_event_at: isoTime.nullable(),
  baton: BatonIssueSchema,
});

export const QueuedIssueSchema = z.object({
  issue_identifier: z.string(),
  issue_id: z.string().nullable(),
  tracker: z.string().nullable(),
  state: z.string().nullable(),
  stage: z.string().nullable(),
  reason: z.string().nullable(),
  since: isoTime.nullable(),
});

/** A stage whose agent backend failed its preflight: Baton holds it instead of dispatching. */
export const HeldStageSchema = z.object({ stage: z.string(), backend: z.string(), cause: z.string(), fix: z.string().nullable() });

export const StateResponseSchema = z.object({
  generated_at: isoTime,
  counts: z.object({
    running: z.number().int(),
    retrying: z.number().int(),
    blocked: z.number().int(),
  }),
  running: z.array(RunningRowSchema),
  retrying: z.array(RetryRowSchema),
  blocked: z.array(BlockedRowSchema),
  codex_totals: TokensSchema.extend({ seconds_running: z.number().nonnegative() }),
  rate_limits: z.record(z.string(), z.unknown()).nullable(),
  baton: z.object({
    deployment: z.string(),
    orchestrator_workflow_id: z.string(),
    temporal_url: z.string().nullable(),
    config_error: z.string().nullable(),
    last_poll_at: isoTime.nullable(),
    last_poll_ok: z.boolean(),
    poll_errors: z.record(z.string(), z.string()),
    /** Counts by Baton status word (`running`, `gated`, `waiting_slot`, …). */
    counts: z.record(z.string(), z.number().int()),
    slots: z.object({ held: z.number().int(), max: z.number().int().nullable(), waiting: z.number().int() }),
    pending_candidates: z.number().int(),
    queued: z.array(QueuedIssueSchema),
    held_stages: z.array(HeldStageSchema),
    issues: z.array(BatonIssueSchema),
  }),
});
export type StateResponse = z.infer<typeof StateResponseSchema>;

export const IssueResponseSchema = z.object({
  issue_identifier: z.string(),
  issue_id: z.string(),
  status: z.string(),
  workspace: z.object({ path: z.string().nullable(), host: z.string().nullable() }),
  attempts: z.object({ restart_count: z.number().int(), current_retry_attempt: z.number().int() }),
  running: RunningRowSchema.omit({ baton: true, issue_id: true, issue_identifier: true, issue_url: true }).nullable(),
  retry: RetryRowSchema.omit({ baton: true, issue_id: true, issue_identifier: true, issue_url: true }).nullable(),
  logs: z.object({ codex_session_logs: z.array(z.object({ label: z.string(), path: z.string(), url: z.string().nullable() })) }),
  recent_events: z.array(z.object({ at: isoTime, event: z.string(), message: z.string().nullable() })),
  last_error: z.string().nullable(),
  tracked: z.record(z.string(), z.unknown()),
  baton: BatonIssueSchema,
});
export type IssueResponse = z.infer<typeof IssueResponseSchema>;

export const RefreshResponseSchema = z.object({
  queued: z.boolean(),
  coalesced: z.boolean(),
  requested_at: isoTime,
  operations: z.array(z.string()),
});
export type RefreshResponse = z.infer<typeof RefreshResponseSchema>;

export const ActionResponseSchema = z.object({ ok: z.boolean(), issue_identifier: z.string(), action: z.string(), message: z.string() });
export type ActionResponse = z.infer<typeof ActionResponseSchema>;

export const ErrorEnvelopeSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** Error codes the API answers with, and their HTTP status. */
export const ApiErrors = {
  snapshot_unavailable: 503,
  snapshot_timeout: 504,
  orchestrator_unavailable: 503,
  issue_not_found: 404,
  tracker_required: 400,
  not_found: 404,
  method_not_allowed: 405,
  forbidden: 403,
  action_refused: 409,
  bad_request: 400,
  internal_error: 500,
} as const;
export type ApiErrorCode = keyof typeof ApiErrors;

export function errorEnvelope(code: ApiErrorCode, message: string): ErrorEnvelope {
  return { error: { code, message } };
}
