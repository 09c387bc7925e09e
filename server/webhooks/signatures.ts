/**
 * Signature checks over a webhook's raw body. Every provider Baton accepts signs with HMAC-SHA256;
 * comparisons are constant-time so a forger learns nothing from response timing.
 *
 * Linear goes through `@linear/sdk/webhooks` (it also enforces the 60 s `webhookTimestamp` window).
 * GitLab sends no signature, only the webhook's secret token in `X-Gitlab-Token`: compared in
 * constant time over SHA-256 digests, so neither its content nor its length leaks through timing.
 * Asana signs with hex HMAC-SHA256 in `X-Hook-Signature`, keyed by the `X-Hook-Secret` of the
 * webhook's handshake.
 * GitHub and Jira share the WebSub `sha256=<hex>` form and are checked here with node:crypto:
 * `@octokit/webhooks` is only a transitive dependency, and its `verify` takes a decoded string, which
 * would re-encode the body instead of checking the bytes that were signed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

/** True when `given` equals `secret`, in time independent of both (digests have one length). */
export function verifyToken(secret: string, given: string | undefined): boolean {
  if (!secret || given === undefined) return false;
  const a = createHash('sha256').update(secret).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** Hex HMAC-SHA256 of the raw body: Asana's `X-Hook-Signature` value. */
export function asanaSignature(secret: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/** True when `header` is the hex HMAC-SHA256 of `rawBody` under `secret` (case-insensitive hex). */
export function verifyAsanaSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!secret || !header) return false;
  const expected = Buffer.from(asanaSignature(secret, rawBody));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** SHA-256 of the raw body: the delivery identity of providers that send none. */
export function bodyDigest(rawBody: Buffer): string {
  return createHash('sha256').update(rawBody).digest('hex');
}
