/**
 * The `file` tracker's parse cache: one parsed record per issue file, so a poll stats every file
 * but reads only the ones whose stamp changed, and parses only the ones whose text changed
 * (issue 8 §3: a poll costs O(changed files)).
 *
 * Rules (table-tested in test/adapters/file-cache.test.ts):
 * - A stamp hit (no read at all) needs the same name and an identical stamp (mtime, ctime, size,
 *   inode). A different inode means the file was replaced (Baton's own writes and most editors
 *   write a temp file and rename it over the old one); ctime also moves on a permission change,
 *   which can make an unreadable file readable.
 * - A file whose mtime is less than `racyWindowMs` older than the moment it was read is not
 *   trusted by its stamp ("racily clean", as git calls it): a second write within the
 *   filesystem's timestamp granularity could keep mtime and size and go unseen. It is read again
 *   until it is older — but a read whose text is the one already parsed (same SHA-256) reuses
 *   that parse, so a burst of reads of new files (every stage start revalidates its issue) parses
 *   each file once. Parsing, not reading, is what costs: a YAML front matter parse is ~1–2 ms.
 * - Names absent from a scan are forgotten (`retain`), and Baton's own writes `forget` their file.
 */
import { createHash } from 'node:crypto';

/** What identifies one version of a file without reading it. */
export interface FileStamp {
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
}

interface Entry<T> {
  stamp: FileStamp;
  /** SHA-256 of the text `value` was parsed from. */
  digest: string;
  value: T;
  /** The stamp alone may answer for the file (it was read outside the racy window). */
  stampTrusted: boolean;
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

/** 2 s covers the coarsest common mtime granularity (FAT, some network filesystems). */
export const DEFAULT_RACY_WINDOW_MS = 2_000;

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino;
}

export class ParsedFileCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly racyWindowMs = DEFAULT_RACY_WINDOW_MS) {}

  /** The cached value of `name` if it was parsed from exactly this version of the file. */
  get(name: string, stamp: FileStamp): T | undefined {
    const entry = this.entries.get(name);
    return entry?.stampTrusted && sameStamp(entry.stamp, stamp) ? entry.value : undefined;
  }

  /**
   * `name`'s value as just read: the cached one when it was parsed from this very text (same
   * SHA-256, computed once here), else `parse(text)`. Either way it is remembered under the stamp
   * taken before the read; a file too recent to trust its stamp is remembered by its text only.
   */
  remember(name: string, stamp: FileStamp, text: string, readAtMs: number, parse: (text: string) => T): T {
    const digest = digestOf(text);
    const entry = this.entries.get(name);
    const value = entry && entry.digest === digest ? entry.value : parse(text);
    this.entries.set(name, { stamp, digest, value, stampTrusted: readAtMs - stamp.mtimeMs >= this.racyWindowMs });
    return value;
  }

  /** Drop `name` (Baton just rewrote it). */
  forget(name: string): void {
    this.entries.delete(name);
  }

  /** Keep only `names` (the files of the latest scan). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.entries.keys()) if (!names.has(name)) this.entries.delete(name);
  }

  get size(): number {
    return this.entries.size;
  }
}
