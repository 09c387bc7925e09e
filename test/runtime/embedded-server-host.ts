/**
 * Stands in for a Baton process in `embedded-server.test.ts`: starts an embedded server, prints its
 * pid as one JSON line, then idles until it is killed. Usage: `node --import tsx <this> <cli> <dbFile>`.
 */
import { startEmbeddedServer } from '../../runtime/embedded-server.js';
import { silentLogger } from '../../base/logger.js';

const [cliPath, dbFile] = process.argv.slice(2);
const server = await startEmbeddedServer({ cliPath: cliPath!, dbFile: dbFile!, logger: silentLogger, port: 0, uiPort: 0, stopGraceMs: 2_000 });
process.stdout.write(`${JSON.stringify({ pid: server.pid, address: server.address })}\n`);
setInterval(() => undefined, 60_000);
