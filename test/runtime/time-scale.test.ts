/** The suite's time scale (test/helpers/time.ts): explicit settings, the load-derived default, and its use. */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { MAX_DERIVED_SCALE, TIME_SCALE_ENV, currentScale, scaled, timeScale, timeScaleFor } from '../helpers/time.js';

describe('timeScaleFor', () => {
  it.each([
    ['an explicit factor', '2.5', 0, 2, 2.5],
    ['an explicit factor above the derived cap', '8', 0, 2, 8],
    ['an explicit 1 on a loaded machine', '1', 15, 2, 1],
    ['no setting, idle machine', undefined, 0.2, 2, 1],
    ['no setting, one runnable process per core', undefined, 2, 2, 1],
    ['no setting, load 5 on 2 cores', undefined, 5, 2, 2.5],
    ['no setting, load 15 on 2 cores (capped)', undefined, 15, 2, MAX_DERIVED_SCALE],
    ['an empty setting counts as none', '  ', 3, 2, 1.5],
    ['no cores reported', undefined, 3, 0, 3],
  ])('%s', (_what, setting, load, cores, expected) => {
    expect(timeScaleFor(setting, load, cores)).toBe(expected);
  });

  it.each([['0.5'], ['fast'], ['-1']])('refuses %s', (setting) => {
    expect(() => timeScaleFor(setting, 0, 2)).toThrow(TIME_SCALE_ENV);
  });
});

describe('the pinned scale', () => {
  it('is the one vitest.config.ts put in the environment, and scaled() applies it', () => {
    expect(process.env[TIME_SCALE_ENV]).toBe(String(timeScale));
    expect(scaled(1_000)).toBe(Math.ceil(1_000 * timeScale));
  });
});

describe('currentScale (the factor a running wait uses)', () => {
  const cores = os.availableParallelism();
  it.each([
    ['an idle machine keeps the pinned factor', 0, timeScale],
    ['a load of one process per core keeps the pinned factor', cores, timeScale],
    ['a load of three per core stretches to at least 3', cores * 3, Math.max(timeScale, 3)],
    ['a load far above the cap stops at the cap (or the pinned factor if higher)', cores * 50, Math.max(timeScale, MAX_DERIVED_SCALE)],
  ])('%s', (_what, load, expected) => {
    expect(currentScale(load)).toBe(expected);
  });
});
