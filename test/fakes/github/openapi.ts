/**
 * GitHub's published REST description (`@octokit/openapi`), cut down to the operations the fake
 * serves and compiled into ajv validators. Loaded on first use and kept for the process: the full
 * file is 13 MB, the cut holds only what those operations reach.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under NodeNext its type is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The operations the fake implements (GitHub operationIds). */
export const FAKE_OPERATIONS = [
  'issues/list-for-repo',
  'issues/get',
  'issues/update',
  'issues/add-labels',
  'issues/remove-label',
  'issues/list-comments',
  'issues/create-comment',
  'issues/update-comment',
  // pull requests, checks and statuses (test/fakes/github/pulls.ts)
  'pulls/list',
  'pulls/get',
  'pulls/create',
  'pulls/merge',
  'pulls/list-reviews',
  'pulls/list-comments-for-review',
  'pulls/create-reply-for-review-comment',
  'checks/list-for-ref',
  'repos/get-combined-status-for-ref',
  'actions/download-job-logs-for-workflow-run',
  'git/delete-ref',
] as const;
export type FakeOperationId = (typeof FAKE_OPERATIONS)[number];

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Json;
}

/** One routed operation with its validators. */
export interface Operation {
  id: FakeOperationId;
  method: string;
  template: string;
  parameters: Parameter[];
  /** Validates the query object (strings coerced to the declared types, in place). */
  validateQuery(): ValidateFunction;
  /** Validates the path parameters (coerced in place). */
  validatePath(): ValidateFunction;
  /** Request body validator; null when the operation takes no body. */
  validateBody(): ValidateFunction | null;
  /** Response validator for `status`: undefined when the spec does not list it, null when it has no JSON body. */
  validateResponse(status: number): ValidateFunction | null | undefined;
}

/** Compile on first use: most tests touch a handful of the operations and statuses. */
function lazy<T>(make: () => T): () => T {
  let value: { v: T } | null = null;
  return () => (value ??= { v: make() }).v;
}

export interface RouteMatch {
  operation: Operation;
  pathParams: Record<string, string>;
}

interface Spec {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; parameters: Record<string, Json>; responses: Record<string, Json> };
}

function loadSpec(): Spec {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Spec;
}

function resolveLocal(spec: Spec, value: Json): Json {
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  const [, , kind, name] = ref.split('/');
  const target = (spec.components as unknown as Record<string, Record<string, Json>>)[kind!]?.[name!];
  if (!target) throw new Error(`fake: unresolvable $ref ${ref}`);
  return resolveLocal(spec, target);
}

/**
 * OpenAPI 3.0 → JSON Schema for ajv: `nullable: true` becomes `anyOf [..., null]`, examples go,
 * and component refs point into the schema registered as `gh`.
 */
function toJsonSchema(value: unknown, reached: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => toJsonSchema(v, reached));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value as Json)) {
    if (key === 'example' || key === 'examples' || key === 'nullable' || key === 'discriminator') continue;
    if (key === '$ref' && typeof v === 'string') {
      const name = v.replace('#/components/schemas/', '');
      reached.add(name);
      out.$ref = `gh#/definitions/${name}`;
      continue;
    }
    out[key] = toJsonSchema(v, reached);
  }
  if ((value as Json).nullable === true) {
    const { description, ...rest } = out;
    return { ...(description === undefined ? {} : { description }), anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

function templateRegex(template: string): { regex: RegExp; names: string[]; literals: number } {
  const names: string[] = [];
  let literals = 0;
  const source = template
    .split('/')
    .map((segment) => {
      const m = /^\{(.+)\}$/.exec(segment);
      if (m) {
        names.push(m[1]!);
        // A git ref may hold slashes (`heads/baton/ENG-1`), as GitHub accepts them unencoded.
        return m[1] === 'ref' ? '(.+)' : '([^/]+)';
      }
      literals += 1;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}$`), names, literals };
}

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  literals: number;
  operation: Operation;
}

let cached: Route[] | null = null;

function build(): Route[] {
  const spec = loadSpec();
  const wanted = new Set<string>(FAKE_OPERATIONS);
  const reached = new Set<string>();
  const pending: Array<Omit<Operation, 'validateQuery' | 'validatePath' | 'validateBody' | 'validateResponse'> & {
    query: Json;
    path: Json;
    body: unknown;
    responseSchemas: Map<number, unknown>;
  }> = [];

  for (const [template, item] of Object.entries(spec.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as Json;
      if (!wanted.has(op.operationId as string)) continue;
      const parameters = ((op.parameters as Json[] | undefined) ?? []).map((p) => resolveLocal(spec, p) as unknown as Parameter);
      const objectSchema = (where: 'query' | 'path') => {
        const ps = parameters.filter((p) => p.in === where);
        return {
          type: 'object',
          properties: Object.fromEntries(ps.map((p) => [p.name, toJsonSchema(p.schema, reached)])),
          required: ps.filter((p) => p.required).map((p) => p.name),
          // An unknown query parameter is a client bug the real API would silently ignore.
          additionalProperties: false,
        };
      };
      const requestBody = op.requestBody ? resolveLocal(spec, op.requestBody as Json) : null;
      const bodySchema = (requestBody?.content as Json | undefined)?.['application/json'] as Json | undefined;
      const responseSchemas = new Map<number, unknown>();
      for (const [status, response] of Object.entries(op.responses as Json)) {
        const resolved = resolveLocal(spec, response as Json);
        const schema = ((resolved.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
        responseSchemas.set(Number(status), schema === undefined ? null : toJsonSchema(schema, reached));
      }
      pending.push({
        id: op.operationId as FakeOperationId,
        method: method.toUpperCase(),
        template,
        parameters,
        query: objectSchema('query'),
        path: objectSchema('path'),
        body: bodySchema ? toJsonSchema(bodySchema.schema, reached) : null,
        responseSchemas,
      });
    }
  }
  const missing = [...wanted].filter((id) => !pending.some((p) => p.id === id));
  if (missing.length) throw new Error(`fake: @octokit/openapi lacks operations ${missing.join(', ')}`);

  // Only the component schemas these operations reach, transitively.
  const definitions: Json = {};
  const queue = [...reached];
  while (queue.length) {
    const name = queue.pop()!;
    if (name in definitions) continue;
    const schema = spec.components.schemas[name];
    if (!schema) throw new Error(`fake: missing component schema ${name}`);
    const more = new Set<string>();
    definitions[name] = toJsonSchema(schema, more);
    for (const n of more) if (!(n in definitions)) queue.push(n);
  }

  const strict = new Ajv({ strict: false, allErrors: true });
  const coercing = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array' });
  for (const ajv of [strict, coercing]) {
    addFormats(ajv);
    ajv.addFormat('repo.nwo', true);
    ajv.addSchema({ $id: 'gh', definitions });
  }

  return pending.map((p) => {
    const responses = new Map([...p.responseSchemas].map(([status, schema]) => [status, lazy(() => (schema === null ? null : strict.compile(schema as Json)))]));
    const operation: Operation = {
      id: p.id,
      method: p.method,
      template: p.template,
      parameters: p.parameters,
      validateQuery: lazy(() => coercing.compile(p.query)),
      validatePath: lazy(() => coercing.compile(p.path)),
      validateBody: lazy(() => (p.body === null ? null : strict.compile(p.body as Json))),
      validateResponse: (status) => responses.get(status)?.(),
    };
    const { regex, names, literals } = templateRegex(p.template);
    return { method: p.method, regex, names, literals, operation };
  }).sort((a, b) => b.literals - a.literals);
}

/** The routes, built once per process. */
function routes(): Route[] {
  cached ??= build();
  return cached;
}

/** The operation serving `method pathname`, or null when the fake does not implement it. */
export function matchOperation(method: string, pathname: string): RouteMatch | null {
  for (const route of routes()) {
    if (route.method !== method) continue;
    const m = route.regex.exec(pathname);
    if (!m) continue;
    const pathParams: Record<string, string> = {};
    route.names.forEach((name, i) => {
      pathParams[name] = decodeURIComponent(m[i + 1]!);
    });
    return { operation: route.operation, pathParams };
  }
  return null;
}

/** Human-readable ajv errors: `path message` lines. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}
