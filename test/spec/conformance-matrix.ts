/**
 * Reading spec/conformance.md: the Symphony §17 / §18.1 bullets, each with its status and the
 * tests that cover it (`` `test/path.test.ts` › title ``, several separated by `<br>`; the file may
 * also be a module under test/ that declares tests for several test files), and the
 * counts line the matrix states. Pure parsing; the checks live in conformance.test.ts.
 */

export const STATUSES = ['covered', 'weak', 'missing', 'by design'] as const;
export type Status = (typeof STATUSES)[number];

export interface TestRef {
  readonly file: string;
  readonly title: string;
}

export interface MatrixRow {
  /** `17.4.8`: section and 1-based bullet number in upstream's order. */
  readonly id: string;
  readonly bullet: string;
  readonly status: string;
  readonly tests: readonly TestRef[];
  readonly note: string;
  /** 1-based line in the matrix file, for messages. */
  readonly line: number;
}

export interface Matrix {
  readonly rows: readonly MatrixRow[];
  /** The counts the file states (`Counts: covered N · weak N · missing N · by design N`). */
  readonly statedCounts: Readonly<Record<string, number>> | null;
}

/** Split a Markdown table row into cells, honouring `\|` escapes. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (ch === '|') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** `` `test/a.test.ts` › title `` parts of a tests cell. */
export function parseTestRefs(cell: string): TestRef[] {
  if (!cell || cell === '—') return [];
  return cell.split(/<br\s*\/?>/).map((part) => {
    // A test file, or a module under test/ that declares tests for several files (agents-e2e/scenarios.ts).
    const m = /^\s*`(test\/[^`]+\.ts)`\s*›\s*(.+?)\s*$/.exec(part);
    if (!m) throw new Error(`not a test reference (\`file\` › title): ${part.trim()}`);
    return { file: m[1]!, title: m[2]! };
  });
}

export function parseMatrix(text: string): Matrix {
  const rows: MatrixRow[] = [];
  let statedCounts: Record<string, number> | null = null;
  text.split('\n').forEach((line, index) => {
    const counts = /^Counts:\s*(.+)$/.exec(line.trim());
    if (counts) {
      statedCounts = {};
      for (const part of counts[1]!.split('·')) {
        const m = /^\s*([a-z ]+?)\s+(\d+)\s*$/.exec(part);
        if (m) statedCounts[m[1]!] = Number(m[2]);
      }
      return;
    }
    if (!/^\|\s*1[78]\.\d+\.\d+\s*\|/.test(line)) return;
    const [id = '', bullet = '', status = '', tests = '', note = ''] = cells(line);
    rows.push({ id, bullet, status, tests: parseTestRefs(tests), note, line: index + 1 });
  });
  return { rows, statedCounts };
}
