/**
 * The `file` tracker, Baton's embedded default: a folder of Markdown issues, one `*.md` file each,
 * with YAML front matter (profile: spec/adapters/file.md). Every read is one directory scan that
 * stats each file (file-stamps.ts) and reads only those whose stamp changed since the last scan
 * (file-cache.ts), and reads asked for at once share one scan (base/fresh-read.ts); every write
 * replaces the file atomically (temp file in the same folder, fsync, rename), so a reader sees the
 * old file or the new one, never a partial one, and drops the file's cache entry.
 */
import * as nodeFs from 'node:fs/promises';
import { statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { Issue } from '../../core/issue.js';
import type { TrackerConfig } from '../../config/schema.js';
import type { Logger } from '../../base/logger.js';
import { freshSharedRead } from '../../base/fresh-read.js';
import { failed, passed, type PreflightFinding } from '../../core/preflight.js';
import type { AgentToolResult, AgentToolSpec, IssueKey, PollResult, PullRequestLink, TrackerAdapter, TrackerContext, WriteBatch } from './types.js';
import {
  buildSnapshot,
  editLabels,
  selectByIds,
  selectByStates,
  selectPoll,
  type LocalSnapshot,
  type RawRecord,
} from './local-tracker.js';
import { ParsedFileCache } from './file-cache.js';
import { FolderStamper, type Stamped } from './file-stamps.js';
import { isIssueFileName, watchIssueFolder } from './file-watch.js';
import {
  appendComment,
  descriptionOf,
  labelsOf,
  parseMarkdownIssue,
  renderMarkdownIssue,
  setLabels,
  setProgressSection,
} from './markdown-issue.js';

/** The filesystem calls the tracker makes; tests pass a counting wrapper. */
export type FileTrackerFs = Pick<typeof nodeFs, 'readdir' | 'readFile' | 'open' | 'rename' | 'rm' | 'stat'>;

export interface FileTrackerDeps {
  fs?: FileTrackerFs;
  /** Clock for `updated_at` and comment stamps. */
  now?: () => Date;
  /** Parse cache (tests pass one to watch it); default: a fresh one per tracker. */
  cache?: ParsedFileCache<RawRecord>;
}

/** Files read at once during a scan: enough to be quick, few enough to stay clear of EMFILE. */
const READ_BATCH = 64;

const ReadToolArgs = z.strictObject({
  identifier: z.string().trim().min(1).describe('Identifier of an issue in the same folder, for example `ABC-12`'),
});
const UpdateToolArgs = z
  .strictObject({
    state: z.string().trim().min(1).optional().describe('Move the current issue to this state'),
    add_labels: z.array(z.string().trim().min(1)).optional().describe('Labels to add'),
    remove_labels: z.array(z.string().trim().min(1)).optional().describe('Labels to remove'),
    comment: z.string().trim().min(1).optional().describe('Markdown comment appended to the issue'),
  })
  .refine((a) => a.state || a.add_labels?.length || a.remove_labels?.length || a.comment, {
    message: 'give at least one of `state`, `add_labels`, `remove_labels`, `comment`',
  });

const TOOL_SPECS: AgentToolSpec[] = [
  {
    name: 'file_issue_read',
    description: 'Read an issue of this folder tracker by identifier (front matter fields and description).',
    inputSchema: z.toJSONSchema(ReadToolArgs) as Record<string, unknown>,
  },
  {
    name: 'file_issue_update',
    description: 'Change the current issue: move it to a state, add or remove labels, append a comment.',
    inputSchema: z.toJSONSchema(UpdateToolArgs) as Record<string, unknown>,
  },
];

interface IssueChange {
  state?: string;
  addLabels?: readonly string[];
  removeLabels?: readonly string[];
  comment?: string;
  progress?: string;
  /** The issue's pull request URL, kept in the front matter's `pull_request` key. */
  pullRequest?: string;
}

function toolFailure(message: string, extra: Record<string, unknown> = {}): AgentToolResult {
  return { success: false, output: JSON.stringify({ error: { message, ...extra } }, null, 2) };
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Build a `file` tracker; `config.provider.dir` is already an absolute path. */
export function createFileTracker(config: TrackerConfig, ctx: TrackerContext, deps: FileTrackerDeps = {}): FileTracker {
  return new FileTracker(config, ctx, deps);
}

export class FileTracker implements TrackerAdapter {
  readonly kind = 'file';
  /** Absolute folder of the issues. */
  readonly dir: string;
  private readonly fs: FileTrackerFs;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private readonly warned = new Set<string>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly cache: ParsedFileCache<RawRecord>;
  /** Stats each scan's files, inline while the folder answers fast (file-stamps.ts). */
  private readonly stamper: FolderStamper;
  /** Callers asking at once share one scan (base/fresh-read.ts): N revalidating activities cost two scans, not N. */
  private readonly scan: () => Promise<LocalSnapshot> = freshSharedRead(() => this.scanFolder());

  constructor(
    private readonly config: TrackerConfig,
    ctx: TrackerContext,
    deps: FileTrackerDeps,
  ) {
    const dir = config.provider.dir;
    if (typeof dir !== 'string' || !path.isAbsolute(dir)) {
      throw new BatonError(
        ErrorCategory.invalidTrackerConfig,
        `tracker \`${config.name}\`: provider.dir must be a folder path (got ${JSON.stringify(dir)}); set tracker.provider.dir`,
        { retryable: false },
      );
    }
    this.dir = path.resolve(dir);
    this.fs = deps.fs ?? nodeFs;
    this.now = deps.now ?? (() => new Date());
    this.cache = deps.cache ?? new ParsedFileCache<RawRecord>();
    this.logger = ctx.logger.child({ tracker: config.name, tracker_kind: 'file' });
    // An injected fs without statSync (a test's) is stat'ed through its own promise calls.
    this.stamper = new FolderStamper(deps.fs ? { stat: (f) => this.fs.stat(f) } : { stat: (f) => nodeFs.stat(f), statSync }, this.logger);
  }

  async fetchIssuesByStates(states: readonly string[]): Promise<Issue[]> {
    if (states.length === 0) return [];
    return selectByStates(await this.scan(), states);
  }

  async fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]> {
    if (ids.length === 0) return [];
    return selectByIds(await this.scan(), ids, this.config.name);
  }

  /** `baton doctor`: the folder reads, and how many issues sit in the active states. */
  async preflight(activeStates: readonly string[]): Promise<PreflightFinding> {
    try {
      const issues = await this.fetchIssuesByStates(activeStates);
      return passed(`folder ${this.dir} reads: ${issues.length} issue(s) in ${activeStates.join(', ') || 'no active state'}`, { dir: this.dir, issues: issues.length });
    } catch (err) {
      return failed('file tracker', err instanceof Error ? err.message : String(err), `create ${this.dir} (with one Markdown file per issue), or set tracker.provider.dir to that folder`, { dir: this.dir });
    }
  }

  async poll(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult> {
    if (activeStates.length === 0 && inflightIds.length === 0) return { candidates: [], inflight: [] };
    return selectPoll(await this.scan(), activeStates, inflightIds, this.config.name);
  }

  async moveToState(issue: Issue, state: string): Promise<void> {
    await this.change(issue, { state });
  }

  async addLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    if (labels.length > 0) await this.change(issue, { addLabels: labels });
  }

  async removeLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    if (labels.length > 0) await this.change(issue, { removeLabels: labels });
  }

  async upsertProgressComment(issue: Issue, body: string): Promise<void> {
    await this.change(issue, { progress: body });
  }

  /** The pull request's URL as the front matter's `pull_request` line (a retry writes nothing). */
  async linkPullRequest(issue: IssueKey, link: PullRequestLink): Promise<void> {
    await this.change(issue, { pullRequest: link.url });
  }

  /** A stage's writes as one atomic rewrite of the issue's file (one fsync, not one per write). */
  async writeBatch(issue: Issue, batch: WriteBatch): Promise<void> {
    await this.change(issue, {
      ...(batch.moveTo ? { state: batch.moveTo } : {}),
      addLabels: batch.addLabels,
      removeLabels: batch.removeLabels,
      ...(batch.progress !== undefined ? { progress: batch.progress } : {}),
    });
  }

  agentTools(): AgentToolSpec[] {
    return TOOL_SPECS;
  }

  async executeAgentTool(name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
    try {
      if (name === 'file_issue_read') {
        const parsed = ReadToolArgs.safeParse(args);
        if (!parsed.success) return toolFailure(`file_issue_read: ${z.prettifyError(parsed.error)}`);
        const found = (await this.scan()).issues.find((i) => i.identifier === parsed.data.identifier);
        if (!found) return toolFailure(`file_issue_read: no issue \`${parsed.data.identifier}\` in this tracker`);
        return { success: true, output: JSON.stringify(found, null, 2) };
      }
      if (name === 'file_issue_update') {
        const parsed = UpdateToolArgs.safeParse(args);
        if (!parsed.success) return toolFailure(`file_issue_update: ${z.prettifyError(parsed.error)}`);
        const a = parsed.data;
        await this.change(issue, { state: a.state, addLabels: a.add_labels, removeLabels: a.remove_labels, comment: a.comment });
        const [updated] = await this.fetchIssuesByIds([issue.id]);
        return { success: true, output: JSON.stringify(updated ?? null, null, 2) };
      }
      return toolFailure(`Unsupported dynamic tool: ${JSON.stringify(name)}.`, {
        supportedTools: TOOL_SPECS.map((t) => t.name),
      });
    } catch (err) {
      return toolFailure(err instanceof BatonError ? err.toString() : String(err));
    }
  }

  secretEnvNames(): string[] {
    return [];
  }

  // ------------------------------------------------------------------ reads

  /** A new issue file in the folder asks for a poll at once (off with `provider.watch: false`). */
  watch(onChange: () => void): () => void {
    if (this.config.provider.watch === false) return () => undefined;
    return watchIssueFolder(this.dir, onChange, this.logger);
  }

  /** One directory scan: every `*.md` file read, normalized and checked against the others. */
  private async scanFolder(): Promise<LocalSnapshot> {
    let names: string[];
    try {
      const entries = await this.fs.readdir(this.dir, { withFileTypes: true });
      // Plain files only: a symlink could point outside the folder the tracker is scoped to.
      // Dot files are Baton's temp files; a README describes the folder and is no issue.
      names = entries
        .filter((e) => e.isFile() && isIssueFileName(e.name))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      throw new BatonError(
        ErrorCategory.trackerRequest,
        `tracker \`${this.config.name}\`: cannot read the issues folder ${this.dir} (${errnoCode(err) ?? String(err)}); create it or fix tracker.provider.dir`,
        { cause: err },
      );
    }
    const stamps = await this.stamper.stampAll(this.dir, names);
    const records: RawRecord[] = [];
    for (let i = 0; i < names.length; i += READ_BATCH) {
      const batch = await Promise.all(names.slice(i, i + READ_BATCH).map((name, j) => this.cachedRecord(name, stamps[i + j]!)));
      for (const record of batch) if (record) records.push(record);
    }
    this.cache.retain(new Set(names));
    const snapshot = buildSnapshot(records, this.config.terminal_states, (issue) => String(issue.native_ref?.path));
    for (const m of snapshot.malformed) this.warnOnce(m.source, m.reason);
    return snapshot;
  }

  /** The file's record from the cache when its stamp is unchanged, else read and (maybe) cached. */
  private async cachedRecord(name: string, stamped: Stamped): Promise<RawRecord | null> {
    if (stamped.kind === 'gone') return null;
    // Not stat'able (EACCES, EIO): the read says why, and nothing is cached.
    if (stamped.kind === 'unstamped') return this.readRecord(name);
    const { stamp } = stamped;
    const hit = this.cache.get(name, stamp);
    if (hit) return hit;
    // Stamped before reading: a write racing this read leaves a newer stamp, so the next scan re-reads.
    const readAt = Date.now();
    const text = await this.readText(name);
    // Gone (null), or a failed read (EACCES, EIO, EMFILE) that may heal without the file changing: never cached.
    if (typeof text !== 'string') return text;
    return this.cache.remember(name, stamp, text, readAt, (t) => this.recordOf(name, t));
  }

  /** null when the file vanished between listing and reading (renamed or deleted: not an issue now). */
  private async readRecord(name: string): Promise<RawRecord | null> {
    const text = await this.readText(name);
    return typeof text === 'string' ? this.recordOf(name, text) : text;
  }

  /** The file's text; a record saying why when it cannot be read; null when it is gone. */
  private async readText(name: string): Promise<string | RawRecord | null> {
    const file = path.join(this.dir, name);
    try {
      return await this.fs.readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      return { ...this.recordBase(name), fields: null, error: `it cannot be read (${errnoCode(err) ?? String(err)})` };
    }
  }

  private recordBase(name: string): Pick<RawRecord, 'source' | 'fallbackIdentifier' | 'native_ref' | 'url'> {
    const file = path.join(this.dir, name);
    return { source: file, fallbackIdentifier: name.slice(0, -'.md'.length), native_ref: { path: file }, url: pathToFileURL(file).href };
  }

  /** What the file's text says: a pure function of the name and the text. */
  private recordOf(name: string, text: string): RawRecord {
    const parsed = parseMarkdownIssue(text);
    if (!parsed.ok) return { ...this.recordBase(name), fields: null, error: parsed.error };
    return { ...this.recordBase(name), fields: parsed.fields, description: descriptionOf(parsed.body) };
  }

  /** Malformed files are logged once per reason, not on every poll. */
  private warnOnce(source: string, reason: string): void {
    const key = `${source}\n${reason}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn({ file: source, reason }, `skipping malformed issue file ${source}: ${reason}`);
  }

  // ------------------------------------------------------------------ writes

  /** The file that holds `issue` now: its recorded path when it still holds that id, else a scan. */
  private async locate(issue: IssueKey): Promise<string> {
    const recorded = issue.native_ref?.path;
    if (typeof recorded === 'string' && path.dirname(path.resolve(recorded)) === this.dir && recorded.endsWith('.md')) {
      const record = await this.readRecord(path.basename(recorded));
      // A file that became unreadable is still the issue's file: `change` reports why it can't edit it.
      if (record && !record.fields) return record.source;
      if (record?.fields) {
        const id = record.fields.id ?? record.fields.identifier ?? record.fallbackIdentifier;
        if (id !== undefined && String(id).trim() === issue.id) return record.source;
      }
    }
    const snapshot = await this.scan();
    const found = snapshot.issues.find((i) => i.id === issue.id);
    const broken = snapshot.malformed.find((m) => m.claimedId === issue.id);
    if (!found && broken) {
      throw new BatonError(
        ErrorCategory.trackerResponse,
        `tracker \`${this.config.name}\`: cannot update ${broken.source} because ${broken.reason}; fix the file`,
        { retryable: false },
      );
    }
    if (!found) {
      throw new BatonError(
        ErrorCategory.trackerStatus,
        `tracker \`${this.config.name}\`: issue ${issue.identifier} (id ${issue.id}) is no longer in ${this.dir}; it was moved or deleted`,
        { retryable: false },
      );
    }
    return String(found.native_ref?.path);
  }

  /** Read, edit and atomically replace the issue's file; one edit per file at a time. */
  private async change(issue: IssueKey, change: IssueChange): Promise<void> {
    const file = await this.locate(issue);
    await this.serialized(file, async () => {
      let text: string;
      try {
        text = await this.fs.readFile(file, 'utf8');
      } catch (err) {
        throw new BatonError(
          ErrorCategory.trackerRequest,
          `tracker \`${this.config.name}\`: cannot read ${file} to update it (${errnoCode(err) ?? String(err)})`,
          { cause: err },
        );
      }
      const parsed = parseMarkdownIssue(text);
      if (!parsed.ok) {
        throw new BatonError(
          ErrorCategory.trackerResponse,
          `tracker \`${this.config.name}\`: cannot update ${file} because ${parsed.error}; fix the file`,
          { retryable: false },
        );
      }
      const { doc } = parsed;
      let body = parsed.body;
      const stamp = this.now().toISOString();
      let touched = false;
      // Re-applying a write (an activity retry) leaves the file, and its updated_at, as they are.
      const state = change.state?.trim();
      if (state && doc.get('state') !== state) {
        doc.set('state', state);
        touched = true;
      }
      const labels = editLabels(labelsOf(doc), change.addLabels ?? [], change.removeLabels ?? []);
      if (labels) {
        setLabels(doc, labels);
        touched = true;
      }
      if (touched) doc.set('updated_at', stamp);
      // A link is not an edit of the issue: it leaves updated_at alone.
      if (change.pullRequest && doc.get('pull_request') !== change.pullRequest) doc.set('pull_request', change.pullRequest);
      if (change.comment) body = appendComment(body, change.comment, stamp);
      if (change.progress !== undefined) body = setProgressSection(body, change.progress);
      const next = renderMarkdownIssue(doc, body);
      if (next !== text) await this.replaceAtomically(file, next);
    });
  }

  private async serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  /** Temp file in the same folder, fsync, rename over the target, fsync the folder. */
  private async replaceAtomically(file: string, text: string): Promise<void> {
    const tmp = path.join(this.dir, `.${path.basename(file)}.${randomUUID().slice(0, 8)}.tmp`);
    try {
      const mode = (await this.fs.stat(file).catch(() => undefined))?.mode;
      const handle = await this.fs.open(tmp, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        if (mode !== undefined) await handle.chmod(mode & 0o7777);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.fs.rename(tmp, file);
      this.cache.forget(path.basename(file));
    } catch (err) {
      await this.fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new BatonError(
        ErrorCategory.trackerRequest,
        `tracker \`${this.config.name}\`: cannot write ${file} (${errnoCode(err) ?? String(err)}); check the folder's permissions and free space`,
        { cause: err },
      );
    }
    // The rename is durable only once the folder entry is on disk; failing here loses nothing now.
    try {
      const dirHandle = await this.fs.open(this.dir, 'r');
      await dirHandle.sync().finally(() => dirHandle.close());
    } catch {
      // some filesystems refuse fsync on directories
    }
  }
}
