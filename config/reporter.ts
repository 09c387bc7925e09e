/**
 * Collects the diagnostics of one load, locating each by its key path in the source file.
 */
import { ErrorCategory } from '../core/errors.js';
import { Severity, dottedPath, type Diagnostic } from './diagnostics.js';
import type { SourceMap } from './source-map.js';

type Path = readonly (string | number)[];

/** Where a finding points when not at the value of its path. */
export interface ReportOptions {
  /** Point at the key rather than its value (unknown keys, duplicates). */
  key?: boolean;
  /** A position in another file (a prompt file), overriding the source map. */
  at?: { file: string; line?: number; column?: number };
}

/** The diagnostics of one load, each located through the source map. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly map: SourceMap) {}

  error(category: ErrorCategory, path: Path, message: string, hint?: string, options: ReportOptions = {}): void {
    this.add(Severity.error, category, path, message, hint, options);
  }

  warn(path: Path, message: string, hint?: string, options: ReportOptions = {}): void {
    this.add(Severity.warning, ErrorCategory.invalidConfig, path, message, hint, options);
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === Severity.error);
  }

  get warnings(): Diagnostic[] {
    return this.diagnostics.filter((d) => d.severity === Severity.warning);
  }

  private add(severity: Severity, category: ErrorCategory, path: Path, message: string, hint: string | undefined, options: ReportOptions): void {
    const pos = options.at ?? { file: this.map.file, ...this.map.locate(path, { key: options.key }) };
    this.diagnostics.push({
      severity,
      category,
      file: pos.file,
      ...(pos.line === undefined ? {} : { line: pos.line, column: pos.column ?? 1 }),
      path: dottedPath(path),
      message,
      ...(hint ? { hint } : {}),
    });
  }
}
