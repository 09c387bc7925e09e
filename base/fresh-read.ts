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

/**
 * `freshSharedRead` for reads by key: callers that join the waiting read have their keys merged
 * into one request, and each gets only the values whose key it asked for. A caller alone gets the
 * read's answer untouched. When a read that several callers joined fails with an error that
 * `splitOnFailure` says may be one key's fault, each of them reads its own keys alone, so one bad
 * key fails only the caller that asked for it (the others pay the request they would have made
 * anyway); any other failure is every joined caller's.
 *
 * Why: every stage start, stage write and turn re-reads its issue by id, and trackers whose query
 * takes many ids at once (Linear, Jira, GitLab) answered ten stages that started together with ten
 * requests. Joined, they cost two.
 */
export function freshBatchedRead<K, V>(
  read: (keys: readonly K[]) => Promise<readonly V[]>,
  keyOf: (value: V) => K,
  splitOnFailure: (err: unknown) => boolean = () => true,
): (keys: readonly K[]) => Promise<V[]> {
  interface Caller {
    readonly keys: readonly K[];
    resolve(values: V[]): void;
    reject(err: unknown): void;
  }
  let running = false;
  let waiting: Caller[] = [];
  const own = (values: readonly V[], keys: readonly K[]): V[] => {
    const wanted = new Set(keys);
    return values.filter((value) => wanted.has(keyOf(value)));
  };
  const alone = (caller: Caller): Promise<void> => new Promise<readonly V[]>((resolve) => resolve(read(caller.keys))).then((values) => caller.resolve([...values]), caller.reject);
  const serve = async (callers: readonly Caller[]): Promise<void> => {
    if (callers.length === 1) return alone(callers[0]!);
    let values: readonly V[];
    try {
      values = await read([...new Set(callers.flatMap((caller) => caller.keys))]);
    } catch (err) {
      if (splitOnFailure(err)) await Promise.all(callers.map(alone));
      else for (const caller of callers) caller.reject(err);
      return;
    }
    for (const caller of callers) caller.resolve(own(values, caller.keys));
  };
  const start = (callers: readonly Caller[]): void => {
    running = true;
    void serve(callers)
      .catch((err: unknown) => {
        for (const caller of callers) caller.reject(err);
      })
      .finally(() => {
        running = false;
        const next = waiting;
        waiting = [];
        if (next.length > 0) start(next);
      });
  };
  return (keys) =>
    new Promise<V[]>((resolve, reject) => {
      const caller: Caller = { keys, resolve, reject };
      if (running) waiting.push(caller);
      else start([caller]);
    });
}
