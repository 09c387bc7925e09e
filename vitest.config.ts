import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal core bridge is a native module; worker threads break it (wasm OOM, Neon panics).
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // One Temporal dev server for the whole run; the first run on a fresh clone also installs the CLI.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-runtime.ts'],
    // Integration tests run real servers and processes; on 2 busy cores some take a minute.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // `.ci/run` reads the JSON report for its one-line summary.
    reporters: ['default', ['json', { outputFile: '.ci/vitest-report.json' }]],
  },
});
