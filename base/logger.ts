/**
 * Structured logging (pino): the one stream every Baton line goes through, Temporal's included.
 *
 * - Lines carry `issue_id`, `issue_identifier`, `stage` and `session_id` when known (SPEC §13.1),
 *   each key once: pino renders child bindings and call fields side by side, so a key bound twice
 *   (a child of a child, or a binding repeated in a call) would appear twice. Every line is
 *   re-serialized before it is written, which keeps the last value of each key.
 * - `BATON_LOG_FORMAT=json` (or stdout not being a terminal) gives one JSON object per line; on a
 *   terminal the lines are rendered for people, one line per event. `BATON_LOG_LEVEL` sets the level.
 * - `addLogFile` adds a rotating JSON log file (`--logs-root DIR`, Symphony's flag).
 * - `temporalLogger` adapts a pino logger to the Temporal SDK's `Logger`, so workflow `log`,
 *   activity `log`, worker lines and (with log forwarding) the native core's lines land here too.
 *
 * Secrets never reach a log because configs are masked before they are logged.
 */
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger, type DestinationStream, type MultiStreamRes } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';

export type Logger = PinoLogger;
export type LogFormat = 'pretty' | 'json';

/** The format stdout lines take: `BATON_LOG_FORMAT`, else pretty on a terminal and JSON otherwise. */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): LogFormat {
  const wanted = env.BATON_LOG_FORMAT?.trim().toLowerCase();
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  return isTTY ? 'pretty' : 'json';
}

/**
 * One JSON line with each key once (the last value wins, as `JSON.parse` reads it). Pino joins
 * child bindings and call fields as text, so this is the one place duplicates can be removed.
 */
export function dedupeJsonLine(line: string): string {
  const end = line.endsWith('\n') ? '\n' : '';
  try {
    return `${JSON.stringify(JSON.parse(line))}${end}`;
  } catch {
    return line;
  }
}

/** Keys shown in front of the message on a pretty line instead of among the fields. */
const PRETTY_PREFIX_KEYS = ['issue_identifier', 'stage'];

/** Loads CommonJS modules on use, from a function that cannot await (a logger is built synchronously). */
const loadOnUse = createRequire(import.meta.url);

function prettyStream(colorize: boolean): DestinationStream {
  // Loaded only for pretty output: a service logging JSON (the default off a terminal) never needs it.
  const pretty = loadOnUse('pino-pretty') as typeof PinoPretty;
  return pretty({
    colorize,
    singleLine: true,
    translateTime: 'HH:MM:ss',
    ignore: ['name', 'issue_id', ...PRETTY_PREFIX_KEYS].join(','),
    messageFormat: '{if issue_identifier}{issue_identifier} {end}{if stage}[{stage}] {end}{msg}',
    // An error's stack would break the one-line-per-event rule; JSON lines keep it.
    errorLikeObjectKeys: [],
    customPrettifiers: {
      err: (value: unknown) => {
        const e = value as { type?: string; message?: string } | undefined;
        return e && typeof e === 'object' ? `${e.type ?? 'Error'}: ${e.message ?? ''}` : String(value);
      },
    },
    sync: true,
  }) as DestinationStream;
}

export interface CreateLoggerOptions {
  level?: string;
  name?: string;
  format?: LogFormat;
  /** Where lines go (default stdout); tests pass a collecting stream. */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const format = options.format ?? logFormat();
  const level = options.level ?? process.env.BATON_LOG_LEVEL ?? 'info';
  const out = options.destination ?? (format === 'pretty' ? prettyStream(Boolean(process.stdout.isTTY)) : pino.destination({ dest: 1, sync: true }));
  // A multistream, so a log file can be added later (`addLogFile`) without rebuilding loggers.
  const streams = pino.multistream([{ level: 'trace', stream: out }]);
  return pino(
    {
      name: options.name ?? 'baton',
      level,
      base: undefined,
      hooks: { streamWrite: dedupeJsonLine },
    },
    streams,
  );
}

/**
 * Also write every line (as JSON) to `<dir>/log/baton.log`, rotated at 10 MiB and daily, keeping 5
 * old files. Returns the file path. A logger not made by `createLogger` is left as it is.
 */
export async function addLogFile(logger: Logger, dir: string): Promise<string> {
  const folder = path.resolve(dir, 'log');
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, 'baton.log');
  // pino-roll ships no type declarations; its default export builds a SonicBoom stream.
  const specifier = 'pino-roll';
  const { default: roll } = (await import(specifier)) as { default: (o: Record<string, unknown>) => Promise<DestinationStream> };
  const stream = await roll({ file, size: '10m', frequency: 'daily', limit: { count: 5 }, mkdir: true });
  const target = (logger as unknown as { [k: symbol]: unknown })[pino.symbols.streamSym] as MultiStreamRes | undefined;
  if (!target || typeof target.add !== 'function') throw new Error('addLogFile needs a logger made by createLogger');
  target.add({ level: 'trace', stream });
  return file;
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });

const LEVELS: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Temporal's log metadata as Baton fields: camelCase SDK keys in snake_case (`workflowId` →
 * `workflow_id`), the SDK's symbol-keyed timestamp dropped (pino stamps the line), and an Error
 * under `err` so pino serializes it.
 */
export function temporalFields(meta: LogMetadata | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (!meta) return fields;
  for (const [key, value] of Object.entries(meta)) {
    if (value === undefined) continue;
    if (value instanceof Error) {
      fields.err = value;
      continue;
    }
    fields[snakeCase(key)] = value;
  }
  return fields;
}

/**
 * The SDK's worker bookkeeping an operator does not act on, moved to `debug`: every intermediate
 * worker state (STOPPING, DRAINING, …; RUNNING and STOPPED stay) and the "not polling for X"
 * notes about task types a queue deliberately has none of.
 */
export function sdkLevel(level: TemporalLogLevel, message: string, meta?: LogMetadata): TemporalLogLevel {
  if (meta?.sdkComponent !== 'worker' || (level !== 'INFO' && level !== 'WARN')) return level;
  if (message === 'Worker state changed') return meta.state === 'RUNNING' || meta.state === 'STOPPED' ? level : 'DEBUG';
  return /^No .* registered, not polling/.test(message) ? 'DEBUG' : level;
}

/** The Temporal SDK's `Logger` over a pino logger: one stream for Baton's and Temporal's lines. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (given: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    const level = sdkLevel(given, message, meta);
    const method = LEVELS[level] ?? 'info';
    if (!logger.isLevelEnabled(method)) return;
    logger[method](temporalFields(meta), message);
  };
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

/**
 * A line for the person at the terminal (addresses, the final table): plain text in pretty mode,
 * a log line in JSON mode, where stdout carries nothing but JSON objects.
 */
export function announce(logger: Logger, text: string, fields: Record<string, unknown> = {}): void {
  if (logFormat() === 'json') logger.info(fields, text.trim());
  else process.stdout.write(`${text}\n`);
}
