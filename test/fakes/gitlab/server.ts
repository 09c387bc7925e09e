/**
 * A local GitLab REST v4 API on 127.0.0.1 for tests: project issues (list with `state`, `labels`,
 * `iids[]`, offset pagination headers), one issue, issue updates (`add_labels`, `remove_labels`,
 * `state_event`), notes, issue links and project labels. Every request's query and body and every
 * response are checked against schemas.ts (GitLab's documented fields: no npm package carries its
 * OpenAPI); a mismatch lands in `problems` and a bad response is answered 500. Requires
 * `PRIVATE-TOKEN` (or `Authorization: Bearer`), sends `RateLimit-*` headers, and injects GitLab's
 * faults: 5xx, 429 with `Retry-After`, a malformed body, pagination that does not advance,
 * dropped connections, no answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { BodySchemas, ErrorResponse, IssueLinkResponse, IssueResponse, LabelResponse, NoteResponse, QuerySchemas } from './schemas.js';
import { GitlabStore, type FakeIssue, type FakeProject, type IssueSeed } from './store.js';
import { FaultQueue, inScope, type RequestScope } from '../shared/faults.js';
import { answerTransportFault, listenLocal, readRequest, sendJson, TRANSPORT_FAULT_KINDS, type RecordedRestRequest, type RestFakeControls, type RestFault } from '../shared/http.js';

/** Faults (a broken page: `X-Next-Page` names the page just served), optionally aimed at one method and path (under /api/v4). */
export type GitlabFaultSpec = RestFault & RequestScope;

const JSON_TYPE = 'application/json';
const FAULT_STYLE = {
  contentType: JSON_TYPE,
  serverErrorBody: JSON.stringify({ message: '500 Internal Server Error' }),
  truncatedBody: '[{"id": 1, "iid": 1, "title": "trunc',
};

/** `path` is decoded, under /api/v4 (`/projects/acme/app/issues/3`). */
export interface GitlabRecordedRequest extends RecordedRestRequest {
  route: string | null;
  token: string | undefined;
}

export interface GitlabFake extends RestFakeControls<GitlabRecordedRequest, GitlabFaultSpec> {
  /** `http://127.0.0.1:<port>/api/v4`: the adapter's `api_url`. */
  apiUrl: string;
  store: GitlabStore;
  project: FakeProject;
  addIssue(seed?: IssueSeed): FakeIssue;
  issue(iid: number): FakeIssue;
  /** Change an issue as a person would (labels/state/title), with GitLab's system notes. */
  update(iid: number, change: { labels?: string[]; state?: 'opened' | 'closed'; title?: string }): void;
}

export interface GitlabFakeOptions {
  token?: string;
  projectPath?: string;
  /**
   * GitLab Premium's scoped labels: adding `scope::x` drops the issue's other `scope::` labels.
   * Default true; on Free tier labels with `::` are plain labels.
   */
  scopedLabels?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: z.input<typeof ErrorResponse>,
  ) {
    super(JSON.stringify(body));
  }
}

interface Ctx {
  project: FakeProject;
  params: string[];
  query: Record<string, string | string[]>;
  body: unknown;
  url: URL;
}

interface Reply {
  status: number;
  body?: unknown;
  schema?: z.ZodType;
  page?: { page: number; perPage: number; total: number };
}

type Handler = (ctx: Ctx) => Reply;

const LIMIT = 2000;

function labelList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((l) => l.trim()).filter(Boolean);
}

function pageOf<T>(items: T[], query: Ctx['query']): { items: T[]; page: { page: number; perPage: number; total: number } } {
  const perPage = Math.min(Math.max(Number(query.per_page ?? 20), 1), 100);
  const page = Math.max(Number(query.page ?? 1), 1);
  return { items: items.slice((page - 1) * perPage, page * perPage), page: { page, perPage, total: items.length } };
}

function notFound(what = '404 Not found'): HttpError {
  return new HttpError(404, { message: what });
}

export async function startGitlabFake(options: GitlabFakeOptions = {}): Promise<GitlabFake> {
  const token = options.token ?? 'glpat-fake-token';
  const scoped = options.scopedLabels ?? true;
  const requests: GitlabRecordedRequest[] = [];
  const problems: string[] = [];
  const faults = new FaultQueue<GitlabFaultSpec>();
  let used = 0;
  let store!: GitlabStore;

  const issueOf = (ctx: Ctx): FakeIssue => {
    const issue = ctx.project.issues.get(Number(ctx.params[0]));
    if (!issue) throw notFound('404 Issue Not Found');
    return issue;
  };

  /** Scoped-label exclusivity (Premium): a new `scope::x` evicts the issue's other `scope::` labels. */
  const withScopes = (current: string[], added: string[]): string[] => {
    if (!scoped) return current;
    let out = current;
    for (const label of added) {
      const cut = label.lastIndexOf('::');
      if (cut <= 0) continue;
      const scope = label.slice(0, cut + 2);
      out = out.filter((l) => l === label || !l.startsWith(scope) || l.lastIndexOf('::') !== cut);
    }
    return out;
  };

  const routes: Array<{ method: string; name: string; pattern: RegExp; query: z.ZodType; handler: Handler }> = [
    {
      method: 'GET',
      name: 'list-issues',
      pattern: /^\/issues$/,
      query: QuerySchemas.listIssues,
      handler: (ctx) => {
        const state = String(ctx.query.state ?? 'all');
        const labels = labelList(ctx.query.labels as string | undefined);
        const raw = ctx.query['iids[]'];
        const iids = raw === undefined ? null : new Set((Array.isArray(raw) ? raw : [raw]).map(Number));
        const desc = (ctx.query.sort ?? 'desc') === 'desc';
        const key = (i: FakeIssue) => (ctx.query.order_by === 'updated_at' ? i.updated_at : i.created_at);
        const matching = [...ctx.project.issues.values()]
          .filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)) && (!iids || iids.has(i.iid)))
          .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.iid - b.iid) * (desc ? -1 : 1));
        const { items, page } = pageOf(matching, ctx.query);
        return { status: 200, body: items.map((i) => store.issueJson(i)), schema: IssueResponse.array(), page };
      },
    },
    { method: 'GET', name: 'get-issue', pattern: /^\/issues\/(\d+)$/, query: QuerySchemas.none, handler: (ctx) => ({ status: 200, body: store.issueJson(issueOf(ctx)), schema: IssueResponse }) },
    {
      method: 'PUT',
      name: 'edit-issue',
      pattern: /^\/issues\/(\d+)$/,
      query: QuerySchemas.none,
      handler: (ctx) => {
        const issue = issueOf(ctx);
        const parsed = BodySchemas.editIssue.safeParse(ctx.body);
        if (!parsed.success) throw new HttpError(400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join(', ') });
        const b = parsed.data;
        let labels = b.labels !== undefined ? labelList(b.labels) : [...issue.labels];
        const added = [...labelList(b.labels), ...labelList(b.add_labels)];
        for (const l of labelList(b.add_labels)) if (!labels.includes(l)) labels.push(l);
        const removed = labelList(b.remove_labels);
        labels = withScopes(labels.filter((l) => !removed.includes(l)), added);
        const state = b.state_event === 'close' ? 'closed' : b.state_event === 'reopen' ? 'opened' : undefined;
        store.apply(issue, { labels, state, title: b.title, description: b.description }, store.bot.id);
        return { status: 200, body: store.issueJson(issue), schema: IssueResponse };
      },
    },
    {
      method: 'GET',
      name: 'list-notes',
      pattern: /^\/issues\/(\d+)\/notes$/,
      query: QuerySchemas.listNotes,
      handler: (ctx) => {
        const issue = issueOf(ctx);
        const desc = (ctx.query.sort ?? 'desc') === 'desc';
        const notes = [...issue.notes].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id) * (desc ? -1 : 1));
        const { items, page } = pageOf(notes, ctx.query);
        return { status: 200, body: items.map((n) => store.noteJson(issue, n)), schema: NoteResponse.array(), page };
      },
    },
    {
      method: 'POST',
      name: 'create-note',
      pattern: /^\/issues\/(\d+)\/notes$/,
      query: QuerySchemas.none,
      handler: (ctx) => {
        const issue = issueOf(ctx);
        const parsed = BodySchemas.note.safeParse(ctx.body);
        if (!parsed.success) throw new HttpError(400, { error: 'body is missing' });
        const note = store.addNote(issue, parsed.data.body, store.bot.id);
        issue.updated_at = store.now();
        return { status: 201, body: store.noteJson(issue, note), schema: NoteResponse };
      },
    },
    {
      method: 'PUT',
      name: 'edit-note',
      pattern: /^\/issues\/(\d+)\/notes\/(\d+)$/,
      query: QuerySchemas.none,
      handler: (ctx) => {
        const issue = issueOf(ctx);
        const note = issue.notes.find((n) => n.id === Number(ctx.params[1]));
        if (!note) throw notFound('404 Note Not Found');
        const parsed = BodySchemas.note.safeParse(ctx.body);
        if (!parsed.success) throw new HttpError(400, { error: 'body is missing' });
        if (note.system || note.authorId !== store.bot.id) throw new HttpError(403, { message: '403 Forbidden' });
        note.body = parsed.data.body;
        note.updated_at = store.now();
        return { status: 200, body: store.noteJson(issue, note), schema: NoteResponse };
      },
    },
    {
      method: 'GET',
      name: 'list-links',
      pattern: /^\/issues\/(\d+)\/links$/,
      query: QuerySchemas.listLinks,
      handler: (ctx) => {
        const issue = issueOf(ctx);
        const blockers = issue.blockedBy.map((iid) => ctx.project.issues.get(iid)).filter((i): i is FakeIssue => i !== undefined);
        return { status: 200, body: blockers.map((b) => store.linkJson(issue, b)), schema: IssueLinkResponse.array() };
      },
    },
    {
      method: 'GET',
      name: 'list-labels',
      pattern: /^\/labels$/,
      query: QuerySchemas.listLabels,
      handler: (ctx) => {
        const search = String(ctx.query.search ?? '').toLowerCase();
        const labels = [...ctx.project.labels.values()].filter((l) => l.name.toLowerCase().includes(search)).sort((a, b) => a.name.localeCompare(b.name));
        const { items, page } = pageOf(labels, ctx.query);
        return { status: 200, body: items.map((l) => store.labelJson(ctx.project, l)), schema: LabelResponse.array(), page };
      },
    },
  ];

  const rateHeaders = (exhausted = false): Record<string, string> => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    return {
      'ratelimit-limit': String(LIMIT),
      'ratelimit-observed': String(exhausted ? LIMIT : used),
      'ratelimit-remaining': String(exhausted ? 0 : Math.max(0, LIMIT - used)),
      'ratelimit-reset': String(reset),
      'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
    };
  };

  const pageHeaders = (url: URL, p: NonNullable<Reply['page']>, broken: boolean): Record<string, string> => {
    const totalPages = Math.max(1, Math.ceil(p.total / p.perPage));
    const next = broken ? p.page : p.page < totalPages ? p.page + 1 : null;
    const at = (n: number) => {
      const u = new URL(url);
      u.searchParams.set('page', String(n));
      u.searchParams.set('per_page', String(p.perPage));
      return u.toString();
    };
    const links = [next !== null ? `<${at(next)}>; rel="next"` : '', `<${at(1)}>; rel="first"`, `<${at(totalPages)}>; rel="last"`].filter(Boolean);
    return {
      'x-page': String(p.page),
      'x-per-page': String(p.perPage),
      'x-next-page': next === null ? '' : String(next),
      'x-prev-page': p.page > 1 ? String(p.page - 1) : '',
      'x-total': String(p.total),
      'x-total-pages': String(totalPages),
      link: links.join(', '),
    };
  };

  const send = (res: ServerResponse, record: GitlabRecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}) => {
    record.status = status;
    used += 1;
    sendJson(res, status, body, JSON_TYPE, { ...rateHeaders(), ...headers });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url, json } = await readRequest(req);
    const given = (req.headers['private-token'] as string | undefined) ?? /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const record: GitlabRecordedRequest = { method, path: decodeURIComponent(url.pathname.replace(/^\/api\/v4/, '')), query: url.searchParams, body: undefined, route: null, status: 0, token: given };
    requests.push(record);
    const here = (f: GitlabFaultSpec) => inScope(f, method, record.path);

    const fault = faults.takeIn([...TRANSPORT_FAULT_KINDS, 'rate-limit'], here);
    if (fault?.kind === 'rate-limit') return send(res, record, 429, { message: 'Retry later' }, { ...rateHeaders(true), 'retry-after': String(fault.retryAfterSeconds ?? 60) });
    if (fault) {
      used += 1;
      record.status = answerTransportFault(req, res, fault, FAULT_STYLE, rateHeaders()) ?? -1;
      return;
    }
    if (given !== token) return send(res, record, 401, { message: '401 Unauthorized' });
    if (!json.ok) {
      problems.push(`request ${method} ${record.path}: body is not JSON`);
      return send(res, record, 400, { error: 'The request body is not valid JSON' });
    }
    record.body = json.value;
    const m = /^\/api\/v4\/projects\/([^/]+)(\/.*)$/.exec(url.pathname);
    const project = m ? store.findProject(decodeURIComponent(m[1]!)) : undefined;
    if (!m) return send(res, record, 404, { error: '404 Not Found' });
    if (!project) return send(res, record, 404, { message: '404 Project Not Found' });
    const route = routes.map((r) => ({ r, match: r.method === method ? r.pattern.exec(m[2]!) : null })).find((x) => x.match);
    if (!route?.match) {
      problems.push(`request ${method} ${record.path}: not modelled by the GitLab fake`);
      return send(res, record, 404, { error: '404 Not Found' });
    }
    record.route = route.r.name;
    const query: Ctx['query'] = {};
    for (const key of new Set(url.searchParams.keys())) {
      const all = url.searchParams.getAll(key);
      query[key] = key.endsWith('[]') ? all : all[all.length - 1]!;
    }
    const checked = route.r.query.safeParse(query);
    if (!checked.success) {
      const why = checked.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');
      problems.push(`request ${route.r.name}: ${why}`);
      return send(res, record, 400, { error: why });
    }
    let reply: Reply;
    try {
      reply = route.r.handler({ project, params: route.match.slice(1), query, body: record.body, url });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status === 400) problems.push(`request ${route.r.name}: ${JSON.stringify(err.body)}`);
      return send(res, record, err.status, err.body);
    }
    if (reply.schema) {
      const valid = reply.schema.safeParse(reply.body);
      if (!valid.success) {
        const why = `response ${route.r.name}: ${valid.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
        problems.push(why);
        return send(res, record, 500, { message: `fake produced an invalid response: ${why}` });
      }
    }
    const broken = reply.page ? faults.takeIn(['broken-pagination'], here) : undefined;
    return send(res, record, reply.status, reply.body, reply.page ? pageHeaders(url, reply.page, broken !== undefined) : {});
  }

  const server = await listenLocal(
    handle,
    (res) => sendJson(res, 500, { message: 'fake crashed' }, JSON_TYPE),
    (err) => problems.push(`fake crashed: ${(err as Error).stack ?? String(err)}`),
  );
  const base = server.url;
  store = new GitlabStore(base);
  const project = store.addProject(options.projectPath ?? 'acme/widgets');
  const existing = (iid: number) => {
    const issue = project.issues.get(iid);
    if (!issue) throw new Error(`fake: no issue #${iid}`);
    return issue;
  };
  return {
    apiUrl: `${base}/api/v4`,
    token,
    store,
    project,
    requests,
    problems,
    addIssue: (seed) => store.addIssue(project, seed),
    issue: existing,
    update(iid, change) {
      store.apply(existing(iid), change, store.person.id);
    },
    inject: (fault) => faults.inject(fault),
    resetRequests() {
      requests.length = 0;
    },
    close: () => server.close(),
  };
}
