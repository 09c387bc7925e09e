/**
 * spec/SPEC.md Appendix A.1 documents the workspace key with a table of examples; every row must
 * be what `workspaceKey` gives, so the documented derivation (hash suffix included) cannot drift
 * from the code. Cells read `` `text` ``, `N × `c`` (a character repeated) and "(blank)".
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workspaceKey } from '../../core/workspace-key.js';

const SPEC = readFileSync(fileURLToPath(new URL('../../spec/SPEC.md', import.meta.url)), 'utf8');

/** The text a cell describes: `` `a` ``, `N × `c``, "(blank)", joined by ", then ". */
function cellText(cell: string): string {
  if (cell.startsWith('(blank)')) return '';
  return cell
    .replace(/\s*\(.*\)\s*$/, '')
    .split(/,? then /)
    .map((part) => {
      const repeated = /^(\d+) × `(.)`$/.exec(part.trim());
      if (repeated) return repeated[2]!.repeat(Number(repeated[1]));
      const literal = /^`([^`]*)`$/.exec(part.trim());
      if (!literal) throw new Error(`unreadable cell part: ${part}`);
      return literal[1]!;
    })
    .join('');
}

function keyTable(): [string, string][] {
  const section = SPEC.slice(SPEC.indexOf('### A.1 The workspace key'));
  const rows = section.split('\n').filter((l) => /^\| [^-i]/.test(l) && !l.startsWith('| identifier'));
  return rows.map((row) => {
    const [identifier = '', key = ''] = row.split('|').slice(1, 3).map((c) => c.trim());
    return [cellText(identifier), cellText(key)];
  });
}

describe('spec/SPEC.md Appendix A.1', () => {
  it('§17.2 every documented workspace-key example is what the code derives', () => {
    const table = keyTable();
    expect(table.length).toBeGreaterThanOrEqual(8);
    for (const [identifier, key] of table) expect(workspaceKey(identifier), JSON.stringify(identifier)).toBe(key);
  });
});
