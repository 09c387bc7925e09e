/**
 * The `memory` tracker: an in-process store for tests (profile: spec/adapters/memory.md). Tests seed
 * and change issues through `memoryTrackerStore(name)`; adapters built with `provider.store: name`
 * read and write the same store, with the `file` tracker's read semantics (blockers, dispatchable,
 * malformed records), a request counter, a write log and injectable failures.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { BlockerRef, Issue } from '../../core/issue.js';
import type { TrackerConfig } from '../../config/schema.js';
import type { Logger } from '../../base/logger.js';
import type { AgentToolResult, AgentToolSpec, PollResult, TrackerAdapter, TrackerContext } from './types.js';
import {
  buildSnapshot,
  editLabels,
  normalizeRecord,
  selectByIds,
  selectByStates,
  selectPoll,
  type LocalSnapshot,
  type RawRecord,
} from './local-tracker.js';

/** What a test passes to `put`: any Issue fields; blockers may be plain identifiers. */
export type MemoryIssueInput = Omit<Partial<Issue>, 'blocked_by'> & { blocked_by?: (BlockerRef | string)[] };

/** One write an adapter made, in order. */
export interface MemoryWrite {
  op: 'move_to_state' | 'add_labels' | 'remove_labels' | 'progress_comment';
  id: string;
  identifier: string;
  /** The state, the labels, or the comment body. */
  value: string | readonly string[];
  at: string;
}

/** Which kind of call an injected failure hits. */
export type MemoryFailureTarget = 'read' | 'write';

interface PendingFailure {
  category: ErrorCategory;
  message: string;
}

/** One named in-process store, shared by every `memory` adapter configured with its name. */
export class MemoryTrackerStore {
  private readonly records = new Map<string, Record<string, unknown>>();
  private readonly comments = new Map<string, string>();
  private readonly log: MemoryWrite[] = [];
  private readonly failures: Record<MemoryFailureTarget, PendingFailure[]> = { read: [], write: [] };
  private sequence = 0;
  private readCount = 0;

  constructor(readonly name: string) {}

  /** Add or replace an issue, filling every missing field with a default; returns what was stored. */
  put(input: MemoryIssueInput = {}): Issue {
    this.sequence += 1;
    const identifier = input.identifier ?? input.id ?? `MEM-${this.sequence}`;
    const id = input.id ?? identifier;
    const issue = {
      id,
      identifier,
      title: `Issue ${identifier}`,
      description: null,
      priority: null,
      state: 'Todo',
      branch_name: null,
      url: null,
      assignee_id: null,
      labels: [],
      dispatchable: true,
      created_at: null,
      updated_at: null,
      native_ref: { store: this.name, id },
      ...structuredClone(input),
      blocked_by: (input.blocked_by ?? []).map((b) =>
        typeof b === 'string' ? { id: null, identifier: b, state: null } : { ...b },
      ),
    } satisfies Issue;
    this.records.set(id, issue);
    return structuredClone(issue);
  }

  /** Store a record exactly as given, even a malformed one (keyed by its id, identifier or `key`). */
  putRaw(record: Record<string, unknown>, key?: string): void {
    this.sequence += 1;
    const k = key ?? (typeof record.id === 'string' ? record.id : typeof record.identifier === 'string' ? record.identifier : `raw-${this.sequence}`);
    this.records.set(k, structuredClone(record));
  }

  /** Change fields of a stored issue; `updated_at` moves to now unless the patch sets it. */
  update(id: string, patch: MemoryIssueInput): Issue {
    const record = this.records.get(id);
    if (!record) throw new Error(`memory store \`${this.name}\` has no issue with id ${id}`);
    const blocked_by = patch.blocked_by?.map((b) => (typeof b === 'string' ? { id: null, identifier: b, state: null } : b));
    Object.assign(record, structuredClone({ updated_at: new Date().toISOString(), ...patch }));
    if (blocked_by) record.blocked_by = blocked_by;
    return structuredClone(record) as Issue;
  }

  /** The stored issue normalized on its own (blockers unresolved), or undefined when missing or malformed. */
  get(id: string): Issue | undefined {
    const record = this.records.get(id);
    if (!record) return undefined;
    const result = normalizeRecord(this.rawRecord(id, record));
    return result.ok ? result.issue : undefined;
  }

  remove(id: string): void {
    this.records.delete(id);
    this.comments.delete(id);
  }

  /** Baton's progress comment on an issue, if one was written. */
  progressComment(id: string): string | undefined {
    return this.comments.get(id);
  }

  /** Reads the adapters made (each fetch or poll that was not short-circuited by empty input). */
  get requests(): number {
    return this.readCount;
  }

  /** Every write, oldest first. */
  get writes(): readonly MemoryWrite[] {
    return [...this.log];
  }

  /** Make the next read (or write) fail with a BatonError of this category. */
  failNext(category: ErrorCategory, options: { on?: MemoryFailureTarget; message?: string } = {}): void {
    const on = options.on ?? 'read';
    this.failures[on].push({ category, message: options.message ?? `injected ${on} failure (${category})` });
  }

  /** Forget every issue, comment, write, counter and pending failure. */
  clear(): void {
    this.records.clear();
    this.comments.clear();
    this.log.length = 0;
    this.failures.read.length = 0;
    this.failures.write.length = 0;
    this.sequence = 0;
    this.readCount = 0;
  }

  // ------------------------------------------------------------------ adapter side

  /** @internal One provider read: counts it, honours an injected failure, returns the snapshot. */
  read(terminalStates: readonly string[]): LocalSnapshot {
    this.readCount += 1;
    this.throwPending('read');
    const raw = [...this.records].map(([key, record]) => this.rawRecord(key, record));
    return buildSnapshot(raw, terminalStates, (issue) => `memory:${this.name}/${issue.id}`);
  }

  /** @internal Apply one write to a stored issue and log it. */
  write(issue: Issue, op: MemoryWrite['op'], value: string | readonly string[], apply: (record: Record<string, unknown>) => void): void {
    this.throwPending('write');
    const record = this.records.get(issue.id);
    if (!record) {
      throw new BatonError(
        ErrorCategory.trackerStatus,
        `memory store \`${this.name}\`: issue ${issue.identifier} (id ${issue.id}) does not exist`,
        { retryable: false },
      );
    }
    apply(record);
    this.log.push({ op, id: issue.id, identifier: issue.identifier, value, at: new Date().toISOString() });
  }

  /** @internal */
  setComment(id: string, body: string): void {
    this.comments.set(id, body);
  }

  private throwPending(on: MemoryFailureTarget): void {
    const failure = this.failures[on].shift();
    if (failure) throw new BatonError(failure.category, failure.message);
  }

  private rawRecord(key: string, record: Record<string, unknown>): RawRecord {
    const ref = record.native_ref;
    return {
      source: `memory:${this.name}/${key}`,
      fields: record,
      description: typeof record.description === 'string' ? record.description : null,
      native_ref: ref && typeof ref === 'object' && !Array.isArray(ref) ? (ref as Record<string, unknown>) : null,
      url: typeof record.url === 'string' ? record.url : null,
    };
  }
}

const stores = new Map<string, MemoryTrackerStore>();

/** The store named `name`, created empty on first use; tests and adapters share it. */
export function memoryTrackerStore(name = 'default'): MemoryTrackerStore {
  let store = stores.get(name);
  if (!store) {
    store = new MemoryTrackerStore(name);
    stores.set(name, store);
  }
  return store;
}

/** Build a `memory` tracker on the store named by `config.provider.store`. */
export function createMemoryTracker(config: TrackerConfig, ctx: TrackerContext): MemoryTracker {
  return new MemoryTracker(config, ctx);
}

export class MemoryTracker implements TrackerAdapter {
  readonly kind = 'memory';
  readonly store: MemoryTrackerStore;
  private readonly logger: Logger;

  constructor(
    private readonly config: TrackerConfig,
    ctx: TrackerContext,
  ) {
    const name = config.provider.store ?? 'default';
    if (typeof name !== 'string' || !name) {
      throw new BatonError(
        ErrorCategory.invalidTrackerConfig,
        `tracker \`${config.name}\`: provider.store must be a non-empty name (got ${JSON.stringify(name)})`,
        { retryable: false },
      );
    }
    this.store = memoryTrackerStore(name);
    this.logger = ctx.logger.child({ tracker: config.name, tracker_kind: 'memory' });
  }

  async fetchIssuesByStates(states: readonly string[]): Promise<Issue[]> {
    if (states.length === 0) return [];
    return selectByStates(this.snapshot(), states);
  }

  async fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]> {
    if (ids.length === 0) return [];
    return selectByIds(this.snapshot(), ids, this.config.name);
  }

  async poll(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult> {
    if (activeStates.length === 0 && inflightIds.length === 0) return { candidates: [], inflight: [] };
    return selectPoll(this.snapshot(), activeStates, inflightIds, this.config.name);
  }

  async moveToState(issue: Issue, state: string): Promise<void> {
    this.store.write(issue, 'move_to_state', state, (record) => {
      if (record.state === state) return;
      record.state = state;
      record.updated_at = new Date().toISOString();
    });
  }

  async addLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    this.editLabels(issue, 'add_labels', labels, []);
  }

  async removeLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    this.editLabels(issue, 'remove_labels', [], labels);
  }

  async upsertProgressComment(issue: Issue, body: string): Promise<void> {
    this.store.write(issue, 'progress_comment', body, () => this.store.setComment(issue.id, body));
  }

  agentTools(): AgentToolSpec[] {
    return [];
  }

  async executeAgentTool(name: string): Promise<AgentToolResult> {
    return {
      success: false,
      output: JSON.stringify({ error: { message: `Unsupported dynamic tool: ${JSON.stringify(name)}.`, supportedTools: [] } }, null, 2),
    };
  }

  secretEnvNames(): string[] {
    return [];
  }

  private snapshot(): LocalSnapshot {
    const snapshot = this.store.read(this.config.terminal_states);
    for (const m of snapshot.malformed) this.logger.warn({ record: m.source, reason: m.reason }, `skipping malformed issue record ${m.source}: ${m.reason}`);
    return snapshot;
  }

  private editLabels(issue: Issue, op: MemoryWrite['op'], add: readonly string[], remove: readonly string[]): void {
    this.store.write(issue, op, [...add, ...remove], (record) => {
      const current = Array.isArray(record.labels) ? record.labels.filter((l): l is string => typeof l === 'string') : [];
      const next = editLabels(current, add, remove);
      if (next) {
        record.labels = next;
        record.updated_at = new Date().toISOString();
      }
    });
  }
}
