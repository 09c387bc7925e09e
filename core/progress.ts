/**
 * The one progress comment Baton keeps on each tracker issue: a table of stage outcomes, built
 * from the issue workflow's status. Pure and sandbox-safe, so the workflow can build it and the
 * adapter only writes it.
 */
import type { IssueStatus } from './protocol.js';

export function progressMarkdown(status: Pick<IssueStatus, 'identifier' | 'history' | 'tokens' | 'workflowId'>, note?: string): string {
  const lines = [
    `**Baton progress** for ${status.identifier} (workflow \`${status.workflowId}\`)`,
    '',
    '| stage | outcome | attempt | turns | tokens | finished |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const h of status.history.slice(-30)) {
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
