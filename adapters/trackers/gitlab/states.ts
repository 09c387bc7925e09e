/**
 * Where a GitLab issue's Baton state comes from, and what moving it means (`state_source`):
 *
 * - `labels` (default): a scoped label `<prefix><state>` (`workflow::In Review` → `In Review`,
 *   spelling kept). An open issue reports its first non-terminal state label, else `default_state`
 *   (`opened`); a closed issue its first terminal state label, else `closed`. So a project without
 *   state labels reads exactly as `issue_state` does.
 * - `issue_state`: `opened` or `closed`, as Symphony's GitLab adapter does.
 *
 * A move is ONE `PUT /projects/:id/issues/:iid` with `add_labels`, `remove_labels` and
 * `state_event`, which GitLab applies as one update: a poll sees the state being left or the one
 * being entered, never a mix. (GitLab Premium also drops other labels of the same scope when one
 * is added; Baton removes them explicitly, so Free tier ends in the same labels.) Pure functions.
 */
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState } from '../../../core/issue.js';
import { GITLAB_CLOSED, GITLAB_OPENED } from './profile.js';
import type { GitlabSettings } from './settings.js';

type StateSettings = Pick<GitlabSettings, 'stateSource' | 'stateLabelPrefix' | 'defaultState' | 'terminalStates' | 'trackerName'>;

function isTerminal(state: string, settings: Pick<GitlabSettings, 'terminalStates'>): boolean {
  const norm = normalizeState(state);
  return norm === GITLAB_CLOSED || settings.terminalStates.has(norm);
}

/** The state a label names, or null when it is not a state label. */
export function stateFromLabel(label: string, prefix: string): string | null {
  const trimmed = label.trim();
  if (trimmed.length <= prefix.length || trimmed.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return null;
  return trimmed.slice(prefix.length).trim() || null;
}

/** The Baton state of an issue with these labels and this GitLab state. */
export function gitlabState(labels: readonly string[], open: boolean, settings: StateSettings): string {
  if (settings.stateSource === 'issue_state') return open ? GITLAB_OPENED : GITLAB_CLOSED;
  const states = labels.map((l) => stateFromLabel(l, settings.stateLabelPrefix)).filter((s): s is string => s !== null);
  if (open) return states.find((s) => !isTerminal(s, settings)) ?? settings.defaultState;
  return states.find((s) => isTerminal(s, settings) && normalizeState(s) !== GITLAB_CLOSED) ?? GITLAB_CLOSED;
}

/** The REST `state` filter that covers every issue that can report one of `states`. */
export function listStateFilter(states: readonly string[], settings: StateSettings): 'opened' | 'closed' | 'all' {
  let open = false;
  let closed = false;
  for (const state of states) {
    if (isTerminal(state, settings)) closed = true;
    else open = true;
  }
  return open && closed ? 'all' : closed ? 'closed' : 'opened';
}

/** The one update that moves an issue to a state. */
export interface StateMove {
  addLabels: string[];
  /** State labels to remove, as currently spelled on the issue. */
  removeLabels: string[];
  stateEvent: 'close' | 'reopen' | null;
}

/** Plan a move; throws `invalid_tracker_config` for a target `issue_state` cannot represent. */
export function planStateMove(current: { labels: readonly string[]; open: boolean }, target: string, settings: StateSettings): StateMove {
  const norm = normalizeState(target);
  const terminal = isTerminal(target, settings);
  const stateEvent = (open: boolean): StateMove['stateEvent'] => (current.open === open ? null : open ? 'reopen' : 'close');
  if (settings.stateSource === 'issue_state') {
    if (terminal) return { addLabels: [], removeLabels: [], stateEvent: stateEvent(false) };
    if (norm === GITLAB_OPENED) return { addLabels: [], removeLabels: [], stateEvent: stateEvent(true) };
    throw new BatonError(
      ErrorCategory.invalidTrackerConfig,
      `tracker \`${settings.trackerName}\`: state_source issue_state knows only opened and closed, so an issue cannot move to \`${target}\`; use state_source: labels, or a terminal state`,
      { retryable: false },
    );
  }
  const stateLabels = current.labels.filter((l) => stateFromLabel(l, settings.stateLabelPrefix) !== null);
  const same = (l: string) => normalizeState(stateFromLabel(l, settings.stateLabelPrefix)!) === norm;
  if (norm === GITLAB_CLOSED) return { addLabels: [], removeLabels: stateLabels, stateEvent: stateEvent(false) };
  if (!terminal && norm === normalizeState(settings.defaultState)) return { addLabels: [], removeLabels: stateLabels, stateEvent: stateEvent(true) };
  return {
    addLabels: stateLabels.some(same) ? [] : [`${settings.stateLabelPrefix}${target.trim()}`],
    removeLabels: stateLabels.filter((l) => !same(l)),
    stateEvent: stateEvent(!terminal),
  };
}
