/**
 * The logger of a long-running Baton process (`baton start`, `baton worker`): stdout in the format
 * `BATON_LOG_FORMAT` asks for, plus a rotating JSON file under `--logs-root DIR` (Symphony's flag)
 * when given. Loaded on use: pino is not needed by the quick commands.
 */
import type { Logger } from '../base/logger.js';

/** What `baton --help` says about logging (the README says the same). */
export const LOG_ENVIRONMENT_HELP = [
  'Logging (start, worker):',
  '  BATON_LOG_FORMAT=json|pretty  json: exactly one JSON object per line on stdout, Temporal SDK lines included',
  '                                (the default when stdout is not a terminal); pretty: one readable line per event',
  '  BATON_LOG_LEVEL=<level>       trace, debug, info (default), warn, error or silent',
  '  --logs-root <dir>             also write JSON lines to a rotating file <dir>/log/baton.log',
].join('\n');

export const LOGS_ROOT_HELP = 'also write JSON log lines to a rotating file DIR/log/baton.log (10 MiB × 5, daily)';

export async function processLogger(options: { logsRoot?: string }): Promise<Logger> {
  const { addLogFile, createLogger } = await import('../base/logger.js');
  const logger = createLogger();
  if (options.logsRoot !== undefined) {
    if (!options.logsRoot.trim()) {
      const { BatonError, ErrorCategory } = await import('../core/errors.js');
      throw new BatonError(ErrorCategory.usage, '--logs-root needs a directory');
    }
    const file = await addLogFile(logger, options.logsRoot);
    logger.info({ file }, 'writing logs to a rotating file');
  }
  return logger;
}
