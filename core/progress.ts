/**
 * The one progress comment Baton keeps on each tracker issue: a table of stage outcomes. Pure and
 * sandbox-safe: the stage activity renders it from the history the workflow sends plus the run it
 * just finished, so the comment and the workflow's history always agree.
 */
import type { ProgressContext } from './protocol.js';
import type { StageOutcomeRecord } from './stage-record.js';

export function progressMarkdown(ctx: ProgressContext, latest?: StageOutcomeRecord, note?: string): string {
  const lines = [
    `**Baton progress** for ${ctx.identifier} (workflow \`${ctx.workflowId}\`)`,
    '',
    '| stage | outcome | attempt | turns | tokens | finished |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const records = latest ? [...ctx.history, latest] : ctx.history;
  for (const h of records.slice(-30)) {
    lines.push(
      `| ${h.stage} | ${h.outcome}${h.error ? ` — ${escapeCell(h.error).slice(0, 120)}` : ''}${h.note ? ` — ${escapeCell(h.note).slice(0, 160)}` : ''} | ${h.attempt} | ${h.turns ?? '-'} | ${h.tokens?.total_tokens ?? '-'} | ${h.endedAt} |`,
    );
  }
  if (note) lines.push('', `> ${escapeCell(note)}`);
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}
