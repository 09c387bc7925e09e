/**
 * What each provider's webhook delivery looks like: which header signs it, which identifies the
 * delivery (for de-duplication), and what it says about the issue (a hint for the refresh).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { verifyHubSignature, verifyLinearDelivery } from './signatures.js';

/** Providers that can post webhooks to Baton, by path segment (`/webhooks/<provider>`). */
export const WebhookProvider = { linear: 'linear', github: 'github', jira: 'jira' } as const;
export type WebhookProvider = (typeof WebhookProvider)[keyof typeof WebhookProvider];

export function isWebhookProvider(value: string): value is WebhookProvider {
  return Object.hasOwn(WebhookProvider, value);
}

/** What a verified delivery tells the orchestrator. Advisory: the refresh re-reads the tracker anyway. */
export interface RefreshHint {
  provider: WebhookProvider;
  /** Provider delivery identity, the de-duplication key. */
  deliveryId: string;
  /** `Issue.update`, `issues.labeled`, `jira:issue_updated`, … when the delivery names one. */
  event: string | null;
  /**
   * The issue the delivery is about, when it names one. `id` follows the adapters' dispatch ids:
   * Linear's issue id, GitHub's `owner/repo#number`, Jira's issue id; `identifier` is the human key.
   */
  issue: { id: string | null; identifier: string | null } | null;
}

export type Verification =
  | { ok: true; deliveryId: string; event: string | null; issue: RefreshHint['issue'] }
  | { ok: false; status: 400 | 401; reason: string };

type Json = Record<string, unknown>;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function obj(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

function str(value: unknown): string | null {
  if (typeof value === 'string' && value.trim()) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function parseJson(raw: Buffer): Json | null {
  try {
    return obj(JSON.parse(raw.toString('utf8')));
  } catch {
    return null;
  }
}

function verifyLinear(headers: IncomingHttpHeaders, raw: Buffer, secret: string): Verification {
  const signature = header(headers, 'linear-signature');
  if (!signature) return { ok: false, status: 401, reason: 'missing linear-signature header' };
  const payload = verifyLinearDelivery(secret, raw, signature);
  if (!payload) return { ok: false, status: 401, reason: 'bad signature or webhookTimestamp outside the 60 s window' };
  const webhookId = str(payload.webhookId);
  const timestamp = str(payload.webhookTimestamp);
  if (!webhookId || !timestamp) return { ok: false, status: 400, reason: 'payload lacks webhookId or webhookTimestamp' };
  const type = str(payload.type);
  const action = str(payload.action);
  const data = obj(payload.data);
  const isIssue = type === 'Issue';
  const issueId = data ? str(isIssue ? data.id : data.issueId) : null;
  return {
    ok: true,
    deliveryId: `${webhookId}:${timestamp}`,
    event: type ? `${type}${action ? `.${action}` : ''}` : null,
    issue: issueId ? { id: issueId, identifier: isIssue && data ? str(data.identifier) : null } : null,
  };
}

/** The WebSub-style checks GitHub and Jira share: signature header, delivery header, JSON object body. */
function verifyHub(
  headers: IncomingHttpHeaders,
  raw: Buffer,
  secret: string,
  names: { signature: string; delivery: string },
): { ok: true; deliveryId: string; payload: Json } | Extract<Verification, { ok: false }> {
  if (!verifyHubSignature(secret, raw, header(headers, names.signature))) {
    return { ok: false, status: 401, reason: `missing or bad ${names.signature}` };
  }
  const deliveryId = header(headers, names.delivery);
  if (!deliveryId) return { ok: false, status: 401, reason: `missing ${names.delivery} header` };
  const payload = parseJson(raw);
  if (!payload) return { ok: false, status: 400, reason: 'body is not a JSON object' };
  return { ok: true, deliveryId, payload };
}

function verifyGithub(headers: IncomingHttpHeaders, raw: Buffer, secret: string): Verification {
  const checked = verifyHub(headers, raw, secret, { signature: 'x-hub-signature-256', delivery: 'x-github-delivery' });
  if (!checked.ok) return checked;
  const { deliveryId, payload } = checked;
  const name = header(headers, 'x-github-event') ?? null;
  const action = str(payload.action);
  const repo = str(obj(payload.repository)?.full_name);
  const number = str(obj(payload.issue)?.number);
  return {
    ok: true,
    deliveryId,
    event: name ? `${name}${action ? `.${action}` : ''}` : null,
    issue: repo && number ? { id: `${repo}#${number}`, identifier: null } : null,
  };
}

function verifyJira(headers: IncomingHttpHeaders, raw: Buffer, secret: string): Verification {
  const checked = verifyHub(headers, raw, secret, { signature: 'x-hub-signature', delivery: 'x-atlassian-webhook-identifier' });
  if (!checked.ok) return checked;
  const issue = obj(checked.payload.issue);
  const id = issue ? str(issue.id) : null;
  const key = issue ? str(issue.key) : null;
  return {
    ok: true,
    deliveryId: checked.deliveryId,
    event: str(checked.payload.webhookEvent),
    issue: id || key ? { id, identifier: key } : null,
  };
}

/** Verify one delivery for `provider` with one tracker's secret. */
export function verifyDelivery(
  provider: WebhookProvider,
  headers: IncomingHttpHeaders,
  raw: Buffer,
  secret: string,
): Verification {
  switch (provider) {
    case WebhookProvider.linear:
      return verifyLinear(headers, raw, secret);
    case WebhookProvider.github:
      return verifyGithub(headers, raw, secret);
    case WebhookProvider.jira:
      return verifyJira(headers, raw, secret);
  }
}
