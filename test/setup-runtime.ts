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

// Tests kill shells on purpose (timeouts, cancellations). On a machine whose login profile runs
// `pyenv init`, a shell killed while pyenv rehashes leaves its lock file behind, and every later
// `bash -lc` then waits up to 60 s for it. Baton ends groups with SIGTERM first so the shell's own
// trap removes the lock; this bounds the wait should a SIGKILL still land at that moment.
process.env.PYENV_REHASH_TIMEOUT ??= '2';
