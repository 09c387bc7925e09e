/**
 * Once per `vitest run`, before any test: brings `dist/` up to date with the sources (an
 * incremental `npm run build`: about a second when nothing changed, a few more when the workflow
 * bundle must be rebuilt), so the tests that run `bin/baton.js` run what users run, built from the
 * code under test. In-process tests import the TypeScript sources and do not need it.
 */
import { build } from '../scripts/build.js';

export default async function setup(): Promise<void> {
  await build();
}
