/**
 * The workspace tools the `openai` backend offers the model: `shell`, `read_file`, `write_file`
 * and `edit_file`. Arguments are validated with zod (the same schemas become the JSON Schema the
 * model sees); file paths go through {@link resolveWorkspaceFile}, so no file tool reads or writes
 * outside the workspace. `shell` runs `bash -lc` with the workspace as cwd in its own process
 * group: it is confined by cwd and environment only, not by an OS sandbox (spec/agents/openai.md).
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { oneLine } from '../../../core/errors.js';
import { runShell } from '../../../base/shell.js';
import { OutputWindow, truncateMiddle } from './output-window.js';
import { displayPath, PathRefusedError, resolveWorkspaceFile } from './paths.js';

/** What a tool call produced: `success` and `output` reach the model, `summary` the events. */
export interface ToolOutcome {
  success: boolean;
  output: string;
  /** One-line human summary for `tool_call_completed` / `tool_call_failed`. */
  summary: string;
}

/** What a workspace tool needs from the session. */
export interface WorkspaceToolContext {
  /** Canonical workspace path (checked by `assertAgentCwd`). */
  workspace: string;
  /** Environment of shell commands: already free of tracker and model secrets. */
  env: NodeJS.ProcessEnv;
  /**
   * Secret variable names unset again inside the shell, after the login profile ran, in case the
   * profile exports them. Only valid variable names are used; others are dropped.
   */
  unsetEnvNames?: readonly string[];
  /** Aborting kills a running shell command's process group. */
  signal: AbortSignal;
  /** A shell command's run time when the model names none (ms). */
  shellTimeoutMs: number;
  /** The longest run time the model may ask for with `timeout_ms` (ms). */
  maxShellTimeoutMs: number;
  /** Longest tool output handed back to the model (characters). */
  maxOutputChars: number;
  /** Called on every sign of progress (shell output), to keep the turn's silence timer fresh. */
  onActivity?: () => void;
  /** Called with the process group leader of each shell command as it starts. */
  onSpawn?: (pid: number) => void;
}

/** Names of the built-in tools. */
export const WorkspaceToolName = {
  shell: 'shell',
  readFile: 'read_file',
  writeFile: 'write_file',
  editFile: 'edit_file',
} as const;
export type WorkspaceToolName = (typeof WorkspaceToolName)[keyof typeof WorkspaceToolName];

const relPath = () => z.string().describe('File path relative to the workspace (absolute paths must lie inside it)');

const ShellArgs = z.object({
  command: z.string().min(1).describe('Script run with `bash -lc` in the workspace directory'),
  timeout_ms: z.number().int().min(1).optional().describe('Kill the command after this many milliseconds'),
});
const ReadFileArgs = z.object({
  path: relPath(),
  offset: z.number().int().min(1).optional().describe('First line to return (1-based)'),
  limit: z.number().int().min(1).optional().describe('Number of lines to return'),
});
const WriteFileArgs = z.object({
  path: relPath(),
  content: z.string().describe('The whole new content of the file'),
});
const EditFileArgs = z.object({
  path: relPath(),
  old_string: z.string().min(1).describe('Exact text to replace; must occur exactly once unless replace_all is true'),
  new_string: z.string().describe('Replacement text'),
  replace_all: z.boolean().optional().describe('Replace every occurrence'),
});

interface WorkspaceTool<S extends z.ZodType> {
  name: WorkspaceToolName;
  description: string;
  args: S;
  run(args: z.output<S>, ctx: WorkspaceToolContext): Promise<ToolOutcome>;
  /** One line said when the call starts. */
  describe(args: z.output<S>): string;
}

function tool<S extends z.ZodType>(definition: WorkspaceTool<S>): WorkspaceTool<S> {
  return definition;
}

/** A file tool's target: the checked canonical path, how to show it, and what is there now. */
async function fileTarget(ctx: WorkspaceToolContext, requested: string) {
  const file = await resolveWorkspaceFile(ctx.workspace, requested);
  return { file, shown: displayPath(ctx.workspace, file), info: await stat(file).catch(() => undefined) };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `command` preceded, on the same line so bash's line numbers stay the model's, by `unset`. */
export function withUnset(command: string, names: readonly string[] = []): string {
  const valid = [...new Set(names.filter((n) => ENV_NAME.test(n)))];
  return valid.length ? `unset ${valid.join(' ')}; ${command}` : command;
}

const shellTool = tool({
  name: WorkspaceToolName.shell,
  description:
    'Run a shell command with `bash -lc` in the workspace directory and return its exit code and output (stdout and stderr as they arrived). Long output is truncated in the middle. Commands are killed after a timeout.',
  args: ShellArgs,
  describe: (args) => `running \`${oneLine(args.command, 120)}\``,
  async run(args, ctx) {
    const timeoutMs = Math.min(args.timeout_ms ?? ctx.shellTimeoutMs, Math.max(ctx.shellTimeoutMs, ctx.maxShellTimeoutMs));
    const cmd = oneLine(args.command, 120);
    const window = new OutputWindow(ctx.maxOutputChars);
    const onLine = (line: string) => {
      window.push(line);
      ctx.onActivity?.();
    };
    const result = await runShell(withUnset(args.command, ctx.unsetEnvNames), {
      cwd: ctx.workspace,
      env: ctx.env,
      timeoutMs,
      signal: ctx.signal,
      // The window keeps what the model sees; runShell's own copy is not used.
      maxCaptureBytes: 1024,
      onSpawn: ctx.onSpawn,
      onStdoutLine: onLine,
      onStderrLine: onLine,
    });
    const bounded = (header: string) => window.render(header);
    if (result.killedFor === 'timeout') {
      return {
        success: false,
        output: bounded(`The command ran longer than ${timeoutMs} ms and was killed with its process group.`),
        summary: `\`${cmd}\` timed out after ${timeoutMs} ms`,
      };
    }
    if (result.killedFor) {
      return { success: false, output: bounded(`The command was stopped (${result.killedFor}).`), summary: `\`${cmd}\` stopped (${result.killedFor})` };
    }
    const how = result.exitCode === null ? `killed by ${result.signal ?? 'a signal'}` : `exit ${result.exitCode}`;
    return { success: result.exitCode === 0, output: bounded(`Exit code: ${result.exitCode ?? result.signal}`), summary: `ran \`${cmd}\` (${how})` };
  },
});

/** Largest file `read_file` loads at all; bigger files must be read with the shell in pieces. */
const MAX_READ_BYTES = 10 * 1024 * 1024;

const readFileTool = tool({
  name: WorkspaceToolName.readFile,
  description:
    'Read a UTF-8 text file in the workspace. Optional `offset` (1-based first line) and `limit` (line count) select a range; long content is truncated.',
  args: ReadFileArgs,
  describe: (args) => `reading ${args.path}`,
  async run(args, ctx) {
    const { file, shown, info } = await fileTarget(ctx, args.path);
    if (!info) return { success: false, output: `${args.path} does not exist.`, summary: `read ${shown}: not found` };
    if (!info.isFile()) return { success: false, output: `${args.path} is not a regular file.`, summary: `read ${shown}: not a file` };
    if (info.size > MAX_READ_BYTES) {
      return { success: false, output: `${args.path} is ${info.size} bytes; use the shell (head, sed -n) to read parts of it.`, summary: `read ${shown}: too large` };
    }
    const buffer = await readFile(file);
    if (buffer.subarray(0, 8192).includes(0)) {
      return { success: false, output: `${args.path} looks binary; read_file returns text only.`, summary: `read ${shown}: binary` };
    }
    let text = buffer.toString('utf8');
    if (args.offset !== undefined || args.limit !== undefined) {
      const lines = text.split('\n');
      const start = (args.offset ?? 1) - 1;
      text = lines.slice(start, args.limit === undefined ? undefined : start + args.limit).join('\n');
    }
    return { success: true, output: truncateMiddle(text, ctx.maxOutputChars), summary: `read ${shown}` };
  },
});

const writeFileTool = tool({
  name: WorkspaceToolName.writeFile,
  description: 'Create or overwrite a file in the workspace with the given content; missing parent directories are created.',
  args: WriteFileArgs,
  describe: (args) => `writing ${args.path}`,
  async run(args, ctx) {
    const { file, shown, info } = await fileTarget(ctx, args.path);
    if (info && !info.isFile()) return { success: false, output: `${args.path} exists and is not a regular file.`, summary: `write ${shown}: not a file` };
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, args.content, 'utf8');
    const bytes = Buffer.byteLength(args.content);
    return { success: true, output: `Wrote ${bytes} bytes to ${shown}.`, summary: `wrote ${shown} (${bytes} bytes)` };
  },
});

function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

const editFileTool = tool({
  name: WorkspaceToolName.editFile,
  description:
    'Replace exact text in a workspace file. `old_string` must occur exactly once (include surrounding lines to make it unique) unless `replace_all` is true.',
  args: EditFileArgs,
  describe: (args) => `editing ${args.path}`,
  async run(args, ctx) {
    const { file, shown, info } = await fileTarget(ctx, args.path);
    if (!info?.isFile()) return { success: false, output: `${args.path} is not an existing file; use write_file to create it.`, summary: `edit ${shown}: not found` };
    const text = await readFile(file, 'utf8');
    const count = countOccurrences(text, args.old_string);
    if (count === 0) return { success: false, output: `old_string was not found in ${shown}; read the file and copy the text exactly.`, summary: `edit ${shown}: text not found` };
    if (count > 1 && !args.replace_all) {
      return {
        success: false,
        output: `old_string occurs ${count} times in ${shown}; add surrounding lines to make it unique, or set replace_all.`,
        summary: `edit ${shown}: ambiguous`,
      };
    }
    const updated = args.replace_all ? text.split(args.old_string).join(args.new_string) : text.replace(args.old_string, () => args.new_string);
    await writeFile(file, updated, 'utf8');
    const times = count === 1 ? 'one occurrence' : `${count} occurrences`;
    return { success: true, output: `Replaced ${times} in ${shown}.`, summary: `edited ${shown}` };
  },
});

const workspaceTools = [shellTool, readFileTool, writeFileTool, editFileTool] as WorkspaceTool<z.ZodType>[];

/** A function tool as the Responses API declares it. */
export interface FunctionToolDeclaration {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict: false;
}

function parametersOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json;
}

/** The built-in tools, declared for the model. */
export function workspaceToolDeclarations(): FunctionToolDeclaration[] {
  return workspaceTools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: parametersOf(t.args), strict: false }));
}

/** Whether `name` is one of the built-in tools. */
export function isWorkspaceTool(name: string): name is WorkspaceToolName {
  return workspaceTools.some((t) => t.name === name);
}

/** Arguments as the model sent them (a JSON string) parsed; malformed JSON is an error message. */
export function parseToolArguments(raw: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (raw.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (err) {
    return { ok: false, error: `the arguments are not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** The start-of-call summary of a built-in tool call ("running `npm test`"), or a generic one. */
export function describeWorkspaceCall(name: string, args: unknown): string {
  const t = workspaceTools.find((w) => w.name === name);
  const parsed = t?.args.safeParse(args);
  return t && parsed?.success ? t.describe(parsed.data) : `calling ${name}`;
}

/**
 * Run a built-in tool. Never throws for anything the model did: bad arguments, refused paths and
 * filesystem errors come back as `success: false` with a message the model can act on.
 */
export async function runWorkspaceTool(name: WorkspaceToolName, args: unknown, ctx: WorkspaceToolContext): Promise<ToolOutcome> {
  const t = workspaceTools.find((w) => w.name === name)!;
  const parsed = t.args.safeParse(args);
  if (!parsed.success) {
    return { success: false, output: `Invalid arguments for ${name}: ${z.prettifyError(parsed.error)}`, summary: `${name}: invalid arguments` };
  }
  try {
    return await t.run(parsed.data, ctx);
  } catch (err) {
    if (err instanceof PathRefusedError) return { success: false, output: `Refused: ${err.message}`, summary: `${name} refused: ${oneLine(err.message, 160)}` };
    const message = err instanceof Error ? err.message : String(err);
    return { success: false, output: `${name} failed: ${message}`, summary: `${name} failed: ${oneLine(message, 160)}` };
  }
}
