/**
 * Signature checks over a webhook's raw body. Every provider Baton accepts signs with HMAC-SHA256;
 * comparisons are constant-time so a forger learns nothing from response timing.
 *
 * Linear goes through `@linear/sdk/webhooks` (it also enforces the 60 s `webhookTimestamp` window).
 * GitHub and Jira share the WebSub `sha256=<hex>` form and are checked here with node:crypto:
 * `@octokit/webhooks` is only a transitive dependency, and its `verify` takes a decoded string, which
 * would re-encode the body instead of checking the bytes that were signed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LinearWebhookClient } from '@linear/sdk/webhooks';

/** The `sha256=<hex>` form GitHub (`X-Hub-Signature-256`) and Jira (`X-Hub-Signature`, WebSub) send. */
export function hubSignature(secret: string, rawBody: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * True when `header` is the `sha256=<hex>` HMAC of `rawBody` under `secret`.
 * Works on the bytes as received: re-encoding a parsed body would change what was signed.
 */
export function verifyHubSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!secret || !header) return false;
  const expected = Buffer.from(hubSignature(secret, rawBody));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Hex HMAC-SHA256 of the raw body: the `linear-signature` header value. */
export function linearSignature(secret: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * Verify a Linear delivery with `@linear/sdk/webhooks`: constant-time signature check, then the
 * signed `webhookTimestamp` must be within 60 s of now (the SDK's replay window).
 * Returns the parsed payload, or null when anything does not hold.
 */
export function verifyLinearDelivery(secret: string, rawBody: Buffer, signature: string | undefined): Record<string, unknown> | null {
  if (!secret || !signature) return null;
  try {
    const payload: unknown = new LinearWebhookClient(secret).parseData(rawBody, signature);
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
