/**
 * Baton's approval policy for Codex (SPEC §10.5; documented in spec/agents/codex.md): what to do
 * when the app-server asks the client to approve a command, a file change or extra permissions,
 * and the exact protocol answer for each decision. Pure functions.
 */
import type { ApplyPatchApprovalParams } from './protocol/ApplyPatchApprovalParams.js';
import type { ExecCommandApprovalParams } from './protocol/ExecCommandApprovalParams.js';
import type { ReviewDecision } from './protocol/ReviewDecision.js';
import type { AskForApproval } from './protocol/v2/AskForApproval.js';
import type { CommandExecutionRequestApprovalParams } from './protocol/v2/CommandExecutionRequestApprovalParams.js';
import type { FileChangeRequestApprovalParams } from './protocol/v2/FileChangeRequestApprovalParams.js';
import type { PermissionsRequestApprovalParams } from './protocol/v2/PermissionsRequestApprovalParams.js';
import type { PermissionsRequestApprovalResponse } from './protocol/v2/PermissionsRequestApprovalResponse.js';
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
  kind: 'command' | 'file_change' | 'permissions';
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
