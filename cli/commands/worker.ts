/** `baton worker [config]`: join an existing Temporal at `temporal.address`; run as many as you like. */
import type { Command } from 'commander';
import { runCommand, ExitError } from '../runner.js';
import { LOGS_ROOT_HELP, processLogger } from '../process-logger.js';
import { PORT_HELP, parsePort, withPort } from '../port-option.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a Baton worker against the Temporal at temporal.address (or the embedded server `baton start` runs)')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .option('--logs-root <dir>', LOGS_ROOT_HELP)
    .option('--port <port>', PORT_HELP, parsePort)
    .option('--host-id <id>', 'this host’s id: its workspaces are pinned to it (default: $BATON_HOST_ID, else the hostname)')
    .option('--max-agents <n>', 'agents this host runs at once (default 100; the deployment’s limits still apply)', (v) => Number.parseInt(v, 10))
    .action(
      runCommand(async (file: string | undefined, opts: { logsRoot?: string; port?: number; hostId?: string; maxAgents?: number }) => {
        // The one place a host id is read (runtime/host.ts), for this process and what it starts.
        if (opts.hostId !== undefined) process.env.BATON_HOST_ID = opts.hostId;
        const logger = await processLogger(opts);
        const { loadCliConfig } = await import('../context.js');
        const { path, config: loaded } = await loadCliConfig(file, logger);
        const config = withPort(loaded, opts.port);
        // Loaded on use: the worker and its native bridge are heavy, and other commands never need them.
        const { serve } = await import('../../runtime/serve/index.js');
        const code = await serve({ configPath: path, config, logger, embedded: false, maxAgents: opts.maxAgents });
        if (code !== 0) throw new ExitError(code);
      }),
    );
}
