/**
 * Routing a tracker snapshot to what the issue workflow does next: run a stage, clean up and end
 * (terminal), or let go (not active / not routable / gone). Sandbox-safe.
 */
import { normalizeState, type Issue } from './issue.js';

type IssueFields = Omit<Issue, 'description'>;
import { isActiveState, isRoutable, isTerminalState, type TrackerRules } from './scheduling.js';

export interface StageRoute {
  name: string;
  states: readonly string[];
}

export type Route =
  | { kind: 'stage'; stage: string }
  | { kind: 'terminal' }
  | { kind: 'inactive'; reason: string }
  | { kind: 'unroutable'; reason: string }
  | { kind: 'gone' };

/** The stage whose `states` include this tracker state, if any. */
export function stageForState(stages: readonly StageRoute[], state: string): string | undefined {
  const norm = normalizeState(state);
  return stages.find((stage) => stage.states.some((s) => normalizeState(s) === norm))?.name;
}

/** SPEC §8.5 decision table, extended with stages. `issue` undefined means no longer visible. */
export function routeIssue(rules: TrackerRules, stages: readonly StageRoute[], issue: IssueFields | undefined): Route {
  if (!issue) return { kind: 'gone' };
  if (isTerminalState(rules, issue.state)) return { kind: 'terminal' };
  if (!isActiveState(rules, issue.state)) return { kind: 'inactive', reason: `state ${issue.state} is not active` };
  if (!isRoutable(rules, issue)) return { kind: 'unroutable', reason: 'not dispatchable or missing a required label' };
  const stage = stageForState(stages, issue.state);
  if (!stage) return { kind: 'inactive', reason: `no stage handles state ${issue.state}` };
  return { kind: 'stage', stage };
}

/** The first state of a stage: where a rework routes the tracker issue. */
export function entryStateOf(stages: readonly StageRoute[], stageName: string): string | undefined {
  return stages.find((s) => s.name === stageName)?.states[0];
}
