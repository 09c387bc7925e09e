/**
 * Turns zod issues into diagnostics that say what is allowed ("expected a positive integer, got
 * \"abc\"") and point at the node in the file.
 */
import type { z } from 'zod';
import { ErrorCategory } from '../core/errors.js';
import { Severity, dottedPath, type Diagnostic } from './diagnostics.js';
import { describeExpected, schemaAt } from './schema-walk.js';
import type { SourceMap } from './source-map.js';

type Path = (string | number)[];

/** The raw value at `path`, or undefined. */
export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const part of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

/** A short, quoted rendering of a value for messages. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

function isTrackerPath(path: Path): boolean {
  return path[0] === 'tracker' || path[0] === 'trackers';
}

interface Explained {
  message: string;
  hint: string;
  category?: ErrorCategory;
}

function explain(issue: z.core.$ZodIssue, path: Path, raw: unknown, root: z.core.$ZodType): Explained {
  const value = valueAt(raw, path);
  const key = String(path[path.length - 1] ?? 'value');
  const node = schemaAt(root, path, raw);
  const expected = node ? describeExpected(node) : 'a different value';
  const got = showValue(value);
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
    const kinds = (issue as { options?: unknown[] }).options?.map(String).join(', ') ?? '';
    return value === undefined
      ? { message: `is required: must be one of: ${kinds}`, hint: `add \`${key}: <one of ${kinds}>\``, category: ErrorCategory.unsupportedTrackerKind }
      : {
          message: `${got} is not a supported tracker kind; must be one of: ${kinds}`,
          hint: `set \`${key}\` to one of: ${kinds}`,
          category: ErrorCategory.unsupportedTrackerKind,
        };
  }
  if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
    return { message: `is required (${expected})`, hint: `add \`${key}:\` with ${expected}` };
  }
  switch (issue.code) {
    case 'invalid_type':
    case 'invalid_value':
    case 'invalid_union':
      return { message: `expected ${expected}, got ${got}`, hint: `set \`${key}\` to ${expected}` };
    case 'too_small':
    case 'too_big': {
      if (issue.origin === 'array') {
        const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        const bound = issue.code === 'too_small' ? 'at least' : 'at most';
        return { message: `must list ${bound} ${n} item${n === 1 ? '' : 's'}`, hint: `give \`${key}\` ${bound} ${n} entr${n === 1 ? 'y' : 'ies'}` };
      }
      if (issue.origin === 'string') return { message: 'must not be blank', hint: `give \`${key}\` a non-blank value or remove it` };
      return { message: `expected ${expected}, got ${got}`, hint: `set \`${key}\` to ${expected}` };
    }
    case 'invalid_format': {
      const what = issue.format === 'regex' ? issue.message : `expected a ${issue.format === 'url' ? 'URL' : issue.format}`;
      return { message: `${what}, got ${got}`, hint: issue.format === 'regex' ? `rename it: ${issue.message}` : `set \`${key}\` to a valid ${issue.format}` };
    }
    default:
      return { message: `${issue.message}${value === undefined ? '' : `, got ${got}`}`, hint: `set \`${key}\` to ${expected}` };
  }
}

/** One diagnostic per zod issue, located in `map`; `sourcePath` maps a config path to its place in the file. */
export function zodDiagnostics(
  issues: readonly z.core.$ZodIssue[],
  options: {
    raw: unknown;
    schema: z.core.$ZodType;
    map: SourceMap;
    sourcePath?: (path: Path) => Path;
    /** The environment variable a value was read from, when it was not written in the file. */
    origin?: (path: Path) => string | undefined;
  },
): Diagnostic[] {
  return issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const explained = explain(issue, path, options.raw, options.schema);
    const envName = options.origin?.(path);
    const { message, hint, category } = envName
      ? { ...explained, message: `${explained.message} (read from ${envName})`, hint: `fix ${envName} in Baton's environment, or ${explained.hint}` }
      : explained;
    const where = options.sourcePath ? options.sourcePath(path) : path;
    const pos = options.map.locate(where);
    return {
      severity: Severity.error,
      category: category ?? (isTrackerPath(path) ? ErrorCategory.invalidTrackerConfig : ErrorCategory.invalidConfig),
      file: options.map.file,
      line: pos.line,
      column: pos.column,
      path: dottedPath(where),
      message,
      hint,
    };
  });
}
