import { defineConfig } from 'vitest/config';

/**
 * `npm run test:live`: the real-integration profile (SPEC §17.8), never part of `npm test` (whose
 * config includes only `*.test.ts`; these files end in `.live.ts`). Each tracker's and agent's
 * smoke test runs when its credentials are in the environment and is reported as skipped, with the
 * variables it needs in its name, when they are not. A failure fails the run.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/live/**/*.live.ts'],
    setupFiles: ['test/setup-runtime.ts'],
    testTimeout: 300_000,
    // Every test by name, skipped ones included: a skip must be seen, not mistaken for a pass.
    reporters: ['verbose'],
  },
});
