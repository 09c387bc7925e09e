import os from 'node:os';
import { defineConfig } from 'vitest/config';
import { TIME_SCALE_ENV, scaled, timeScale } from './test/helpers/time.js';

// Pin the time scale once, here, so every test process (they inherit this environment) uses the
// same factor even if the load changes while the suite runs.
process.env[TIME_SCALE_ENV] = String(timeScale);
if (timeScale !== 1) {
  const load = os.loadavg()[0]?.toFixed(1);
  console.log(`test time scale ${timeScale} (1-min load ${load} on ${os.availableParallelism()} cores; set ${TIME_SCALE_ENV} to choose)`);
}

export default defineConfig({
  test: {
    // The Temporal core bridge is a native module; worker threads break it (wasm OOM, Neon panics).
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // dist/ current for the tests that run the real `baton` bin; then one Temporal dev server for
    // the whole run (the first run on a fresh clone also installs the CLI).
    globalSetup: ['test/build-dist.ts', 'test/global-setup.ts'],
    setupFiles: ['test/setup-runtime.ts'],
    // Integration tests run real servers and processes; on 2 busy cores some take a minute, and
    // the scale is pinned from the load at the start, which may be quieter than the run's end.
    // Only a hung test ever waits these out.
    testTimeout: scaled(180_000),
    hookTimeout: scaled(240_000),
    // `.ci/run` reads the JSON report for its one-line summary.
    reporters: ['default', ['json', { outputFile: '.ci/vitest-report.json' }]],
  },
});
