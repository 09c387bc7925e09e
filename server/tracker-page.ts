/**
 * `GET /tracker/<tracker>/<identifier>`: a page a browser opens for an issue of the `file`
 * tracker, whose own links are `file://` URLs browsers refuse from a web page. It renders the
 * issue's Markdown file (front matter as a table, body as HTML). Issue text is not trusted: raw
 * HTML in it is shown as text, only http(s)/mailto/relative links survive, and the page is served
 * with a Content-Security-Policy that runs no script at all.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Marked } from 'marked';
import type { TrackerConfig } from '../config/schema.js';
import { parseMarkdownIssue } from '../adapters/trackers/markdown-issue.js';
import { escapeHtml } from './html.js';

export const TRACKER_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:";

let markdown: Promise<Marked> | undefined;
/** The Markdown renderer, loaded with the first page a browser asks for, not by every process. */
function markdownRenderer(): Promise<Marked> {
  markdown ??= import('marked').then(
    ({ Marked }) =>
      new Marked({
        gfm: true,
        renderer: {
          html: ({ text }) => escapeHtml(text),
          link: ({ href, text }) => (/^(https?:|mailto:|#|\/(?!\/))/i.test(href) ? `<a href="${escapeHtml(href)}" rel="noreferrer">${escapeHtml(text)}</a>` : escapeHtml(text)),
          image: ({ href, text }) => (/^https?:/i.test(href) ? `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}">` : escapeHtml(text)),
        },
      }),
  );
  return markdown;
}

/**
 * The Markdown file behind a file-tracker issue URL, when it lies in that tracker's folder;
 * null for any other tracker or path (nothing outside the folder is ever read).
 */
export function fileIssuePath(tracker: TrackerConfig | undefined, url: string | null): string | null {
  if (!tracker || tracker.kind !== 'file' || !url?.startsWith('file:')) return null;
  const dir = tracker.provider.dir;
  if (typeof dir !== 'string') return null;
  const file = fileURLToPath(url);
  const rel = path.relative(path.resolve(dir), file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel) || !file.endsWith('.md')) return null;
  return file;
}

function frontMatterTable(fields: Record<string, unknown>): string {
  const rows = Object.entries(fields).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))}</td></tr>`);
  return rows.length ? `<table class="fm">${rows.join('')}</table>` : '';
}

/** The HTML page of one file-tracker issue. */
export async function renderFileIssue(file: string, identifier: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const parsed = parseMarkdownIssue(text);
  const head = parsed.ok ? frontMatterTable(parsed.fields) : `<p class="err">${escapeHtml(`This file is not a valid issue: ${parsed.error}`)}</p>`;
  const body = await (await markdownRenderer()).parse(parsed.ok ? parsed.body : text);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(identifier)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;color:#1d2330;padding:0 1rem}
table.fm{border-collapse:collapse;margin-bottom:1.5rem}table.fm th,table.fm td{border:1px solid #e3e6ec;padding:.25rem .6rem;text-align:left}
table{border-collapse:collapse}td,th{border:1px solid #e3e6ec;padding:.2rem .5rem}pre{background:#f5f6f8;padding:.6rem;overflow:auto}
.muted{color:#6b7280}.err{color:#b42318}</style></head>
<body><p class="muted"><a href="/">← dashboard</a> · ${escapeHtml(path.basename(file))}</p><h1>${escapeHtml(identifier)}</h1>${head}<article>${body}</article></body></html>`;
}
