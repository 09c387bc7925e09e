/**
 * Baton's error taxonomy. Every error a person may see carries a category (stable, machine-readable)
 * and a message that says what happened and what to do.
 * Sandbox-safe.
 */
export const ErrorCategory = {
  // configuration (SPEC §5.5, §6.3, §11.4)
  missingWorkflowFile: 'missing_workflow_file',
  workflowParseError: 'workflow_parse_error',
  frontMatterNotAMap: 'workflow_front_matter_not_a_map',
  invalidConfig: 'invalid_config',
  unsupportedTrackerKind: 'unsupported_tracker_kind',
  invalidTrackerConfig: 'invalid_tracker_config',
  missingTrackerSecret: 'missing_tracker_secret',
  templateParseError: 'template_parse_error',
  templateRenderError: 'template_render_error',
  // tracker (SPEC §11.4)
  trackerRequest: 'tracker_request',
  trackerStatus: 'tracker_status',
  trackerResponse: 'tracker_response',
  trackerPagination: 'tracker_pagination',
  trackerRateLimited: 'tracker_rate_limited',
  // code host (spec/SPEC.md §4.10): the repository's pull requests, apart from the issue tracker
  codeHostRequest: 'code_host_request',
  codeHostStatus: 'code_host_status',
  codeHostResponse: 'code_host_response',
  codeHostPagination: 'code_host_pagination',
  codeHostRateLimited: 'code_host_rate_limited',
  // workspace (SPEC §9)
  workspaceOutsideRoot: 'workspace_outside_root',
  workspaceEqualsRoot: 'workspace_equals_root',
  workspaceSymlinkEscape: 'workspace_symlink_escape',
  workspacePathUnreadable: 'workspace_path_unreadable',
  workspaceCreateFailed: 'workspace_create_failed',
  hookFailed: 'hook_failed',
  hookTimeout: 'hook_timeout',
  invalidWorkspaceCwd: 'invalid_workspace_cwd',
  // agent (SPEC §10.6)
  agentNotFound: 'agent_not_found',
  codexNotFound: 'codex_not_found',
  responseTimeout: 'response_timeout',
  turnTimeout: 'turn_timeout',
  portExit: 'port_exit',
  responseError: 'response_error',
  turnFailed: 'turn_failed',
  turnCancelled: 'turn_cancelled',
  turnInputRequired: 'turn_input_required',
  approvalRequired: 'approval_required',
  agentStalled: 'agent_stalled',
  agentFailed: 'agent_failed',
  // temporal / runtime
  temporalUnavailable: 'temporal_unavailable',
  usage: 'usage',
  internal: 'internal',
} as const;
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory];

export interface BatonErrorOptions {
  /** Milliseconds a caller should wait before retrying (rate limits). */
  retryAfterMs?: number;
  /** Whether retrying the same operation can succeed. */
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class BatonError extends Error {
  readonly category: ErrorCategory;
  readonly retryAfterMs?: number;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(category: ErrorCategory, message: string, options: BatonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatonError';
    this.category = category;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.retryable ?? true;
    this.details = options.details;
  }

  /** `category: message`, the one-line form used in logs and statuses. */
  override toString(): string {
    return `${this.category}: ${this.message}`;
  }
}

export function isBatonError(value: unknown): value is BatonError {
  return value instanceof BatonError;
}

/** One line, at most `max` characters: for statuses, heartbeats and failure messages. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
