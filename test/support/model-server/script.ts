/**
 * What the scripted model answers, decided from the request body alone (directive mode) or taken
 * from a queue (queue mode). Pure functions: the HTTP layer renders the chosen step.
 */

/** Token counts reported in `response.completed` (Responses-API field names). */
export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

/** One queued answer. Exactly one of the answer keys is expected per entry. */
export interface ModelScriptEntry {
  /** A final assistant message. */
  text?: string;
  /** A shell command, sent through whichever shell tool the client offered. */
  shell?: string;
  /** A function call; `arguments` may be an object (serialized for you) or a JSON string. */
  call?: { name: string; arguments?: unknown; namespace?: string };
  /** An `*** Begin Patch … *** End Patch` body, via the `apply_patch` tool or a shell heredoc. */
  patch?: string;
  /** Raw Responses-API output items. */
  items?: Record<string, unknown>[];
  /** Raw SSE events (`{type, …}`), written as they are: no `response.completed` is added. */
  events?: Record<string, unknown>[];
  /** Answer with this HTTP status and JSON body instead of a stream. */
  status?: number;
  body?: unknown;
  /** Token usage of this response (default: the server's usage). */
  usage?: ModelUsage;
  /** Wait this long before answering. */
  delayMs?: number;
}

/** A decided answer, ready to render. */
export type ModelStep =
  | { kind: 'items'; items: Record<string, unknown>[] }
  | { kind: 'events'; events: Record<string, unknown>[] }
  | { kind: 'status'; status: number; body: unknown };

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
}

interface ToolDecl {
  type?: string;
  name?: string;
  parameters?: { properties?: Record<string, { type?: string }> };
}

const OUTPUT_TYPES = new Set(['function_call_output', 'custom_tool_call_output']);
/** Tool names clients use for running a shell command, in preference order. */
const SHELL_TOOLS = ['exec_command', 'shell_command', 'shell', 'run_shell', 'bash'];

/** Text of a message item's content (a string or a list of text parts). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
}

function isUserMessage(item: InputItem): boolean {
  return item.role === 'user' && (item.type === undefined || item.type === 'message');
}

/**
 * Index of the last user message a person wrote. Context a client injects as a user message
 * (`<environment_context>`, `<user_instructions>` …) starts with `<` and is skipped.
 */
export function lastUserMessageIndex(input: readonly InputItem[]): number {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]!;
    if (isUserMessage(item) && !messageText(item.content).trimStart().startsWith('<')) return i;
  }
  return -1;
}

/** A directive parsed from the user message. */
export type Directive =
  | { kind: 'shell'; command: string }
  | { kind: 'patch'; patch: string }
  | { kind: 'tool'; name: string; arguments: string };

export interface ParsedDirectives {
  actions: Directive[];
  /** `@@say` lines joined by newlines; undefined when there are none. */
  say?: string;
}

/**
 * Parse `@@shell …`, `@@patch` (followed by lines up to `*** End Patch`), `@@tool name {json}` and
 * `@@say …` lines. Other lines are ignored, so directives can sit inside a longer prompt.
 */
export function parseDirectives(text: string): ParsedDirectives {
  const lines = text.split(/\r?\n/);
  const actions: Directive[] = [];
  const says: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('@@')) continue;
    const [word = '', ...restWords] = line.slice(2).split(/\s+/);
    const rest = line.slice(2 + word.length).trim();
    if (word === 'shell') actions.push({ kind: 'shell', command: rest });
    else if (word === 'say') says.push(rest);
    else if (word === 'tool') {
      const [name = ''] = restWords;
      const args = rest.slice(name.length).trim() || '{}';
      actions.push({ kind: 'tool', name, arguments: args });
    } else if (word === 'patch') {
      const body: string[] = [];
      while (++i < lines.length) {
        body.push(lines[i]!);
        if (lines[i]!.trim() === '*** End Patch') break;
      }
      actions.push({ kind: 'patch', patch: body.join('\n') });
    }
  }
  return { actions, say: says.length ? says.join('\n') : undefined };
}

let callCounter = 0;
function callId(): string {
  callCounter += 1;
  return `call_${Date.now().toString(36)}_${callCounter}`;
}

function offeredTools(body: Record<string, unknown>): ToolDecl[] {
  return Array.isArray(body.tools) ? (body.tools as ToolDecl[]) : [];
}

/** A function call that runs `command` with the shell tool the client offers. */
export function shellCall(body: Record<string, unknown>, command: string): Record<string, unknown> {
  const tools = offeredTools(body);
  const tool = SHELL_TOOLS.map((name) => tools.find((t) => t.name === name)).find(Boolean);
  const name = tool?.name ?? 'shell';
  const props = tool?.parameters?.properties ?? {};
  let args: Record<string, unknown>;
  if ('cmd' in props) args = { cmd: command };
  else if (props.command?.type === 'array') args = { command: ['bash', '-lc', command] };
  else args = { command };
  return { type: 'function_call', call_id: callId(), name, arguments: JSON.stringify(args) };
}

/** `apply_patch` as a custom tool when offered, else Codex's intercepted `apply_patch` heredoc. */
export function patchCall(body: Record<string, unknown>, patch: string): Record<string, unknown> {
  const tool = offeredTools(body).find((t) => t.name === 'apply_patch');
  if (tool?.type === 'custom') return { type: 'custom_tool_call', call_id: callId(), name: 'apply_patch', input: patch };
  if (tool) return { type: 'function_call', call_id: callId(), name: 'apply_patch', arguments: JSON.stringify({ input: patch }) };
  return shellCall(body, `apply_patch <<'PATCH'\n${patch}\nPATCH`);
}

/** A function call item; `name` may be `namespace/name` or carry an explicit namespace. */
export function functionCall(name: string, args: unknown, namespace?: string): Record<string, unknown> {
  const serialized = typeof args === 'string' ? args : JSON.stringify(args ?? {});
  const item: Record<string, unknown> = { type: 'function_call', call_id: callId(), name, arguments: serialized };
  if (namespace) item.namespace = namespace;
  return item;
}

/** An assistant message item. */
export function messageItem(text: string): Record<string, unknown> {
  return {
    type: 'message',
    id: `msg_${callId()}`,
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

/** The request's input items; a plain string input is one user message. */
export function requestInput(body: Record<string, unknown>): InputItem[] {
  if (typeof body.input === 'string') return [{ type: 'message', role: 'user', content: body.input }];
  return Array.isArray(body.input) ? (body.input as InputItem[]) : [];
}

/** Directive mode: the next action without a tool output yet, else the `@@say` text (or `done`). */
export function directiveStep(body: Record<string, unknown>): ModelStep {
  const input = requestInput(body);
  const at = lastUserMessageIndex(input);
  const { actions, say } = parseDirectives(at >= 0 ? messageText(input[at]!.content) : '');
  const done = input.slice(at + 1).filter((item) => OUTPUT_TYPES.has(item.type ?? '')).length;
  const next = actions[done];
  if (!next) return { kind: 'items', items: [messageItem(say ?? 'done')] };
  if (next.kind === 'shell') return { kind: 'items', items: [shellCall(body, next.command)] };
  if (next.kind === 'patch') return { kind: 'items', items: [patchCall(body, next.patch)] };
  return { kind: 'items', items: [functionCall(next.name, next.arguments)] };
}

/** Queue mode: turn one entry into a step for this request. */
export function entryStep(body: Record<string, unknown>, entry: ModelScriptEntry): ModelStep {
  if (entry.status !== undefined) return { kind: 'status', status: entry.status, body: entry.body ?? { error: { message: `scripted ${entry.status}` } } };
  if (entry.events) return { kind: 'events', events: entry.events };
  if (entry.items) return { kind: 'items', items: entry.items };
  if (entry.shell !== undefined) return { kind: 'items', items: [shellCall(body, entry.shell)] };
  if (entry.patch !== undefined) return { kind: 'items', items: [patchCall(body, entry.patch)] };
  if (entry.call) return { kind: 'items', items: [functionCall(entry.call.name, entry.call.arguments, entry.call.namespace)] };
  return { kind: 'items', items: [messageItem(entry.text ?? 'done')] };
}
