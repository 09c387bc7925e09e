/**
 * The words operators read in the Temporal Web UI: each workflow's "current details" (short lines
 * in a Markdown list, which the UI renders legibly, never a table) and the summaries of its
 * activities and timers. Pure and sandbox-safe, so the text is tested without a server.
 */
import type { IssueStatus, OrchestratorState } from './protocol.js';
import { pullRequestLine } from './pull-request.js';

export function issueDetailsMarkdown(s: IssueStatus): string {
  const lines = [`**${s.identifier}** · ${s.title}`, ''];
  const where = [s.stage ? `stage **${s.stage}**` : 'no stage yet', `state **${s.state}**`, `status **${s.status}**`];
  if (s.attempt > 1) where.push(`attempt ${s.attempt}`);
  lines.push(`- ${where.join(' · ')}`);
  if (s.reason) lines.push(`- why: ${s.reason}`);
  if (s.gate) lines.push(`- answer: ${s.gate.answer}`);
  if (s.retryDueAt) lines.push(`- next attempt at ${s.retryDueAt}`);
  if (s.lastError) lines.push(`- last error: ${s.lastError}`);
  if (s.lastEvent) lines.push(`- last agent event: ${s.lastEvent.event}${s.lastEvent.message ? ` — ${s.lastEvent.message}` : ''}`);
  if (s.sessionId) lines.push(`- session: ${s.sessionId}`);
  if (s.tokens.total_tokens > 0) lines.push(`- tokens: ${s.tokens.total_tokens}`);
  if (s.workspaceHost) lines.push(`- workspace: ${s.workspacePath ?? '?'} on ${s.workspaceHost}`);
  if (s.url) lines.push(`- tracker: ${s.url}`);
  if (s.pr) lines.push(`- pull request: ${s.pr.snapshot ? pullRequestLine(s.pr.snapshot) : `#${s.pr.ref.number}`}${s.pr.merged ? ` · merged by Baton at ${s.pr.merged.at}` : ''} — ${s.pr.ref.url}`);
  return lines.join('\n');
}

export function orchestratorDetailsMarkdown(state: OrchestratorState): string {
  const max = state.view?.maxConcurrentAgents ?? '?';
  const lines = [
    `**Baton orchestrator** · ${state.view?.deployment ?? 'no config yet'}`,
    '',
    `- ${Object.keys(state.holders).length}/${max} agents running · ${Object.keys(state.inflight).length} issues in flight · ${Object.keys(state.queue).length} queued · ${Object.keys(state.waiting).length} waiting for a slot`,
    `- last poll: ${state.lastPollAt ?? 'never'}${state.lastPollOk ? '' : ' (with errors)'}`,
  ];
  if (state.configError) lines.push(`- config error (last good config kept): ${state.configError.split('\n')[0]}`);
  for (const h of state.heldStages) lines.push(`- stage ${h.stage} held: its ${h.backend} backend failed preflight: ${h.cause}${h.fix ? ` — fix: ${h.fix}` : ''}`);
  for (const [name, t] of Object.entries(state.trackers)) {
    if (t.error) lines.push(`- tracker ${name} failing since ${t.since ?? '?'}: ${t.error.category}: ${t.error.message}`);
  }
  return lines.join('\n');
}

/** Summaries shown on activities and timers in the Web UI's event history. */
export const StepSummary = {
  agentStage: (stage: string, attempt: number) => `agent stage ${stage}, attempt ${attempt}`,
  retryBackoff: (stage: string, ms: number) => `retry backoff ${formatDuration(ms)} before ${stage}`,
  continuation: (stage: string, ms: number) => `continuation re-check of ${stage} in ${formatDuration(ms)}`,
  gate: (stage: string, waitFor: string) => `gate at ${stage}: waiting for ${waitFor}`,
  pullRequestPoll: (stage: string, ms: number) => `pull request wait at ${stage}: next look in ${formatDuration(ms)} (or on a webhook)`,
  pullRequestRead: () => 'read the pull request',
  pullRequestFeedback: () => 'read what failed on the pull request',
  merge: (pr: string) => `merge ${pr}`,
  writes: (stage: string) => `tracker writes for ${stage}`,
  refresh: () => 'read the issue from the tracker',
  report: (what: string) => `tell the orchestrator: ${what}`,
  cleanup: () => 'remove the workspace',
  poll: () => 'poll the trackers',
  watch: (ms: number) => `idle: poll the trackers every ${formatDuration(ms)} until one shows a change`,
  deliver: (starts: number, signals: number) => `start ${starts} issue workflow(s), send ${signals} signal(s)`,
} as const;

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}
