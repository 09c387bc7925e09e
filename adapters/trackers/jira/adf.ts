/**
 * Atlassian Document Format (ADF), the body format of Jira Cloud's v3 API: flattening a document
 * to text (issue descriptions) and building a document from Baton's Markdown-ish progress text
 * (paragraphs, `#` headings, `-` lists, `**bold**`, `` `code` ``). Pure.
 */

export type AdfNode = {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: Array<{ type: string }>;
  content?: AdfNode[];
};

export type AdfDocument = {
  type: 'doc';
  version: 1;
  content: AdfNode[];
};

const BLOCKS = new Set(['paragraph', 'heading', 'blockquote', 'codeBlock', 'listItem', 'bulletList', 'orderedList', 'panel', 'rule', 'table', 'tableRow', 'tableCell', 'tableHeader', 'mediaSingle', 'expand']);

function inlineText(node: AdfNode): string {
  switch (node.type) {
    case 'text':
      return node.text ?? '';
    case 'hardBreak':
      return '\n';
    case 'mention':
    case 'emoji':
    case 'status':
      return String(node.attrs?.text ?? node.attrs?.shortName ?? '');
    case 'inlineCard':
      return String(node.attrs?.url ?? '');
    default:
      return (node.content ?? []).map(inlineText).join('');
  }
}

function blockText(node: AdfNode): string[] {
  if (node.type === 'bulletList' || node.type === 'orderedList') {
    return (node.content ?? []).map((item, i) => `${node.type === 'bulletList' ? '-' : `${i + 1}.`} ${(item.content ?? []).flatMap(blockText).join(' ')}`);
  }
  const children = node.content ?? [];
  if (children.some((child) => BLOCKS.has(child.type))) return children.flatMap(blockText);
  return [inlineText(node)];
}

/** Plain text of a document, blocks on their own lines; null for no document or no text. */
export function adfToText(doc: unknown): string | null {
  if (typeof doc === 'string') return doc.trim() ? doc : null;
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as AdfNode).content)) return null;
  const text = ((doc as AdfNode).content ?? []).flatMap(blockText).join('\n').trim();
  return text || null;
}

/** `**bold**` and `` `code` `` spans as marked text nodes. */
function inlineNodes(line: string): AdfNode[] {
  const nodes: AdfNode[] = [];
  const pattern = /\*\*([^*]+)\*\*|`([^`]+)`/g;
  let last = 0;
  for (const match of line.matchAll(pattern)) {
    if (match.index > last) nodes.push({ type: 'text', text: line.slice(last, match.index) });
    if (match[1] !== undefined) nodes.push({ type: 'text', text: match[1], marks: [{ type: 'strong' }] });
    else nodes.push({ type: 'text', text: match[2]!, marks: [{ type: 'code' }] });
    last = match.index + match[0].length;
  }
  if (last < line.length) nodes.push({ type: 'text', text: line.slice(last) });
  return nodes;
}

function paragraph(lines: string[]): AdfNode {
  const content: AdfNode[] = [];
  lines.forEach((line, i) => {
    if (i > 0) content.push({ type: 'hardBreak' });
    content.push(...inlineNodes(line));
  });
  return { type: 'paragraph', content };
}

/** A document from Markdown-ish text; every line survives as text. */
export function textToAdf(text: string): AdfDocument {
  const content: AdfNode[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    const heading = /^(#{1,6})\s+(.*)$/.exec(lines[0]!);
    if (heading && lines.length === 1) {
      content.push({ type: 'heading', attrs: { level: heading[1]!.length }, content: inlineNodes(heading[2]!) });
    } else if (lines.every((line) => /^\s*[-*]\s+/.test(line))) {
      content.push({
        type: 'bulletList',
        content: lines.map((line) => ({ type: 'listItem', content: [paragraph([line.replace(/^\s*[-*]\s+/, '')])] })),
      });
    } else {
      content.push(paragraph(lines));
    }
  }
  if (content.length === 0) content.push({ type: 'paragraph', content: [] });
  return { type: 'doc', version: 1, content };
}
