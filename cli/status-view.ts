/**
 * `baton status` as text: a header (deployment, slots, last poll, and any config error or
 * tracker failure above the table, where it cannot be missed) and one table row per issue, drawn
 * with cli-table3 from the API's own shapes (server/contract.ts), so the CLI, the API and the
 * dashboard never disagree.
 */
import Table from 'cli-table3';
import type { BatonIssue, StateResponse } from '../server/contract.js';

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function clock(iso: string): string {
  return new Date(iso).toISOString().slice(11, 19);
}

/** `12:01:02Z (in 15s)`: when a retry is due, and how long until then. */
export function dueText(iso: string | null, now: Date): string {
  if (!iso) return '';
  const left = (Date.parse(iso) - now.getTime()) / 1000;
  return `${clock(iso)}Z (${left > 0 ? `in ${duration(left)}` : 'due now'})`;
}

function shortSession(id: string | null): string {
  if (!id) return '-';
  return id.length > 19 ? `${id.slice(0, 8)}…${id.slice(-8)}` : id;
}

/** What the last column says: the error or reason, and when a retry is due. */
function why(issue: BatonIssue, now: Date): string {
  const parts: string[] = [];
  if (issue.last_error) parts.push(issue.last_error);
  else if (issue.reason) parts.push(issue.reason);
  if (issue.retry_due_at) parts.push(`retry at ${dueText(issue.retry_due_at, now)}`);
  if (issue.gate) parts.push(`gate: ${issue.gate.how_to_answer}`);
  const pr = issue.pull_request;
  if (pr) parts.push(`PR ${pr.repo}#${pr.number}${pr.state ? ` ${pr.state}` : ''}`);
  return parts.join(' · ') || '-';
}

/** One row per issue. `width` is the terminal width the table should fit. */
export function formatIssueTable(issues: BatonIssue[], now: Date, width = 140): string {
  const head = ['IDENTIFIER', 'STAGE', 'STATE', 'STATUS', 'ATT', 'RUNTIME', 'TOKENS', 'SESSION', 'LAST ERROR / WHY'];
  const rows = issues.map((i) => [
    i.identifier,
    i.stage ?? '-',
    i.state,
    i.status,
    String(i.attempt),
    duration(i.stage_runtime_seconds),
    i.tokens.total_tokens.toLocaleString('en-US'),
    shortSession(i.session_id),
    why(i, now),
  ]);
  const fixed = head.slice(0, -1).map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)) + 2);
  const last = Math.max(24, width - fixed.reduce((a, b) => a + b, 0) - 2);
  const table = new Table({
    head,
    colWidths: [...fixed, last],
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 1 },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ' },
  });
  table.push(...rows);
  return table.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}

/** The whole status screen from a state response. */
export function formatState(state: StateResponse, now: Date, width = 140): string {
  const b = state.baton;
  const lines: string[] = [];
  if (b.config_error) lines.push(`CONFIG ERROR (the orchestrator keeps the last good config; dispatch of new issues is paused):`, `  ${b.config_error}`, '');
  for (const [tracker, error] of Object.entries(b.poll_errors)) lines.push(`Tracker ${tracker} poll failing: ${error}`);
  for (const h of b.held_stages) lines.push(`Stage ${h.stage} held: backend ${h.backend} failed its check: ${h.cause}${h.fix ? ` (fix: ${h.fix})` : ''}`);
  const counts = Object.entries(b.counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  lines.push(
    `Deployment ${b.deployment}: ${b.issues.length} issue(s) in flight (${counts}); agents ${b.slots.held}/${b.slots.max ?? '?'}, ${b.slots.waiting} waiting for a slot, ${b.queued.length} queued`,
    `Last poll ${b.last_poll_at ?? 'never'}${b.last_poll_ok ? '' : ' (with errors)'} · tokens in ${state.codex_totals.input_tokens.toLocaleString('en-US')} / out ${state.codex_totals.output_tokens.toLocaleString('en-US')} · agent runtime ${duration(state.codex_totals.seconds_running)}`,
  );
  if (b.temporal_url) lines.push(`Temporal: ${b.temporal_url}`);
  lines.push('');
  lines.push(b.issues.length ? formatIssueTable(b.issues, now, width) : 'No issues in flight.');
  if (b.queued.length) {
    lines.push('', 'Queued:');
    for (const q of b.queued) lines.push(`  ${q.issue_identifier}  ${q.stage ?? '-'}  ${q.state ?? '-'}  ${q.reason ?? ''}`.trimEnd());
  }
  return lines.join('\n');
}
