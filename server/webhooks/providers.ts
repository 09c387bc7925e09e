/**
 * What each provider's webhook delivery looks like: which header signs it, which identifies the
 * delivery (for de-duplication), and what it says about the issue (a hint for the refresh).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pullRequestKeys } from '../../core/pull-request.js';
import { bodyDigest, verifyAsanaSignature, verifyHubSignature, verifyLinearDelivery, verifyToken } from './signatures.js';

/** Providers that can post webhooks to Baton, by path segment (`/webhooks/<provider>`). */
export const WebhookProvider = { linear: 'linear', github: 'github', jira: 'jira', gitlab: 'gitlab', asana: 'asana' } as const;
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
   * Linear's issue id, GitHub's `owner/repo#number`, Jira's issue id, GitLab's iid, Asana's task
   * gid; `identifier` is the human key.
   */
  issue: { id: string | null; identifier: string | null } | null;
  /**
   * The pull requests a code host event is about, as BatonPR keys (`owner/name#n`, `owner/name@branch`):
   * check runs and suites, commit statuses, pull requests and their reviews. Empty for anything else.
   */
  pullRequests?: string[];
}

export type Verification =
  /** `quiet`: verified but says nothing changed (a heartbeat): answer 200 with this text, no refresh. */
  | { ok: true; deliveryId: string; event: string | null; issue: RefreshHint['issue']; quiet?: string; pullRequests?: string[] }
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
  const pullRequests = repo && name ? githubPullRequestKeys(name, repo, payload) : [];
  return {
    ok: true,
    deliveryId,
    event: name ? `${name}${action ? `.${action}` : ''}` : null,
    issue: repo && number ? { id: `${repo}#${number}`, identifier: null } : null,
    ...(pullRequests.length ? { pullRequests } : {}),
  };
}

/**
 * The pull requests and branches a GitHub event names, as BatonPR keys: `pull_request`,
 * `pull_request_review`, `pull_request_review_comment`, `check_run`, `check_suite` and `status`
 * change what a PR wait decides on; any other event names none.
 */
export function githubPullRequestKeys(event: string, repo: string, payload: Json): string[] {
  const keys = new Set<string>();
  const add = (number: unknown, head: unknown) => pullRequestKeys(repo, { number: typeof number === 'number' ? number : null, head: str(head) }).forEach((k) => keys.add(k));
  const pullsOf = (holder: Json | null) => (Array.isArray(holder?.pull_requests) ? holder.pull_requests.map(obj) : []);
  switch (event) {
    case 'pull_request':
    case 'pull_request_review':
    case 'pull_request_review_comment': {
      const pr = obj(payload.pull_request);
      add(pr?.number, obj(pr?.head)?.ref);
      break;
    }
    case 'check_run': {
      const run = obj(payload.check_run);
      const suite = obj(run?.check_suite);
      add(null, suite?.head_branch);
      for (const pr of pullsOf(run)) add(pr?.number, obj(pr?.head)?.ref);
      break;
    }
    case 'check_suite': {
      const suite = obj(payload.check_suite);
      add(null, suite?.head_branch);
      for (const pr of pullsOf(suite)) add(pr?.number, obj(pr?.head)?.ref);
      break;
    }
    case 'status':
      for (const branch of Array.isArray(payload.branches) ? payload.branches.map(obj) : []) add(null, branch?.name);
      break;
  }
  return [...keys];
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

/**
 * GitLab: the secret token in `X-Gitlab-Token` (GitLab does not sign the body). The delivery id is
 * `Idempotency-Key` (GitLab 17.4+, kept across retries), else `X-Gitlab-Event-UUID`, else the
 * body's digest. Issue and note hooks name the issue's iid, Baton's GitLab issue id.
 */
function verifyGitlab(headers: IncomingHttpHeaders, raw: Buffer, secret: string): Verification {
  if (!verifyToken(secret, header(headers, 'x-gitlab-token'))) return { ok: false, status: 401, reason: 'missing or wrong X-Gitlab-Token' };
  const payload = parseJson(raw);
  if (!payload) return { ok: false, status: 400, reason: 'body is not a JSON object' };
  const kind = str(payload.object_kind);
  const attributes = obj(payload.object_attributes);
  const iid = kind === 'issue' || kind === 'work_item' ? str(attributes?.iid) : str(obj(payload.issue)?.iid);
  const action = str(attributes?.action);
  return {
    ok: true,
    deliveryId: header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid') ?? bodyDigest(raw),
    event: header(headers, 'x-gitlab-event') ?? (kind ? `${kind}${action ? `.${action}` : ''}` : null),
    issue: iid ? { id: iid, identifier: `GL-${iid}` } : null,
  };
}

/**
 * Asana: hex HMAC-SHA256 of the body in `X-Hook-Signature`, keyed by the webhook's secret (the
 * `X-Hook-Secret` of its handshake, which the handler answers separately). Asana sends no
 * delivery id and retries with the same body, so the body's digest is the id. An empty `events`
 * list is Asana's heartbeat.
 */
function verifyAsana(headers: IncomingHttpHeaders, raw: Buffer, secret: string): Verification {
  if (!verifyAsanaSignature(secret, raw, header(headers, 'x-hook-signature'))) return { ok: false, status: 401, reason: 'missing or bad X-Hook-Signature' };
  const payload = parseJson(raw);
  const events = payload && Array.isArray(payload.events) ? payload.events : null;
  if (!events) return { ok: false, status: 400, reason: 'body is not an object with an events list' };
  const task = events.map(obj).find((e) => str(obj(e?.resource)?.resource_type) === 'task' || str(obj(e?.parent)?.resource_type) === 'task');
  const resource = obj(task?.resource);
  const taskRef = str(resource?.resource_type) === 'task' ? resource : obj(task?.parent);
  const gid = str(taskRef?.gid);
  const first = obj(events[0]);
  return {
    ok: true,
    deliveryId: bodyDigest(raw),
    event: first ? `${str(obj(first.resource)?.resource_type) ?? 'resource'}.${str(first.action) ?? 'changed'}` : 'heartbeat',
    issue: gid ? { id: gid, identifier: `ASANA-${gid}` } : null,
    ...(events.length === 0 ? { quiet: 'heartbeat' } : {}),
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
    case WebhookProvider.gitlab:
      return verifyGitlab(headers, raw, secret);
    case WebhookProvider.asana:
      return verifyAsana(headers, raw, secret);
  }
}
