/**
 * The `file` tracker's parse cache (adapters/trackers/file-cache.ts; issue 8 §3): the stamp rules as
 * a table, then the tracker on real files, with `readFile` counted so "not re-read" is observed.
 */
import * as nodeFs from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COARSE_RACY_WINDOW_MS, FINE_RACY_WINDOW_MS, ParsedFileCache, racyWindowMs, type FileStamp } from '../../adapters/trackers/file-cache.js';
import { createFileTracker, type FileTrackerFs } from '../../adapters/trackers/file.js';
import type { RawRecord } from '../../adapters/trackers/local-tracker.js';
import type { TrackerConfig } from '../../config/schema.js';
import { silentLogger } from '../../base/logger.js';

const T = 1_700_000_000_000;
/** `base` is stamped on a whole second, as a coarse filesystem stamps: its window is the long one. */
const W = COARSE_RACY_WINDOW_MS;
const base: FileStamp = { mtimeMs: T, ctimeMs: T, size: 100, ino: 7 };
/** Stamped to the nanosecond, as ext4, XFS, tmpfs or APFS stamp. */
const F = T + 0.123456;
const fine: FileStamp = { ...base, mtimeMs: F, ctimeMs: F };

describe('racyWindowMs', () => {
  it.each([
    { stamp: 'a whole second (ext3, HFS+)', mtimeMs: T, windowMs: COARSE_RACY_WINDOW_MS },
    { stamp: 'two seconds (FAT)', mtimeMs: T + 2_000, windowMs: COARSE_RACY_WINDOW_MS },
    { stamp: 'ten milliseconds (exFAT)', mtimeMs: T + 10, windowMs: COARSE_RACY_WINDOW_MS },
    { stamp: 'a millisecond off a 10 ms boundary', mtimeMs: T + 7, windowMs: FINE_RACY_WINDOW_MS },
    { stamp: 'nanoseconds (ext4, XFS, tmpfs, APFS)', mtimeMs: F, windowMs: FINE_RACY_WINDOW_MS },
  ])('$stamp → $windowMs ms', ({ mtimeMs, windowMs }) => {
    expect(racyWindowMs(mtimeMs)).toBe(windowMs);
  });
});

describe('ParsedFileCache rules', () => {
  it.each([
    { rule: 'same stamp, read well after the write → hit', readAt: T + 60_000, lookup: base, hit: true },
    { rule: 'read exactly one racy window after the write → hit', readAt: T + W, lookup: { ...base }, hit: true },
    { rule: 'mtime moved → miss', readAt: T + W, lookup: { ...base, mtimeMs: T + 1 }, hit: false },
    { rule: 'sub-millisecond mtime change → miss', readAt: T + W, lookup: { ...base, mtimeMs: T + 0.001 }, hit: false },
    { rule: 'size changed, mtime kept → miss', readAt: T + W, lookup: { ...base, size: 101 }, hit: false },
    { rule: 'replaced by rename (new inode), mtime and size kept → miss', readAt: T + W, lookup: { ...base, ino: 8 }, hit: false },
    { rule: 'chmod (ctime moved) → miss', readAt: T + W, lookup: { ...base, ctimeMs: T + 5 }, hit: false },
    { rule: 'read within the racy window of its write → not kept', readAt: T + W - 1, lookup: base, hit: false },
    { rule: 'read in the same instant as the write → not kept', readAt: T, lookup: base, hit: false },
    { rule: 'mtime ahead of the clock (skew) → not kept', readAt: T - 10_000, lookup: base, hit: false },
    { rule: 'a fine stamp, read one short window after the write → hit', stamp: fine, readAt: F + FINE_RACY_WINDOW_MS, lookup: fine, hit: true },
    { rule: 'a fine stamp, read just inside its short window → not kept', stamp: fine, readAt: F + FINE_RACY_WINDOW_MS - 1, lookup: fine, hit: false },
    { rule: 'a coarse stamp, read one short window after the write → not kept', readAt: T + FINE_RACY_WINDOW_MS, lookup: base, hit: false },
  ])('$rule', ({ stamp = base, readAt, lookup, hit }: { stamp?: FileStamp; readAt: number; lookup: FileStamp; hit: boolean }) => {
    const cache = new ParsedFileCache<string>();
    cache.remember('A-1.md', stamp, 'text', readAt, () => 'parsed');
    expect(cache.get('A-1.md', lookup)).toBe(hit ? 'parsed' : undefined);
  });

  it('a name is never answered from another name', () => {
    const cache = new ParsedFileCache<string>();
    cache.remember('A-1.md', base, 'text', T + W, () => 'parsed');
    expect(cache.get('A-2.md', base)).toBeUndefined();
  });

  it('a racy read replaces the older entry, and its stamp alone answers nothing', () => {
    const cache = new ParsedFileCache<string>();
    cache.remember('A-1.md', base, 'old text', T + W, () => 'old');
    const newer = { ...base, mtimeMs: T + 10 * W };
    cache.remember('A-1.md', newer, 'new text', T + 10 * W, () => 'new');
    expect(cache.get('A-1.md', base)).toBeUndefined();
    expect(cache.get('A-1.md', newer)).toBeUndefined();
    expect(cache.remember('A-1.md', newer, 'new text', T + 10 * W, () => 'parsed again')).toBe('new');
    expect(cache.remember('A-1.md', newer, 'old text', T + 10 * W, () => 'parsed again')).toBe('parsed again');
  });

  it.each([
    { rule: 'same name, same text, read inside the racy window → the parse is reused', name: 'A-1.md', text: 'state: Todo', readAt: T, hit: true },
    { rule: 'same name, same text, read outside it → reused', name: 'A-1.md', text: 'state: Todo', readAt: T + W, hit: true },
    { rule: 'same name, one character changed → parsed again', name: 'A-1.md', text: 'state: Tode', readAt: T, hit: false },
    { rule: 'same text under another name → parsed again (the record names its file)', name: 'A-2.md', text: 'state: Todo', readAt: T, hit: false },
  ])('$rule', ({ name, text, readAt, hit }) => {
    const cache = new ParsedFileCache<string>();
    cache.remember('A-1.md', base, 'state: Todo', readAt, () => 'parsed');
    expect(cache.remember(name, base, text, readAt, () => 'parsed again')).toBe(hit ? 'parsed' : 'parsed again');
  });

  it('forget drops one file; retain keeps only the names of the latest scan', () => {
    const cache = new ParsedFileCache<string>();
    for (const name of ['a.md', 'b.md', 'c.md']) cache.remember(name, base, name, T + W, () => name);
    cache.forget('a.md');
    expect(cache.get('a.md', base)).toBeUndefined();
    cache.retain(new Set(['c.md']));
    expect(cache.get('b.md', base)).toBeUndefined();
    expect(cache.get('c.md', base)).toBe('c.md');
    expect(cache.size).toBe(1);
  });
});

describe('the file tracker reads only changed files', () => {
  let dir: string;
  let reads: string[];
  let parses: string[];
  let cache: ParsedFileCache<RawRecord>;
  /** The real cache, with each parse it asks for counted, so "not parsed again" is observed. */
  class CountingCache extends ParsedFileCache<RawRecord> {
    override remember(name: string, stamp: FileStamp, text: string, readAtMs: number, parse: (text: string) => RawRecord): RawRecord {
      return super.remember(name, stamp, text, readAtMs, (t) => {
        parses.push(name);
        return parse(t);
      });
    }
  }
  /** An hour ago: well outside the racy window, so a file at this mtime is cacheable. */
  const past = new Date(Date.now() - 3_600_000);

  const countingFs = (): FileTrackerFs => ({
    ...nodeFs,
    readFile: ((...args: Parameters<typeof nodeFs.readFile>) => {
      reads.push(path.basename(String(args[0])));
      return nodeFs.readFile(...args);
    }) as typeof nodeFs.readFile,
  });

  function tracker(fs: FileTrackerFs = countingFs()) {
    const config: TrackerConfig = {
      name: 'files',
      kind: 'file',
      provider: { dir },
      required_labels: [],
      active_states: ['Todo'],
      terminal_states: ['Done'],
      secret_env: [],
    };
    return createFileTracker(config, { logger: silentLogger, env: {} }, { fs, cache });
  }

  async function writeAged(name: string, state: string, mtime = past): Promise<void> {
    const file = path.join(dir, name);
    await nodeFs.writeFile(file, `---\ntitle: ${name}\nstate: ${state}\n---\n`);
    await nodeFs.utimes(file, mtime, mtime);
  }

  const states = async (t: ReturnType<typeof tracker>) =>
    Object.fromEntries((await t.fetchIssuesByIds(['A-1', 'A-2', 'A-3'])).map((i) => [i.identifier, i.state]));

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'baton-file-cache-'));
    reads = [];
    parses = [];
    // One fixed window that no poll here outlasts, however loaded the machine: "written just now" stays racy.
    cache = new CountingCache(60_000);
    for (const name of ['A-1.md', 'A-2.md', 'A-3.md']) await writeAged(name, 'Todo');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a second poll of unchanged files reads none of them', async () => {
    const t = tracker();
    const first = await t.poll(['Todo'], []);
    expect(reads.sort()).toEqual(['A-1.md', 'A-2.md', 'A-3.md']);
    reads = [];
    expect(await t.poll(['Todo'], [])).toEqual(first);
    expect(reads).toEqual([]);
  });

  it('an edited file is re-read, and only it', async () => {
    const t = tracker();
    await t.poll(['Todo'], []);
    reads = [];
    await writeAged('A-2.md', 'Done', new Date(past.getTime() + 1_000));
    expect(await states(t)).toEqual({ 'A-1': 'Todo', 'A-2': 'Done', 'A-3': 'Todo' });
    expect(reads).toEqual(['A-2.md']);
  });

  it('a file replaced with the same size and mtime (a rename over it) is re-read', async () => {
    const t = tracker();
    await t.poll(['Todo'], []);
    reads = [];
    const tmp = path.join(dir, '.A-1.md.tmp');
    await nodeFs.writeFile(tmp, '---\ntitle: A-1.md\nstate: Done\n---\n'); // `Done` and `Todo`: same length
    await nodeFs.utimes(tmp, past, past);
    await nodeFs.rename(tmp, path.join(dir, 'A-1.md'));
    expect((await states(t))['A-1']).toBe('Done');
    expect(reads).toEqual(['A-1.md']);
  });

  it('with the window its stamps call for, a file stamped finely a moment ago is trusted after one read', async () => {
    cache = new ParsedFileCache<RawRecord>(); // the tracker's own: the window follows each stamp
    const t = tracker();
    const file = path.join(dir, 'A-3.md');
    await writeAged('A-3.md', 'Todo', new Date());
    // 150 ms ago, to the microsecond (utimes takes seconds): past the short window, inside the long one.
    const moment = (Date.now() - 150) / 1000 + 0.000_321;
    await nodeFs.utimes(file, moment, moment);
    const { mtimeMs } = await nodeFs.stat(file);
    expect(racyWindowMs(mtimeMs), 'this filesystem keeps sub-10 ms times').toBe(FINE_RACY_WINDOW_MS);
    await t.poll(['Todo'], []);
    reads = [];
    await t.poll(['Todo'], []);
    expect(reads).toEqual([]);
  });

  it('a file written just now is re-read on every poll until it is older than the racy window', async () => {
    const t = tracker();
    await writeAged('A-3.md', 'Done', new Date());
    await t.poll(['Todo'], []);
    reads = [];
    await t.poll(['Todo'], []);
    expect(reads).toEqual(['A-3.md']);
    await nodeFs.utimes(path.join(dir, 'A-3.md'), past, past);
    await t.poll(['Todo'], []);
    reads = [];
    await t.poll(['Todo'], []);
    expect(reads).toEqual([]);
  });

  it('a file written just now is read again on each poll but parsed once while its text is unchanged', async () => {
    const t = tracker();
    await writeAged('A-3.md', 'Done', new Date());
    await t.poll(['Todo'], []);
    expect(parses).toContain('A-3.md');
    reads = [];
    parses = [];
    await t.poll(['Todo'], []);
    expect(reads).toEqual(['A-3.md']);
    expect(parses).toEqual([]);
    await writeAged('A-3.md', 'Todo', new Date());
    expect((await states(t))['A-3']).toBe('Todo');
  });

  it("Baton's own write is visible at the next read", async () => {
    const t = tracker();
    const [issue] = await t.fetchIssuesByIds(['A-1']);
    await t.moveToState(issue!, 'Done');
    expect((await states(t))['A-1']).toBe('Done');
  });

  it('a deleted file leaves the results and the cache', async () => {
    const t = tracker();
    await t.poll(['Todo'], []);
    expect(cache.size).toBe(3);
    await nodeFs.rm(path.join(dir, 'A-2.md'));
    expect(Object.keys(await states(t)).sort()).toEqual(['A-1', 'A-3']);
    expect(cache.size).toBe(2);
  });

  it('a failed read is not cached: the file is read again and appears once readable', async () => {
    // A failing fs rather than chmod 000: root (as CI runs) reads a mode-000 file anyway.
    let fail = true;
    const fs: FileTrackerFs = {
      ...countingFs(),
      readFile: ((...args: Parameters<typeof nodeFs.readFile>) => {
        reads.push(path.basename(String(args[0])));
        if (fail && String(args[0]).endsWith('A-1.md')) return Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
        return nodeFs.readFile(...args);
      }) as typeof nodeFs.readFile,
    };
    const t = tracker(fs);
    expect((await t.poll(['Todo'], [])).candidates.map((i) => i.identifier)).toEqual(['A-2', 'A-3']);
    fail = false;
    reads = [];
    expect((await t.poll(['Todo'], [])).candidates.map((i) => i.identifier)).toEqual(['A-1', 'A-2', 'A-3']);
    expect(reads).toEqual(['A-1.md']);
  });
});
