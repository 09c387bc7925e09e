/**
 * `npm start` helper: copies the demo issues from examples/local/issues into
 * .baton/local-example/issues (fresh each time), so the demo can run again and the tracked example
 * files never change.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const from = fileURLToPath(new URL('examples/local/issues/', root));
const to = fileURLToPath(new URL('.baton/local-example/issues/', root));
const workspaces = fileURLToPath(new URL('.baton/local-example/workspaces/', root));

await rm(to, { recursive: true, force: true });
await rm(workspaces, { recursive: true, force: true });
await mkdir(to, { recursive: true });
await cp(from, to, { recursive: true });
process.stdout.write(`Demo issues copied to ${to}\n`);
