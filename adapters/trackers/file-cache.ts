/**
 * The `file` tracker's parse cache: one parsed record per issue file, kept while the file's stamp
 * (mtime, ctime, size, inode) is unchanged, so a poll stats every file but reads and parses only
 * the ones that changed (issue 8 §3: a poll costs O(changed files)).
 *
 * Rules (table-tested in test/adapters/file-cache.test.ts):
 * - A hit needs the same name and an identical stamp. A different inode means the file was replaced
 *   (Baton's own writes and most editors write a temp file and rename it over the old one); ctime
 *   also moves on a permission change, which can make an unreadable file readable.
 * - A file whose mtime is less than `racyWindowMs` older than the moment it was read is not
 *   trusted afterwards ("racily clean", as git calls it): a second write within the filesystem's
 *   timestamp granularity could keep mtime and size and go unseen. It is re-read until it is older.
 * - Names absent from a scan are forgotten (`retain`), and Baton's own writes `forget` their file.
 */

/** What identifies one version of a file without reading it. */
export interface FileStamp {
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
}

interface Entry<T> {
  stamp: FileStamp;
  value: T;
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
    return entry && sameStamp(entry.stamp, stamp) ? entry.value : undefined;
  }

  /**
   * Remember `value`, parsed from the file as it was stamped before reading it, unless the file
   * is too recent to trust its stamp (then any older entry is dropped too).
   */
  set(name: string, stamp: FileStamp, value: T, readAtMs: number): void {
    if (readAtMs - stamp.mtimeMs < this.racyWindowMs) {
      this.entries.delete(name);
      return;
    }
    this.entries.set(name, { stamp, value });
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
