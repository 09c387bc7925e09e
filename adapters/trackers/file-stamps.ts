/**
 * The stat half of a `file` tracker scan: one stamp per issue file (file-cache.ts decides from it
 * whether the file must be read). A scan stats every file, and a scan runs per poll, per stage
 * start, per stage write: at 200 issues that was a quarter of Baton's main-thread time, each
 * `fs.promises.stat` costing ~15 µs of promise and async-hook bookkeeping around a ~2 µs call.
 * So the stats of a scan run inline while the folder answers fast, and move to the thread pool
 * for good, logged once, as soon as one scan's inline stats have taken `budgetMs` and most of
 * them (three at least) were slow: a network share, a disk under heavy load. A slow folder holds
 * the event loop that long once, never again. Most, not all: on a busy machine the thread is now
 * and then descheduled in the middle of a fast stat, and that alone must not send every later
 * scan to the pool. State it owns: whether this folder is still stat'ed inline.
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../base/logger.js';
import type { FileStamp } from './file-cache.js';

/** What one stat says: the stamp, that the file is gone, or that it could not be stat'ed (read it to find out why). */
export type Stamped = { readonly kind: 'stamp'; readonly stamp: FileStamp } | { readonly kind: 'gone' } | { readonly kind: 'unstamped' };

export interface StatCalls {
  stat(file: string): Promise<Stats>;
  /** Absent: every stat goes through the thread pool. */
  statSync?(file: string): Stats;
}

/** Inline stats a scan may spend before the folder is stat'ed through the thread pool from then on. */
const INLINE_STAT_BUDGET_MS = 20;
/** A local stat takes microseconds; one that takes this long went to a disk or a network. */
const SLOW_STAT_MS = 0.2;
/** Slow stats a scan must see before it judges the folder slow (one hiccup is not a slow folder). */
const MIN_SLOW_STATS = 3;
/** Stats in flight at once through the thread pool. */
const POOL_BATCH = 64;

function stamped(st: Stats): Stamped {
  return { kind: 'stamp', stamp: { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino } };
}

function failedStat(err: unknown): Stamped {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? { kind: 'gone' } : { kind: 'unstamped' };
}

export class FolderStamper {
  private inline: boolean;

  constructor(
    private readonly calls: StatCalls,
    private readonly logger: Logger,
    private readonly budgetMs = INLINE_STAT_BUDGET_MS,
  ) {
    this.inline = calls.statSync !== undefined;
  }

  /** Whether scans still stat inline (false once a scan went over budget). */
  get statsInline(): boolean {
    return this.inline;
  }

  /** One stamp per name, in order. */
  async stampAll(dir: string, names: readonly string[]): Promise<Stamped[]> {
    const out: Stamped[] = [];
    if (this.inline && this.calls.statSync) {
      const statSync = this.calls.statSync;
      const started = performance.now();
      let slow = 0;
      while (out.length < names.length && this.inline) {
        const before = performance.now();
        try {
          out.push(stamped(statSync(path.join(dir, names[out.length]!))));
        } catch (err) {
          out.push(failedStat(err));
        }
        const after = performance.now();
        if (after - before > SLOW_STAT_MS) slow += 1;
        const spent = after - started;
        if (spent > this.budgetMs && slow >= MIN_SLOW_STATS && 2 * slow > out.length) {
          this.inline = false;
          this.logger.info({ dir, files: out.length, ms: Math.round(spent) }, `the issue folder is slow to stat (${out.length} files took ${Math.round(spent)} ms); its scans stat through the thread pool from now on`);
        }
      }
    }
    while (out.length < names.length) {
      const batch = names.slice(out.length, out.length + POOL_BATCH);
      out.push(...(await Promise.all(batch.map((name) => this.calls.stat(path.join(dir, name)).then(stamped, failedStat)))));
    }
    return out;
  }
}
