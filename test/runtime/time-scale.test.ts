/** The suite's time scale (test/helpers/time.ts): explicit settings, the load-derived default, and its use. */
import { describe, expect, it } from 'vitest';
import { MAX_DERIVED_SCALE, TIME_SCALE_ENV, scaled, timeScale, timeScaleFor } from '../helpers/time.js';

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
