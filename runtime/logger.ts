/**
 * Structured logging (pino). Log lines carry `issue_id`, `issue_identifier`, `session_id` when known
 * (SPEC §13.1); secrets never reach a log because configs are masked before they are logged.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'baton',
    level: options.level ?? process.env.BATON_LOG_LEVEL ?? 'info',
    base: undefined,
  });
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
