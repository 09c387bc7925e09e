/** `baton approve|reject|retry|cancel <identifier>`: operator actions on one issue. */
import type { Command } from 'commander';
import { runCommand } from '../runner.js';

// The Temporal client and the config loader are imported when an action runs: `baton --help` and
// `baton status` stay quick.
const actions = {
  approve: { update: 'approveUpdate', help: 'approve the gate (or the agent request) the issue waits at' },
  reject: { update: 'rejectUpdate', help: 'reject at the gate: the issue goes back to the gate’s on_reject stage' },
  retry: { update: 'retryUpdate', help: 'retry a stopped or backing-off issue now' },
  cancel: { update: 'cancelUpdate', help: 'stop the running agent and hold the issue for an operator' },
} as const;

export function registerOperatorCommands(program: Command): void {
  for (const [name, action] of Object.entries(actions)) {
    program
      .command(name)
      .description(action.help)
      .argument('<identifier>', 'issue identifier, e.g. ENG-12')
      .option('-c, --config <file>', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
      .option('-t, --tracker <name>', 'tracker name, when the config has several')
      .option('-r, --reason <text>', 'why (recorded in the issue history)')
      .action(
        runCommand(async (identifier: string, opts: { config?: string; tracker?: string; reason?: string }) => {
          const [{ WorkflowNotFoundError, WorkflowUpdateFailedError }, protocol, { BatonError, ErrorCategory }, { connectClient, loadCliConfig }] = await Promise.all([
            import('@temporalio/client'),
            import('../../core/protocol.js'),
            import('../../core/errors.js'),
            import('../context.js'),
          ]);
          const { issueWorkflowId } = protocol;
          const { config } = await loadCliConfig(opts.config);
          const tracker = opts.tracker ?? (config.trackers.length === 1 ? config.trackers[0]!.name : undefined);
          if (!tracker) {
            throw new BatonError(ErrorCategory.usage, `this config has several trackers (${config.trackers.map((t) => t.name).join(', ')}); pass --tracker <name>`);
          }
          const { client, connection } = await connectClient(config);
          try {
            const handle = client.workflow.getHandle(issueWorkflowId(tracker, identifier));
            const message = await handle.executeUpdate(protocol[action.update], { args: [{ reason: opts.reason, by: process.env.USER }] });
            process.stdout.write(`${message}\n`);
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) {
              const ended = await client.workflow
                .getHandle(issueWorkflowId(tracker, identifier))
                .describe()
                .then((d) => d.status.name)
                .catch(() => undefined);
              throw new BatonError(
                ErrorCategory.usage,
                ended
                  ? `${identifier}: nothing to ${name}; its Baton workflow has ended (${ended.toLowerCase()}). See \`baton status\``
                  : `no Baton workflow for ${identifier} on tracker ${tracker}; see \`baton status\``,
              );
            }
            if (err instanceof WorkflowUpdateFailedError) {
              throw new BatonError(ErrorCategory.usage, (err.cause as Error | undefined)?.message ?? err.message);
            }
            throw err;
          } finally {
            await connection.close();
          }
        }),
      );
  }
}
