/**
 * A code host webhook's effect: wake the PR waits of the issues it names. Issue workflows keep the
 * BatonPR search attribute (a KeywordList of `owner/name#number` and `owner/name@branch`), so the
 * keys a verified delivery carries find them in one visibility query; each gets the
 * `baton.pullRequest` signal and looks at its pull request at once instead of at its next poll.
 * Polling stays the fallback: a missed delivery only delays a gate.
 */
import type { Client } from '@temporalio/client';
import { pullRequestSignal } from '../../core/protocol.js';
import type { BatonConfig, RepositoryConfig } from '../../config/schema.js';
import type { Logger } from '../../base/logger.js';

/** Every configured repository block once (the top level and the trackers' own). */
export function configuredRepositories(config: Pick<BatonConfig, 'repository' | 'trackers'>): RepositoryConfig[] {
  const seen = new Map<string, RepositoryConfig>();
  for (const r of [config.repository, ...config.trackers.map((t) => t.repository)]) {
    if (r) seen.set(JSON.stringify(r), r);
  }
  return [...seen.values()];
}

/** The visibility query for the running issue workflows that carry any of `keys`. */
export function pullRequestQuery(keys: readonly string[]): string {
  const quoted = keys.map((k) => `'${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  return `BatonPR IN (${quoted.join(', ')}) AND ExecutionStatus = 'Running'`;
}

/** Signal every running issue workflow waiting on one of `keys`; how many were woken. */
export async function wakePullRequestWaits(client: Client, keys: readonly string[], logger: Logger): Promise<number> {
  if (keys.length === 0) return 0;
  let woken = 0;
  for await (const execution of client.workflow.list({ query: pullRequestQuery(keys) })) {
    await client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .signal(pullRequestSignal, {})
      .then(() => {
        woken += 1;
      })
      .catch((err: unknown) => logger.debug({ err: String(err), workflow_id: execution.workflowId }, 'pull request wake-up not delivered (the run ended)'));
  }
  logger.info({ keys, woken }, 'code host webhook: pull request waits woken');
  return woken;
}
