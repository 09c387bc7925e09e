/**
 * The stat half of a file-tracker scan (adapters/trackers/file-stamps.ts): inline while the folder
 * answers fast, through the thread pool for good once a scan's inline stats go over budget; what a
 * failed stat means either way.
 */
import { statSync, mkdtempSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { FolderStamper, type StatCalls } from '../../adapters/trackers/file-stamps.js';

let dir: string;
const names = ['A-1.md', 'A-2.md', 'A-3.md', 'A-4.md'];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'baton-stamps-'));
  for (const name of names) writeFileSync(path.join(dir, name), `---\ntitle: ${name}\n---\n`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Real stat calls, counted by kind; `slowMs(n)` makes the n-th inline one (from 1) take that long. */
function counted(slowMs: (n: number) => number = () => 0) {
  const calls = { inline: 0, pool: 0 };
  const statCalls: Required<StatCalls> = {
    stat: (file) => {
      calls.pool += 1;
      return stat(file);
    },
    statSync: (file) => {
      calls.inline += 1;
      const until = performance.now() + slowMs(calls.inline);
      while (performance.now() < until);
      return statSync(file);
    },
  };
  return { calls, statCalls };
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

describe('FolderStamper', () => {
  it('stats a fast folder inline, and the stamps are the files’ own', async () => {
    const { calls, statCalls } = counted();
    const stamper = new FolderStamper(statCalls, pino({ level: 'silent' }));
    const stamps = await stamper.stampAll(dir, names);
    expect(calls).toEqual({ inline: 4, pool: 0 });
    expect(stamper.statsInline).toBe(true);
    const st = statSync(path.join(dir, 'A-2.md'));
    expect(stamps[1]).toEqual({ kind: 'stamp', stamp: { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino } });
  });

  it('moves to the thread pool for good once a scan’s inline stats go over budget and most were slow, and says so once', async () => {
    const { calls, statCalls } = counted(() => 15);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const stamper = new FolderStamper(statCalls, logger, 20);
    const first = await stamper.stampAll(dir, names);
    expect(first.every((s) => s.kind === 'stamp')).toBe(true);
    // 15 ms each against 20 ms: over budget after the second, judged slow after the third.
    expect(calls).toEqual({ inline: 3, pool: 1 });
    expect(stamper.statsInline).toBe(false);
    await stamper.stampAll(dir, names);
    expect(calls).toEqual({ inline: 3, pool: 5 });
    expect(lines.filter((l) => l.includes('slow to stat'))).toHaveLength(1);
  });

  it('stays inline when one stat alone outlasted the budget (the thread was descheduled, the folder is fast)', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `B-${i}.md`);
    for (const name of many) writeFileSync(path.join(dir, name), 'x');
    const { calls, statCalls } = counted((n) => (n === 1 ? 25 : 0));
    const stamper = new FolderStamper(statCalls, pino({ level: 'silent' }), 20);
    await stamper.stampAll(dir, many);
    await stamper.stampAll(dir, many);
    expect(stamper.statsInline).toBe(true);
    expect(calls).toEqual({ inline: 80, pool: 0 });
  });

  it('without an inline stat, every stat goes through the thread pool', async () => {
    const { calls, statCalls } = counted();
    const stamper = new FolderStamper({ stat: statCalls.stat }, pino({ level: 'silent' }));
    expect((await stamper.stampAll(dir, names)).every((s) => s.kind === 'stamp')).toBe(true);
    expect(calls).toEqual({ inline: 0, pool: 4 });
  });

  it.each([
    { failure: 'ENOENT (renamed or deleted since the listing)', code: 'ENOENT', kind: 'gone' },
    { failure: 'EACCES (the read will say why)', code: 'EACCES', kind: 'unstamped' },
    { failure: 'EIO', code: 'EIO', kind: 'unstamped' },
  ])('a stat failing with $failure reads as $kind, inline and through the pool alike', async ({ code, kind }) => {
    const fail = (): never => {
      throw errno(code);
    };
    const inline = new FolderStamper({ stat: () => Promise.reject(errno(code)), statSync: fail as (file: string) => Stats }, pino({ level: 'silent' }));
    const pool = new FolderStamper({ stat: () => Promise.reject(errno(code)) }, pino({ level: 'silent' }));
    expect(await inline.stampAll(dir, ['A-1.md'])).toEqual([{ kind }]);
    expect(await pool.stampAll(dir, ['A-1.md'])).toEqual([{ kind }]);
  });
});
