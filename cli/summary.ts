/**
 * What `baton start --until-idle` prints before it stops: every issue of the deployment (from the
 * Temporal visibility store, closed ones included) as `baton status` shows them.
 */
import type { Client } from '@temporalio/client';
import { WorkflowType, issueStatusQuery, type IssueStatus } from '../core/protocol.js';
import { compareCodeUnits } from '../core/scheduling.js';
import type { BatonConfig } from '../config/schema.js';
import { announce, type Logger } from '../base/logger.js';
import { batonIssue } from '../server/state.js';

/** The deployment's issues as `baton status` shows them, read from the Temporal visibility store. */
export async function printSummary(client: Client, config: BatonConfig, logger: Logger): Promise<void> {
  const statuses: IssueStatus[] = [];
  for await (const wf of client.workflow.list({ query: `BatonDeployment = "${config.name}" AND WorkflowType = "${WorkflowType.issue}"` })) {
    const status = await client.workflow.getHandle(wf.workflowId, wf.runId).query(issueStatusQuery).catch(() => undefined);
    if (status) statuses.push(status);
  }
  statuses.sort((a, b) => compareCodeUnits(a.identifier, b.identifier));
  if (statuses.length === 0) {
    announce(logger, 'No issue was dispatched (none matched the trackers’ active states and required labels).');
    return;
  }
  const rows = statuses.map((s) => ({ issue_identifier: s.identifier, stage: s.stage, state: s.state, status: s.status, attempt: s.attempt }));
  const now = new Date();
  const context = { deployment: config.name, namespace: config.temporal.namespace, temporalUiUrl: null, trackerUrl: () => null, now };
  // The table layout (cli-table3) loads here, at the end of a run, not with every process.
  const { formatIssueTable } = await import('./status-view.js');
  const table = formatIssueTable(statuses.map((s) => batonIssue(s, context, new Map())), now, process.stdout.columns || 140);
  announce(logger, `\n${table}\n`, { issues: rows });
}
