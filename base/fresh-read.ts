/**
 * One read shared by every caller that asks while it is needed, without serving anyone stale data.
 *
 * A caller that arrives while no read runs starts one. A caller that arrives while a read runs
 * cannot use it (that read may have passed the data the caller wants to see change), so it joins
 * the one read that starts when the running one ends; every caller arriving meanwhile joins that
 * same read. So whatever the number of callers, at most one read runs and one waits, and each
 * caller gets a result read entirely after it asked.
 *
 * Why: the file tracker scans its whole folder per call; with 1,000 issues in flight, 1,000
 * activities revalidating at once each started their own 1,000-file scan (a million reads,
 * thousands of open files, the worker stalled). Joined, they cost two scans.
 */
export function freshSharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  let waiting: Promise<T> | null = null;
  const start = (): Promise<T> => {
    const current: Promise<T> = read().finally(() => {
      if (running === current) running = null;
    });
    running = current;
    return current;
  };
  return () => {
    if (!running) return start();
    waiting ??= running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      waiting = null;
      return start();
    });
    return waiting;
  };
}
