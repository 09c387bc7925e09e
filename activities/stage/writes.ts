/**
 * A stage's tracker writes, in a fixed order: labels, the progress comment, then the state move
 * last (the move is what hands the issue to the next stage). Every write is idempotent — labels
 * already there or gone, a progress comment upserted in place, a move to the state the issue is
 * in — so a retried activity, or a stage run replayed after a crash, never writes twice what the
 * provider would show twice.
 */
import { normalizeState, type Issue } from '../../core/issue.js';
import type { ProgressContext, StageWrites } from '../../core/protocol.js';
import { progressMarkdown } from '../../core/progress.js';
import type { StageOutcomeRecord } from '../../core/stage-record.js';
import { renderPrompt } from '../../config/prompt.js';
import type { ResolvedStage } from '../../config/schema.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';

export interface WriteRequest {
  readonly writes: StageWrites;
  /** The stage whose `on_success.comment` template is appended to the progress comment, if any. */
  readonly stage?: ResolvedStage;
  /** Null: leave the progress comment alone (Symphony-format configs). */
  readonly progress: ProgressContext | null;
  readonly latest?: StageOutcomeRecord;
  readonly note?: string;
}

/** Apply the writes to `issue` and return the tracker's issue afterwards (null once it is gone). */
export async function applyStageWrites(adapter: TrackerAdapter, issue: Issue, req: WriteRequest): Promise<Issue | null> {
  const remove = req.writes.remove_labels.filter((l) => issue.labels.includes(normalizeState(l)));
  const add = req.writes.add_labels.filter((l) => !issue.labels.includes(normalizeState(l)));
  const progress = req.progress ? progressBody(issue, req) : undefined;
  const moveTo = req.writes.move_to && normalizeState(req.writes.move_to) !== normalizeState(issue.state) ? req.writes.move_to : undefined;
  if (adapter.writeBatch) {
    await adapter.writeBatch(issue, { removeLabels: remove, addLabels: add, ...(progress !== undefined ? { progress } : {}), ...(moveTo ? { moveTo } : {}) });
  } else {
    if (remove.length > 0) await adapter.removeLabels(issue, remove);
    if (add.length > 0) await adapter.addLabels(issue, add);
    if (progress !== undefined) await adapter.upsertProgressComment(issue, progress);
    if (moveTo) await adapter.moveToState(issue, moveTo);
  }
  const [fresh] = await adapter.fetchIssuesByIds([issue.id]);
  return fresh ?? null;
}

/** The progress comment: the stage table, plus the stage's rendered `on_success.comment`. */
function progressBody(issue: Issue, req: WriteRequest): string {
  let body = progressMarkdown(req.progress!, req.latest, req.note);
  const stage = req.stage;
  if (stage?.on_success.comment) {
    body += `\n\n${renderPrompt(stage.on_success.comment, { issue, attempt: null, stage: { name: stage.name, states: stage.states, max_turns: stage.policy.max_turns } })}`;
  }
  return body;
}
