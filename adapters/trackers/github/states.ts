/**
 * Where a GitHub issue's Baton state comes from, and what moving it means (`state_source`):
 *
 * - `labels`: a label `<prefix><state>` (`baton:plan` → `plan`, spelling kept). An open issue reports
 *   its first non-terminal state label, else `default_state`; a closed issue reports its first
 *   terminal state label, else `closed`. Moving swaps the state label and closes the issue for a
 *   terminal state (reopening it otherwise).
 * - `issue_state`: `open` or `closed`, as Symphony's GitHub adapter does.
 * - `project`: the value of a Projects v2 single-select field (written by `project.ts`).
 *
 * Pure functions; the adapter does the requests.
 */
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState } from '../../../core/issue.js';
import type { GithubSettings } from './settings.js';

/** The state GitHub itself gives a closed issue. */
export const CLOSED = 'closed';
export const OPEN = 'open';

/** What `project` reports for an item whose field is empty (GitHub's board shows "No Status"). */
export const NO_STATUS = 'No Status';

type LabelSettings = Pick<GithubSettings, 'stateLabelPrefix' | 'defaultState' | 'terminalStates'>;

function isTerminal(state: string, settings: Pick<GithubSettings, 'terminalStates'>): boolean {
  const norm = normalizeState(state);
  return norm === CLOSED || settings.terminalStates.some((t) => normalizeState(t) === norm);
}

/** The state a label names, or null when it is not a state label. */
export function stateFromLabel(label: string, prefix: string): string | null {
  const trimmed = label.trim();
  if (trimmed.length <= prefix.length || trimmed.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return null;
  const state = trimmed.slice(prefix.length).trim();
  return state || null;
}

/** `labels` source: the state of an issue with these label names. */
export function stateFromLabels(labels: readonly string[], open: boolean, settings: LabelSettings): string {
  const states = labels.map((l) => stateFromLabel(l, settings.stateLabelPrefix)).filter((s): s is string => s !== null);
  if (open) return states.find((s) => !isTerminal(s, settings)) ?? settings.defaultState;
  return states.find((s) => isTerminal(s, settings) && normalizeState(s) !== CLOSED) ?? CLOSED;
}

/** The REST `state` filter that covers every issue that can report one of `states`. */
export function issueStateFilter(states: readonly string[], settings: Pick<GithubSettings, 'stateSource' | 'terminalStates'>): 'open' | 'closed' | 'all' {
  let open = false;
  let closed = false;
  for (const state of states) {
    if (settings.stateSource === 'issue_state') {
      if (normalizeState(state) === CLOSED) closed = true;
      else if (normalizeState(state) === OPEN) open = true;
    } else if (isTerminal(state, settings)) closed = true;
    else open = true;
  }
  return open && closed ? 'all' : closed ? 'closed' : 'open';
}

/** The writes that move an issue to `target` under `labels` or `issue_state`. */
export interface StateMove {
  /** State label to add (already carrying the prefix), or null. */
  addLabel: string | null;
  /** State labels to remove, as currently spelled on the issue. */
  removeLabels: string[];
  /** Open/close change, or null when the issue is already right. */
  setOpen: boolean | null;
}

/** Plan a move; throws `invalid_tracker_config` for a target `issue_state` cannot represent. */
export function planStateMove(
  current: { labels: readonly string[]; open: boolean },
  target: string,
  settings: Pick<GithubSettings, 'stateSource' | 'stateLabelPrefix' | 'defaultState' | 'terminalStates' | 'trackerName'>,
): StateMove {
  const norm = normalizeState(target);
  const terminal = isTerminal(target, settings);
  const setOpen = (open: boolean) => (current.open === open ? null : open);

  if (settings.stateSource === 'issue_state') {
    if (terminal) return { addLabel: null, removeLabels: [], setOpen: setOpen(false) };
    if (norm === OPEN) return { addLabel: null, removeLabels: [], setOpen: setOpen(true) };
    throw new BatonError(
      ErrorCategory.invalidTrackerConfig,
      `tracker \`${settings.trackerName}\`: state_source issue_state knows only open and closed, so an issue cannot move to \`${target}\`; use state_source: labels, or a terminal state`,
      { retryable: false },
    );
  }

  const stateLabels = current.labels.filter((l) => stateFromLabel(l, settings.stateLabelPrefix) !== null);
  const sameState = (l: string) => normalizeState(stateFromLabel(l, settings.stateLabelPrefix)!) === norm;
  if (norm === CLOSED) return { addLabel: null, removeLabels: [], setOpen: setOpen(false) };
  if (!terminal && norm === normalizeState(settings.defaultState)) {
    return { addLabel: null, removeLabels: stateLabels, setOpen: setOpen(true) };
  }
  const has = stateLabels.some(sameState);
  return {
    addLabel: has ? null : `${settings.stateLabelPrefix}${target.trim()}`,
    removeLabels: stateLabels.filter((l) => !sameState(l)),
    setOpen: setOpen(!terminal),
  };
}
