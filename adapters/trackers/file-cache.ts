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
 * - A file whose mtime is less than its racy window older than the moment it was read is not
 *   trusted by its stamp ("racily clean", as git calls it): a second write within the
 *   filesystem's timestamp granularity could keep mtime and size and go unseen. It is read again
 *   until it is older — but a read whose text is the one already parsed (same SHA-256) reuses
 *   that parse, so a burst of reads of new files (every stage start revalidates its issue) parses
 *   each file once.
 * - The window follows the stamp (`racyWindowMs`): an mtime on a 10 ms boundary may come from a
 *   filesystem that keeps coarse times (FAT 2 s, ext3 and HFS+ 1 s, exFAT 10 ms), so 2 s; a finer
 *   one (ext4, XFS, btrfs, tmpfs, APFS, NTFS) moves with the system clock's tick, at most ~16 ms,
 *   so 100 ms. A fine stamp that happens to land on a boundary only waits longer. With one 2 s
 *   window for all, the N=50 harness cell re-read every new issue file on every scan for its first
 *   two seconds: 12 % of Baton's CPU (four interleaved pairs, 4.91 → 4.30 CPU-s). A network
 *   filesystem stamps by the server's clock: one running behind the host's by more than the
 *   window defeats either window (one ahead is caught: an mtime in the future is never trusted).
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

/** For a stamp that may be coarse: 2 s covers the coarsest common mtime granularity (FAT). */
export const COARSE_RACY_WINDOW_MS = 2_000;
/** For a stamp finer than 10 ms: six of the coarsest system clock ticks (Windows' 15.6 ms). */
export const FINE_RACY_WINDOW_MS = 100;

/** How long after its mtime a file's stamp alone may answer for it. */
export function racyWindowMs(mtimeMs: number): number {
  return mtimeMs % 10 === 0 ? COARSE_RACY_WINDOW_MS : FINE_RACY_WINDOW_MS;
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino;
}

export class ParsedFileCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  /** `windowMs` replaces the per-stamp window (tests that need one fixed window). */
  constructor(private readonly windowMs?: number) {}

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
    this.entries.set(name, { stamp, digest, value, stampTrusted: readAtMs - stamp.mtimeMs >= (this.windowMs ?? racyWindowMs(stamp.mtimeMs)) });
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
