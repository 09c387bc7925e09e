/**
 * The rework prompt's `{{ pr.failed_checks }}` and `{{ pr.review_comments }}`: what failed and what
 * reviewers asked for, as Markdown a model reads well, bounded so a noisy CI log cannot flood the
 * prompt or the workflow history (core/pull-request.ts MAX_FEEDBACK_CHARS in all). Pure; adapters
 * gather the pieces.
 */
import { MAX_FEEDBACK_CHARS } from '../../core/pull-request.js';

export interface FailedCheck {
  readonly name: string;
  /** `failure`, `timed_out`, `error`, … as the host says it. */
  readonly conclusion: string;
  readonly title?: string | null;
  readonly summary?: string | null;
  /** The check's own text output, when it has one. */
  readonly text?: string | null;
  /** The job log, when the host exposes it (GitHub Actions). */
  readonly log?: string | null;
  readonly url?: string | null;
}

export interface ChangesRequest {
  readonly reviewer: string;
  readonly body: string;
  readonly comments: readonly { readonly path: string; readonly line: number | null; readonly body: string }[];
}

const LOG_TAIL_LINES = 40;
const LOG_TAIL_CHARS = 2_500;
const PART_CHARS = 1_500;

/** The last lines of a log, without ANSI colours or GitHub Actions' timestamps. */
export function logTail(log: string, lines = LOG_TAIL_LINES, chars = LOG_TAIL_CHARS): string {
  const clean = log
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
    .replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /gm, '')
    .trimEnd()
    .split('\n');
  const tail = clean.slice(-lines).join('\n');
  return tail.length > chars ? `…${tail.slice(tail.length - chars + 1)}` : tail;
}

function clip(text: string, max = PART_CHARS): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function bound(parts: string[]): string {
  let out = '';
  for (const part of parts) {
    const next = out ? `${out}\n\n${part}` : part;
    if (next.length > MAX_FEEDBACK_CHARS) return `${out}\n\n…(more left out)`.trim();
    out = next;
  }
  return out;
}

export function failedChecksMarkdown(checks: readonly FailedCheck[]): string {
  return bound(
    checks.map((c) => {
      const lines = [`### ${c.name} — ${c.conclusion}`];
      if (c.title) lines.push(`**${clip(c.title, 200)}**`);
      if (c.summary) lines.push(clip(c.summary));
      const tail = c.log ? logTail(c.log) : c.text ? logTail(c.text, 20, PART_CHARS) : '';
      if (tail) lines.push(`${c.log ? 'Log tail' : 'Output'}:\n\`\`\`text\n${tail}\n\`\`\``);
      if (c.url) lines.push(`Details: ${c.url}`);
      return lines.join('\n');
    }),
  );
}

export function reviewCommentsMarkdown(requests: readonly ChangesRequest[]): string {
  return bound(
    requests.map((r) => {
      const lines = [`### @${r.reviewer} requested changes`];
      if (r.body.trim()) lines.push(clip(r.body));
      for (const c of r.comments) lines.push(`- \`${c.path}${c.line ? `:${c.line}` : ''}\`: ${clip(c.body, 600).replace(/\n+/g, ' ')}`);
      return lines.join('\n');
    }),
  );
}
