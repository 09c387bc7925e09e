/**
 * The CLI's one choke point for errors: an expected exit with a code, a user error that says what
 * to do, or an internal error that says it is a bug.
 */
import { BatonError, ErrorCategory } from '../core/errors.js';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';

/** An expected, already-reported outcome: exit with this code and print nothing more. */
export class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function runCommand<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

export function reportError(err: unknown): number {
  if (err instanceof ExitError) return err.code;
  if (err instanceof ConfigError) {
    // Every problem at once, each with where it is and how to fix it.
    for (const d of err.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  if (err instanceof BatonError) {
    process.stderr.write(`baton: ${err.category}: ${err.message}\n`);
    return err.category === ErrorCategory.internal ? 70 : 1;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`baton: internal error (this is a bug; please report it with the lines below)\n${message}\n`);
  return 70;
}
