/**
 * The turn loop of one stage run (SPEC §7.1, §10): the first turn gets the rendered prompt, later
 * turns continuation guidance on the same session, while the tracker keeps the issue in this
 * stage and up to `max_turns`. A stage that moves the issue itself on success (`on_success.move_to`)
 * ends with its first clean turn; one that leaves the move to the agent (a Symphony workflow)
 * keeps going on the same thread.
 */
import type { Issue } from '../../core/issue.js';
import { routeIssue } from '../../core/routing.js';
import type { ResolvedStage, TrackerConfig } from '../../config/schema.js';
import type { AgentSession, TurnResult } from '../../adapters/agents/types.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';
import type { Logger } from '../../base/logger.js';
import type { StageMonitor } from './monitor.js';

export function continuationGuidance(turn: number, max: number, stage: string): string {
  return [
    `Continuation turn #${turn} of ${max} for the ${stage} stage.`,
    'The previous turn completed normally, but the issue is still in this stage.',
    'Resume from the current workspace state; do not restate earlier work or repeat finished steps.',
    'Finish the stage’s work, or say clearly what blocks you.',
  ].join('\n');
}

export interface TurnLoopResult {
  readonly turns: number;
  readonly result: TurnResult | undefined;
  /** The tracker's issue after the last turn (null once it is gone). */
  readonly issue: Issue | null;
}

export async function runTurns(options: {
  session: AgentSession;
  prompt: string;
  stage: ResolvedStage;
  stages: readonly ResolvedStage[];
  tracker: TrackerConfig;
  adapter: TrackerAdapter;
  issue: Issue;
  monitor: StageMonitor;
  logger: Logger;
}): Promise<TurnLoopResult> {
  const { session, stage, monitor } = options;
  const max = stage.policy.max_turns;
  let issue: Issue | null = options.issue;
  let result: TurnResult | undefined;
  let turns = 0;
  for (let turn = 1; turn <= max; turn++) {
    monitor.turn = turn;
    turns = turn;
    const started = Date.now();
    result = await session.runTurn({ turn, maxTurns: max, prompt: turn === 1 ? options.prompt : continuationGuidance(turn, max, stage.name) });
    if (result.usage) monitor.accountant.observe(result.usage);
    monitor.sessionId = result.sessionId;
    options.logger.info(
      { event: 'turn_completed', turn, outcome: result.outcome, duration_ms: Date.now() - started, session_id: monitor.sessionId, tokens: monitor.accountant.totals.total_tokens },
      `turn ${turn} ${result.outcome}`,
    );
    if (result.outcome !== 'completed') break;
    // A stage that moves the issue itself on success ends with its first clean turn; so does the
    // last allowed turn (the stage's writes re-read the issue anyway).
    if (turn === max || stage.on_success.move_to) break;
    // Continue on the same thread only while the tracker keeps the issue in this stage.
    const [fresh] = await options.adapter.fetchIssuesByIds([options.issue.id]);
    issue = fresh ?? null;
    const next = routeIssue(options.tracker, options.stages, issue ?? undefined);
    if (next.kind !== 'stage' || next.stage !== stage.name) break;
  }
  return { turns, result, issue };
}
