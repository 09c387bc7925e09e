import { describe, expect, it } from 'vitest';
import { freshBatchedRead, freshSharedRead } from '../../base/fresh-read.js';

/** A read whose runs are started and finished by hand, so the tests choose every interleaving. */
function manualRead() {
  const runs: { resolve(value: number): void; reject(err: Error): void }[] = [];
  const read = freshSharedRead(
    () =>
      new Promise<number>((resolve, reject) => {
        runs.push({ resolve, reject });
      }),
  );
  const settle = async () => {
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  };
  return { read, runs, settle };
}

describe('freshSharedRead', () => {
  it('callers one after another each get a read of their own', async () => {
    const { read, runs, settle } = manualRead();
    const first = read();
    runs[0]?.resolve(1);
    expect(await first).toBe(1);
    const second = read();
    await settle();
    expect(runs).toHaveLength(2);
    runs[1]?.resolve(2);
    expect(await second).toBe(2);
  });

  it('callers arriving during a read share the one read that starts after it, never the running one', async () => {
    const { read, runs, settle } = manualRead();
    const early = read();
    const late = Array.from({ length: 1_000 }, () => read());
    await settle();
    expect(runs).toHaveLength(1);
    runs[0]?.resolve(1);
    expect(await early).toBe(1);
    await settle();
    expect(runs).toHaveLength(2);
    runs[1]?.resolve(2);
    expect(new Set(await Promise.all(late))).toEqual(new Set([2]));
    expect(runs).toHaveLength(2);
  });

  it('a caller arriving while the shared follow-up runs waits for a third read', async () => {
    const { read, runs, settle } = manualRead();
    void read();
    const second = read();
    runs[0]?.resolve(1);
    await settle();
    const third = read();
    runs[1]?.resolve(2);
    expect(await second).toBe(2);
    await settle();
    expect(runs).toHaveLength(3);
    runs[2]?.resolve(3);
    expect(await third).toBe(3);
  });

  it('a failed read fails the callers who shared it, and the next caller reads again', async () => {
    const { read, runs, settle } = manualRead();
    const first = read();
    const joined = [read(), read()];
    runs[0]?.reject(new Error('EMFILE'));
    await expect(first).rejects.toThrow('EMFILE');
    await settle();
    runs[1]?.reject(new Error('EIO'));
    for (const p of joined) await expect(p).rejects.toThrow('EIO');
    const after = read();
    await settle();
    runs[2]?.resolve(7);
    expect(await after).toBe(7);
  });
});

/** A read by key whose runs are settled by hand; values are `{ key }` records. */
function manualBatchedRead(splitOnFailure?: (err: unknown) => boolean) {
  const runs: { keys: readonly string[]; answer(keys?: readonly string[]): void; reject(err: Error): void }[] = [];
  const read = freshBatchedRead<string, { key: string }>(
    (keys) =>
      new Promise((resolve, reject) => {
        runs.push({ keys, answer: (only = keys) => resolve(only.map((key) => ({ key }))), reject });
      }),
    (value) => value.key,
    splitOnFailure,
  );
  const settle = async () => {
    for (let i = 0; i < 10; i += 1) await Promise.resolve();
  };
  const keysOf = (values: { key: string }[]) => values.map((v) => v.key);
  return { read, runs, settle, keysOf };
}

describe('freshBatchedRead', () => {
  it('a caller alone reads its keys at once and gets the answer as it is', async () => {
    const { read, runs, settle, keysOf } = manualBatchedRead();
    const only = read(['a']);
    await settle();
    expect(runs.map((r) => r.keys)).toEqual([['a']]);
    runs[0]?.answer(['a', 'stray']);
    expect(keysOf(await only)).toEqual(['a', 'stray']);
  });

  it('callers arriving during a read join one next read with their keys merged, each getting its own', async () => {
    const { read, runs, settle, keysOf } = manualBatchedRead();
    const first = read(['a']);
    const b = read(['b']);
    const cd = read(['c', 'd', 'b']);
    const missing = read(['gone']);
    await settle();
    expect(runs).toHaveLength(1);
    runs[0]?.answer();
    expect(keysOf(await first)).toEqual(['a']);
    await settle();
    expect(runs).toHaveLength(2);
    expect(runs[1]?.keys).toEqual(['b', 'c', 'd', 'gone']);
    runs[1]?.answer(['b', 'c', 'd']);
    expect(keysOf(await b)).toEqual(['b']);
    expect(keysOf(await cd)).toEqual(['b', 'c', 'd']);
    expect(await missing).toEqual([]);
  });

  it('a caller never gets the read that was running when it asked', async () => {
    const { read, runs, settle, keysOf } = manualBatchedRead();
    void read(['a']);
    const late = read(['a']);
    runs[0]?.answer();
    await settle();
    expect(runs).toHaveLength(2);
    const later = read(['a']);
    runs[1]?.answer();
    expect(keysOf(await late)).toEqual(['a']);
    await settle();
    expect(runs).toHaveLength(3);
    runs[2]?.answer();
    expect(keysOf(await later)).toEqual(['a']);
  });

  it('a joined read that fails is read again per caller, so only the caller with the bad key fails', async () => {
    const { read, runs, settle, keysOf } = manualBatchedRead();
    void read(['a']);
    const good = read(['b']);
    const bad = read(['bad']);
    runs[0]?.answer();
    await settle();
    runs[1]?.reject(new Error('record bad is malformed'));
    await settle();
    expect(runs.slice(2).map((r) => r.keys)).toEqual([['b'], ['bad']]);
    runs[2]?.answer();
    runs[3]?.reject(new Error('record bad is malformed'));
    expect(keysOf(await good)).toEqual(['b']);
    await expect(bad).rejects.toThrow('malformed');
  });

  it('a joined read that fails for a reason not split on fails every joined caller, with no read more', async () => {
    const { read, runs, settle } = manualBatchedRead((err) => String(err).includes('malformed'));
    void read(['a']);
    const joined = [read(['b']), read(['c'])];
    runs[0]?.answer();
    await settle();
    runs[1]?.reject(new Error('429 rate limited'));
    for (const p of joined) await expect(p).rejects.toThrow('429');
    expect(runs).toHaveLength(2);
  });

  it("a lone caller's failure is its own, read once; the next caller reads again", async () => {
    const { read, runs, settle, keysOf } = manualBatchedRead();
    const first = read(['a']);
    await settle();
    runs[0]?.reject(new Error('ECONNRESET'));
    await expect(first).rejects.toThrow('ECONNRESET');
    expect(runs).toHaveLength(1);
    const next = read(['a']);
    await settle();
    runs[1]?.answer();
    expect(keysOf(await next)).toEqual(['a']);
  });
});
