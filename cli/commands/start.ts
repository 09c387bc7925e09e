/**
 * `baton start [config]`: embedded Temporal server + worker + orchestrator in one process. With
 * `--no-worker` this process runs no worker: it starts the orchestrator (and the embedded server or
 * dashboard when configured) while `baton worker` processes, on this host or others, do the work.
 */
import type { Command } from 'commander';
import { runCommand, ExitError } from '../runner.js';
import { LOGS_ROOT_HELP, processLogger } from '../process-logger.js';
import { PORT_HELP, parsePort, withPort } from '../port-option.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run Baton in this process: the embedded Temporal server (when temporal.address is `embedded`), a worker and the orchestrator')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .option('--until-idle', 'exit 0 once no issue is active or gated (for scripts and tests)')
    .option('--idle-timeout <ms>', 'with --until-idle: give up (exit 1) after this many milliseconds', (v) => Number.parseInt(v, 10))
    .option('--logs-root <dir>', LOGS_ROOT_HELP)
    .option('--port <port>', PORT_HELP, parsePort)
    .option('--no-worker', 'run no worker here: only start the orchestrator (and the embedded server, the dashboard); `baton worker`s do the work')
    .action(
      runCommand(async (file: string | undefined, opts: { untilIdle?: boolean; idleTimeout?: number; logsRoot?: string; port?: number; worker: boolean }) => {
        const logger = await processLogger(opts);
        const { loadCliConfig } = await import('../context.js');
        const { path, config: loaded } = await loadCliConfig(file, logger);
        const config = withPort(loaded, opts.port);
        // Loaded on use: the worker and its native bridge are heavy, and other commands never need them.
        const { serve } = await import('../../runtime/serve/index.js');
        const { printSummary } = await import('../summary.js');
        const code = await serve({ configPath: path, config, logger, embedded: true, worker: opts.worker, untilIdle: opts.untilIdle, idleTimeoutMs: opts.idleTimeout, summarize: printSummary });
        if (code !== 0) throw new ExitError(code);
      }),
    );
}
