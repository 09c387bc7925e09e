/**
 * V8 heap settings for a process that hosts a Baton worker. Node's defaults size the heap for a
 * machine's memory, not for what a worker keeps alive: on a 23 GiB host V8 lets the old generation
 * grow to four times what survived the last full collection before it collects again, so a worker
 * with ~100 MiB live held 400 MiB (N=200 issues, 10 agents, shared peer harness) — garbage it
 * would have collected at no measurable cost. Owns no state; applied once, before the worker
 * starts its workflow thread (the thread's heap is configured when it is created).
 *
 * - `--heap-growing-percent=30`: collect once the old generation grew 30 % past what survived.
 *   Read at every collection, so it also holds for this (already running) thread. Measured at
 *   N=200/c10: Baton's peak RSS 428 → 294 MiB, CPU 20.6 → 19.9 s (within noise), no slower.
 * - `--max-semi-space-size=4`: the young generation of the workflow thread (created after this
 *   runs) at most 2 × 4 MiB instead of 2 × 16 MiB: peak 294 → 262 MiB, CPU within noise. The
 *   main thread's isolate exists before any of this runs, so `bin/baton.js` gives it the same
 *   bound on node's command line (its sh launcher): peak 259–276 → 236–238 MiB at N=200, and
 *   235 → 195 MiB right after start-up, CPU within noise.
 *
 * No hard heap limit is set (`--max-old-space-size`): a worker with many agents may need more, and
 * running out is a crash. A flag the process was started with (`node --heap-growing-percent=50
 * bin/baton.js …`) wins over the one here.
 */
import v8 from 'node:v8';

export const WORKER_HEAP_FLAGS: readonly string[] = ['--heap-growing-percent=30', '--max-semi-space-size=4'];

/** The flags of {@link WORKER_HEAP_FLAGS} the process was not started with (pure; table-tested). */
export function heapFlagsToApply(execArgv: readonly string[], nodeOptions: string | undefined, flags: readonly string[] = WORKER_HEAP_FLAGS): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter(Boolean).map(flagName);
  return flags.filter((flag) => !given.includes(flagName(flag)));
}

/** `--max_semi_space_size=4` and `--max-semi-space-size 4` name the same flag. */
function flagName(arg: string): string {
  return arg.split('=')[0]!.replace(/_/g, '-');
}

let applied = false;
/** Apply the heap flags once per process; returns those set now (empty when already applied). */
export function tuneWorkerHeap(): string[] {
  if (applied) return [];
  applied = true;
  const flags = heapFlagsToApply(process.execArgv, process.env.NODE_OPTIONS);
  for (const flag of flags) v8.setFlagsFromString(flag);
  return flags;
}
