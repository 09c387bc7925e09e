/**
 * The `file` tracker's push channel: a new issue file dropped in the folder asks for a poll at
 * once instead of at the next interval (what a webhook is to the hosted trackers). It watches the
 * folder with `fs.watch` (inotify on Linux) and reports only *new* issue files: Baton's own writes
 * replace known files by rename and a person's edit of a known file is found by the next poll, so
 * neither costs an extra poll while issues run.
 *
 * State it owns: the names it has seen (seeded from the folder when the watch starts), when each
 * new name appeared, and one pending debounce. The rule that decides what counts is pure
 * (`NewIssueFiles`) and table-tested; the watch itself is best effort — if the folder cannot be
 * watched, the poll still finds everything.
 */
import { watch, readdirSync, type FSWatcher } from 'node:fs';
import type { Logger } from '../../base/logger.js';

/** How long after a new file appears its further writes still count (a copy lands in pieces). */
export const FRESH_MS = 2_000;
/** Quiet time after the last counted event before the nudge; a burst of files is one nudge. */
export const DEBOUNCE_MS = 50;
/** A steady stream of new files still nudges at least this often. */
export const MAX_WAIT_MS = 250;

/** Whether a folder entry's name is an issue file (the scan's rule: `*.md`, no dot file, no README). */
export function isIssueFileName(name: string): boolean {
  return name.endsWith('.md') && !name.startsWith('.') && name.toLowerCase() !== 'readme.md';
}

/**
 * Decides which watch events mean "a new issue may be here": the first event for a name not seen
 * before, and any event for such a name while it is fresh. Pure: the clock is passed in.
 */
export class NewIssueFiles {
  private readonly seen = new Map<string, number>();

  constructor(known: Iterable<string>) {
    for (const name of known) this.seen.set(name, Number.NEGATIVE_INFINITY);
  }

  /** True when this event should lead to a poll. */
  event(name: string | null, nowMs: number): boolean {
    if (name === null || !isIssueFileName(name)) return false;
    const firstSeen = this.seen.get(name);
    if (firstSeen === undefined) {
      this.seen.set(name, nowMs);
      return true;
    }
    return nowMs - firstSeen < FRESH_MS;
  }
}

/** Calls `fire` once per burst: `DEBOUNCE_MS` after the last call, at most `MAX_WAIT_MS` after the first. */
export function debounced(fire: () => void): { poke(): void; cancel(): void } {
  let timer: NodeJS.Timeout | null = null;
  let firstAt: number | null = null;
  const run = () => {
    timer = null;
    firstAt = null;
    fire();
  };
  return {
    poke() {
      const now = Date.now();
      firstAt ??= now;
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, Math.max(0, Math.min(DEBOUNCE_MS, firstAt + MAX_WAIT_MS - now)));
      timer.unref();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * Watch `dir` and call `onNewIssue` (debounced) when a new issue file appears. Returns the stop
 * function. A folder that cannot be watched is logged once and left to the poll.
 */
export function watchIssueFolder(dir: string, onNewIssue: () => void, logger: Logger): () => void {
  let known: string[];
  let watcher: FSWatcher;
  try {
    known = readdirSync(dir).filter(isIssueFileName);
    watcher = watch(dir, { persistent: false });
  } catch (err) {
    logger.warn({ dir, err: String(err) }, 'cannot watch the issues folder; new issues are found by the next poll');
    return () => undefined;
  }
  const files = new NewIssueFiles(known);
  const nudge = debounced(onNewIssue);
  watcher.on('change', (_type, name) => {
    if (files.event(typeof name === 'string' ? name : (name?.toString('utf8') ?? null), Date.now())) nudge.poke();
  });
  watcher.on('error', (err) => {
    logger.warn({ dir, err: String(err) }, 'stopped watching the issues folder; new issues are found by the next poll');
    nudge.cancel();
    watcher.close();
  });
  logger.debug({ dir }, 'watching the issues folder for new issues');
  return () => {
    nudge.cancel();
    watcher.close();
  };
}
