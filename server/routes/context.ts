/**
 * What the route plugins share: the Temporal client, the live config, the one state poller, the
 * coalescing refresh, and how a snapshot is rendered for this deployment (links, namespace, clock).
 * It holds no state of its own; `startHttpServer` builds one per server and hands it to each plugin.
 */
import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { BatonConfig } from '../../config/schema.js';
import type { Logger } from '../../base/logger.js';
import { errorEnvelope, type RefreshResponse } from '../contract.js';
import type { StatePoller } from '../poller.js';
import { toStateResponse, type DeploymentSnapshot, type StateContext } from '../state.js';

export interface RouteContext {
  client: Client;
  /** The current config (a function, so reloads apply). */
  config: () => BatonConfig;
  logger: Logger;
  poller: StatePoller;
  /** Signal the orchestrator to poll now; requests before its next tick share one signal (server/refresh.ts). */
  refresh: () => Promise<RefreshResponse>;
  /** How state is rendered right now (read per request: the config may have been reloaded). */
  stateContext: () => StateContext;
}

/** The mapping's context from the live config; `temporalUiUrl` (the embedded server's) wins over the config's. */
export function stateContextOf(config: () => BatonConfig, temporalUiUrl: string | null | undefined): () => StateContext {
  return () => ({
    deployment: config().name,
    namespace: config().temporal.namespace,
    temporalUiUrl: temporalUiUrl ?? config().server.temporal_ui_url ?? null,
    trackerUrl: (issue) => {
      if (issue.url && /^https?:/i.test(issue.url)) return issue.url;
      const tracker = config().trackers.find((t) => t.name === issue.tracker);
      return tracker?.kind === 'file' ? `/tracker/${encodeURIComponent(issue.tracker)}/${encodeURIComponent(issue.identifier)}` : null;
    },
    now: new Date(),
  });
}

/** `/api/v1/state`'s body, also pushed over SSE: the state, or the error envelope stamped with when it was read. */
export function stateBody(snapshot: DeploymentSnapshot, ctx: RouteContext) {
  return snapshot.ok ? toStateResponse(snapshot, ctx.stateContext()) : { generated_at: snapshot.at.toISOString(), ...errorEnvelope(snapshot.code, snapshot.message) };
}

/** The tracker a request names (`?tracker=`), or the only one configured; null when it is ambiguous. */
export function trackerOf(req: FastifyRequest, config: () => BatonConfig): string | null {
  const wanted = (req.query as Record<string, string | undefined>).tracker;
  const names = config().trackers.map((t) => t.name);
  return wanted ?? (names.length === 1 ? names[0]! : null);
}
