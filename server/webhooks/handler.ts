/**
 * `POST /webhooks/<provider>[/<tracker>]`: verify a tracker's (or a repository's) webhook over the
 * raw body, drop repeats, and act: a tracker's delivery asks the orchestrator for an immediate
 * refresh; a code host event about a pull request (check runs, statuses, reviews, the PR itself)
 * wakes the PR waits of the issues it names. A node:http request handler, so it mounts on Baton's
 * HTTP server as is. Nothing happens before the signature checks out; every failure answers 401
 * without a side effect (and without saying which check failed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RepositoryConfig, TrackerConfig } from '../../config/schema.js';
import { silentLogger, type Logger } from '../../base/logger.js';
import { DeliveryLog } from './delivery-log.js';
import { isWebhookProvider, verifyDelivery, type RefreshHint, type WebhookProvider } from './providers.js';

export type { RefreshHint, WebhookProvider } from './providers.js';

/** Path prefix every webhook route lives under. */
export const WEBHOOK_PATH_PREFIX = '/webhooks/';

export interface WebhookHandlerOptions {
  /** The configured trackers (a function, so a config reload changes secrets without a restart). */
  trackers: readonly TrackerConfig[] | (() => readonly TrackerConfig[]);
  /** Called once per new verified delivery; the lead wires it to the orchestrator's `refresh` signal. */
  onRefresh(trackerName: string, hint: RefreshHint): void | Promise<void>;
  /** The configured repositories (code hosts): their `webhook_secret`s verify deliveries too. */
  repositories?: () => readonly RepositoryConfig[];
  /** Called once per new verified delivery that names pull requests (BatonPR keys): wakes their PR waits. */
  onPullRequestEvent?(keys: readonly string[], hint: RefreshHint): void | Promise<void>;
  logger?: Logger;
  /** Larger bodies answer 413 (default 5 MiB, Linear's own limit; GitHub caps payloads at 25 MB). */
  maxBodyBytes?: number;
  /** Deliveries remembered for de-duplication (default 2048). */
  dedupeCapacity?: number;
}

/** node:http handler; `next` runs for paths outside `/webhooks/` (404 when absent). */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<void>;

const DEFAULT_MAX_BODY = 5 * 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** Resolved webhook secret of a tracker's provider or of a repository block, or null when it accepts no webhooks. */
function webhookSecret(holder: Record<string, unknown>): string | null {
  const secret = holder.webhook_secret;
  return typeof secret === 'string' && secret.length > 0 ? secret : null;
}

/** Who a delivery's secret belongs to: a tracker (refresh it) or a repository (wake PR waits). */
type Candidate = { kind: 'tracker'; tracker: TrackerConfig; secret: string | null } | { kind: 'repository'; repository: RepositoryConfig; secret: string | null };

/** The secret of an Asana handshake request (a POST carrying `X-Hook-Secret`), or null. */
function asanaHandshake(headers: IncomingMessage['headers']): string | null {
  const value = headers['x-hook-secret'];
  const secret = Array.isArray(value) ? value[0] : value;
  // Asana's secrets are hex; anything else is not worth echoing into a response header.
  return secret && /^[A-Za-z0-9]{1,256}$/.test(secret) ? secret : null;
}

/** Parse `/webhooks/<provider>[/<tracker>]`; null for anything else under the prefix. */
function parseRoute(pathname: string): { provider: string; tracker: string | null } | null {
  const parts = pathname.slice(WEBHOOK_PATH_PREFIX.length).split('/').filter(Boolean);
  if (parts.length < 1 || parts.length > 2) return null;
  return { provider: parts[0]!, tracker: parts[1] ? decodeURIComponent(parts[1]) : null };
}

/** Who may own a delivery on `route`: trackers of the provider's kind, then (on the bare route) its repositories. */
function candidatesFor(
  route: { provider: string; tracker: string | null },
  provider: WebhookProvider,
  trackers: readonly TrackerConfig[],
  repositories: readonly RepositoryConfig[],
): { trackers: TrackerConfig[]; all: Candidate[] } {
  // With two trackers of one kind, the secret decides.
  const matching = trackers.filter((t) => t.kind === provider && (route.tracker === null || t.name === route.tracker));
  // A tracker's own name in the route selects trackers only.
  const repos = route.tracker === null ? repositories.filter((r) => r.kind === provider) : [];
  return {
    trackers: matching,
    all: [
      ...matching.map((tracker): Candidate => ({ kind: 'tracker', tracker, secret: webhookSecret(tracker.provider) })),
      ...repos.map((repository): Candidate => ({ kind: 'repository', repository, secret: webhookSecret(repository) })),
    ],
  };
}

type Verified = Extract<ReturnType<typeof verifyDelivery>, { ok: true }>;

/** The first candidate whose secret verifies the delivery, or why none did (and the status to answer). */
function matchDelivery(
  all: readonly Candidate[],
  provider: WebhookProvider,
  headers: IncomingMessage['headers'],
  raw: Buffer,
): { ok: true; candidate: Candidate; verdict: Verified } | { ok: false; reason: string; status: 400 | 401 } {
  let reason = 'no tracker of this kind has provider.webhook_secret set, nor a repository webhook_secret';
  let status: 400 | 401 = 401;
  for (const candidate of all) {
    if (!candidate.secret) continue;
    const verdict = verifyDelivery(provider, headers, raw, candidate.secret);
    if (verdict.ok) return { ok: true, candidate, verdict };
    reason = verdict.reason;
    status = verdict.status;
    // 400 means the signature held but the payload is unusable: another secret will not help.
    if (verdict.status === 400) break;
  }
  return { ok: false, reason, status };
}

/** Build the webhook request handler. */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const logger = options.logger ?? silentLogger;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const deliveries = new DeliveryLog(options.dedupeCapacity);
  const currentTrackers = typeof options.trackers === 'function' ? options.trackers : () => options.trackers as readonly TrackerConfig[];

  return async (req, res, next) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!pathname.startsWith(WEBHOOK_PATH_PREFIX)) {
      if (next) return next();
      return send(res, 404, 'not found');
    }
    const route = parseRoute(pathname);
    if (!route || !isWebhookProvider(route.provider)) return send(res, 404, 'unknown webhook provider');
    if (req.method !== 'POST') return send(res, 405, 'method not allowed', { allow: 'POST' });
    const provider: WebhookProvider = route.provider;

    let raw: Buffer;
    try {
      raw = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        logger.warn({ provider, limit: maxBody }, 'webhook body over the size limit; rejected');
        return send(res, 413, 'payload too large', { connection: 'close' });
      }
      logger.warn({ provider, err }, 'webhook body could not be read');
      return send(res, 400, 'bad request');
    }

    const { trackers: candidates, all } = candidatesFor(route, provider, currentTrackers(), options.repositories?.() ?? []);
    const handshake = provider === 'asana' ? asanaHandshake(req.headers) : null;
    if (handshake !== null) {
      // Asana confirms a new webhook by expecting its X-Hook-Secret echoed. Echoing changes
      // nothing here and stores nothing: the operator copies the secret from Asana's answer to the
      // POST /webhooks into provider.webhook_secret, and only signatures under it refresh.
      if (candidates.length === 0) return send(res, 404, 'no asana tracker on this route');
      logger.info({ provider, tracker: route.tracker }, 'answered an Asana webhook handshake; set provider.webhook_secret to the X-Hook-Secret in Asana\'s answer to POST /webhooks');
      return send(res, 200, '', { 'x-hook-secret': handshake });
    }
    const matched = matchDelivery(all, provider, req.headers, raw);
    if (!matched.ok) {
      logger.warn({ provider, tracker: route.tracker, reason: matched.reason }, 'webhook rejected');
      return send(res, matched.status, matched.status === 401 ? 'unauthorized' : 'bad request');
    }

    const { candidate, verdict } = matched;
    const owner = candidate.kind === 'tracker' ? candidate.tracker.name : `repository ${candidate.repository.repo}`;
    const key = `${owner}\u0000${verdict.deliveryId}`;
    if (!deliveries.add(key)) {
      logger.info({ provider, owner, delivery: verdict.deliveryId }, 'webhook delivery already handled');
      return send(res, 200, 'duplicate');
    }
    const hint: RefreshHint = { provider, deliveryId: verdict.deliveryId, event: verdict.event, issue: verdict.issue, ...(verdict.pullRequests ? { pullRequests: verdict.pullRequests } : {}) };
    // GitHub pings a new webhook once; nothing on the tracker changed.
    if (provider === 'github' && hint.event === 'ping') return send(res, 200, 'pong');
    if (verdict.quiet !== undefined) return send(res, 200, verdict.quiet);
    try {
      // One webhook may serve both: the repository's PR waits wake, the tracker polls.
      if (hint.pullRequests?.length && options.onPullRequestEvent) await options.onPullRequestEvent(hint.pullRequests, hint);
      if (candidate.kind === 'tracker') await options.onRefresh(candidate.tracker.name, hint);
    } catch (err) {
      // Forget it so the provider's redelivery is acted on.
      deliveries.delete(key);
      logger.error({ err, provider, owner, delivery: verdict.deliveryId }, 'webhook handling failed');
      return send(res, 503, 'refresh failed; retry later');
    }
    logger.debug({ provider, owner, event: hint.event, delivery: hint.deliveryId, pull_requests: hint.pullRequests }, 'webhook handled');
    return send(res, 200, candidate.kind === 'tracker' || hint.pullRequests?.length ? 'ok' : 'ignored');
  };
}
