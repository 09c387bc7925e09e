/** `baton start [config]`: embedded Temporal server + worker + orchestrator in one process. */
import type { Command } from 'commander';
import { createLogger } from '../../runtime/logger.js';
import { loadCliConfig } from '../context.js';
import { runCommand, ExitError } from '../runner.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run Baton in this process: the embedded Temporal server (when temporal.address is `embedded`), a worker and the orchestrator')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .option('--until-idle', 'exit 0 once no issue is active or gated (for scripts and tests)')
    .option('--idle-timeout <ms>', 'with --until-idle: give up (exit 1) after this many milliseconds', (v) => Number.parseInt(v, 10))
    .action(
      runCommand(async (file: string | undefined, opts: { untilIdle?: boolean; idleTimeout?: number }) => {
        const logger = createLogger();
        const { path, config } = await loadCliConfig(file, logger);
        // Loaded on use: the worker and its native bridge are heavy, and other commands never need them.
        const { serve } = await import('../serve.js');
        const code = await serve({ configPath: path, config, logger, embedded: true, untilIdle: opts.untilIdle, idleTimeoutMs: opts.idleTimeout });
        if (code !== 0) throw new ExitError(code);
      }),
    );
}
