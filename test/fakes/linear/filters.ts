/**
 * Evaluates Linear filter input objects (`IssueFilter`, `WorkflowStateFilter`, ...) against the
 * fake's records, driven by the schema's input types: a `*Comparator` field compares a scalar, a
 * `*CollectionFilter` field quantifies over a list, any other input type recurses into a relation.
 * New filter keys need no code; an operator the fake does not implement fails loudly.
 */
import { getNamedType, GraphQLError, isInputObjectType, type GraphQLInputObjectType } from 'graphql';

type Entity = Record<string, unknown> | null | undefined;

function unsupported(what: string): never {
  throw new GraphQLError(`The Linear fake does not implement ${what}; add it to test/fakes/linear/filters.ts`, {
    extensions: { type: 'graphql error', code: 'FAKE_UNSUPPORTED' },
  });
}

function comparable(value: unknown): number | string | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value;
  return String(value);
}

function asTime(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number(value);
}

/** `contains`, `notStartsWith`, `endsWithIgnoreCase`, ...: one family of text operators. */
const TEXT_OP = /^(not)?(contains|startsWith|endsWith)(IgnoreCase)?$/i;
const TEXT_TESTS: Record<string, (value: string, operand: string) => boolean> = {
  contains: (v, o) => v.includes(o),
  startswith: (v, o) => v.startsWith(o),
  endswith: (v, o) => v.endsWith(o),
};

function compareText(value: string | null, op: string, operand: unknown): boolean | undefined {
  const match = TEXT_OP.exec(op);
  if (!match) return undefined;
  const [, negate, verb, ignoreCase] = match;
  const fold = (v: unknown) => (ignoreCase ? String(v).toLowerCase() : String(v));
  if (value === null) return Boolean(negate);
  const hit = TEXT_TESTS[verb!.toLowerCase()]!(fold(value), fold(operand));
  return negate ? !hit : hit;
}

/** One comparator object (`{ eq: "x" }`, `{ in: [...] }`, ...) against one scalar value. */
export function compare(raw: unknown, comparator: Record<string, unknown>, typeName: string): boolean {
  const value = comparable(raw);
  const isDate = /Date/.test(typeName);
  const lower = (v: unknown) => String(v ?? '').toLowerCase();
  const ordered = (a: unknown, b: unknown) => (isDate ? asTime(a) - asTime(b) : Number(a) - Number(b));
  for (const [op, operand] of Object.entries(comparator)) {
    if (operand === undefined) continue;
    let ok = compareText(typeof value === 'string' || value === null ? value : String(value), op, operand);
    if (ok === undefined) {
      switch (op) {
        case 'eq':
          ok = operand === null ? value === null : value === operand;
          break;
        case 'neq':
          ok = value !== operand;
          break;
        case 'in':
          ok = (operand as unknown[]).includes(value);
          break;
        case 'nin':
          ok = !(operand as unknown[]).includes(value);
          break;
        case 'null':
          ok = (value === null) === operand;
          break;
        case 'eqIgnoreCase':
          ok = value !== null && lower(value) === lower(operand);
          break;
        case 'neqIgnoreCase':
          ok = lower(value) !== lower(operand);
          break;
        case 'lt':
          ok = value !== null && ordered(value, operand) < 0;
          break;
        case 'lte':
          ok = value !== null && ordered(value, operand) <= 0;
          break;
        case 'gt':
          ok = value !== null && ordered(value, operand) > 0;
          break;
        case 'gte':
          ok = value !== null && ordered(value, operand) >= 0;
          break;
        default:
          unsupported(`${typeName}.${op}`);
      }
    }
    if (!ok) return false;
  }
  return true;
}

function matchesCollection(items: unknown, filter: Record<string, unknown>, type: GraphQLInputObjectType): boolean {
  const list = Array.isArray(items) ? (items as Entity[]) : [];
  for (const [key, cond] of Object.entries(filter)) {
    if (cond === undefined || cond === null) continue;
    const field = type.getFields()[key];
    if (!field) unsupported(`${type.name}.${key}`);
    const fieldType = getNamedType(field.type);
    let ok: boolean;
    if (key === 'and') ok = (cond as Record<string, unknown>[]).every((f) => matchesCollection(list, f, type));
    else if (key === 'or') ok = (cond as Record<string, unknown>[]).some((f) => matchesCollection(list, f, type));
    else if (key === 'null') ok = (list.length === 0) === cond;
    else if (key === 'length') ok = compare(list.length, cond as Record<string, unknown>, fieldType.name);
    else if (key === 'some' || key === 'every') {
      if (!isInputObjectType(fieldType)) unsupported(`${type.name}.${key}`);
      const test = (item: Entity) => matchesFilter(item, cond as Record<string, unknown>, fieldType);
      ok = key === 'some' ? list.some(test) : list.every(test);
    } else {
      // A direct element field on a collection filter reads as "some element matches".
      ok = list.some((item) => matchesFilter(item, { [key]: cond }, elementFilterOf(type)));
    }
    if (!ok) return false;
  }
  return true;
}

/** The element filter of a collection filter is the type of its `some` field. */
function elementFilterOf(type: GraphQLInputObjectType): GraphQLInputObjectType {
  const some = type.getFields().some;
  const named = some ? getNamedType(some.type) : undefined;
  if (!named || !isInputObjectType(named)) {
    // Collection filters without `some` carry the element fields themselves.
    return type;
  }
  return named;
}

/** Whether `entity` satisfies `filter`, an input value of the input object type `type`. */
export function matchesFilter(entity: Entity, filter: Record<string, unknown> | null | undefined, type: GraphQLInputObjectType): boolean {
  if (!filter) return true;
  if (entity === null || entity === undefined) {
    // Only `{ null: true }` (alone or with other nullable checks) matches a missing relation.
    return filter.null === true;
  }
  for (const [key, cond] of Object.entries(filter)) {
    if (cond === undefined || cond === null) continue;
    const field = type.getFields()[key];
    if (!field) unsupported(`${type.name}.${key}`);
    const fieldType = getNamedType(field.type);
    let ok: boolean;
    if (key === 'and') ok = (cond as Record<string, unknown>[]).every((f) => matchesFilter(entity, f, type));
    else if (key === 'or') ok = (cond as Record<string, unknown>[]).some((f) => matchesFilter(entity, f, type));
    else if (key === 'null') ok = cond === false;
    else if (fieldType.name.endsWith('Comparator') && isInputObjectType(fieldType)) {
      ok = compare(entity[key], cond as Record<string, unknown>, fieldType.name);
    } else if (fieldType.name.endsWith('CollectionFilter') && isInputObjectType(fieldType)) {
      ok = matchesCollection(entity[key], cond as Record<string, unknown>, fieldType);
    } else if (isInputObjectType(fieldType)) {
      ok = matchesFilter(entity[key] as Entity, cond as Record<string, unknown>, fieldType);
    } else {
      unsupported(`${type.name}.${key} of type ${fieldType.name}`);
    }
    if (!ok) return false;
  }
  return true;
}
