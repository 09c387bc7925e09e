/**
 * Per-issue workspaces and their hooks (Symphony SPEC §9, §15.2–15.4).
 *
 * Plain async functions over the local filesystem; nothing here knows about Temporal, so the
 * activities wrap these and tests call them directly.
 *
 * Policies chosen where the spec leaves a choice:
 * - Paths are canonicalized by resolving symlinks segment by segment (a missing tail is kept), and
 *   a workspace must resolve strictly below the canonical root. A symlink at `<root>/<key>` that
 *   resolves inside the root is followed; one that resolves outside is refused, never followed.
 * - A non-directory at the workspace path (a stray file) is deleted and a fresh directory created.
 * - When `after_create` fails or times out, the directory created in that call is removed so the
 *   next attempt bootstraps from scratch. A reused workspace is never reset — unless its
 *   `after_create` never finished (its worker died inside it, `creation-mark.ts`): then the hook
 *   it left running is killed and the workspace is created again.
 * - Hooks run with `bash -lc` in the workspace, in their own process group: a timeout kills every
 *   process the hook started. Their environment is the host's minus every tracker secret, plus
 *   `BATON_ISSUE_ID`, `BATON_ISSUE_IDENTIFIER`, `BATON_STAGE` and `BATON_WORKSPACE`.
 */
import { lstat, mkdir, readlink, realpath, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { BatonConfig } from '../config/schema.js';
import { BatonError, ErrorCategory, isBatonError, oneLine } from '../core/errors.js';
import type { Issue } from '../core/issue.js';
import { workspaceKey } from '../core/workspace-key.js';
import { runShell } from '../base/shell.js';
import { CreationMark } from './creation-mark.js';
import { silentLogger, type Logger } from '../base/logger.js';

/** The four hook scripts and their timeout, as in the `hooks` config block. */
export type WorkspaceHooks = Partial<BatonConfig['hooks']>;

/** Names of the workspace hooks (SPEC §9.4). */
export const HookName = {
  afterCreate: 'after_create',
  beforeRun: 'before_run',
  afterRun: 'after_run',
  beforeRemove: 'before_remove',
} as const;
export type HookName = (typeof HookName)[keyof typeof HookName];

/** Default `hooks.timeout_ms` (SPEC §5.3.4). */
export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;

/** How much hook output reaches a log line or an error (SPEC §15.4: truncate). */
export const HOOK_OUTPUT_LOG_BYTES = 2048;

/** Symlinks followed while canonicalizing one path before giving up (Linux uses 40 too). */
const MAX_SYMLINK_HOPS = 40;

// ---------------------------------------------------------------- child environment

/**
 * The environment for a process Baton starts in a workspace (hooks, CLI agents, codex): `base`
 * without any variable named in `secretEnvNames`, plus `extra`. Secret names are removed last, so
 * `extra` cannot put a tracker secret back (SPEC §15.3). Undefined values are dropped.
 */
export function buildChildEnv(options: {
  base?: NodeJS.ProcessEnv;
  secretEnvNames?: readonly string[];
  extra?: Record<string, string | undefined>;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const source of [options.base ?? process.env, options.extra ?? {}]) {
    for (const [name, value] of Object.entries(source)) if (value !== undefined) env[name] = value;
  }
  for (const name of options.secretEnvNames ?? []) delete env[name];
  return env;
}

/** The `BATON_*` variables that tell a hook or agent which issue, stage and workspace it serves. */
export function batonIssueEnv(context: {
  issue?: Pick<Issue, 'id' | 'identifier'> | null;
  identifier?: string | null;
  stage?: string | null;
  workspace: string;
}): Record<string, string> {
  return {
    BATON_ISSUE_ID: context.issue?.id ?? '',
    BATON_ISSUE_IDENTIFIER: context.issue?.identifier ?? context.identifier ?? '',
    BATON_STAGE: context.stage ?? '',
    BATON_WORKSPACE: context.workspace,
  };
}

/** Root, hooks and secret names for these functions, taken from the effective config. */
export function workspaceSettingsFromConfig(config: Pick<BatonConfig, 'workspace' | 'hooks' | 'trackers'>): {
  root: string;
  hooks: WorkspaceHooks;
  hookTimeoutMs: number;
  secretEnvNames: string[];
} {
  return {
    root: config.workspace.root,
    hooks: config.hooks,
    hookTimeoutMs: config.hooks.timeout_ms,
    secretEnvNames: [...new Set(config.trackers.flatMap((t) => t.secret_env))],
  };
}

// ---------------------------------------------------------------- path safety

function isStrictlyBelow(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * What a full or read-only disk means and what to do, for a failed file operation (`code`) or a
 * hook whose output shows it: "Check that workspace.root is writable" or "Fix hooks.after_create"
 * sent people to the wrong place when the disk had simply filled up.
 */
function diskTrouble(where: string, code?: string, output = ''): string | undefined {
  if (code === 'ENOSPC' || code === 'EDQUOT' || /No space left on device|Disk quota exceeded/i.test(output)) {
    return `No space left on the disk holding ${where} (${code ?? 'ENOSPC'}): free space there or point workspace.root at a bigger disk; Baton retries the stage.`;
  }
  if (code === 'EROFS' || /Read-only file system/i.test(output)) {
    return `The disk holding ${where} is read-only (EROFS): remount it writable or point workspace.root elsewhere; Baton retries the stage.`;
  }
  return undefined;
}

/**
 * `target` made absolute with every symlink resolved, one segment at a time; the first missing
 * segment and everything after it are kept as written. Unlike `realpath`, this works for paths
 * that do not exist yet and for dangling symlinks, which is what a containment check needs.
 * A path that exists whole is `realpath`'s answer, which is the same and costs one call instead
 * of one `lstat` per segment (seven checks of a six-deep path per stage run); anything `realpath`
 * refuses (a missing segment, a dangling link, a loop, a permission) takes the walk below.
 */
export async function canonicalizePath(target: string, hops = 0): Promise<string> {
  const absolute = path.resolve(target);
  const whole = await realpath(absolute).catch(() => null);
  if (whole !== null) return whole;
  const segments = absolute.split(path.sep).filter(Boolean);
  let current = path.parse(absolute).root;
  for (let i = 0; i < segments.length; i++) {
    const next = path.join(current, segments[i]!);
    let info;
    try {
      info = await lstat(next);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return path.join(next, ...segments.slice(i + 1));
      throw new BatonError(
        ErrorCategory.workspacePathUnreadable,
        `Cannot read ${next} while checking a workspace path (${code ?? String(err)}). Check the permissions of the workspace root and its parents.`,
        { cause: err, retryable: false, details: { path: next } },
      );
    }
    if (info.isSymbolicLink()) {
      if (hops >= MAX_SYMLINK_HOPS) {
        throw new BatonError(
          ErrorCategory.workspacePathUnreadable,
          `Too many symbolic links while resolving ${absolute}. Remove the symlink loop under the workspace root.`,
          { retryable: false, details: { path: absolute } },
        );
      }
      const target = path.resolve(current, await readlink(next));
      return canonicalizePath(path.join(target, ...segments.slice(i + 1)), hops + 1);
    }
    current = next;
  }
  return current;
}

/**
 * The canonical form of `candidate`, which must lie strictly below the canonical `root`.
 * Errors: `workspace_equals_root`, `workspace_outside_root`, and `workspace_symlink_escape` when
 * the path is lexically inside the root but a symlink takes it outside.
 */
export async function assertInsideRoot(root: string, candidate: string): Promise<string> {
  const lexicalRoot = path.resolve(root);
  const canonicalRoot = await canonicalizePath(lexicalRoot);
  const lexical = path.resolve(candidate);
  const details = { root: canonicalRoot, path: lexical };
  const equalsRoot = () =>
    new BatonError(
      ErrorCategory.workspaceEqualsRoot,
      `Workspace path ${lexical} is the workspace root itself; each issue needs its own directory below ${canonicalRoot}.`,
      { retryable: false, details },
    );
  if (lexical === lexicalRoot || lexical === canonicalRoot) throw equalsRoot();
  const canonical = await canonicalizePath(lexical);
  if (canonical === canonicalRoot) throw equalsRoot();
  if (isStrictlyBelow(canonical, canonicalRoot)) return canonical;
  if (isStrictlyBelow(lexical, lexicalRoot) || isStrictlyBelow(lexical, canonicalRoot)) {
    throw new BatonError(
      ErrorCategory.workspaceSymlinkEscape,
      `Workspace path ${lexical} resolves to ${canonical}, outside the workspace root ${canonicalRoot}, through a symbolic link. Remove that link; Baton never follows links out of the root.`,
      { retryable: false, details: { ...details, resolved: canonical } },
    );
  }
  throw new BatonError(
    ErrorCategory.workspaceOutsideRoot,
    `Workspace path ${lexical} is outside the workspace root ${canonicalRoot}. Workspaces must live below workspace.root.`,
    { retryable: false, details: { ...details, resolved: canonical } },
  );
}

/**
 * The absolute, canonical workspace path of an issue: `<canonical root>/<workspaceKey(identifier)>`,
 * checked to lie strictly below the root (SPEC §9.5 invariant 2).
 */
export async function resolveWorkspacePath(root: string, identifier: string | null | undefined): Promise<string> {
  return assertInsideRoot(root, path.join(path.resolve(root), workspaceKey(identifier)));
}

/**
 * Check a coding agent's working directory before launch (SPEC §9.5 invariant 1, §15.2): it must
 * be an existing per-issue workspace directly below the root — the workspace of
 * `issueIdentifier` when one is given — never the root, never outside it. Returns the canonical
 * cwd; every failure is an `invalid_workspace_cwd` error whose `details.reason` names the rule.
 */
export async function assertAgentCwd(
  root: string,
  cwd: string,
  issueIdentifier?: string | null,
): Promise<string> {
  const invalid = (reason: string, message: string, cause?: unknown) =>
    new BatonError(ErrorCategory.invalidWorkspaceCwd, `Refusing to start the agent in ${cwd}: ${message}`, {
      retryable: false,
      cause,
      details: { reason, root, cwd },
    });
  let canonical: string;
  try {
    canonical = await assertInsideRoot(root, cwd);
  } catch (err) {
    if (!isBatonError(err)) throw err;
    throw invalid(err.category, err.message, err);
  }
  if (issueIdentifier !== undefined) {
    const expected = await resolveWorkspacePath(root, issueIdentifier);
    if (canonical !== expected) {
      throw invalid('not_issue_workspace', `the workspace of ${issueIdentifier ?? 'this issue'} is ${expected}.`);
    }
  } else if (path.dirname(canonical) !== (await canonicalizePath(root))) {
    throw invalid('not_issue_workspace', `it is not a per-issue workspace directly below ${root}.`);
  }
  const info = await stat(canonical).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw invalid('missing', 'the workspace directory does not exist; prepare the workspace first.');
  }
  return canonical;
}

// ---------------------------------------------------------------- hooks

/** Where and how a hook runs. `env` is used as given: build it with `buildChildEnv`. */
export interface HookRunOptions {
  cwd: string;
  timeoutMs?: number;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Aborting kills the hook and its process group. */
  signal?: AbortSignal;
  /** Extra fields on every log line (issue id, identifier, stage). */
  logFields?: Record<string, unknown>;
  /** Called with the hook's pid once it runs. */
  onSpawn?: (pid: number) => void;
}

export interface HookResult {
  hook: string;
  exitCode: number | null;
  durationMs: number;
  /** The last {@link HOOK_OUTPUT_LOG_BYTES} bytes of stdout and stderr, interleaved as they came. */
  output: string;
}

/** Keeps the last `maxBytes` of output lines; older lines are counted, not stored. */
function outputTail(maxBytes: number) {
  const lines: string[] = [];
  let bytes = 0;
  let droppedBytes = 0;
  return {
    push(line: string) {
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
      while (bytes > maxBytes && lines.length > 1) {
        const dropped = Buffer.byteLength(lines.shift()!) + 1;
        bytes -= dropped;
        droppedBytes += dropped;
      }
    },
    text(): string {
      let text = lines.join('\n');
      const buf = Buffer.from(text);
      if (buf.length > maxBytes) {
        droppedBytes += buf.length - maxBytes;
        text = buf.subarray(buf.length - maxBytes).toString('utf8').replace(/^\uFFFD+/, '');
      }
      return droppedBytes ? `…[${droppedBytes} earlier bytes truncated]\n${text}` : text;
    },
  };
}

/**
 * Run one hook script with `bash -lc` in `cwd`, in its own process group. Resolves when it exits
 * 0; otherwise rejects with `hook_timeout` (the whole group was killed) or `hook_failed`. Logs the
 * start and the outcome with truncated output.
 */
export async function runHook(name: string, script: string, options: HookRunOptions): Promise<HookResult> {
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  const fields = { ...options.logFields, hook: name, workspace: options.cwd };
  const tail = outputTail(HOOK_OUTPUT_LOG_BYTES);
  logger.info({ ...fields, timeout_ms: timeoutMs }, `hook ${name} started`);
  let result;
  try {
    result = await runShell(script, {
      cwd: options.cwd,
      env: options.env,
      timeoutMs,
      signal: options.signal,
      onStdoutLine: tail.push,
      onStderrLine: tail.push,
      // Lines are kept in `tail`; the raw capture only needs to stay small.
      maxCaptureBytes: HOOK_OUTPUT_LOG_BYTES,
      onSpawn: options.onSpawn,
    });
  } catch (err) {
    logger.warn({ ...fields, err }, `hook ${name} could not start`);
    throw new BatonError(
      ErrorCategory.hookFailed,
      `The ${name} hook could not start in ${options.cwd} (${errnoCode(err) ?? String(err)}). Check that bash is installed and the workspace exists.`,
      { cause: err, details: { hook: name, cwd: options.cwd } },
    );
  }
  const output = tail.text();
  const outcome: HookResult = { hook: name, exitCode: result.exitCode, durationMs: result.durationMs, output };
  const details = { hook: name, cwd: options.cwd, exit_code: result.exitCode, output };
  if (result.killedFor === 'timeout') {
    logger.warn({ ...fields, duration_ms: result.durationMs, output }, `hook ${name} timed out after ${timeoutMs} ms`);
    throw new BatonError(
      ErrorCategory.hookTimeout,
      `The ${name} hook did not finish within ${timeoutMs} ms in ${options.cwd}; it and every process it started were killed. Speed up hooks.${name} or raise hooks.timeout_ms.`,
      { details },
    );
  }
  if (result.killedFor || result.exitCode !== 0) {
    const why = result.killedFor === 'abort' ? 'was cancelled' : `exited with ${result.exitCode ?? result.signal}`;
    logger.warn({ ...fields, duration_ms: result.durationMs, exit_code: result.exitCode, output }, `hook ${name} ${why}`);
    const last = oneLine(output.split('\n').filter(Boolean).slice(-3).join(' | '), 300);
    const advice = diskTrouble(options.cwd, undefined, last) ?? `Fix hooks.${name} in the workflow config.`;
    throw new BatonError(
      ErrorCategory.hookFailed,
      `The ${name} hook ${why} in ${options.cwd}${last ? ` (${last})` : ''}. ${advice}`,
      { details },
    );
  }
  logger.info({ ...fields, duration_ms: result.durationMs }, `hook ${name} completed`);
  logger.debug({ ...fields, output }, `hook ${name} output`);
  return outcome;
}

/** What every workspace operation needs to run hooks for an issue. */
export interface WorkspaceHookOptions {
  hooks?: WorkspaceHooks;
  /** Overrides `hooks.timeout_ms`; default 60 s. */
  hookTimeoutMs?: number;
  /** Environment hooks inherit (default `process.env`); secrets are removed from it. */
  env?: NodeJS.ProcessEnv;
  /** Tracker secret variable names no hook may see: `config.trackers.flatMap(t => t.secret_env)`. */
  secretEnvNames?: readonly string[];
  logger?: Logger;
  /** The stage this happens for; hooks see it as `BATON_STAGE`. */
  stage?: string | null;
  signal?: AbortSignal;
}

function hookScript(hooks: WorkspaceHooks | undefined, name: HookName): string | undefined {
  const script = hooks?.[name];
  return typeof script === 'string' && script.trim() !== '' ? script : undefined;
}

/** Run a configured hook for an issue, or do nothing when it is not configured. */
async function runIssueHook(
  name: HookName,
  workspace: string,
  target: { issue?: Pick<Issue, 'id' | 'identifier'> | null; identifier?: string | null },
  options: WorkspaceHookOptions & { onSpawn?: (pid: number) => void },
): Promise<HookResult | undefined> {
  const script = hookScript(options.hooks, name);
  if (!script) return undefined;
  const identifier = target.issue?.identifier ?? target.identifier ?? undefined;
  return runHook(name, script, {
    cwd: workspace,
    timeoutMs: options.hookTimeoutMs ?? options.hooks?.timeout_ms ?? DEFAULT_HOOK_TIMEOUT_MS,
    env: buildChildEnv({
      base: options.env,
      secretEnvNames: options.secretEnvNames,
      extra: batonIssueEnv({ ...target, stage: options.stage, workspace }),
    }),
    logger: options.logger,
    signal: options.signal,
    logFields: { issue_id: target.issue?.id, issue_identifier: identifier, stage: options.stage ?? undefined },
    onSpawn: options.onSpawn,
  });
}

/** Run a hook whose failure is logged and ignored (`after_run`, `before_remove`). */
async function runIgnoringFailure(
  name: HookName,
  workspace: string,
  target: { issue?: Pick<Issue, 'id' | 'identifier'> | null; identifier?: string | null },
  options: WorkspaceHookOptions,
): Promise<IgnoredHookOutcome> {
  try {
    const result = await runIssueHook(name, workspace, target, options);
    return { ran: result !== undefined };
  } catch (err) {
    const error = isBatonError(err)
      ? err
      : new BatonError(ErrorCategory.hookFailed, `The ${name} hook failed: ${String(err)}`, { cause: err });
    (options.logger ?? silentLogger).warn(
      { hook: name, workspace, issue_id: target.issue?.id, error: error.toString() },
      `hook ${name} failed; ignored as the spec requires`,
    );
    return { ran: true, error };
  }
}

/** Outcome of a hook whose failure does not stop anything. */
export interface IgnoredHookOutcome {
  /** Whether a script was configured and started. */
  ran: boolean;
  /** The failure that was logged and ignored. */
  error?: BatonError;
}

// ---------------------------------------------------------------- workspace lifecycle

export interface Workspace {
  /** Absolute canonical path, strictly below the root. */
  path: string;
  /** The directory name (SPEC §4.2). */
  key: string;
  /** True only when this call created the directory (and so ran `after_create`). */
  createdNow: boolean;
}

/** Whether the filesystem holding `dir` has no block or no inode left for an unprivileged write. */
async function diskIsFull(dir: string): Promise<boolean> {
  const stats = await statfs(dir).catch(() => undefined);
  // Filesystems without an inode table (btrfs) report zero inodes in all: only blocks count there.
  return stats !== undefined && (stats.bavail === 0 || (stats.files > 0 && stats.ffree === 0));
}

async function removeQuietly(target: string): Promise<void> {
  await rm(target, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
}

/**
 * Make sure the issue's workspace exists (SPEC §9.2): creates the root if needed, reuses an
 * existing directory untouched, replaces a non-directory, and runs `after_create` only when the
 * directory was created by this call. If `after_create` fails or times out, the new directory is
 * removed and the `hook_failed`/`hook_timeout` error is thrown.
 */
export async function ensureWorkspace(
  options: WorkspaceHookOptions & { root: string; issue: Pick<Issue, 'id' | 'identifier'> },
): Promise<Workspace> {
  const logger = options.logger ?? silentLogger;
  const key = workspaceKey(options.issue.identifier);
  const fields = { issue_id: options.issue.id, issue_identifier: options.issue.identifier };
  const createFailed = (what: string, target: string, err: unknown, code = errnoCode(err)) => {
    const disk = diskTrouble(root, code);
    return new BatonError(
      ErrorCategory.workspaceCreateFailed,
      disk ? `Could not ${what} ${target}. ${disk}` : `Could not ${what} ${target} (${code ?? String(err)}). Check that workspace.root is writable.`,
      { cause: err, details: { path: target } },
    );
  };

  const root = path.resolve(options.root);
  await mkdir(root, { recursive: true }).catch((err: unknown) => {
    throw createFailed('create the workspace root', root, err);
  });
  const workspace = await resolveWorkspacePath(root, options.issue.identifier);

  const existing = await lstat(workspace).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw createFailed('inspect', workspace, err);
  });
  const mark = new CreationMark(root, key);
  if (existing?.isDirectory()) {
    if (!(await mark.unfinished())) {
      logger.debug({ ...fields, workspace }, 'workspace reused');
      return { path: workspace, key, createdNow: false };
    }
    // Its after_create never finished (the worker running it died): start the workspace again.
    const hook = await mark.reap();
    logger.warn({ ...fields, workspace, hook }, 'after_create never finished in this workspace (its worker died); removing it to create it again');
    await rm(workspace, { recursive: true, force: true, maxRetries: 2 }).catch((err: unknown) => {
      throw createFailed('remove the half-made workspace', workspace, err);
    });
  }
  if (existing) {
    logger.warn({ ...fields, workspace }, 'a non-directory was at the workspace path; replacing it with a directory');
    await rm(workspace, { force: true }).catch((err: unknown) => {
      throw createFailed('remove the non-directory at', workspace, err);
    });
  }

  let createdNow = true;
  try {
    await mkdir(path.dirname(workspace), { recursive: true });
    await mkdir(workspace);
  } catch (err) {
    // Another attempt may have created it between the check and here; that one owns after_create.
    const raced = errnoCode(err) === 'EEXIST' && (await stat(workspace).catch(() => undefined))?.isDirectory();
    if (!raced) throw createFailed('create', workspace, err);
    createdNow = false;
  }
  if (!createdNow) return { path: workspace, key, createdNow };
  logger.info({ ...fields, workspace }, 'workspace created');

  if (!hookScript(options.hooks, HookName.afterCreate)) return { path: workspace, key, createdNow };
  try {
    await mark.begin();
  } catch (err) {
    // Without its mark the next attempt would take this directory for a finished workspace and
    // run the agent in it without after_create: remove it, as when after_create itself fails.
    // (On a full tmpfs a recursive mkdir reports ENOENT: ask the disk what it lacks.)
    const code = (await diskIsFull(root)) ? 'ENOSPC' : errnoCode(err);
    await removeQuietly(workspace);
    await mark.clear().catch(() => undefined);
    throw createFailed('record that after_create is starting in', workspace, err, code);
  }
  try {
    await runIssueHook(HookName.afterCreate, workspace, { issue: options.issue }, { ...options, onSpawn: (pid) => void mark.started(pid).catch(() => undefined) });
  } catch (err) {
    await removeQuietly(workspace);
    await mark.clear();
    logger.warn({ ...fields, workspace }, 'after_create failed; removed the new workspace so the next attempt starts fresh');
    throw err;
  }
  await mark.clear();
  return { path: workspace, key, createdNow };
}

/**
 * Run `before_run` before an agent attempt. A failure or timeout rejects (`hook_failed` /
 * `hook_timeout`) and must abort the attempt (SPEC §9.4).
 */
export async function runBeforeRun(
  options: WorkspaceHookOptions & { workspace: string; issue: Pick<Issue, 'id' | 'identifier'> },
): Promise<HookResult | undefined> {
  return runIssueHook(HookName.beforeRun, options.workspace, { issue: options.issue }, options);
}

/**
 * Run `after_run` after an agent attempt, whatever its outcome. Never rejects: a failure or
 * timeout is logged and returned (SPEC §9.4).
 */
export async function runAfterRun(
  options: WorkspaceHookOptions & { workspace: string; issue: Pick<Issue, 'id' | 'identifier'> },
): Promise<IgnoredHookOutcome> {
  const exists = (await stat(options.workspace).catch(() => undefined))?.isDirectory();
  if (!exists) return { ran: false };
  return runIgnoringFailure(HookName.afterRun, options.workspace, { issue: options.issue }, options);
}

export interface RemoveWorkspaceOptions extends WorkspaceHookOptions {
  root: string;
  /** The path recorded when the workspace was prepared; preferred over `identifier`. */
  recordedPath?: string | null;
  /** Used to compute the path when none was recorded. */
  identifier?: string | null;
  /** Known issue, for `BATON_ISSUE_ID` and logs. */
  issue?: Pick<Issue, 'id' | 'identifier'> | null;
}

/**
 * Delete an issue's workspace (terminal issues, cleanup). Containment is re-checked first, so a
 * path that now escapes the root through a symlink is refused rather than deleted. `before_remove`
 * runs only if the directory exists; its failure is logged and removal proceeds. Removing a missing
 * workspace is a no-op.
 */
export async function removeWorkspace(options: RemoveWorkspaceOptions): Promise<{ path: string; removed: boolean }> {
  const identifier = options.identifier ?? options.issue?.identifier;
  if (!options.recordedPath && identifier == null) {
    throw new BatonError(ErrorCategory.internal, 'removeWorkspace needs a recordedPath or an identifier; this is a bug in Baton.', {
      retryable: false,
    });
  }
  const workspace = options.recordedPath
    ? await assertInsideRoot(options.root, options.recordedPath)
    : await resolveWorkspacePath(options.root, identifier);
  const existing = await lstat(workspace).catch(() => undefined);
  if (existing?.isDirectory()) {
    await runIgnoringFailure(HookName.beforeRemove, workspace, { issue: options.issue, identifier }, options);
  }
  await rm(workspace, { recursive: true, force: true, maxRetries: 2 }).catch((err: unknown) => {
    throw new BatonError(
      ErrorCategory.workspaceCreateFailed,
      `Could not remove workspace ${workspace} (${errnoCode(err) ?? String(err)}). Check its permissions, then remove it by hand.`,
      { cause: err, details: { path: workspace } },
    );
  });
  (options.logger ?? silentLogger).info(
    { issue_id: options.issue?.id, issue_identifier: identifier, workspace, existed: existing !== undefined },
    existing ? 'workspace removed' : 'workspace already absent',
  );
  return { path: workspace, removed: existing !== undefined };
}
