/**
 * The suite's one time scale. Every wait, timeout, poll deadline and timing setting a test gives
 * Baton (stall, heartbeat, turn timeouts) is written as it would be on an idle machine and passed
 * through `scaled()`, so a loaded machine stretches them all alike instead of failing the test
 * that happened to be slowest. vitest's own test and hook timeouts scale the same way
 * (vitest.config.ts).
 *
 * `BATON_TEST_TIME_SCALE` sets the factor (a number ≥ 1). Unset, vitest.config.ts derives it once
 * from the machine's 1-minute load average per core (see `timeScaleFor`) and pins it in the
 * environment, so every test process uses the same value; waits that poll (`pollUntil`,
 * `deadlineAfter`) also stretch further if the machine gets busier while they run. Scaling only
 * lengthens limits: a passing test never waits for one, so an idle machine pays nothing for it.
 */
import os from 'node:os';

export const TIME_SCALE_ENV = 'BATON_TEST_TIME_SCALE';

/** The largest factor derived from the load; an explicit setting may go higher. */
export const MAX_DERIVED_SCALE = 4;

/**
 * The factor for an explicit setting (`BATON_TEST_TIME_SCALE`) or, without one, for the load:
 * one per runnable process per core, never below 1 nor above {@link MAX_DERIVED_SCALE}, rounded
 * to a tenth. A setting that is not a number ≥ 1 is an error: a silently ignored scale would
 * bring back the flakiness it is meant to cure.
 */
export function timeScaleFor(setting: string | undefined, load1: number, cores: number): number {
  if (setting !== undefined && setting.trim() !== '') {
    const value = Number(setting);
    if (!Number.isFinite(value) || value < 1) throw new Error(`${TIME_SCALE_ENV}=${setting}: expected a number ≥ 1 (e.g. 2 on a loaded machine)`);
    return value;
  }
  const perCore = load1 / Math.max(1, cores);
  return Math.round(Math.min(MAX_DERIVED_SCALE, Math.max(1, perCore)) * 10) / 10;
}

/** This process's factor (inherited from the environment vitest.config.ts pinned). */
export const timeScale: number = timeScaleFor(process.env[TIME_SCALE_ENV], os.loadavg()[0] ?? 0, os.availableParallelism());

/**
 * The factor for a wait running now: the pinned one, or the load-derived one if the machine has
 * become busier since the suite started (a quiet start pins 1; the heavy end of a run, with
 * several servers and agents beside each other, may need more). Never below the pinned factor.
 */
export function currentScale(load1: number = os.loadavg()[0] ?? 0): number {
  return Math.max(timeScale, timeScaleFor(undefined, load1, os.availableParallelism()));
}

/** `ms` (as it would be on an idle machine) stretched by the time scale, in whole milliseconds. */
export function scaled(ms: number): number {
  return Math.ceil(ms * timeScale);
}

/** Waits `ms` scaled: for a test that must let something happen (or not) for a while. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, scaled(ms)));
}

/**
 * A wait's deadline: `ms` of idle-machine time from now, stretched by {@link currentScale} each
 * time it is asked, so a wait that began on a quiet machine gets more time once the load rises.
 */
export function deadlineAfter(ms: number): { passed: () => boolean; budgetMs: () => number } {
  const start = Date.now();
  const budgetMs = () => Math.ceil(ms * currentScale());
  return { passed: () => Date.now() - start >= budgetMs(), budgetMs };
}

/**
 * Calls `check` every `everyMs` until it returns something truthy or `timeoutMs` (scaled) has
 * passed, and resolves with its last value either way: the caller asserts on it, so a timeout
 * fails with the test's own message rather than this helper's.
 */
export async function pollUntil<T>(check: () => T | Promise<T>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = deadlineAfter(timeoutMs);
  for (;;) {
    const value = await check();
    if (value || deadline.passed()) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
