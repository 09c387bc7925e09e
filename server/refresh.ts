/**
 * The `POST /api/v1/refresh` and webhook path to "poll now": one `refresh` signal to the
 * orchestrator per request. The orchestrator folds every refresh that arrives before its next
 * tick into that one poll (and one that arrives during a tick into one more), so a burst of
 * requests costs signals, not polls.
 *
 * Every request signals, even one that looks coalesced: this process only sees the orchestrator's
 * tick count through a cached snapshot, so it cannot tell a pending refresh from one already
 * served — and a webhook dropped as "coalesced" after the poll it joined had already run would
 * leave its issue waiting for the next interval (minutes). What this module owns is the last
 * signal sent, to answer Symphony's `coalesced` / `requested_at` (§13.7) honestly: a request
 * within the window of the last one, with no tick seen since, joined that pending refresh.
 */
import type { Client } from '@temporalio/client';
import { orchestratorWorkflowId, refreshSignal } from '../core/protocol.js';
import type { BatonConfig } from '../config/schema.js';
import type { RefreshResponse } from './contract.js';
import type { StatePoller } from './poller.js';

/** A request within this window of the last, with no tick seen since, reports `coalesced: true`. */
const REFRESH_COALESCE_MS = 2_000;

export function createRefresher(client: Client, config: () => BatonConfig, poller: StatePoller): () => Promise<RefreshResponse> {
  let pending: { at: number; requestedAt: string; ticks: number | null } | null = null;
  return async () => {
    const seen = poller.peek();
    const ticks = seen?.ok ? seen.orchestrator.ticks : null;
    const joins = pending !== null && Date.now() - pending.at < REFRESH_COALESCE_MS && (ticks === null || pending.ticks === null || ticks <= pending.ticks);
    await client.workflow.getHandle(orchestratorWorkflowId(config().name)).signal(refreshSignal);
    if (joins && pending) return { queued: true, coalesced: true, requested_at: pending.requestedAt, operations: ['poll', 'reconcile'] };
    pending = { at: Date.now(), requestedAt: new Date().toISOString(), ticks };
    return { queued: true, coalesced: false, requested_at: pending.requestedAt, operations: ['poll', 'reconcile'] };
  };
}
