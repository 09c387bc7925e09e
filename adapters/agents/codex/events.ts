/**
 * One-line, human summaries of app-server notifications (SPEC §13.6) for statuses, heartbeats and
 * logs: "ran `echo hi` (exit 0)", "edited 2 files", the agent's message text. Observability only:
 * nothing decides on these strings. Pure functions.
 */
import { oneLine } from '../../../core/errors.js';
import type { ThreadItem } from './protocol/v2/ThreadItem.js';

/** Notifications that stream partial output; they carry no summary of their own. */
const STREAMING = /(\/delta|Delta|\/outputDelta|\/progress|summaryPartAdded)$/;

/** `/bin/bash -lc 'cmd'` → `cmd`: the command as the agent wrote it. */
export function unwrapShell(command: string): string {
  const match = /^(?:\S*\/)?(?:ba|z)?sh -l?c '(.*)'$/s.exec(command.trim());
  return match ? match[1]!.replace(/'\\''/g, "'") : command;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Summary of a completed thread item, or undefined for items not worth a line. */
export function describeItem(item: ThreadItem): string | undefined {
  switch (item.type) {
    case 'commandExecution': {
      const cmd = oneLine(unwrapShell(item.command), 120);
      if (item.status === 'declined') return `declined \`${cmd}\``;
      return `ran \`${cmd}\` (${item.exitCode === null ? item.status : `exit ${item.exitCode}`})`;
    }
    case 'fileChange': {
      const verb = item.status === 'completed' ? 'edited' : `${item.status} edit of`;
      if (item.changes.length === 1) return `${verb} ${item.changes[0]!.path}`;
      return `${verb} ${plural(item.changes.length, 'file')}`;
    }
    case 'agentMessage':
      return item.text ? oneLine(item.text) : undefined;
    case 'dynamicToolCall': {
      const name = item.namespace ? `${item.namespace}.${item.tool}` : item.tool;
      return `called tool ${name} (${item.success === false ? 'failed' : item.status})`;
    }
    case 'mcpToolCall':
      return `called ${item.server}.${item.tool} (${item.status})`;
    case 'webSearch':
      return `searched the web`;
    case 'plan':
      return item.text ? `plan: ${oneLine(item.text, 200)}` : undefined;
    default:
      return undefined;
  }
}

type Params = Record<string, unknown> | undefined;

/**
 * Summary of a notification, or undefined when it has none (streaming deltas, bookkeeping).
 * Unknown methods are summarized by their name so a status never goes blank.
 */
export function describeNotification(method: string, params: unknown): string | undefined {
  const p = (typeof params === 'object' && params !== null ? params : undefined) as Params;
  if (STREAMING.test(method)) return undefined;
  switch (method) {
    case 'item/completed':
      return p?.item ? describeItem(p.item as ThreadItem) : undefined;
    case 'item/started': {
      const item = p?.item as ThreadItem | undefined;
      if (item?.type === 'commandExecution') return `running \`${oneLine(unwrapShell(item.command), 120)}\``;
      return undefined;
    }
    case 'turn/started':
      return 'turn started';
    case 'turn/completed': {
      const turn = p?.turn as { status?: string } | undefined;
      return `turn ${turn?.status ?? 'ended'}`;
    }
    case 'turn/plan/updated':
      return 'plan updated';
    case 'turn/diff/updated':
      return 'diff updated';
    case 'thread/tokenUsage/updated': {
      const total = (p?.tokenUsage as { total?: Record<string, number> } | undefined)?.total;
      return total ? `tokens: ${total.inputTokens ?? 0} in, ${total.outputTokens ?? 0} out, ${total.totalTokens ?? 0} total` : undefined;
    }
    case 'account/rateLimits/updated':
      return 'rate limits updated';
    case 'error': {
      const error = p?.error as { message?: string } | undefined;
      return oneLine(`error${p?.willRetry ? ' (retrying)' : ''}: ${error?.message ?? 'unknown'}`);
    }
    case 'warning':
    case 'configWarning':
    case 'deprecationNotice': {
      const text = (p?.message ?? p?.summary) as string | undefined;
      return oneLine(`warning: ${text ?? method}`);
    }
    case 'thread/status/changed':
    case 'thread/readState/changed':
    case 'serverRequest/resolved':
    case 'remoteControl/status/changed':
      return undefined;
    default:
      return method;
  }
}
