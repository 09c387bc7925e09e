/**
 * `POST /webhooks/<provider>[/<tracker>]`: verify a tracker's webhook over the raw body, drop
 * repeats, and ask the orchestrator for an immediate refresh. A node:http request handler, so it
 * mounts on Baton's HTTP server as is. Nothing happens before the signature checks out; every
 * failure answers 401 without a side effect (and without saying which check failed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TrackerConfig } from '../../config/schema.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
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

/** Resolved webhook secret of a tracker, or null when it accepts no webhooks. */
function webhookSecret(tracker: TrackerConfig): string | null {
  const secret = tracker.provider.webhook_secret;
  return typeof secret === 'string' && secret.length > 0 ? secret : null;
}

/** Parse `/webhooks/<provider>[/<tracker>]`; null for anything else under the prefix. */
function parseRoute(pathname: string): { provider: string; tracker: string | null } | null {
  const parts = pathname.slice(WEBHOOK_PATH_PREFIX.length).split('/').filter(Boolean);
  if (parts.length < 1 || parts.length > 2) return null;
  return { provider: parts[0]!, tracker: parts[1] ? decodeURIComponent(parts[1]) : null };
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

    // Trackers of this kind that accept webhooks; with two trackers of one kind, the secret decides.
    const candidates = currentTrackers().filter(
      (t) => t.kind === provider && (route.tracker === null || t.name === route.tracker),
    );
    let matched: { tracker: TrackerConfig; verdict: Extract<ReturnType<typeof verifyDelivery>, { ok: true }> } | null = null;
    let failure = 'no tracker of this kind has provider.webhook_secret set';
    let failureStatus: 400 | 401 = 401;
    for (const tracker of candidates) {
      const secret = webhookSecret(tracker);
      if (!secret) continue;
      const verdict = verifyDelivery(provider, req.headers, raw, secret);
      if (verdict.ok) {
        matched = { tracker, verdict };
        break;
      }
      failure = verdict.reason;
      failureStatus = verdict.status;
      // 400 means the signature held but the payload is unusable: another secret will not help.
      if (verdict.status === 400) break;
    }
    if (!matched) {
      logger.warn({ provider, tracker: route.tracker, reason: failure }, 'webhook rejected');
      return send(res, failureStatus, failureStatus === 401 ? 'unauthorized' : 'bad request');
    }

    const { tracker, verdict } = matched;
    const key = `${tracker.name}\u0000${verdict.deliveryId}`;
    if (!deliveries.add(key)) {
      logger.info({ provider, tracker: tracker.name, delivery: verdict.deliveryId }, 'webhook delivery already handled');
      return send(res, 200, 'duplicate');
    }
    const hint: RefreshHint = { provider, deliveryId: verdict.deliveryId, event: verdict.event, issue: verdict.issue };
    // GitHub pings a new webhook once; nothing on the tracker changed.
    if (provider === 'github' && hint.event === 'ping') return send(res, 200, 'pong');
    try {
      await options.onRefresh(tracker.name, hint);
    } catch (err) {
      // Forget it so the provider's redelivery is acted on.
      deliveries.delete(key);
      logger.error({ err, provider, tracker: tracker.name, delivery: verdict.deliveryId }, 'webhook refresh failed');
      return send(res, 503, 'refresh failed; retry later');
    }
    logger.debug({ provider, tracker: tracker.name, event: hint.event, delivery: hint.deliveryId }, 'webhook refresh requested');
    return send(res, 200, 'ok');
  };
}
