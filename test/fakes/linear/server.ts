/**
 * A local Linear GraphQL API on 127.0.0.1 for tests. Every request is parsed and validated against
 * Linear's schema rebuilt from the installed `@linear/sdk` (invalid documents get Linear's 400),
 * executed over the in-memory store, and every response is produced by `graphql` execution over
 * that schema (so its shape is the schema's). It requires the `Authorization` header, counts
 * requests, and can inject the faults Linear produces: 5xx, a malformed body, broken pagination,
 * both rate-limit forms, dropped connections.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  execute,
  getNamedType,
  GraphQLError,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { loadLinearSchema, operationFields } from './schema-from-sdk.js';
import { matchesFilter } from './filters.js';
import { createRootResolvers } from './resolvers.js';
import { LinearFakeStore } from './store.js';
import { FaultQueue } from '../shared/faults.js';
import { answerTransportFault, listenLocal, readBody, sendJson as sendWithType, TRANSPORT_FAULT_KINDS, type TransportFault } from '../shared/http.js';

/**
 * A fault the next matching request(s) get instead of a normal answer; with `operation`, only
 * requests for that document (`BatonPoll`, `BatonIssueUpdate`, ...) match, and with `match` only
 * requests it accepts (one document sent by two callers: the orchestrator's poll over every active
 * state, not a worker's one-state preflight read).
 */
export type LinearFault = (
  | TransportFault
  /**
   * `graphql-400`: Linear's documented form, HTTP 400 with `extensions.code: RATELIMITED` and
   * `type: ratelimited`; `code-only`: the same without `type` (seen in the field); `http-429`: bare 429.
   */
  | { kind: 'rate-limit'; form?: 'graphql-400' | 'code-only' | 'http-429'; retryAfterSeconds?: number; times?: number }
  /** `missing-cursor`: hasNextPage with a null endCursor; `repeat-cursor`: the cursor just sent comes back. */
  | { kind: 'broken-pagination'; mode: 'missing-cursor' | 'repeat-cursor'; times?: number }
) & { operation?: string; match?: (request: RecordedRequest) => boolean };

type PaginationFault = Extract<LinearFault, { kind: 'broken-pagination' }>;

const JSON_TYPE = 'application/json; charset=utf-8';
const FAULT_STYLE = {
  contentType: JSON_TYPE,
  serverErrorBody: JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { type: 'internal error' } }] }),
  truncatedBody: '{"data":{"issues":{"nodes":[{"id":',
};

export interface RecordedRequest {
  authorization: string | undefined;
  operationName: string | undefined;
  /** Top-level fields of the operation (`issues`, `issueUpdate`, ...). */
  fields: string[];
  query: string;
  variables: Record<string, unknown>;
  /** When the fake received it (epoch ms): fault tests check when a retry came. */
  at: number;
}

export interface LinearFake {
  /** GraphQL endpoint (`http://127.0.0.1:<port>/graphql`). */
  url: string;
  /** The API key the fake accepts (sent verbatim in `Authorization`, as Linear personal keys are). */
  apiKey: string;
  /** The workspace state: seed it, then assert on it. */
  store: LinearFakeStore;
  /** HTTP requests received since start or the last {@link LinearFake.resetCounters}. */
  readonly requestCount: number;
  readonly requests: readonly RecordedRequest[];
  resetCounters(): void;
  inject(fault: LinearFault): void;
  close(): Promise<void>;
}

export interface LinearFakeOptions {
  apiKey?: string;
  teamKey?: string;
  projectSlug?: string;
}

interface ExecContext {
  pagination?: PaginationFault;
  paginationApplied: boolean;
}

const ZERO_DATE = '1970-01-01T00:00:00.000Z';

function zeroOf(schema: GraphQLSchema, type: GraphQLOutputType): unknown {
  if (!isNonNullType(type)) return null;
  const inner = type.ofType;
  if (isListType(inner)) return [];
  if (isEnumType(inner)) return inner.getValues()[0]?.value ?? null;
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'String':
      case 'ID':
        return '';
      case 'Int':
      case 'Float':
        return 0;
      case 'Boolean':
        return false;
      case 'DateTime':
      case 'DateTimeOrDuration':
        return ZERO_DATE;
      case 'TimelessDate':
      case 'TimelessDateOrDuration':
        return '1970-01-01';
      case 'JSON':
      case 'JSONObject':
        return {};
      default:
        return '';
    }
  }
  if (isAbstractType(inner)) return { __typename: schema.getPossibleTypes(inner)[0]?.name };
  return {};
}

/** Relay connection over an in-memory list, honouring `filter`, `orderBy`, `first` and `after`. */
function toConnection(items: unknown[], args: Record<string, unknown>, info: GraphQLResolveInfo, ctx: ExecContext): unknown {
  let list = items.filter((item): item is Record<string, unknown> => item !== null && item !== undefined);
  const fieldDef = info.parentType.getFields()[info.fieldName];
  const filterArg = fieldDef?.args.find((arg) => arg.name === 'filter');
  const filterType = filterArg ? getNamedType(filterArg.type) : undefined;
  if (args.filter && filterType && isInputObjectType(filterType)) {
    list = list.filter((entity) => matchesFilter(entity, args.filter as Record<string, unknown>, filterType));
  }
  const orderKey = args.orderBy === 'updatedAt' ? 'updatedAt' : 'createdAt';
  list = list
    .map((entity, index) => ({ entity, index }))
    .sort((a, b) => String(a.entity[orderKey] ?? '').localeCompare(String(b.entity[orderKey] ?? '')) || a.index - b.index)
    .map(({ entity }) => entity);
  if (args.last !== undefined || args.before !== undefined) {
    throw new GraphQLError('The Linear fake pages forward only (first/after)', { extensions: { type: 'graphql error' } });
  }
  let start = 0;
  if (typeof args.after === 'string') {
    const at = list.findIndex((entity) => entity.id === args.after);
    if (at < 0) throw new GraphQLError('Invalid cursor', { extensions: { type: 'invalid input', code: 'INPUT_ERROR' } });
    start = at + 1;
  }
  const first = typeof args.first === 'number' ? args.first : 50;
  const page = list.slice(start, start + first);
  const pageInfo = {
    hasNextPage: start + first < list.length,
    hasPreviousPage: start > 0,
    startCursor: (page[0]?.id as string | undefined) ?? null,
    endCursor: (page[page.length - 1]?.id as string | undefined) ?? null,
  };
  // Faults apply to top-level connections only, never to nested label/relation lists.
  const fault = ctx.pagination;
  if (fault && !info.path.prev) {
    if (fault.mode === 'missing-cursor') {
      pageInfo.hasNextPage = true;
      pageInfo.endCursor = null;
      ctx.paginationApplied = true;
    } else if (typeof args.after === 'string') {
      pageInfo.hasNextPage = true;
      pageInfo.endCursor = args.after;
      ctx.paginationApplied = true;
    }
  }
  return { nodes: page, edges: page.map((node) => ({ node, cursor: node.id })), pageInfo };
}

function makeFieldResolver(schema: GraphQLSchema): GraphQLFieldResolver<unknown, ExecContext> {
  return (source, args, ctx, info) => {
    let value = (source as Record<string, unknown> | null)?.[info.fieldName];
    if (typeof value === 'function') value = (value as (a: unknown) => unknown)(args);
    const named = getNamedType(info.returnType);
    if (Array.isArray(value) && isObjectType(named) && named.name.endsWith('Connection')) {
      return toConnection(value, args, info, ctx);
    }
    if (value === undefined && !info.path.prev) {
      throw new GraphQLError(`The Linear fake does not implement ${info.parentType.name}.${info.fieldName}; add it to test/fakes/linear/resolvers.ts`, {
        extensions: { type: 'graphql error', code: 'FAKE_UNSUPPORTED' },
      });
    }
    if (value === undefined) {
      if (isObjectType(named) && named.name.endsWith('Connection') && isNonNullType(info.returnType)) {
        return toConnection([], args, info, ctx);
      }
      return zeroOf(schema, info.returnType);
    }
    return value;
  };
}

let scalarsPatched = false;
/** Custom scalars validate what the fake sends, so a malformed value can never reach a client. */
function patchScalars(schema: GraphQLSchema): void {
  if (scalarsPatched) return;
  scalarsPatched = true;
  const dateTime = schema.getType('DateTime');
  if (dateTime && isScalarType(dateTime)) {
    dateTime.serialize = (value: unknown) => {
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
      throw new TypeError(`DateTime cannot represent ${JSON.stringify(value)}`);
    };
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendWithType(res, status, body, JSON_TYPE, headers);
}

function rateLimitResponse(res: ServerResponse, fault: Extract<LinearFault, { kind: 'rate-limit' }>): void {
  const retryAfter = fault.retryAfterSeconds ?? 7;
  const headers = {
    'retry-after': String(retryAfter),
    'x-ratelimit-requests-limit': '1500',
    'x-ratelimit-requests-remaining': '0',
    'x-ratelimit-requests-reset': String(Date.now() + retryAfter * 1000),
  };
  const form = fault.form ?? 'graphql-400';
  if (form === 'http-429') {
    sendJson(res, 429, { errors: [{ message: 'Too many requests' }] }, headers);
    return;
  }
  const extensions: Record<string, unknown> = {
    code: 'RATELIMITED',
    statusCode: 429,
    userPresentableMessage: 'You have exceeded the rate limit. Try again later.',
  };
  if (form === 'graphql-400') extensions.type = 'ratelimited';
  sendJson(res, 400, { errors: [{ message: 'Rate limit exceeded', extensions }] }, headers);
}

/** Starts the fake on a random port of 127.0.0.1. */
export async function startLinearFake(options: LinearFakeOptions = {}): Promise<LinearFake> {
  const schema = await loadLinearSchema();
  patchScalars(schema);
  const fieldResolver = makeFieldResolver(schema);
  const apiKey = options.apiKey ?? 'lin_api_fake_0123456789';
  const store = new LinearFakeStore({ teamKey: options.teamKey, projectSlug: options.projectSlug });
  const root = createRootResolvers(store);
  const faults = new FaultQueue<LinearFault>();
  let requests: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    let payload: { query?: unknown; variables?: unknown; operationName?: unknown } = {};
    try {
      payload = JSON.parse(raw) as typeof payload;
    } catch {
      // Recorded below as an unparsable request, answered with 400.
    }
    const query = typeof payload.query === 'string' ? payload.query : '';
    let fields: string[] = [];
    try {
      fields = query ? operationFields(query) : [];
    } catch {
      // Syntax errors are answered below.
    }
    const variables = (payload.variables && typeof payload.variables === 'object' ? payload.variables : {}) as Record<string, unknown>;
    const record: RecordedRequest = {
      authorization: req.headers.authorization,
      operationName: typeof payload.operationName === 'string' ? payload.operationName : undefined,
      fields,
      query,
      variables,
      at: Date.now(),
    };
    requests.push(record);

    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/graphql') {
      sendJson(res, 404, { errors: [{ message: 'Not found' }] });
      return;
    }

    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
    const requestKinds: readonly string[] = [...TRANSPORT_FAULT_KINDS, 'rate-limit'];
    const fault = faults.takeWhere((f) => requestKinds.includes(f.kind) && (f.operation === undefined || f.operation === operation) && (f.match?.(record) ?? true)) as
      | Exclude<LinearFault, PaginationFault>
      | undefined;
    if (fault?.kind === 'rate-limit') {
      rateLimitResponse(res, fault);
      return;
    }
    if (fault) {
      answerTransportFault(req, res, fault, FAULT_STYLE);
      return;
    }

    const authorization = req.headers.authorization;
    if (authorization !== apiKey && authorization !== `Bearer ${apiKey}`) {
      const message = authorization ? 'Authentication failed: invalid API key' : 'Authentication required, not authenticated';
      sendJson(res, 401, {
        errors: [{ message, extensions: { type: 'authentication error', code: 'AUTHENTICATION_ERROR', userPresentableMessage: message } }],
      });
      return;
    }

    if (!query) {
      sendJson(res, 400, { errors: [{ message: 'Must provide query string.', extensions: { type: 'graphql error', code: 'BAD_REQUEST' } }] });
      return;
    }
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      sendJson(res, 400, {
        errors: [{ message: (error as Error).message, extensions: { type: 'graphql error', code: 'GRAPHQL_PARSE_FAILED' } }],
      });
      return;
    }
    const validationErrors = validate(schema, document);
    if (validationErrors.length) {
      sendJson(res, 400, {
        errors: validationErrors.map((e) => ({
          message: e.message,
          extensions: { type: 'graphql error', code: 'GRAPHQL_VALIDATION_FAILED', userError: true },
        })),
      });
      return;
    }
    const pagination = faults.peek('broken-pagination') as PaginationFault | undefined;
    const ctx: ExecContext = { pagination, paginationApplied: false };
    const result = await execute({
      schema,
      document,
      rootValue: root,
      contextValue: ctx,
      variableValues: variables,
      operationName: typeof payload.operationName === 'string' ? payload.operationName : undefined,
      fieldResolver,
    });
    if (pagination && ctx.paginationApplied) faults.consume(pagination);
    const body = { ...result, errors: result.errors?.map((e) => e.toJSON()) };
    // GraphQL-over-HTTP: a request error (no data at all, e.g. bad variables) is a 400.
    sendJson(res, result.data === undefined ? 400 : 200, body);
  };

  const server = await listenLocal(handle, (res, error) =>
    sendJson(res, 500, { errors: [{ message: String(error), extensions: { type: 'internal error' } }] }),
  );

  return {
    url: `${server.url}/graphql`,
    apiKey,
    store,
    get requestCount() {
      return requests.length;
    },
    get requests() {
      return requests;
    },
    resetCounters() {
      requests = [];
    },
    inject: (fault) => faults.inject(fault),
    close: () => server.close(),
  };
}
