/**
 * The Symphony conformance matrix (spec/conformance.md) cannot rot: every bullet of upstream's
 * §17.1–§17.8 and §18.1 (openai/symphony SPEC.md at 1f3219b) has exactly one row, every
 * applicable row names at least one test, every named test exists in its file (titles read from
 * the source, test/spec/test-titles.ts), and the counts the file states are the counts of its rows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATUSES, parseMatrix, parseTestRefs, type MatrixRow } from './conformance-matrix.js';
import { formatRowTitle, testTitles, testTitlesOf } from './test-titles.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MATRIX = path.join(ROOT, 'spec/conformance.md');

/** Bullets per section in upstream's SPEC.md at 1f3219b (sub-bullets counted, their headers not). */
const UPSTREAM_BULLETS: Record<string, number> = {
  '17.1': 16,
  '17.2': 12,
  '17.3': 12,
  '17.4': 15,
  '17.5': 21,
  '17.6': 6,
  '17.7': 6,
  '17.8': 4,
  '18.1': 18,
};

const matrix = parseMatrix(readFileSync(MATRIX, 'utf8'));
const where = (row: MatrixRow) => `spec/conformance.md:${row.line} (${row.id})`;

describe('§17 conformance matrix (spec/conformance.md)', () => {
  it('has one row per upstream §17.1–§17.8 and §18.1 bullet, in order', () => {
    const expected = Object.entries(UPSTREAM_BULLETS).flatMap(([section, n]) => Array.from({ length: n }, (_, i) => `${section}.${i + 1}`));
    expect(matrix.rows.map((r) => r.id)).toEqual(expected);
  });

  it('gives every row a known status, a quoted bullet, and a reason when it differs by design', () => {
    const problems = matrix.rows.flatMap((row) => {
      const out: string[] = [];
      if (!(STATUSES as readonly string[]).includes(row.status)) out.push(`${where(row)}: status "${row.status}" is not one of ${STATUSES.join(', ')}`);
      if (row.bullet.length < 8) out.push(`${where(row)}: quote the bullet`);
      if (row.status === 'by design' && row.note.length < 20) out.push(`${where(row)}: say why it differs by design`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it('names at least one test for every applicable bullet', () => {
    const untested = matrix.rows.filter((row) => row.status !== 'by design' && row.tests.length === 0).map(where);
    expect(untested).toEqual([]);
  });

  it('names only tests that exist, by file and title', () => {
    const titles = new Map<string, Set<string>>();
    const problems: string[] = [];
    for (const row of matrix.rows) {
      for (const ref of row.tests) {
        const file = path.join(ROOT, ref.file);
        if (!existsSync(file)) {
          problems.push(`${where(row)}: no file ${ref.file}`);
          continue;
        }
        if (!titles.has(ref.file)) titles.set(ref.file, new Set(testTitlesOf(file)));
        if (!titles.get(ref.file)!.has(ref.title)) problems.push(`${where(row)}: ${ref.file} has no test titled "${ref.title}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('states the counts of its rows', () => {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, matrix.rows.filter((r) => r.status === s).length]));
    expect(matrix.statedCounts).toEqual(counts);
  });
});

describe('reading test titles and references', () => {
  it('finds it/test/describe titles, table rows included, and nothing else', () => {
    const source = [
      "describe('§17.4 group', () => {",
      "  it('plain', () => {});",
      '  test(`template`, () => {});',
      "  it.each([['§17.1 one', 1], ['two', fixture]])('%s', () => {});",
      "  it.each([{ name: 'obj', n: 2 }])('$name has $n', () => {});",
      "  it.each([['A'], ['B']] as const)('%s const', () => {});",
      '  it(`dynamic ${x}`, () => {});',
      "  expect('not a test').toBe('x');",
      '});',
    ].join('\n');
    expect(testTitles(source)).toEqual(['§17.4 group', 'plain', 'template', '%s', '§17.1 one', 'two', '$name has $n', 'obj has 2', '%s const', 'A const', 'B const']);
  });

  it.each([
    ['%s → %i', ['a', 3], 'a → 3'],
    ['%j keeps %s', [null, 'x'], 'null keeps x'],
    ['100%% of %s', ['it'], '100% of it'],
  ])('formats the row title "%s"', (template, row, expected) => {
    expect(formatRowTitle(template, row)).toBe(expected);
  });

  it('reads a tests cell into file and title, and refuses anything else', () => {
    expect(parseTestRefs('`test/a.test.ts` › first <br> `test/b.test.ts` › second `x` title')).toEqual([
      { file: 'test/a.test.ts', title: 'first' },
      { file: 'test/b.test.ts', title: 'second `x` title' },
    ]);
    expect(parseTestRefs('—')).toEqual([]);
    expect(() => parseTestRefs('test/a.test.ts first')).toThrow(/not a test reference/);
  });
});
