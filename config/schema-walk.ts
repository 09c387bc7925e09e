/**
 * Walks the zod schema next to the raw YAML value: finds keys the schema does not know (warnings,
 * with a "did you mean" suggestion), accepts integers written as strings (as Symphony does), and
 * describes what a schema node accepts so messages can say what is allowed.
 */
import { z } from 'zod';
import { suggestKey } from './diagnostics.js';

type Schema = z.core.$ZodType;
type Path = (string | number)[];

interface Def {
  type: string;
  innerType?: Schema;
  element?: Schema;
  options?: Schema[];
  discriminator?: string;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  valueType?: Schema;
  values?: unknown[];
  entries?: Record<string, unknown>;
  checks?: { _zod: { def: { check: string; value?: unknown; inclusive?: boolean; format?: string; minimum?: number } } }[];
  in?: Schema;
}

function def(schema: Schema): Def {
  return schema._zod.def as unknown as Def;
}

const WRAPPERS = new Set(['default', 'optional', 'nullable', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schema under defaults, optionals and nullables. */
export function unwrap(schema: Schema): Schema {
  let s = schema;
  for (let d = def(s); ; d = def(s)) {
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object variant of a (discriminated) union that applies to `value`, if one does. */
function pickVariant(schema: Schema, value: unknown): Schema | undefined {
  const d = def(schema);
  const options = (d.options ?? []).map(unwrap);
  if (d.discriminator) {
    if (!isPlainObject(value)) return undefined;
    const tag = value[d.discriminator];
    return options.find((o) => {
      const lit = def(o).shape?.[d.discriminator!];
      return lit !== undefined && (def(unwrap(lit)).values ?? []).includes(tag);
    });
  }
  if (isPlainObject(value)) return options.find((o) => def(o).type === 'object');
  if (Array.isArray(value)) return options.find((o) => def(o).type === 'array');
  return undefined;
}

/** The schema node at `path` (choosing union variants by the raw value), or undefined. */
export function schemaAt(root: Schema, path: readonly (string | number)[], raw: unknown): Schema | undefined {
  let schema: Schema | undefined = unwrap(root);
  let value = raw;
  for (const part of path) {
    if (!schema) return undefined;
    let d = def(schema);
    if (d.type === 'union') {
      schema = pickVariant(schema, value);
      if (!schema) return undefined;
      d = def(schema);
    }
    if (d.type === 'object') schema = d.shape?.[String(part)] ?? (d.catchall && def(d.catchall).type !== 'never' ? d.catchall : undefined);
    else if (d.type === 'array') schema = d.element;
    else if (d.type === 'record') schema = d.valueType;
    else return undefined;
    value = isPlainObject(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[part] : undefined;
    schema = schema ? unwrap(schema) : undefined;
  }
  return schema;
}

function describeNumber(d: Def): string {
  const checks = (d.checks ?? []).map((c) => c._zod.def);
  const integer = checks.some((c) => c.check === 'number_format' && /int/.test(c.format ?? ''));
  const noun = integer ? 'integer' : 'number';
  const lower = checks.find((c) => c.check === 'greater_than');
  if (lower && lower.value === 0) return lower.inclusive ? `a non-negative ${noun} (0 or more)` : `a positive ${noun}`;
  if (lower) return `an ${noun} ${lower.inclusive ? '>=' : '>'} ${String(lower.value)}`;
  return integer ? 'an integer' : 'a number';
}

/** Human words for what a schema node accepts: "a positive integer", "one of: a, b", "a list of strings". */
export function describeExpected(schema: Schema): string {
  const d = def(unwrap(schema));
  switch (d.type) {
    case 'number':
      return describeNumber(d);
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of: ${Object.values(d.entries ?? {}).join(', ')}`;
    case 'literal':
      return `one of: ${(d.values ?? []).map(String).join(', ')}`;
    case 'array':
      return d.element ? `a list of ${plural(describeExpected(d.element))}` : 'a list';
    case 'object':
    case 'record':
      return 'a map of keys to values';
    case 'union': {
      const parts = (d.options ?? []).map(describeExpected);
      return parts.join(' or ');
    }
    case 'null':
      return 'null';
    default:
      return 'a value';
  }
}

function plural(description: string): string {
  return description
    .replace(/^an? /, '')
    .replace(/^(positive |non-negative )?(integer|number|string)/, '$1$2s')
    .replace(/^map of/, 'maps of')
    .replace(/^list of/, 'lists of');
}

/** An unknown key found by `walkUnknownKeys`. */
export interface UnknownKey {
  /** Path of the key itself (the last element is the key). */
  path: Path;
  /** The key the author probably meant, if one is close. */
  suggestion?: string;
  /** Every key allowed at that place. */
  known: string[];
}

/**
 * Walks `value` next to `schema`: reports keys the schema does not declare (also under loose
 * objects such as `tracker.provider`, which keep them) and, in place, turns integer strings into
 * numbers where a number is expected ("45000" → 45000, like Symphony's typed casting).
 */
export function walkUnknownKeys(schema: Schema, value: unknown, path: Path = [], found: UnknownKey[] = []): UnknownKey[] {
  const s = unwrap(schema);
  const d = def(s);
  if (d.type === 'union') {
    const variant = pickVariant(s, value);
    if (variant) walkUnknownKeys(variant, value, path, found);
    return found;
  }
  if (d.type === 'object' && isPlainObject(value)) {
    const shape = d.shape ?? {};
    const known = Object.keys(shape);
    for (const key of Object.keys(value)) {
      const childSchema = shape[key];
      if (childSchema) {
        coerceIntegerString(childSchema, value, key);
        walkUnknownKeys(childSchema, value[key], [...path, key], found);
      } else {
        const suggestion = suggestKey(key, known);
        found.push({ path: [...path, key], known, ...(suggestion ? { suggestion } : {}) });
      }
    }
  } else if (d.type === 'array' && Array.isArray(value) && d.element) {
    value.forEach((item, i) => {
      coerceIntegerString(d.element!, value, i);
      walkUnknownKeys(d.element!, item, [...path, i], found);
    });
  }
  return found;
}

function coerceIntegerString(schema: Schema, holder: Record<string | number, unknown> | unknown[], key: string | number): void {
  const v = (holder as Record<string | number, unknown>)[key];
  if (typeof v !== 'string' || !/^\s*-?\d+\s*$/.test(v)) return;
  if (def(unwrap(schema)).type !== 'number') return;
  (holder as Record<string | number, unknown>)[key] = Number(v.trim());
}
