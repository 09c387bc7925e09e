/** `baton refresh [config]`: poll the trackers now instead of at the next interval. */
import type { Command } from 'commander';
import { runCommand } from '../runner.js';

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .description('poll every tracker now')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .action(
      runCommand(async (file: string | undefined) => {
        // Loaded on use, so other commands and `--help` stay quick.
        const { connectClient, loadCliConfig, refreshOrchestrator } = await import('../context.js');
        const { config } = await loadCliConfig(file);
        const { client, connection } = await connectClient(config);
        try {
          await refreshOrchestrator(client, config.name);
          process.stdout.write('refresh requested\n');
        } finally {
          await connection.close();
        }
      }),
    );
}
