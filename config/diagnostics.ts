/**
 * Diagnostics: what the config layer reports about a file, each pinned to a file, line and column
 * and phrased as "what is wrong" plus "how to fix it". `ConfigError` carries every error of one load.
 */
import { BatonError, ErrorCategory } from '../core/errors.js';

/** Severity of a diagnostic: errors stop the load, warnings do not. */
export const Severity = { error: 'error', warning: 'warning' } as const;
/** `error` or `warning`. */
export type Severity = (typeof Severity)[keyof typeof Severity];

/** One finding about a config file. */
export interface Diagnostic {
  severity: Severity;
  /** Error category (for errors; warnings use `invalid_config`). */
  category: ErrorCategory;
  /** Absolute path of the file the finding is in (the config file or a prompt file). */
  file: string;
  /** 1-based line; absent when the finding is about the file as a whole (it is missing, say). */
  line?: number;
  /** 1-based column; absent together with `line`. */
  column?: number;
  /** Dotted key path in the source file, for example `stages[1].gate.on_reject`; empty for the file. */
  path: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  hint?: string;
}

/** A load that failed: every error (and the warnings found along the way) of one file. */
export class ConfigError extends BatonError {
  readonly diagnostics: Diagnostic[];

  constructor(found: Diagnostic[]) {
    const diagnostics = sortDiagnostics(found);
    const errors = diagnostics.filter((d) => d.severity === Severity.error);
    const first = errors[0] ?? diagnostics[0];
    const category = first?.category ?? ErrorCategory.invalidConfig;
    const head = first ? formatDiagnostic(first, { hint: false }) : 'invalid configuration';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''}; run \`baton validate\` to list them)` : '';
    super(category, `${head}${more}`, { retryable: false, details: { diagnostics } });
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }

  /** Only the errors, in the order they were found. */
  get errors(): Diagnostic[] {
    return this.diagnostics.filter((d) => d.severity === Severity.error);
  }
}

/** Type guard for `ConfigError`. */
export function isConfigError(value: unknown): value is ConfigError {
  return value instanceof ConfigError;
}

/** Renders a path array as `stages[1].gate.on_reject`. */
export function dottedPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/**
 * `file:line:col: error: path: message`, then an indented `fix: hint` line: the compiler-style form
 * editors and terminals turn into links.
 */
export function formatDiagnostic(d: Diagnostic, options: { hint?: boolean } = {}): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`;
  const key = d.path ? `${d.path}: ` : '';
  const head = `${where}: ${d.severity}: ${key}${d.message}`;
  return options.hint !== false && d.hint ? `${head}\n  fix: ${d.hint}` : head;
}

/** Plain Levenshtein distance: small inputs only (config keys). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The known key closest to `key`, when it is close enough to be a likely typo. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(key.length, best.key.length) / 3));
  return best.distance <= limit ? best.key : undefined;
}

/** Errors first, then by file, line and column: the order a person fixes them in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (d.severity === Severity.error ? 0 : 1);
  return [...diagnostics].sort(
    (a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}
