/**
 * Structured logging (pino). Log lines carry `issue_id`, `issue_identifier`, `session_id` when known
 * (SPEC §13.1); secrets never reach a log because configs are masked before they are logged.
 * On a terminal the lines are rendered for people (one line each); otherwise, or with
 * `BATON_LOG_FORMAT=json`, they stay JSON for log collectors.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;

export function createLogger(options: { level?: string; name?: string; format?: 'pretty' | 'json' } = {}): Logger {
  const format = options.format ?? (process.env.BATON_LOG_FORMAT as 'pretty' | 'json' | undefined) ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const base = {
    name: options.name ?? 'baton',
    level: options.level ?? process.env.BATON_LOG_LEVEL ?? 'info',
    base: undefined,
  };
  if (format !== 'pretty') return pino(base);
  return pino(
    base,
    pretty({
      colorize: process.stdout.isTTY,
      singleLine: true,
      translateTime: 'HH:MM:ss',
      ignore: 'name',
      sync: true,
    }),
  );
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
