/**
 * Symphony's dispatch rules as plain functions (SPEC §8.2, §8.3, §8.4): eligibility, sort order,
 * slot accounting and retry backoff. The orchestrator and issue workflows call these; they hold
 * no state of their own. Sandbox-safe.
 */
import { normalizeState, type Issue } from './issue.js';

/** An issue as the rules read it: everything but the description. */
type IssueFields = Omit<Issue, 'description'>;

/** The slice of a tracker's configuration the scheduler needs. */
export interface TrackerRules {
  required_labels: readonly string[];
  active_states: readonly string[];
  terminal_states: readonly string[];
}

export function isActiveState(rules: TrackerRules, state: string): boolean {
  const norm = normalizeState(state);
  return rules.active_states.some((s) => normalizeState(s) === norm) && !isTerminalState(rules, state);
}

export function isTerminalState(rules: TrackerRules, state: string): boolean {
  const norm = normalizeState(state);
  return rules.terminal_states.some((s) => normalizeState(s) === norm);
}

/**
 * SPEC §8.2 `issue_routable`: the adapter says it may dispatch and every required label is present
 * (case-insensitive; a blank configured label matches nothing).
 */
export function isRoutable(rules: TrackerRules, issue: Pick<Issue, 'dispatchable' | 'labels'>): boolean {
  if (issue.dispatchable !== true) return false;
  const labels = new Set(issue.labels.map(normalizeState));
  return rules.required_labels.every((label) => {
    const norm = normalizeState(label);
    return norm !== '' && labels.has(norm);
  });
}

/** Why an issue is not eligible, or null when it is (claims and slots are checked elsewhere). */
export function ineligibilityReason(rules: TrackerRules, issue: IssueFields): string | null {
  if (!issue.id || !issue.identifier || !issue.title || !issue.state) return 'missing required fields';
  if (isTerminalState(rules, issue.state)) return `state ${issue.state} is terminal`;
  if (!isActiveState(rules, issue.state)) return `state ${issue.state} is not active`;
  if (issue.dispatchable !== true) return 'tracker rules say not dispatchable (assignment or open blockers)';
  if (!isRoutable(rules, issue)) return `missing a required label (${rules.required_labels.join(', ')})`;
  return null;
}

export function isEligible(rules: TrackerRules, issue: IssueFields): boolean {
  return ineligibilityReason(rules, issue) === null;
}

/** Fields the dispatch order looks at. */
export interface SortKey {
  priority: number | null;
  created_at: string | null;
  identifier: string;
}

/** SPEC §8.2 sort: priority 1..4 first (ascending), then oldest created, then identifier. */
export function compareDispatchOrder(a: SortKey, b: SortKey): number {
  const pa = priorityBucket(a.priority);
  const pb = priorityBucket(b.priority);
  if (pa !== pb) return pa - pb;
  const ca = a.created_at ? Date.parse(a.created_at) : Number.POSITIVE_INFINITY;
  const cb = b.created_at ? Date.parse(b.created_at) : Number.POSITIVE_INFINITY;
  if (ca !== cb) return ca < cb ? -1 : 1;
  return compareCodeUnits(a.identifier, b.identifier);
}

/**
 * Plain string order (UTF-16 code units), for identifiers and ISO timestamps: the same on every
 * host whatever its locale, and it loads no ICU collation data (`localeCompare` maps ~2 MiB of it
 * into the process on first use).
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function priorityBucket(priority: number | null): number {
  return priority !== null && Number.isInteger(priority) && priority >= 1 && priority <= 4 ? priority : 5;
}

export function sortForDispatch<T extends SortKey>(items: readonly T[]): T[] {
  return [...items].sort(compareDispatchOrder);
}

/**
 * SPEC §8.4 failure backoff: `min(base × 2^(attempt−1), cap)`; attempt is 1-based.
 * The exponent is bounded so huge attempt counts cannot overflow.
 */
export function failureBackoffMs(attempt: number, capMs: number, baseMs = 10_000): number {
  const exp = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(baseMs * 2 ** exp, capMs);
}

/** Limits the slot grant looks at. */
export interface SlotLimits {
  maxConcurrentAgents: number;
  /** Normalized state → limit (SPEC §8.3); absent states fall back to the global limit. */
  byState: Readonly<Record<string, number>>;
  /** Stage name → limit (Baton: `stages[].agent.max_concurrent`). */
  byStage: Readonly<Record<string, number>>;
}

export interface SlotHolder {
  state: string;
  stage: string;
}

export interface SlotRequest extends SortKey, SlotHolder {
  workflowId: string;
}

/**
 * Which waiting requests get a slot now, in dispatch order, without exceeding the global,
 * per-state or per-stage limits given the current holders.
 */
export function grantSlots(holders: readonly SlotHolder[], waiting: readonly SlotRequest[], limits: SlotLimits): SlotRequest[] {
  const byState = new Map<string, number>();
  const byStage = new Map<string, number>();
  for (const h of holders) {
    const s = normalizeState(h.state);
    byState.set(s, (byState.get(s) ?? 0) + 1);
    byStage.set(h.stage, (byStage.get(h.stage) ?? 0) + 1);
  }
  let running = holders.length;
  const granted: SlotRequest[] = [];
  for (const req of sortForDispatch(waiting)) {
    if (running >= limits.maxConcurrentAgents) break;
    const s = normalizeState(req.state);
    const stateLimit = limits.byState[s] ?? limits.maxConcurrentAgents;
    if ((byState.get(s) ?? 0) >= stateLimit) continue;
    const stageLimit = limits.byStage[req.stage];
    if (stageLimit !== undefined && (byStage.get(req.stage) ?? 0) >= stageLimit) continue;
    granted.push(req);
    running += 1;
    byState.set(s, (byState.get(s) ?? 0) + 1);
    byStage.set(req.stage, (byStage.get(req.stage) ?? 0) + 1);
  }
  return granted;
}
