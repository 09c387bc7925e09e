/**
 * Tracker activities: poll, refresh one issue, apply a stage's writes. Thin wrappers: the adapter
 * owns every provider detail; this module only finds the adapter and shapes results for workflows.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { BatonError, ErrorCategory } from '../core/errors.js';
import type { Issue } from '../core/issue.js';
import { renderPrompt } from '../config/prompt.js';
import type { BatonRuntime } from './runtime.js';

export interface PollTrackerInput {
  configPath: string;
  tracker: string;
  inflightIds: string[];
}

export interface ApplyStageWritesInput {
  configPath: string;
  tracker: string;
  issueId: string;
  stage: string;
  moveTo?: string;
  addLabels: string[];
  removeLabels: string[];
  /** The progress comment body Baton owns (built by the workflow). */
  progress?: string;
  /** Append the stage's `on_success.comment` template to the progress comment. */
  includeStageComment?: boolean;
}

export function createTrackerActivities(rt: BatonRuntime) {
  return {
    /** Candidates in the active states plus fresh snapshots of the issues in flight. */
    async pollTracker(input: PollTrackerInput): Promise<{ candidates: Issue[]; inflight: Issue[] }> {
      const { config } = rt.config(input.configPath);
      const tc = rt.trackerConfig(config, input.tracker);
      const adapter = await rt.tracker(input.configPath, input.tracker);
      try {
        if (adapter.poll) return await adapter.poll(tc.active_states, input.inflightIds);
        const candidates = await adapter.fetchIssuesByStates(tc.active_states);
        const seen = new Set(candidates.map((i) => i.id));
        const missing = input.inflightIds.filter((id) => !seen.has(id));
        const inflight = missing.length > 0 ? await adapter.fetchIssuesByIds(missing) : [];
        return { candidates, inflight };
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** The issue as the tracker shows it now, or null when it is no longer visible. */
    async refreshIssue(input: { configPath: string; tracker: string; issueId: string }): Promise<Issue | null> {
      const adapter = await rt.tracker(input.configPath, input.tracker);
      try {
        const [issue] = await adapter.fetchIssuesByIds([input.issueId]);
        return issue ?? null;
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** Stage writes in a fixed order (labels, comment, then state), returning the fresh issue. */
    async applyStageWrites(input: ApplyStageWritesInput): Promise<Issue | null> {
      const { config } = rt.config(input.configPath);
      const adapter = await rt.tracker(input.configPath, input.tracker);
      try {
        const [issue] = await adapter.fetchIssuesByIds([input.issueId]);
        if (!issue) return null;
        const remove = input.removeLabels.filter((l) => issue.labels.includes(l.trim().toLowerCase()));
        if (remove.length > 0) await adapter.removeLabels(issue, remove);
        if (input.addLabels.length > 0) await adapter.addLabels(issue, input.addLabels);
        if (input.progress !== undefined) {
          let body = input.progress;
          const stage = config.stages.find((s) => s.name === input.stage);
          if (input.includeStageComment && stage?.on_success.comment) {
            body += `\n\n${await renderPrompt(stage.on_success.comment, { issue, attempt: null, stage: { name: stage.name, states: stage.states, max_turns: stage.policy.max_turns } })}`;
          }
          await adapter.upsertProgressComment(issue, body);
        }
        // The state moves last: it is what hands the issue to the next stage.
        if (input.moveTo && input.moveTo.trim().toLowerCase() !== issue.state.trim().toLowerCase()) {
          await adapter.moveToState(issue, input.moveTo);
        }
        const [fresh] = await adapter.fetchIssuesByIds([input.issueId]);
        return fresh ?? null;
      } catch (err) {
        throw asFailure(err);
      }
    },
  };
}

/**
 * Tracker errors become activity failures that keep their category as the failure type; rate
 * limits carry the provider's retry delay, and configuration errors are not retried.
 */
export function asFailure(err: unknown): unknown {
  if (!(err instanceof BatonError)) return err;
  const nonRetryable =
    !err.retryable ||
    err.category === ErrorCategory.invalidConfig ||
    err.category === ErrorCategory.invalidTrackerConfig ||
    err.category === ErrorCategory.missingTrackerSecret ||
    err.category === ErrorCategory.unsupportedTrackerKind;
  return ApplicationFailure.create({
    message: err.message,
    type: err.category,
    nonRetryable,
    ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
  });
}
