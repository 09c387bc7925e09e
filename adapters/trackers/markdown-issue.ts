/**
 * The text format of one `file` tracker issue: YAML front matter between `---` lines, then a
 * Markdown body. Edits go through the `yaml` Document API so comments, key order and unknown keys
 * survive, and the body is kept byte for byte apart from the sections Baton owns.
 */
import { isSeq, parseDocument, type Document } from 'yaml';

/** Markers around the one progress section Baton owns at the end of an issue body. */
export const PROGRESS_START = '<!-- baton:progress -->';
export const PROGRESS_END = '<!-- /baton:progress -->';
/** Marker before each comment an agent adds with the `file_issue_update` tool. */
export const COMMENT_MARKER = '<!-- baton:comment -->';

const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)^---[ \t]*(?:\r?\n|$)/m;
const PROGRESS_SECTION = /<!-- baton:progress -->[\s\S]*?<!-- \/baton:progress -->\n?/;

export type ParsedMarkdownIssue =
  | { ok: true; doc: Document.Parsed; fields: Record<string, unknown>; body: string }
  | { ok: false; error: string };

/** Split and parse a Markdown issue; says why when the front matter is missing, invalid or not a map. */
export function parseMarkdownIssue(text: string): ParsedMarkdownIssue {
  const match = FRONT_MATTER.exec(text);
  if (!match || match.index !== 0) {
    return { ok: false, error: 'it does not start with YAML front matter between `---` lines' };
  }
  const doc = parseDocument(match[1] ?? '', { prettyErrors: false });
  if (doc.errors.length > 0) {
    return { ok: false, error: `its front matter is not valid YAML (${doc.errors[0]?.message.split('\n')[0]})` };
  }
  const fields: unknown = doc.toJS();
  if (fields === null || fields === undefined) {
    return { ok: true, doc, fields: {}, body: text.slice(match[0].length) };
  }
  if (typeof fields !== 'object' || Array.isArray(fields)) {
    return { ok: false, error: 'its front matter is not a map of keys' };
  }
  return { ok: true, doc, fields: fields as Record<string, unknown>, body: text.slice(match[0].length) };
}

/** Front matter and body back into one file text. */
export function renderMarkdownIssue(doc: Document, body: string): string {
  const yaml = doc.contents === null ? '' : doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return `---\n${yaml}---\n${body}`;
}

/** The issue description: the body without Baton's progress section, or null when blank. */
export function descriptionOf(body: string): string | null {
  const text = body.replace(PROGRESS_SECTION, '').trim();
  return text ? text : null;
}

/** Replace the progress section in place, or append it at the end of the body. */
export function setProgressSection(body: string, text: string): string {
  // A body quoting the end marker would end the section early on the next replace.
  const safe = text.trim().split(PROGRESS_END).join('<!-- /baton:progress (quoted) -->');
  const section = `${PROGRESS_START}\n${safe}\n${PROGRESS_END}\n`;
  if (PROGRESS_SECTION.test(body)) return body.replace(PROGRESS_SECTION, () => section);
  const kept = body.replace(/\s+$/, '');
  return kept ? `${kept}\n\n${section}` : section;
}

/** Add an agent comment as a quoted block, before the progress section so that one stays last. */
export function appendComment(body: string, text: string, at: string): string {
  const quoted = text
    .trim()
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n');
  const block = `${COMMENT_MARKER}\n> **Agent comment, ${at}**\n>\n${quoted}\n`;
  const progress = PROGRESS_SECTION.exec(body);
  if (progress) {
    const before = body.slice(0, progress.index).replace(/\s+$/, '');
    return `${before ? `${before}\n\n` : ''}${block}\n${body.slice(progress.index)}`;
  }
  const kept = body.replace(/\s+$/, '');
  return kept ? `${kept}\n\n${block}` : block;
}

/** The front matter's label list as written (strings only), whether a list or a single value. */
export function labelsOf(doc: Document): string[] {
  const value: unknown = doc.toJS()?.labels;
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((l): l is string => typeof l === 'string');
}

/** Write a new label list, keeping a flow-style `[a, b]` list in flow style. */
export function setLabels(doc: Document, labels: readonly string[]): void {
  const previous = doc.get('labels', true);
  const node = doc.createNode([...labels]);
  if (isSeq(previous) && previous.flow) node.flow = true;
  doc.set('labels', node);
}
