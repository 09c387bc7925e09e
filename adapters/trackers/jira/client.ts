/**
 * Transport to Jira Cloud: a thin client over the documented REST v3 API with Node's `fetch`
 * (Basic auth, JSON both ways, one `AbortSignal` timeout per request, so a late answer is
 * cancelled rather than dropped). It covers the calls the adapter makes (enhanced JQL search,
 * issue, transitions, labels, comments, issue properties) plus a raw call for the agent's
 * `jira_api` tool; bodies come back as `unknown` and the adapter parses them with its own
 * schemas. Every failure becomes a BatonError (errors.ts).
 *
 * Why not jira.js: 6.x declares Node >= 22 (Baton promises 20.19), and 5.x brings axios for the
 * nine endpoints used here. The test fake still validates every request and response against
 * jira.js's published models (test/fakes/jira/schemas.ts).
 */
import type { BatonError } from '../../../core/errors.js';
import { JiraHttpError, jiraErrorToBaton, JiraTimeoutError } from './errors.js';
import type { JiraSettings } from './settings.js';

/** One request: a path under the site (`/rest/api/3/...`), query parameters and a JSON body. */
export interface JiraRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Arrays repeat the key (`fields=a&fields=b`), as Jira documents for multi-valued parameters. */
  searchParams?: Record<string, unknown>;
  body?: unknown;
}

/** A raw call's outcome, as the agent's `jira_api` tool reports it. */
export type RawResult = { ok: true; body: unknown } | { ok: false; status: number; body: unknown };

const issuePath = (idOrKey: string, rest = '') => `/rest/api/3/issue/${encodeURIComponent(idOrKey)}${rest}`;

/** The calls the adapter makes, by the names Jira's REST reference gives them. */
export interface JiraRest {
  /** POST /rest/api/3/search/jql (enhanced search, pages with `nextPageToken`). */
  searchJql(body: { jql: string; fields: readonly string[]; maxResults: number; nextPageToken?: string }): Promise<unknown>;
  getIssue(idOrKey: string, fields: readonly string[]): Promise<unknown>;
  editIssue(idOrKey: string, body: { update: Record<string, unknown> }): Promise<unknown>;
  getTransitions(idOrKey: string): Promise<unknown>;
  doTransition(idOrKey: string, transitionId: string): Promise<unknown>;
  addComment(idOrKey: string, body: unknown): Promise<unknown>;
  updateComment(idOrKey: string, commentId: string, body: unknown): Promise<unknown>;
  getIssueProperty(idOrKey: string, propertyKey: string): Promise<unknown>;
  setIssueProperty(idOrKey: string, propertyKey: string, value: unknown): Promise<unknown>;
  /** POST /rest/api/3/issue/{key}/remotelink: creates, or updates the link with the same `globalId`. */
  createOrUpdateRemoteIssueLink(idOrKey: string, body: { globalId: string; relationship: string; object: { url: string; title: string } }): Promise<unknown>;
}

function queryString(params: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Seconds of a `Retry-After` header (or an HTTP date) as milliseconds. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class JiraApi {
  private readonly authorization: string;
  readonly rest: JiraRest;

  constructor(private readonly settings: Pick<JiraSettings, 'baseUrl' | 'email' | 'apiToken' | 'timeoutMs' | 'trackerName'>) {
    this.authorization = `Basic ${Buffer.from(`${settings.email}:${settings.apiToken}`).toString('base64')}`;
    const send = (request: JiraRequest) => this.send(request);
    this.rest = {
      searchJql: (body) => send({ url: '/rest/api/3/search/jql', method: 'POST', body }),
      getIssue: (idOrKey, fields) => send({ url: issuePath(idOrKey), method: 'GET', searchParams: { fields } }),
      editIssue: (idOrKey, body) => send({ url: issuePath(idOrKey), method: 'PUT', body }),
      getTransitions: (idOrKey) => send({ url: issuePath(idOrKey, '/transitions'), method: 'GET' }),
      doTransition: (idOrKey, id) => send({ url: issuePath(idOrKey, '/transitions'), method: 'POST', body: { transition: { id } } }),
      addComment: (idOrKey, body) => send({ url: issuePath(idOrKey, '/comment'), method: 'POST', body: { body } }),
      updateComment: (idOrKey, commentId, body) => send({ url: issuePath(idOrKey, `/comment/${encodeURIComponent(commentId)}`), method: 'PUT', body: { body } }),
      getIssueProperty: (idOrKey, key) => send({ url: issuePath(idOrKey, `/properties/${encodeURIComponent(key)}`), method: 'GET' }),
      setIssueProperty: (idOrKey, key, value) => send({ url: issuePath(idOrKey, `/properties/${encodeURIComponent(key)}`), method: 'PUT', body: value }),
      createOrUpdateRemoteIssueLink: (idOrKey, body) => send({ url: issuePath(idOrKey, '/remotelink'), method: 'POST', body }),
    };
  }

  /** Runs one call; rejects with a BatonError that says what Baton was doing. */
  async call<T>(action: string, run: (jira: JiraRest) => Promise<T>): Promise<T> {
    try {
      return await run(this.rest);
    } catch (error) {
      throw jiraErrorToBaton(error, action, this.settings.baseUrl);
    }
  }

  /** Runs one call and hands an HTTP error answer back instead of throwing it (for recovery logic). */
  async attempt<T>(action: string, run: (jira: JiraRest) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status: number; body: unknown; error: BatonError }> {
    try {
      return { ok: true, value: await run(this.rest) };
    } catch (error) {
      if (error instanceof JiraHttpError) return { ok: false, status: error.status, body: error.body, error: jiraErrorToBaton(error, action, this.settings.baseUrl) };
      throw jiraErrorToBaton(error, action, this.settings.baseUrl);
    }
  }

  /** A raw REST call for the agent: HTTP errors are answers, transport failures still reject. */
  async raw(request: JiraRequest): Promise<RawResult> {
    try {
      return { ok: true, body: (await this.send(request)) ?? null };
    } catch (error) {
      if (error instanceof JiraHttpError) return { ok: false, status: error.status, body: error.body };
      throw jiraErrorToBaton(error, 'running jira_api', this.settings.baseUrl);
    }
  }

  /**
   * One HTTP exchange. Resolves with the parsed JSON body (undefined for an empty one); rejects
   * with JiraHttpError for a non-2xx answer, JiraTimeoutError, a SyntaxError for a body that is
   * not JSON, or fetch's TypeError for a transport failure.
   */
  private async send(request: JiraRequest): Promise<unknown> {
    const url = `${this.settings.baseUrl}${request.url}${queryString(request.searchParams)}`;
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw new JiraTimeoutError(this.settings.timeoutMs);
      throw error;
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw new JiraTimeoutError(this.settings.timeoutMs);
      throw error;
    }
    if (!response.ok) {
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // an HTML error page or plain text: kept as text for the message
      }
      throw new JiraHttpError(response.status, response.statusText, body, retryAfterMs(response.headers.get('retry-after')));
    }
    if (!text) return undefined;
    return JSON.parse(text);
  }
}
