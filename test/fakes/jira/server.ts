/**
 * A local Jira Cloud REST v3 API on 127.0.0.1 for tests: enhanced JQL search with
 * `nextPageToken`, issues, transitions, labels, ADF comments, issue properties and issue links.
 * Requests and responses are validated against the REST v3 models jira.js publishes (schemas.ts); a
 * response the fake cannot prove valid is answered with 500 and recorded in `schemaViolations`.
 * Requires Basic auth, counts requests and injects Jira's faults: 5xx, a malformed body, broken
 * pagination, 429 with Retry-After, dropped connections.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { JqlError, matchesJql, namedIssues, parseJql, type JqlField } from './jql.js';
import { RequestSchemas, ResponseSchemas } from './schemas.js';
import { JiraFakeStore, type AdfDoc, type JiraIssueRow } from './store.js';
import { FaultQueue } from '../shared/faults.js';
import { answerTransportFault, listenLocal, readRequest, sendJson, TRANSPORT_FAULT_KINDS, type RateLimitFault, type TransportFault } from '../shared/http.js';

export type JiraFault =
  | TransportFault
  | RateLimitFault
  /** `missing-token`: `isLast: false` without `nextPageToken`; `repeat-token`: the token just sent comes back. */
  | { kind: 'broken-pagination'; mode: 'missing-token' | 'repeat-token'; times?: number };

const JSON_TYPE = 'application/json;charset=UTF-8';
const FAULT_STYLE = {
  contentType: JSON_TYPE,
  serverErrorBody: JSON.stringify({ errorMessages: ['Internal server error'], errors: {} }),
  truncatedBody: '{"issues":[{"id":"10001","fields":',
};

export interface JiraRecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | undefined;
}

export interface JiraFake {
  /** Site base URL (`http://127.0.0.1:<port>`), the adapter's `base_url`. */
  url: string;
  email: string;
  apiToken: string;
  store: JiraFakeStore;
  readonly requestCount: number;
  readonly requests: readonly JiraRecordedRequest[];
  /** Responses the fake refused to send because they broke the published schema (should stay empty). */
  readonly schemaViolations: readonly string[];
  resetCounters(): void;
  inject(fault: JiraFault): void;
  close(): Promise<void>;
}

export interface JiraFakeOptions {
  email?: string;
  apiToken?: string;
  project?: string;
}

interface Reply {
  status: number;
  body?: unknown;
  schema?: z.ZodType;
  headers?: Record<string, string>;
}

interface Ctx {
  params: string[];
  query: URLSearchParams;
  body: unknown;
  paginationFault?: { mode: 'missing-token' | 'repeat-token'; applied: boolean };
}

type Handler = (ctx: Ctx) => Reply;

const MAX_RESULTS_WITH_FIELDS = 100;
const MAX_RESULTS_ID_ONLY = 5000;

function jiraError(status: number, messages: string[], errors: Record<string, string> = {}): Reply {
  return { status, body: { errorMessages: messages, errors }, schema: ResponseSchemas.error };
}

function invalidBody(error: z.ZodError): Reply {
  return jiraError(400, error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
}

function encodeToken(offset: number, jql: string): string {
  return Buffer.from(JSON.stringify({ offset, jql })).toString('base64url');
}

function decodeToken(token: string, jql: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown; jql?: unknown };
    return parsed.jql === jql && typeof parsed.offset === 'number' ? parsed.offset : undefined;
  } catch {
    return undefined;
  }
}

function issueKeyNumber(key: string): number {
  return Number(key.split('-').pop());
}

function createHandlers(store: JiraFakeStore): Array<{ method: string; pattern: RegExp; handler: Handler }> {
  const issueOr404 = (idOrKey: string): JiraIssueRow | Reply => {
    const row = store.findIssue(decodeURIComponent(idOrKey));
    return row ?? jiraError(404, ['Issue does not exist or you do not have permission to see it.']);
  };
  const isReply = (value: JiraIssueRow | Reply): value is Reply => 'status' in value && !('key' in value);

  const subject = (row: JiraIssueRow) => (field: JqlField) => {
    const status = store.statuses.get(row.statusId)!;
    switch (field) {
      case 'project':
        return { values: [row.projectKey, store.projects.get(row.projectKey)!.id, store.projects.get(row.projectKey)!.name] };
      case 'status':
        return { values: [status.name, status.id] };
      case 'statuscategory':
        return { values: [status.category, { new: 'To Do', indeterminate: 'In Progress', done: 'Done' }[status.category]] };
      case 'labels':
        return { values: row.labels, caseSensitive: true };
      case 'assignee':
        return { values: row.assigneeId ? [row.assigneeId] : [] };
      case 'issue':
        return { values: [row.id, row.key] };
    }
  };

  const search = (ctx: Ctx, request: { jql?: string; fields?: string[]; maxResults?: number; nextPageToken?: string }): Reply => {
    const jql = request.jql ?? '';
    let parsed;
    try {
      parsed = parseJql(jql);
    } catch (error) {
      if (error instanceof JqlError) return jiraError(400, [`Error in the JQL Query: ${error.message}`]);
      throw error;
    }
    const missing = namedIssues(parsed.where!).filter(({ value }) => !store.findIssue(value));
    if (missing.length) {
      return jiraError(400, missing.map(({ value, field }) => `An issue with key '${value}' does not exist for field '${field}'.`));
    }
    let rows = [...store.issues.values()].filter((row) => matchesJql(parsed.where!, subject(row)));
    const order = parsed.orderBy.length ? parsed.orderBy : [{ field: 'key', desc: true }];
    rows = rows.sort((a, b) => {
      for (const { field, desc } of order) {
        const av = field === 'key' ? issueKeyNumber(a.key) : Date.parse(field === 'created' ? a.created : a.updated);
        const bv = field === 'key' ? issueKeyNumber(b.key) : Date.parse(field === 'created' ? b.created : b.updated);
        const byProject = field === 'key' ? a.projectKey.localeCompare(b.projectKey) : 0;
        const diff = byProject || av - bv;
        if (diff) return desc ? -diff : diff;
      }
      return 0;
    });
    const fields = request.fields;
    const idOnly = !fields || fields.every((f) => f === 'id' || f === 'key');
    const cap = idOnly ? MAX_RESULTS_ID_ONLY : MAX_RESULTS_WITH_FIELDS;
    const size = Math.min(Math.max(request.maxResults ?? 50, 1), cap);
    let offset = 0;
    if (request.nextPageToken) {
      const decoded = decodeToken(request.nextPageToken, jql);
      if (decoded === undefined) return jiraError(400, ['The provided next page token is invalid or expired.']);
      offset = decoded;
    }
    const page = rows.slice(offset, offset + size);
    const isLast = offset + size >= rows.length;
    const body: Record<string, unknown> = { issues: page.map((row) => store.render(row, fields)), isLast };
    if (!isLast) body.nextPageToken = encodeToken(offset + size, jql);
    const fault = ctx.paginationFault;
    if (fault?.mode === 'missing-token') {
      body.isLast = false;
      delete body.nextPageToken;
      fault.applied = true;
    } else if (fault?.mode === 'repeat-token' && request.nextPageToken) {
      body.isLast = false;
      body.nextPageToken = request.nextPageToken;
      fault.applied = true;
    }
    return { status: 200, body, schema: ResponseSchemas.search };
  };

  const GET_SEARCH_PARAMS = new Set(['jql', 'nextPageToken', 'maxResults', 'fields', 'expand', 'properties', 'fieldsByKeys', 'failFast', 'reconcileIssues']);

  return [
    {
      method: 'GET',
      pattern: /^\/rest\/api\/3\/search\/jql$/,
      handler: (ctx) => {
        const unknown = [...ctx.query.keys()].filter((k) => !GET_SEARCH_PARAMS.has(k));
        if (unknown.length) return jiraError(400, [`Unrecognized query parameters: ${unknown.join(', ')}`]);
        const maxResults = ctx.query.get('maxResults');
        if (maxResults !== null && !/^\d+$/.test(maxResults)) return jiraError(400, ['maxResults must be an integer']);
        return search(ctx, {
          jql: ctx.query.get('jql') ?? undefined,
          fields: ctx.query.has('fields') ? ctx.query.getAll('fields') : undefined,
          maxResults: maxResults === null ? undefined : Number(maxResults),
          nextPageToken: ctx.query.get('nextPageToken') ?? undefined,
        });
      },
    },
    {
      method: 'POST',
      pattern: /^\/rest\/api\/3\/search\/jql$/,
      handler: (ctx) => {
        const parsed = RequestSchemas.search.safeParse(ctx.body);
        if (!parsed.success) return invalidBody(parsed.error);
        return search(ctx, parsed.data);
      },
    },
    {
      method: 'ANY',
      pattern: /^\/rest\/api\/[23]\/search$/,
      handler: () => jiraError(410, ['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.']),
    },
    {
      method: 'GET',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const fields = ctx.query.has('fields') ? ctx.query.getAll('fields') : ['*navigable'];
        return { status: 200, body: store.render(row, fields), schema: ResponseSchemas.issue };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const parsed = RequestSchemas.editIssue.safeParse(ctx.body);
        if (!parsed.success) return invalidBody(parsed.error);
        const { fields = {}, update = {} } = parsed.data as { fields?: Record<string, unknown>; update?: Record<string, unknown> };
        const errors: Record<string, string> = {};
        let labels = [...row.labels];
        for (const [name, value] of Object.entries(fields)) {
          if (name === 'summary' && typeof value === 'string' && value.trim()) row.summary = value;
          else if (name === 'description' && (value === null || (typeof value === 'object' && (value as AdfDoc).type === 'doc'))) row.description = value as AdfDoc | null;
          else if (name === 'labels' && Array.isArray(value)) labels = value.map(String);
          else errors[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
        }
        for (const [name, ops] of Object.entries(update)) {
          if (name !== 'labels' || !Array.isArray(ops)) {
            errors[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
            continue;
          }
          for (const op of ops as Array<Record<string, unknown>>) {
            if (typeof op.add === 'string') labels.includes(op.add) || labels.push(op.add);
            else if (typeof op.remove === 'string') labels = labels.filter((l) => l !== op.remove);
            else if (Array.isArray(op.set)) labels = op.set.map(String);
            else errors.labels = 'Operation must be one of add, remove, set.';
          }
        }
        const spaced = labels.find((l) => /\s/.test(l));
        if (spaced !== undefined) errors.labels = `The label '${spaced}' contains spaces which is invalid.`;
        if (Object.keys(errors).length) return jiraError(400, [], errors);
        row.labels = labels;
        row.updated = store.now();
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const transitions = store.availableTransitions(row).map((t) => ({
          id: t.id,
          name: t.name,
          to: store.status(t.toStatusId),
          hasScreen: false,
          isGlobal: t.from.length === 0,
          isInitial: false,
          isAvailable: true,
          isConditional: false,
          looped: false,
        }));
        return { status: 200, body: { expand: 'transitions', transitions }, schema: ResponseSchemas.transitions };
      },
    },
    {
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const parsed = RequestSchemas.transition.safeParse(ctx.body);
        if (!parsed.success) return invalidBody(parsed.error);
        const transition = store.availableTransitions(row).find((t) => t.id === parsed.data.transition.id);
        if (!transition) return jiraError(400, [`Transition id '${parsed.data.transition.id}' is not valid for this issue.`]);
        row.statusId = transition.toStatusId;
        row.updated = store.now();
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const all = [...store.comments.values()].filter((c) => c.issueId === row.id);
        const startAt = Number(ctx.query.get('startAt') ?? 0);
        const maxResults = Math.min(Number(ctx.query.get('maxResults') ?? 5000), 5000);
        const page = all.slice(startAt, startAt + maxResults).map((c) => store.comment(c));
        return { status: 200, body: { comments: page, startAt, maxResults, total: all.length }, schema: ResponseSchemas.comments };
      },
    },
    {
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const parsed = RequestSchemas.comment.safeParse(ctx.body);
        if (!parsed.success) return invalidBody(parsed.error);
        const comment = store.addComment(row.id, parsed.data.body as AdfDoc);
        return { status: 201, body: store.comment(comment), schema: ResponseSchemas.comment };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/comment\/([^/]+)$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const comment = store.comments.get(ctx.params[1]!);
        if (!comment || comment.issueId !== row.id) return jiraError(404, ['Can not find a comment for the id.']);
        const parsed = RequestSchemas.comment.safeParse(ctx.body);
        if (!parsed.success) return invalidBody(parsed.error);
        if (comment.authorId !== store.selfId) return jiraError(403, ['You do not have the permission to edit this comment.']);
        comment.body = parsed.data.body as AdfDoc;
        comment.updated = store.now();
        return { status: 200, body: store.comment(comment), schema: ResponseSchemas.comment };
      },
    },
    {
      method: 'GET',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/properties\/([^/]+)$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const key = decodeURIComponent(ctx.params[1]!);
        const props = store.properties.get(row.id);
        if (!props?.has(key)) return jiraError(404, [`The property with key '${key}' does not exist.`]);
        return { status: 200, body: { key, value: props.get(key) }, schema: ResponseSchemas.property };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/properties\/([^/]+)$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        if (ctx.body === undefined) return jiraError(400, ['The property value must be valid JSON.']);
        const props = store.properties.get(row.id) ?? new Map<string, unknown>();
        const key = decodeURIComponent(ctx.params[1]!);
        const existed = props.has(key);
        props.set(key, ctx.body);
        store.properties.set(row.id, props);
        return { status: existed ? 200 : 201 };
      },
    },
    {
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issue\/([^/]+)\/remotelink$/,
      handler: (ctx) => {
        const row = issueOr404(ctx.params[0]!);
        if (isReply(row)) return row;
        const parsed = RequestSchemas.remoteLink.safeParse(ctx.body);
        if (!parsed.success) return invalidBody(parsed.error);
        const { globalId, object, relationship } = parsed.data;
        if (!object?.url || !object.title) return jiraError(400, ['The remote link needs object.url and object.title.']);
        const links = store.remoteLinks.get(row.id) ?? new Map<string, { id: number; url: string; title: string; relationship: string | null }>();
        store.remoteLinks.set(row.id, links);
        const key = globalId ?? `#${links.size + 1}`;
        const existing = links.get(key);
        const id = existing?.id ?? 10000 + [...store.remoteLinks.values()].reduce((n, m) => n + m.size, 0);
        links.set(key, { id, url: object.url, title: object.title, relationship: relationship ?? null });
        const body = { id, self: `${store.baseUrl}/rest/api/3/issue/${row.key}/remotelink/${id}` };
        return { status: existing ? 200 : 201, body, schema: ResponseSchemas.remoteLink };
      },
    },
    {
      method: 'POST',
      pattern: /^\/rest\/api\/3\/issueLink$/,
      handler: (ctx) => {
        const parsed = RequestSchemas.link.safeParse(ctx.body);
        if (!parsed.success) return invalidBody(parsed.error);
        const { type, inwardIssue, outwardIssue } = parsed.data;
        if (type.name !== 'Blocks') return jiraError(404, [`No issue link type with name '${type.name ?? ''}' found.`]);
        const blocker = store.findIssue(inwardIssue.key ?? inwardIssue.id ?? '');
        const blocked = store.findIssue(outwardIssue.key ?? outwardIssue.id ?? '');
        if (!blocker || !blocked) return jiraError(404, ['Issue does not exist or you do not have permission to see it.']);
        store.addBlocker(blocker.id, blocked.id);
        return { status: 201 };
      },
    },
  ];
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, JSON_TYPE, headers);
}

/** Starts the fake on a random port of 127.0.0.1. */
export async function startJiraFake(options: JiraFakeOptions = {}): Promise<JiraFake> {
  const email = options.email ?? 'bot@example.com';
  const apiToken = options.apiToken ?? 'ATATT3xFfGF0fake-token';
  const expectedAuth = `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
  const faults = new FaultQueue<JiraFault>();
  let requests: JiraRecordedRequest[] = [];
  const schemaViolations: string[] = [];
  let store!: JiraFakeStore;
  let handlers!: ReturnType<typeof createHandlers>;


  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { method, url, json } = await readRequest(req);
    const body = json.ok ? json.value : undefined;
    requests.push({ method, path: url.pathname, query: url.searchParams, body, authorization: req.headers.authorization });

    const fault = faults.take(...TRANSPORT_FAULT_KINDS, 'rate-limit');
    if (fault?.kind === 'rate-limit') {
      const retryAfter = fault.retryAfterSeconds ?? 5;
      send(res, 429, { errorMessages: ['Rate limit exceeded.'], errors: {} }, {
        'retry-after': String(retryAfter),
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': new Date(Date.now() + retryAfter * 1000).toISOString(),
        'ratelimit-reason': 'jira-burst-based',
      });
      return;
    }
    if (fault) {
      answerTransportFault(req, res, fault, FAULT_STYLE);
      return;
    }

    if (req.headers.authorization !== expectedAuth) {
      send(res, 401, { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
      return;
    }
    if (!json.ok) {
      send(res, 400, { errorMessages: ['Unexpected character in the request body: it is not JSON.'], errors: {} });
      return;
    }
    const route = handlers
      .map((h) => ({ h, match: h.pattern.exec(url.pathname) }))
      .find(({ h, match }) => match && (h.method === method || h.method === 'ANY'));
    if (!route?.match) {
      send(res, 404, { errorMessages: [`The Jira fake does not implement ${method} ${url.pathname}; add it to test/fakes/jira/server.ts`], errors: {} });
      return;
    }
    const pagination = faults.peek('broken-pagination');
    const ctx: Ctx = {
      params: route.match.slice(1),
      query: url.searchParams,
      body,
      paginationFault: pagination ? { mode: pagination.mode, applied: false } : undefined,
    };
    const reply = route.h.handler(ctx);
    if (pagination && ctx.paginationFault?.applied) faults.consume(pagination);
    if (reply.schema && reply.body !== undefined) {
      const checked = reply.schema.safeParse(reply.body);
      if (!checked.success) {
        const message = `${method} ${url.pathname}: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
        schemaViolations.push(message);
        send(res, 500, { errorMessages: [`The Jira fake produced a response its schema rejects: ${message}`], errors: {} });
        return;
      }
    }
    send(res, reply.status, reply.body, reply.headers);
  };

  const server = await listenLocal(handle, (res, error) => send(res, 500, { errorMessages: [String(error)], errors: {} }));
  const url = server.url;
  store = new JiraFakeStore(url, { project: options.project });
  handlers = createHandlers(store);

  return {
    url,
    email,
    apiToken,
    store,
    get requestCount() {
      return requests.length;
    },
    get requests() {
      return requests;
    },
    get schemaViolations() {
      return schemaViolations;
    },
    resetCounters() {
      requests = [];
    },
    inject: (fault) => faults.inject(fault),
    close: () => server.close(),
  };
}
