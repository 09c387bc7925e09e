/**
 * Splits a Symphony `WORKFLOW.md` into YAML front matter and prompt body (SPEC §5.2): front matter
 * exists only when the first line is exactly `---` and runs to the next line that is exactly `---`;
 * without that closing line the rest of the file is front matter. The body is trimmed.
 */

/** The parts of a workflow file and where each starts. */
export interface FrontMatterSplit {
  /** The YAML text between the fences, or null when the file has no front matter. */
  frontMatter: string | null;
  /** 1-based line of the file where the front matter text begins (line 2 when present). */
  frontMatterLine: number;
  /** The trimmed prompt body ('' when there is none). */
  body: string;
  /** 1-based line of the file where the trimmed body begins. */
  bodyLine: number;
}

const FENCE = '---';

/** Pure: text in, parts and their line numbers out. CRLF line ends are accepted. */
export function splitFrontMatter(text: string): FrontMatterSplit {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== FENCE) return { frontMatter: null, frontMatterLine: 1, ...trimmedBody(lines, 0) };
  const close = lines.indexOf(FENCE, 1);
  if (close === -1) {
    return { frontMatter: lines.slice(1).join('\n'), frontMatterLine: 2, body: '', bodyLine: lines.length };
  }
  return { frontMatter: lines.slice(1, close).join('\n'), frontMatterLine: 2, ...trimmedBody(lines, close + 1) };
}

function trimmedBody(lines: string[], from: number): { body: string; bodyLine: number } {
  let first = from;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  return { body: lines.slice(from).join('\n').trim(), bodyLine: first + 1 };
}

/** Whether a path names a Markdown workflow file (front matter + prompt) rather than plain YAML. */
export function isMarkdownPath(path: string): boolean {
  return /\.(md|markdown)$/i.test(path);
}
