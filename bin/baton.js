#!/usr/bin/env node
// The `baton` command: the compiled CLI (dist/, written by `npm run build`), run in this process so
// SIGINT/SIGTERM/SIGHUP reach the CLI itself and its exit code is this process's.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('baton: dist/cli/main.js is missing; this checkout has not been built. Run `npm run build` (or `npm install`) in it.\n');
  process.exit(1);
}
await import(main.href);
