/**
 * Runs once per test worker process, before any Temporal connection: keeps the Rust core's logs to
 * warnings so test output stays readable.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process (a file re-run in watch mode): the first install stays.
}
