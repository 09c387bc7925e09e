/**
 * Summary statistics for the bench's figures: plain functions over plain numbers.
 */

/** The usual five figures of a sample, plus its size and mean. NaN everywhere for an empty sample. */
export interface Summary {
  count: number;
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
}

/**
 * The `p`-th percentile (0 < p ≤ 100) of an ascending sample by the nearest-rank method: the
 * smallest value with at least p % of the sample at or below it. Nearest rank always answers with
 * a value that was measured, which is what a reader of "p95 = 240 ms" expects.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The middle value, or the mean of the two middle values of an even-sized sample. */
export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Count, min, median, p95, max and mean of `values` (in any order). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { count: 0, min: Number.NaN, median: Number.NaN, p95: Number.NaN, max: Number.NaN, mean: Number.NaN };
  return {
    count: n,
    min: sorted[0] as number,
    median: median(sorted),
    p95: percentile(sorted, 95),
    max: sorted[n - 1] as number,
    mean: sorted.reduce((sum, v) => sum + v, 0) / n,
  };
}

/** `count` per minute over `ms` milliseconds (NaN when no time passed). */
export function perMinute(count: number, ms: number): number {
  return ms > 0 ? (count * 60_000) / ms : Number.NaN;
}

/** `count` per second over `ms` milliseconds (NaN when no time passed). */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1_000) / ms : Number.NaN;
}
