/**
 * Priority from a tracker's labels or tags, for trackers with no priority field of their own
 * (GitHub and GitLab labels, Asana tags): `priority::1`..`priority::4` (GitLab's scoped spelling),
 * `priority:2`, `priority-3`, `P1`..`P4`, or `priority::urgent|high|medium|low` → 1..4. The most
 * urgent wins; no such label → null. Pure.
 */

const PRIORITY_WORDS: Record<string, number> = { urgent: 1, critical: 1, high: 2, medium: 3, normal: 3, low: 4 };

export function priorityFromLabels(labels: readonly string[]): number | null {
  let best: number | null = null;
  for (const label of labels) {
    const m = /^(?:priority\s*(?:::|[:/=-])?\s*|p-?)([1-4]|urgent|critical|high|medium|normal|low)$/i.exec(label.trim());
    if (!m) continue;
    const raw = m[1]!.toLowerCase();
    // `p` alone only takes digits: `plow` is not a priority.
    if (!/^priority/i.test(label.trim()) && !/^\d$/.test(raw)) continue;
    const value = /^\d$/.test(raw) ? Number(raw) : PRIORITY_WORDS[raw]!;
    best = best === null ? value : Math.min(best, value);
  }
  return best;
}
