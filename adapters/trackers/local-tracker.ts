/**
 * Read semantics shared by the trackers whose whole scope is at hand in one read (`file`, `memory`):
 * loose records become normalized Issues (SPEC §11.3), blockers are resolved against the same
 * snapshot, `dispatchable` is derived, and malformed records are dropped from state reads but fail
 * id reads (SPEC §11.1). Pure: the adapters do the I/O.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import { normalizeLabels, normalizePriority, normalizeState, normalizeTimestamp, type BlockerRef, type Issue } from '../../core/issue.js';
import { IssueSchema } from '../../core/issue-schema.js';
import type { PollResult } from './types.js';

/** One provider record as an adapter read it, before normalization. */
export interface RawRecord {
  /** Where it came from (a file path, a store key): for logs and error messages. */
  source: string;
  /** The record's fields; null when they could not be read at all (see `error`). */
  fields: Record<string, unknown> | null;
  /** Why `fields` is null (unparsable front matter, unreadable file). */
  error?: string;
  /** Identifier used when the record names none (the file tracker's file-name stem). */
  fallbackIdentifier?: string;
  /** Description when it does not live in `fields` (the file tracker's Markdown body). */
  description?: string | null;
  native_ref: Record<string, unknown> | null;
  url: string | null;
}

/** A record that could not become a valid Issue, with the id it would have had. */
export interface MalformedRecord {
  source: string;
  /** The dispatch id the record claims (id, else identifier, else the fallback), when any. */
  claimedId: string | null;
  reason: string;
}

/** Every issue in scope at one instant, plus what was dropped. */
export interface LocalSnapshot {
  issues: Issue[];
  malformed: MalformedRecord[];
}

const TODO_STATE = 'todo';

/**
 * The blocker rule the `file` and `memory` trackers share with Symphony's Linear adapter: an issue in
 * a todo-like state (`todo`, case-insensitive) waits while any blocker is unknown or not terminal.
 */
export function isBlockedTodo(state: string, blockers: readonly BlockerRef[], terminalStates: readonly string[]): boolean {
  if (normalizeState(state) !== TODO_STATE) return false;
  const terminal = new Set(terminalStates.map(normalizeState));
  return blockers.some((b) => b.state === null || !terminal.has(normalizeState(b.state)));
}

/** A non-blank string from a string or a finite number (YAML reads `id: 42` as a number). */
function scalarText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim()) return value.trim();
  return null;
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

/** Blocker entries: an identifier string, or a `{id, identifier, state}` object; others are dropped. */
function blockerRefs(value: unknown): BlockerRef[] {
  const refs: BlockerRef[] = [];
  for (const entry of asList(value)) {
    const text = scalarText(entry);
    if (text) {
      refs.push({ id: null, identifier: text, state: null });
    } else if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      const obj = entry as Record<string, unknown>;
      const ref = { id: scalarText(obj.id), identifier: scalarText(obj.identifier), state: optionalText(obj.state) };
      if (ref.id || ref.identifier) refs.push(ref);
    }
  }
  return refs;
}

function claimedId(record: RawRecord): string | null {
  const f = record.fields ?? {};
  return scalarText(f.id) ?? scalarText(f.identifier) ?? record.fallbackIdentifier ?? null;
}

type Normalized = { ok: true; issue: Issue } | { ok: false; malformed: MalformedRecord };

/**
 * One record → an Issue with unresolved blockers and the record's own `dispatchable` (a record may
 * say `dispatchable: false` to hold itself). Optional values that cannot be used become null or are
 * dropped; missing required ones make the record malformed.
 */
export function normalizeRecord(record: RawRecord): Normalized {
  const fail = (reason: string): Normalized => ({
    ok: false,
    malformed: { source: record.source, claimedId: claimedId(record), reason },
  });
  if (!record.fields) return fail(record.error ?? 'no fields could be read');
  const f = record.fields;
  const identifier = scalarText(f.identifier) ?? record.fallbackIdentifier ?? null;
  if (!identifier) return fail('it has no `identifier`');
  const id = scalarText(f.id) ?? identifier;
  const title = scalarText(f.title);
  if (!title) return fail('it has no `title` (a non-empty string)');
  const state = scalarText(f.state);
  if (!state) return fail('it has no `state` (a non-empty string)');
  const description = record.description !== undefined ? record.description : optionalText(f.description);
  const candidate: Issue = {
    id,
    identifier,
    title,
    description: description && description.trim() ? description : null,
    priority: normalizePriority(f.priority),
    state,
    branch_name: optionalText(f.branch_name),
    url: record.url,
    assignee_id: scalarText(f.assignee ?? f.assignee_id),
    labels: normalizeLabels(asList(f.labels)),
    blocked_by: blockerRefs(f.blocked_by),
    dispatchable: f.dispatchable !== false,
    created_at: normalizeTimestamp(f.created_at),
    updated_at: normalizeTimestamp(f.updated_at),
    native_ref: record.native_ref,
  };
  const parsed = IssueSchema.safeParse(candidate);
  if (!parsed.success) return fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return { ok: true, issue: parsed.data };
}

/** Records whose id or identifier another record also uses: ambiguous, so none of them is safe. */
function duplicates(issues: readonly Issue[]): Map<Issue, string> {
  const flagged = new Map<Issue, string>();
  for (const key of ['id', 'identifier'] as const) {
    const groups = new Map<string, Issue[]>();
    for (const issue of issues) {
      const group = groups.get(issue[key]);
      if (group) group.push(issue);
      else groups.set(issue[key], [issue]);
    }
    for (const [value, group] of groups) {
      if (group.length < 2) continue;
      for (const issue of group) flagged.set(issue, `${key} \`${value}\` is used by ${group.length} records`);
    }
  }
  return flagged;
}

/**
 * Each record's normalized form, kept while the record lives: the file tracker hands back the
 * same record object for a file that did not change, so a poll validates only changed files.
 */
const normalized = new WeakMap<RawRecord, Normalized>();
function normalizedOnce(record: RawRecord): Normalized {
  let result = normalized.get(record);
  if (!result) normalized.set(record, (result = normalizeRecord(record)));
  return result;
}

/**
 * Normalize every record, drop duplicates, resolve each blocker's live state from the snapshot and
 * derive `dispatchable`. Issues come back sorted by identifier.
 */
export function buildSnapshot(
  records: readonly RawRecord[],
  terminalStates: readonly string[],
  sourceOf: (issue: Issue) => string = (issue) => issue.identifier,
): LocalSnapshot {
  const malformed: MalformedRecord[] = [];
  const valid: Issue[] = [];
  for (const record of records) {
    const result = normalizedOnce(record);
    if (result.ok) valid.push(result.issue);
    else malformed.push(result.malformed);
  }
  const dupes = duplicates(valid);
  const issues = valid.filter((issue) => {
    const reason = dupes.get(issue);
    if (reason) malformed.push({ source: sourceOf(issue), claimedId: issue.id, reason });
    return !reason;
  });
  const byIdentifier = new Map(issues.map((i) => [i.identifier, i]));
  const byId = new Map(issues.map((i) => [i.id, i]));
  const resolved = issues.map((issue) => {
    const blocked_by = issue.blocked_by.map((ref) => {
      const live = (ref.identifier ? byIdentifier.get(ref.identifier) : undefined) ?? (ref.id ? byId.get(ref.id) : undefined);
      return live ? { id: live.id, identifier: live.identifier, state: live.state } : ref;
    });
    const dispatchable = issue.dispatchable && !isBlockedTodo(issue.state, blocked_by, terminalStates);
    return { ...issue, blocked_by, dispatchable };
  });
  resolved.sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0));
  return { issues: resolved, malformed };
}

/** SPEC §11.1 state read: issues whose state matches case-insensitively; malformed ones were dropped. */
export function selectByStates(snapshot: LocalSnapshot, states: readonly string[]): Issue[] {
  const wanted = new Set(states.map(normalizeState));
  return snapshot.issues.filter((i) => wanted.has(normalizeState(i.state)));
}

/**
 * SPEC §11.1 id read: the requested issues still in scope; a requested record that is malformed
 * fails the whole call, because omitting it would tell the scheduler the issue is gone.
 */
export function selectByIds(snapshot: LocalSnapshot, ids: readonly string[], trackerName: string): Issue[] {
  const wanted = new Set(ids);
  const bad = snapshot.malformed.filter((m) => m.claimedId !== null && wanted.has(m.claimedId));
  if (bad.length > 0) {
    const list = bad.map((m) => `${m.source}: ${m.reason}`).join('; ');
    throw new BatonError(
      ErrorCategory.trackerResponse,
      `tracker \`${trackerName}\`: requested issue record is malformed (${list}); fix the record so Baton can refresh it`,
      { details: { malformed: bad } },
    );
  }
  return snapshot.issues.filter((i) => wanted.has(i.id));
}

/** One poll from one snapshot: candidates plus snapshots of in-flight ids that are not candidates. */
export function selectPoll(
  snapshot: LocalSnapshot,
  activeStates: readonly string[],
  inflightIds: readonly string[],
  trackerName: string,
): PollResult {
  const candidates = selectByStates(snapshot, activeStates);
  const seen = new Set(candidates.map((i) => i.id));
  const inflight = selectByIds(
    snapshot,
    inflightIds.filter((id) => !seen.has(id)),
    trackerName,
  );
  return { candidates, inflight };
}

/**
 * Labels after adding and removing, compared case-insensitively, keeping the spelling already there.
 * Returns null when nothing changes, so callers can skip the write.
 */
export function editLabels(current: readonly string[], add: readonly string[], remove: readonly string[]): string[] | null {
  const removeSet = new Set(normalizeLabels(remove));
  const next = current.filter((l) => !removeSet.has(normalizeState(l)));
  const have = new Set(next.map(normalizeState));
  for (const label of add) {
    const norm = normalizeState(label);
    if (norm && !have.has(norm) && !removeSet.has(norm)) {
      next.push(label.trim());
      have.add(norm);
    }
  }
  const same = next.length === current.length && next.every((l, i) => l === current[i]);
  return same ? null : next;
}
