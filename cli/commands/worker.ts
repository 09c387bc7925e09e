/** `baton worker [config]`: join an existing Temporal at `temporal.address`; run as many as you like. */
import type { Command } from 'commander';
import { createLogger } from '../../runtime/logger.js';
import { loadCliConfig } from '../context.js';
import { runCommand, ExitError } from '../runner.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a Baton worker against the Temporal at temporal.address (or the embedded server `baton start` runs)')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .action(
      runCommand(async (file: string | undefined) => {
        const logger = createLogger();
        const { path, config } = await loadCliConfig(file, logger);
        // Loaded on use: the worker and its native bridge are heavy, and other commands never need them.
        const { serve } = await import('../serve.js');
        const code = await serve({ configPath: path, config, logger, embedded: false });
        if (code !== 0) throw new ExitError(code);
      }),
    );
}
