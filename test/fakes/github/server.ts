/**
 * A local GitHub API for tests: REST issues, labels and comments, pull requests with their reviews,
 * check runs, commit statuses, job logs and merges (pulls.ts), plus `/graphql`, served on
 * 127.0.0.1. Requests and responses are validated against GitHub's own descriptions (OpenAPI for
 * REST, the public schema for GraphQL); every mismatch lands in `problems`, so a client that sends
 * what GitHub would refuse, or a fake that answers what GitHub never would, fails the test.
 * Behaves like the real API where Baton depends on it: weak ETags with 304 that cost no rate limit,
 * `Link` pagination, `x-ratelimit-*` headers, primary and secondary limits, 401 without a token.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runGraphql } from './graphql.js';
import { HttpError, onlyParams, paginate, type Handler, type HandlerContext, type HandlerResult } from './http.js';
import { describeErrors, matchOperation, type FakeOperationId } from './openapi.js';
import { FaultQueue, inScope, type RequestScope } from '../shared/faults.js';
import { listenLocal } from '../shared/http.js';
import { GithubStore, type FakeComment, type FakeIssue, type FakeProject, type IssueSeed, type PullSeed } from './store.js';
import { PullRequestWorld, type FakeMerge } from './pulls.js';
import type { FakeGit } from './git.js';

/** A misbehaviour the next matching request gets instead of a normal answer. */
export type GithubFault =
  | { kind: 'server-error'; status?: 500 | 502 | 503 }
  /** 200 with a truncated JSON body. */
  | { kind: 'malformed-body' }
  /** A list page whose `Link: rel="next"` points back at itself (or at `next`). */
  | { kind: 'broken-pagination'; next?: string }
  /** Quota exhausted: `x-ratelimit-remaining: 0` and the reset instant. */
  | { kind: 'primary-rate-limit'; status?: 403 | 429; resetInSeconds?: number }
  /** Abuse detection: a "secondary rate limit" message and `retry-after`. */
  | { kind: 'secondary-rate-limit'; status?: 403 | 429; retryAfterSeconds?: number }
  /** GraphQL's form of a limit: HTTP 200 with `errors[].type: RATE_LIMITED`. */
  | { kind: 'graphql-rate-limit'; resetInSeconds?: number }
  | { kind: 'connection-reset' };

/** Which requests a fault applies to, and how many times (default once). */
export type FaultSpec = GithubFault & RequestScope & { times?: number };

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  operation: FakeOperationId | 'graphql' | null;
  status: number;
  /** Rate-limit points this request used (0 for a 304). */
  cost: number;
}

export interface GithubFakeOptions {
  /** The one token the fake accepts (default `ghp_fake`). */
  token?: string;
}

export interface GithubFake {
  /** Base URL for octokit's `baseUrl` (GraphQL lives at `${url}/graphql`). */
  url: string;
  token: string;
  store: GithubStore;
  /** Every HTTP request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  readonly requestCount: number;
  /** Validation failures of requests (client bugs) and responses (fake bugs). Tests expect none. */
  readonly problems: string[];
  /** Rate-limit points used so far per resource (`core`, `graphql`). */
  rateLimitUsed(resource?: 'core' | 'graphql'): number;
  addIssue(repo: string, seed?: IssueSeed): FakeIssue;
  addPullRequest(repo: string, seed: PullSeed): FakeIssue;
  issue(repo: string, number: number): FakeIssue;
  /** Change an issue as a person would (bumps `updated_at`). */
  updateIssue(repo: string, number: number, change: (issue: FakeIssue) => void): FakeIssue;
  /** Delete an issue: reads answer 404 from now on. */
  removeIssue(repo: string, number: number): void;
  comments(repo: string, number: number): FakeComment[];
  addProject(owner: string, number: number, options?: { field?: string; options?: string[] }): FakeProject;
  /** Put the issue on the board (when not yet) with `status` selected; null clears the field. */
  setProjectStatus(project: FakeProject, issue: FakeIssue, status: string | null): void;
  projectStatus(project: FakeProject, issue: FakeIssue): string | null;
  inject(fault: FaultSpec): void;
  /** Pull requests, CI results, reviews, protection and merges (tests play CI and reviewers here). */
  pulls: PullRequestWorld;
  /** Back `repo`'s branches with `git` (a bare repository the agents push to). */
  useGit(repo: string, git: FakeGit): void;
  /** Merges done through the API, oldest first. */
  merges(repo: string): readonly FakeMerge[];
  /** Forget recorded requests and rate-limit use (not data). */
  resetRequests(): void;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const LIST_OPERATIONS = new Set<FakeOperationId>(['issues/list-for-repo', 'issues/list-comments']);
/** Statuses the real API may answer anywhere, documented for an operation or not. */
const GENERIC_STATUSES = new Set([401, 403, 404, 422, 429, 500, 502, 503]);

function sortIssues(issues: FakeIssue[], sort: string, direction: string): FakeIssue[] {
  const key = (i: FakeIssue) => (sort === 'updated' ? i.updated_at : sort === 'comments' ? String(i.comments.length).padStart(9, '0') : i.created_at);
  const sign = direction === 'asc' ? 1 : -1;
  return [...issues].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : sign * (a.number - b.number)));
}

function labelNames(body: unknown): string[] {
  const list = Array.isArray(body) ? body : ((body as { labels?: unknown[] } | null)?.labels ?? []);
  return list.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name ?? ''))).filter(Boolean);
}

/** Start the fake on 127.0.0.1 (a free port). */
export async function startGithubFake(options: GithubFakeOptions = {}): Promise<GithubFake> {
  const token = options.token ?? 'ghp_fake';
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const faults = new FaultQueue<FaultSpec>();
  const used = { core: 0, graphql: 0 };
  const resetAt = Math.floor(Date.now() / 1000) + 3600;
  const LIMIT = 5000;
  let store: GithubStore;
  let world: PullRequestWorld;
  let pullHandlers: Record<string, Handler>;

  const issueOf = (ctx: HandlerContext): FakeIssue => {
    const repo = store.findRepo(String(ctx.params.owner), String(ctx.params.repo));
    const issue = repo?.issues.get(Number(ctx.params.issue_number));
    if (!issue) throw new HttpError(404, 'Not Found');
    return issue;
  };

  const handlers: Partial<Record<FakeOperationId, Handler>> = {
    'issues/list-for-repo': (ctx) => {
      onlyParams(ctx, ['state', 'labels', 'sort', 'direction', 'since', 'per_page', 'page']);
      const repo = store.findRepo(String(ctx.params.owner), String(ctx.params.repo));
      if (!repo) throw new HttpError(404, 'Not Found');
      const state = String(ctx.query.state ?? 'open');
      const wanted = typeof ctx.query.labels === 'string' ? ctx.query.labels.split(',').map((l) => l.trim().toLowerCase()).filter(Boolean) : [];
      const since = typeof ctx.query.since === 'string' ? Date.parse(ctx.query.since) : null;
      const matching = [...repo.issues.values()].filter(
        (i) =>
          (state === 'all' || i.state === state) &&
          wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)) &&
          (since === null || Date.parse(i.updated_at) >= since),
      );
      const sorted = sortIssues(matching, String(ctx.query.sort ?? 'created'), String(ctx.query.direction ?? 'desc'));
      const { page, link } = paginate(sorted, ctx);
      return { status: 200, body: page.map((i) => store.issueJson(i)), link };
    },
    'issues/get': (ctx) => ({ status: 200, body: store.issueJson(issueOf(ctx)) }),
    'issues/update': (ctx) => {
      const issue = issueOf(ctx);
      const body = (ctx.body ?? {}) as Record<string, unknown>;
      const extra = Object.keys(body).filter((k) => !['title', 'body', 'state', 'state_reason', 'labels'].includes(k));
      if (extra.length) throw new HttpError(500, `fake: issues/update field(s) ${extra.join(', ')} not implemented`);
      if (typeof body.title === 'string' || typeof body.title === 'number') issue.title = String(body.title);
      if (body.body !== undefined) issue.body = body.body as string | null;
      if (body.state === 'open' || body.state === 'closed') {
        store.setState(issue, body.state, (body.state_reason as FakeIssue['state_reason'] | undefined) ?? undefined);
      }
      if (Array.isArray(body.labels)) {
        issue.labels = [];
        for (const name of labelNames(body.labels)) store.attachLabel(issue, name);
      }
      store.touch(issue);
      return { status: 200, body: store.issueJson(issue) };
    },
    'issues/add-labels': (ctx) => {
      const issue = issueOf(ctx);
      let changed = false;
      for (const name of labelNames(ctx.body)) changed = store.attachLabel(issue, name) || changed;
      if (changed) store.touch(issue);
      return { status: 200, body: issue.labels.map((n) => store.labelJson(issue.repo, n)) };
    },
    'issues/remove-label': (ctx) => {
      const issue = issueOf(ctx);
      const name = String(ctx.params.name).toLowerCase();
      const index = issue.labels.findIndex((l) => l.toLowerCase() === name);
      if (index < 0) throw new HttpError(404, 'Label does not exist');
      issue.labels.splice(index, 1);
      store.touch(issue);
      return { status: 200, body: issue.labels.map((n) => store.labelJson(issue.repo, n)) };
    },
    'issues/list-comments': (ctx) => {
      onlyParams(ctx, ['per_page', 'page']);
      const issue = issueOf(ctx);
      const { page, link } = paginate(issue.comments, ctx);
      return { status: 200, body: page.map((c) => store.commentJson(issue, c)), link };
    },
    'issues/create-comment': (ctx) => {
      const issue = issueOf(ctx);
      const comment = store.addComment(issue, String((ctx.body as { body: string }).body));
      store.touch(issue);
      return { status: 201, body: store.commentJson(issue, comment) };
    },
    'issues/update-comment': (ctx) => {
      const repo = store.findRepo(String(ctx.params.owner), String(ctx.params.repo));
      const found = repo ? store.findComment(repo, Number(ctx.params.comment_id)) : null;
      if (!found) throw new HttpError(404, 'Not Found');
      found.comment.body = String((ctx.body as { body: string }).body);
      found.comment.updated_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      return { status: 200, body: store.commentJson(found.issue, found.comment) };
    },
  };

  function takeFault(method: string, pathname: string, accept: (f: GithubFault) => boolean): GithubFault | null {
    return faults.takeWhere((f) => inScope(f, method, pathname) && accept(f)) ?? null;
  }

  function rateHeaders(resource: 'core' | 'graphql', exhausted = false): Record<string, string> {
    return {
      'x-ratelimit-limit': String(LIMIT),
      'x-ratelimit-remaining': exhausted ? '0' : String(Math.max(0, LIMIT - used[resource])),
      'x-ratelimit-used': exhausted ? String(LIMIT) : String(used[resource]),
      'x-ratelimit-reset': String(resetAt),
      'x-ratelimit-resource': resource,
    };
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomUUID(),
      ...headers,
    });
    res.end(text);
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(400, 'Problems parsing JSON');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', fake.url);
    const isGraphql = url.pathname === '/graphql';
    const record: RecordedRequest = { method, url: url.pathname + url.search, operation: isGraphql ? 'graphql' : null, status: 0, cost: 0 };
    requests.push(record);
    const resource = isGraphql ? 'graphql' : 'core';
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}, cost = 1) => {
      record.status = status;
      record.cost = cost;
      used[resource] += cost;
      send(res, status, body, { ...rateHeaders(resource), ...headers });
    };

    const fault = takeFault(method, url.pathname, (f) => f.kind !== 'broken-pagination' && (f.kind !== 'graphql-rate-limit' || isGraphql));
    if (fault) {
      switch (fault.kind) {
        case 'connection-reset':
          record.status = -1;
          req.socket.destroy();
          return;
        case 'server-error':
          return reply(fault.status ?? 500, { message: 'Server Error' });
        case 'malformed-body':
          record.status = 200;
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...rateHeaders(resource) });
          res.end('[{"id": 1, "title": "trunc');
          return;
        case 'primary-rate-limit': {
          const reset = Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 60);
          return reply(
            fault.status ?? 403,
            { message: 'API rate limit exceeded for user ID 1.', documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api` },
            { ...rateHeaders(resource, true), 'x-ratelimit-reset': String(reset) },
            0,
          );
        }
        case 'secondary-rate-limit':
          return reply(
            fault.status ?? 403,
            {
              message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
              documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
            },
            { 'retry-after': String(fault.retryAfterSeconds ?? 60) },
            0,
          );
        case 'graphql-rate-limit': {
          const reset = Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 60);
          return reply(
            200,
            { data: null, errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] },
            { ...rateHeaders(resource, true), 'x-ratelimit-reset': String(reset) },
            0,
          );
        }
      }
    }

    // A job log's redirect target: signed by its URL, as GitHub's blob storage is, so no token.
    const log = /^\/_fake\/job-logs\/([^/]+\/[^/]+)\/(\d+)$/.exec(url.pathname);
    if (method === 'GET' && log) {
      const text = world.jobLog(log[1]!, Number(log[2]));
      record.status = text === null ? 404 : 200;
      res.writeHead(record.status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text ?? 'Not Found');
      return;
    }

    const auth = req.headers.authorization ?? '';
    const given = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1];
    if (given !== token) {
      return reply(401, { message: given ? 'Bad credentials' : 'Requires authentication', documentation_url: DOCS, status: '401' }, {}, 0);
    }

    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      problems.push(`request ${method} ${url.pathname}: ${(err as Error).message}`);
      return reply(400, { message: (err as Error).message, documentation_url: DOCS, status: '400' });
    }

    if (isGraphql) {
      if (method !== 'POST') return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      const outcome = await runGraphql(store, body);
      problems.push(...outcome.problems);
      return reply(200, outcome.body);
    }

    const match = matchOperation(method, url.pathname);
    if (!match) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const { operation } = match;
    record.operation = operation.id;

    const params: Record<string, unknown> = { ...match.pathParams };
    const query: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const invalid: string[] = [];
    if (!operation.validatePath()(params)) invalid.push(`path: ${describeErrors(operation.validatePath())}`);
    if (!operation.validateQuery()(query)) invalid.push(`query: ${describeErrors(operation.validateQuery())}`);
    const validateBody = operation.validateBody();
    if (validateBody && !validateBody(body)) invalid.push(`body: ${describeErrors(validateBody)}`);
    if (!validateBody && body !== undefined) invalid.push('body: this operation takes none');
    if (invalid.length) {
      problems.push(`request ${operation.id}: ${invalid.join('; ')}`);
      return reply(422, { message: `Invalid request.\n\n${invalid.join('\n')}`, documentation_url: DOCS, status: '422' });
    }

    let result: HandlerResult;
    try {
      const handler = handlers[operation.id] ?? pullHandlers[operation.id];
      if (!handler) throw new HttpError(500, `fake: no handler for ${operation.id}`);
      result = handler({ url, params, query, body });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status === 500) problems.push(err.message);
      result = { status: err.status, body: { message: err.message, documentation_url: DOCS, status: String(err.status) } };
    }

    const validateResponse = operation.validateResponse(result.status);
    if (validateResponse === undefined && !GENERIC_STATUSES.has(result.status)) {
      problems.push(`response ${operation.id}: status ${result.status} is not documented`);
    } else if (validateResponse && !validateResponse(result.body)) {
      const message = `response ${operation.id} ${result.status}: ${describeErrors(validateResponse)}`;
      problems.push(message);
      return reply(500, { message: `fake produced an invalid response: ${message}` });
    }

    const broken = result.link && LIST_OPERATIONS.has(operation.id) ? takeFault(method, url.pathname, (f) => f.kind === 'broken-pagination') : null;
    if (broken?.kind === 'broken-pagination') result.link = `<${broken.next ?? url.toString()}>; rel="next"`;

    const headers: Record<string, string> = { ...(result.link ? { link: result.link } : {}), ...result.headers };
    if (method === 'GET' && result.status === 200) {
      const etag = `W/"${createHash('sha1').update(JSON.stringify(result.body)).update(result.link ?? '').digest('hex')}"`;
      headers.etag = etag;
      headers['cache-control'] = 'private, max-age=60, s-maxage=60';
      const ifNoneMatch = req.headers['if-none-match'];
      if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
        // GitHub: a 304 to a correctly authorized conditional request does not count against the limit.
        return reply(304, undefined, headers, 0);
      }
    }
    return reply(result.status, result.body, headers);
  }

  const server = await listenLocal(
    handle,
    (res) => send(res, 500, { message: 'fake crashed' }, {}),
    (err) => problems.push(`fake crashed: ${(err as Error).stack ?? String(err)}`),
  );
  const url = server.url;
  store = new GithubStore(url);
  world = new PullRequestWorld(store);
  pullHandlers = world.handlers();

  const existing = (repo: string, number: number): FakeIssue => {
    const issue = store.repo(repo).issues.get(number);
    if (!issue) throw new Error(`fake: no issue ${repo}#${number}`);
    return issue;
  };

  const fake: GithubFake = {
    url,
    token,
    store,
    requests,
    get requestCount() {
      return requests.length;
    },
    problems,
    rateLimitUsed: (resource = 'core') => used[resource],
    addIssue: (repo, seed) => store.addIssue(repo, seed),
    addPullRequest: (repo, seed) => store.addPullRequest(repo, seed),
    issue: existing,
    updateIssue(repo, number, change) {
      const issue = existing(repo, number);
      change(issue);
      store.touch(issue);
      return issue;
    },
    removeIssue(repo, number) {
      existing(repo, number);
      store.repo(repo).issues.delete(number);
    },
    comments: (repo, number) => existing(repo, number).comments,
    addProject(owner, number, opts = {}) {
      const project: FakeProject = {
        owner,
        number,
        id: store.nodeId('PVT'),
        title: `Project ${number}`,
        field: {
          id: store.nodeId('PVTSSF'),
          name: opts.field ?? 'Status',
          options: (opts.options ?? ['Todo', 'In Progress', 'Done']).map((name) => ({ id: store.nodeId('O').slice(-8), name })),
        },
        items: [],
      };
      store.projects.push(project);
      return project;
    },
    setProjectStatus(project, issue, status) {
      let item = project.items.find((i) => i.issue === issue);
      if (!item) {
        item = { id: store.nodeId('PVTI'), issue, optionId: null, archived: false };
        project.items.push(item);
      }
      if (status === null) {
        item.optionId = null;
        return;
      }
      const option = project.field.options.find((o) => o.name === status);
      if (!option) throw new Error(`fake: project field has no option ${status}`);
      item.optionId = option.id;
    },
    projectStatus(project, issue) {
      const item = project.items.find((i) => i.issue === issue);
      return project.field.options.find((o) => o.id === item?.optionId)?.name ?? null;
    },
    inject: (fault) => faults.inject(fault),
    get pulls() {
      return world;
    },
    useGit(repo, git) {
      world.repo(repo, git);
    },
    merges: (repo) => world.repo(repo).merges,
    resetRequests() {
      requests.length = 0;
      used.core = 0;
      used.graphql = 0;
    },
    close: () => server.close(),
  };
  return fake;
}
