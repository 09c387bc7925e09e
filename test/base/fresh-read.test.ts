import { describe, expect, it } from 'vitest';
import { freshSharedRead } from '../../base/fresh-read.js';

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
