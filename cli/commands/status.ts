/** `baton status [config]`: one row per issue in flight: identifier, stage, state, attempt, age, last event. */
import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { issueStatusQuery, orchestratorStatusQuery, orchestratorWorkflowId, type IssueStatus } from '../../core/protocol.js';
import { connectClient, loadCliConfig } from '../context.js';
import { runCommand } from '../runner.js';
import { BatonError, ErrorCategory } from '../../core/errors.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show every issue Baton is working on')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .option('--json', 'print the orchestrator and issue statuses as JSON')
    .action(
      runCommand(async (file: string | undefined, opts: { json?: boolean }) => {
        const { config } = await loadCliConfig(file);
        const { client, connection } = await connectClient(config);
        try {
          const handle = client.workflow.getHandle(orchestratorWorkflowId(config.name));
          const orchestrator = await handle.query(orchestratorStatusQuery).catch((err: unknown) => {
            if (err instanceof WorkflowNotFoundError) {
              throw new BatonError(ErrorCategory.usage, `deployment \`${config.name}\` is not running; start it with \`baton start\` or \`baton worker\``);
            }
            throw err;
          });
          const issues: IssueStatus[] = [];
          for (const entry of Object.values(orchestrator.inflight)) {
            const status = await client.workflow.getHandle(entry.workflowId).query(issueStatusQuery).catch(() => undefined);
            if (status) issues.push(status);
          }
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ orchestrator, issues }, null, 2)}\n`);
            return;
          }
          const holders = Object.keys(orchestrator.holders).length;
          process.stdout.write(
            `Deployment ${config.name}: ${issues.length} issue(s) in flight, ${holders}/${orchestrator.view?.maxConcurrentAgents ?? '?'} agents running, ` +
              `last poll ${orchestrator.lastPollAt ?? 'never'}${orchestrator.lastPollOk ? '' : ' (with errors)'}\n`,
          );
          if (orchestrator.configError) process.stdout.write(`Config error (last good config kept): ${orchestrator.configError}\n`);
          for (const [tracker, err] of Object.entries(orchestrator.lastPollErrors)) process.stdout.write(`Tracker ${tracker}: ${err}\n`);
          if (issues.length === 0) {
            process.stdout.write('No issues in flight.\n');
            return;
          }
          process.stdout.write(`${formatStatusTable(issues, new Date())}\n`);
        } finally {
          await connection.close();
        }
      }),
    );
}

/** A plain-text table; columns sized to their content. */
export function formatStatusTable(issues: IssueStatus[], now: Date): string {
  const rows = [
    ['IDENTIFIER', 'STAGE', 'STATE', 'STATUS', 'ATTEMPT', 'AGE', 'LAST EVENT'],
    ...issues.map((s) => [
      s.identifier,
      s.stage ?? '-',
      s.state,
      s.status,
      String(s.attempt),
      age(now.getTime() - Date.parse(s.startedAt)),
      lastEvent(s),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function lastEvent(s: IssueStatus): string {
  if (s.reason && (s.status === 'gated' || s.status === 'stopped' || s.status === 'retrying')) return s.reason.slice(0, 80);
  if (!s.lastEvent) return '-';
  const text = `${s.lastEvent.event}${s.lastEvent.message ? `: ${s.lastEvent.message}` : ''}`;
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
