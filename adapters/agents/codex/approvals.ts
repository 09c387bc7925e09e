/**
 * Baton's approval policy for Codex (SPEC §10.5; documented in spec/agents/codex.md): what to do
 * when the app-server asks the client to approve a command, a file change, extra permissions or
 * an MCP tool call, and the exact protocol answer for each decision. Pure functions.
 */
import type { ApplyPatchApprovalParams } from './protocol/ApplyPatchApprovalParams.js';
import type { ExecCommandApprovalParams } from './protocol/ExecCommandApprovalParams.js';
import type { ReviewDecision } from './protocol/ReviewDecision.js';
import type { AskForApproval } from './protocol/v2/AskForApproval.js';
import type { CommandExecutionRequestApprovalParams } from './protocol/v2/CommandExecutionRequestApprovalParams.js';
import type { FileChangeRequestApprovalParams } from './protocol/v2/FileChangeRequestApprovalParams.js';
import type { PermissionsRequestApprovalParams } from './protocol/v2/PermissionsRequestApprovalParams.js';
import type { PermissionsRequestApprovalResponse } from './protocol/v2/PermissionsRequestApprovalResponse.js';
import type { McpServerElicitationRequestResponse } from './protocol/v2/McpServerElicitationRequestResponse.js';
import type { ToolRequestUserInputParams } from './protocol/v2/ToolRequestUserInputParams.js';
import type { ToolRequestUserInputResponse } from './protocol/v2/ToolRequestUserInputResponse.js';
import { oneLine } from '../../../core/errors.js';

/** Server→client requests that ask for an approval. */
export const ApprovalMethod = {
  command: 'item/commandExecution/requestApproval',
  fileChange: 'item/fileChange/requestApproval',
  permissions: 'item/permissions/requestApproval',
  legacyExec: 'execCommandApproval',
  legacyPatch: 'applyPatchApproval',
} as const;
export type ApprovalMethod = (typeof ApprovalMethod)[keyof typeof ApprovalMethod];

const APPROVAL_METHODS = new Set<string>(Object.values(ApprovalMethod));

/** True when `method` is a server request asking for an approval. */
export function isApprovalMethod(method: string): method is ApprovalMethod {
  return APPROVAL_METHODS.has(method);
}

/**
 * Used when `codex.approval_policy` is unset: commands and edits inside the sandbox run without
 * asking, and every kind of escalation prompt (sandbox, exec-policy rules, skills, permissions, MCP
 * elicitations) is rejected by Codex itself, so an unattended run never waits on a person.
 */
export const DEFAULT_APPROVAL_POLICY: AskForApproval = {
  granular: { sandbox_approval: false, rules: false, skill_approval: false, request_permissions: false, mcp_elicitations: false },
};

/** How Baton answers an approval request. */
export const ApprovalMode = {
  /** `approval_policy: never`: approve for the rest of the session, no person involved. */
  auto: 'auto',
  /** Ask an operator through `requestApproval` (the issue shows as gated) and answer as told. */
  operator: 'operator',
  /** No operator channel: decline, and end the turn as needing a person. */
  decline: 'decline',
} as const;
export type ApprovalMode = (typeof ApprovalMode)[keyof typeof ApprovalMode];

/** The approval mode for a configured policy, given whether an operator can be asked. */
export function approvalMode(policy: unknown, hasOperator: boolean): ApprovalMode {
  if (policy === 'never') return ApprovalMode.auto;
  return hasOperator ? ApprovalMode.operator : ApprovalMode.decline;
}

/** What the agent asked for, in words an operator can decide on. */
export interface ApprovalRequestSummary {
  kind: 'command' | 'file_change' | 'permissions' | 'mcp_tool_call';
  summary: string;
}

/** Describe an approval request for an operator or a log line. */
export function summarizeApproval(method: ApprovalMethod, params: unknown): ApprovalRequestSummary {
  switch (method) {
    case ApprovalMethod.command: {
      const p = params as Partial<CommandExecutionRequestApprovalParams>;
      const why = p.reason ? ` (${p.reason})` : '';
      return { kind: 'command', summary: oneLine(`run \`${p.command ?? 'a command'}\` in ${p.cwd ?? 'the workspace'}${why}`) };
    }
    case ApprovalMethod.legacyExec: {
      const p = params as Partial<ExecCommandApprovalParams>;
      const why = p.reason ? ` (${p.reason})` : '';
      return { kind: 'command', summary: oneLine(`run \`${(p.command ?? []).join(' ')}\` in ${p.cwd ?? 'the workspace'}${why}`) };
    }
    case ApprovalMethod.fileChange: {
      const p = params as Partial<FileChangeRequestApprovalParams>;
      const extra = [p.reason, p.grantRoot ? `write access to ${p.grantRoot}` : undefined].filter(Boolean).join('; ');
      return { kind: 'file_change', summary: oneLine(`apply a file change${extra ? ` (${extra})` : ''}`) };
    }
    case ApprovalMethod.legacyPatch: {
      const p = params as Partial<ApplyPatchApprovalParams>;
      const files = Object.keys(p.fileChanges ?? {});
      return { kind: 'file_change', summary: oneLine(`edit ${files.length ? files.join(', ') : 'files'}${p.reason ? ` (${p.reason})` : ''}`) };
    }
    case ApprovalMethod.permissions: {
      const p = params as Partial<PermissionsRequestApprovalParams>;
      const wanted = Object.keys(p.permissions ?? {}).filter((k) => (p.permissions as Record<string, unknown>)[k] != null);
      return {
        kind: 'permissions',
        summary: oneLine(`grant extra ${wanted.join(' and ') || 'permissions'}${p.reason ? ` (${p.reason})` : ''}`),
      };
    }
  }
}

/** A decision in protocol-neutral terms. */
export type ApprovalAnswer = 'acceptForSession' | 'accept' | 'decline';

/** The exact JSON-RPC result to send for `method` and `answer`. */
export function approvalResponse(method: ApprovalMethod, params: unknown, answer: ApprovalAnswer): Record<string, unknown> {
  if (method === ApprovalMethod.legacyExec || method === ApprovalMethod.legacyPatch) {
    const decision: ReviewDecision =
      answer === 'acceptForSession' ? 'approved_for_session' : answer === 'accept' ? 'approved' : { denied: { rejection: 'declined by Baton policy' } };
    return { decision };
  }
  if (method === ApprovalMethod.permissions) {
    const requested = (params as Partial<PermissionsRequestApprovalParams>).permissions ?? { network: null, fileSystem: null };
    const granted: PermissionsRequestApprovalResponse['permissions'] = {};
    if (answer !== 'decline') {
      if (requested.network) granted.network = requested.network;
      if (requested.fileSystem) granted.fileSystem = requested.fileSystem;
    }
    const result: PermissionsRequestApprovalResponse = { permissions: granted, scope: answer === 'acceptForSession' ? 'session' : 'turn' };
    return result;
  }
  return { decision: answer };
}

// ---------------------------------------------------------------- MCP tool-call approvals

/**
 * Codex asks before it runs a tool of an MCP server in one of two shapes (0.169 uses both):
 * `mcpServer/elicitation/request` whose `_meta.codex_approval_kind` is `mcp_tool_call`, or
 * `item/tool/requestUserInput` whose every question id starts with `mcp_tool_call_approval_`. Any
 * other elicitation or question asks for input, not approval.
 */
export const MCP_APPROVAL_KIND = 'mcp_tool_call';
export const MCP_APPROVAL_QUESTION_PREFIX = 'mcp_tool_call_approval_';

interface ElicitationLike {
  serverName?: string;
  message?: string;
  _meta?: { codex_approval_kind?: unknown; tool_name?: unknown; tool_title?: unknown } | null;
}

/** What an MCP tool-call approval asks, or undefined when `method`/`params` is not one. */
export function mcpToolApproval(method: string, params: unknown): ApprovalRequestSummary | undefined {
  if (method === 'mcpServer/elicitation/request') {
    const p = (params ?? {}) as ElicitationLike;
    if (p._meta?.codex_approval_kind !== MCP_APPROVAL_KIND) return undefined;
    const tool = typeof p._meta.tool_title === 'string' ? p._meta.tool_title : typeof p._meta.tool_name === 'string' ? p._meta.tool_name : 'a tool';
    return { kind: 'mcp_tool_call', summary: oneLine(`run the MCP tool \`${tool}\` of server ${p.serverName ?? '?'}${p.message ? ` (${p.message})` : ''}`) };
  }
  if (method === 'item/tool/requestUserInput') {
    const questions = (params as Partial<ToolRequestUserInputParams> | undefined)?.questions ?? [];
    if (questions.length === 0 || !questions.every((q) => q.id.startsWith(MCP_APPROVAL_QUESTION_PREFIX))) return undefined;
    return { kind: 'mcp_tool_call', summary: oneLine(`approve an MCP tool call: ${questions.map((q) => q.question).join(' / ')}`) };
  }
  return undefined;
}

/** Option labels in the order Baton picks them for an answer (case-insensitive, exact first). */
const QUESTION_LABELS: Record<ApprovalAnswer, { exact: string[]; prefix: RegExp }> = {
  acceptForSession: { exact: ['allow for this session', 'approve this session'], prefix: /^(allow|approve)\b.*session/ },
  accept: { exact: ['allow', 'approve once'], prefix: /^(allow|approve)\b(?!.*(session|always|again))/ },
  decline: { exact: ['deny', 'decline', 'cancel'], prefix: /^(deny|decline|cancel|reject)\b/ },
};

function pickLabel(labels: readonly string[], answer: ApprovalAnswer): string | undefined {
  const wanted = QUESTION_LABELS[answer];
  const lower = labels.map((l) => l.trim().toLowerCase());
  for (const exact of wanted.exact) {
    const i = lower.indexOf(exact);
    if (i >= 0) return labels[i];
  }
  const i = lower.findIndex((l) => wanted.prefix.test(l));
  if (i >= 0) return labels[i];
  // No label for "this session": an approval for this call is the next best answer.
  return answer === 'acceptForSession' ? pickLabel(labels, 'accept') : undefined;
}

/** The exact JSON-RPC result answering an MCP tool-call approval with `answer`. */
export function mcpApprovalResponse(method: string, params: unknown, answer: ApprovalAnswer): Record<string, unknown> {
  if (method === 'mcpServer/elicitation/request') {
    const result: McpServerElicitationRequestResponse =
      answer === 'decline'
        ? { action: 'decline', content: null, _meta: null }
        : { action: 'accept', content: {}, _meta: answer === 'acceptForSession' ? { persist: 'session' } : null };
    return result;
  }
  const questions = (params as Partial<ToolRequestUserInputParams> | undefined)?.questions ?? [];
  const answers: ToolRequestUserInputResponse['answers'] = {};
  for (const q of questions) {
    const label = pickLabel((q.options ?? []).map((o) => o.label), answer);
    if (label !== undefined) answers[q.id] = { answers: [label] };
  }
  return { answers };
}
