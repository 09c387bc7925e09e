/**
 * Loads a `baton.yaml` or a Symphony `WORKFLOW.md` into the effective `BatonConfig`, or throws a
 * `ConfigError` listing every problem with its file, line and column (SPEC §5, §6.1).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ErrorCategory } from '../core/errors.js';
import { ConfigError, Severity, dottedPath, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { isMarkdownPath, splitFrontMatter } from './front-matter.js';
import { normalizeConfig } from './normalize.js';
import type { Env } from './resolve-env.js';
import { Reporter } from './reporter.js';
import { batonConfigSchema, type BatonConfig, type BatonConfigSchema } from './schema.js';
import { walkUnknownKeys, type UnknownKey } from './schema-walk.js';
import { createSourceMap, type SourceMap } from './source-map.js';
import type { TrackerProfileRegistry } from './tracker-profiles.js';
import { mergeLegacyAliases, resolveEnvSettings } from './trackers.js';
import { zodDiagnostics } from './zod-diagnostics.js';

/** Options of `loadConfig`: the tracker kinds it knows, and the process it reads (default: this one). */
export interface LoadOptions {
  /**
   * Every tracker kind's profile, from the composition root (`trackerProfiles` of
   * adapters/trackers/index.ts): the config layer never imports adapters.
   */
  trackerProfiles: TrackerProfileRegistry;
  /** Environment for `$VAR` references and documented fallbacks (default: `process.env`). */
  env?: Env;
  /** Home directory for `~` (default: `os.homedir()`). */
  home?: string;
}

/** A successful load: the effective config and what is worth a look. */
export interface LoadResult {
  config: BatonConfig;
  /** Non-fatal findings: unknown keys (with suggestions), ignored values, literal secrets. */
  warnings: Diagnostic[];
  /** Every file the config was built from (the config file first, then prompt files). */
  files: string[];
}

/** Symphony keys Baton accepts but does not use, and why. */
const SYMPHONY_ONLY_KEYS: Record<string, string> = {
  worker: 'Symphony’s SSH workers are replaced by Baton workers on a shared Temporal task queue (`baton worker`)',
  observability: 'Symphony’s terminal dashboard is replaced by the Temporal Web UI, `baton status` and `server.port`',
};

function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([
      {
        severity: Severity.error,
        category: ErrorCategory.missingWorkflowFile,
        file,
        path: '',
        message: code === 'ENOENT' ? 'config file not found' : `cannot read the config file (${code})`,
        hint: 'pass the path of a baton.yaml or WORKFLOW.md, or run Baton in the directory that holds one',
      },
    ]);
  }
}

function parseDiagnostics(doc: Document, file: string, firstLine: number): Diagnostic[] {
  return doc.errors.map((err) => {
    const pos = err.linePos?.[0];
    const message = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    return {
      severity: Severity.error,
      category: ErrorCategory.workflowParseError,
      file,
      ...(pos ? { line: pos.line + firstLine - 1, column: pos.col } : {}),
      path: '',
      message: `invalid YAML: ${message}`,
      hint: err.code === 'DUPLICATE_KEY' ? 'remove or rename one of the duplicate keys' : 'fix the YAML syntax here (indentation, quoting, a missing `:` or closing bracket)',
    };
  });
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Like Symphony, a key with an empty value (`root:`) means "use the default": drop nulls in maps. */
function dropNulls(value: unknown): void {
  if (Array.isArray(value)) value.forEach(dropNulls);
  else if (isPlainMap(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (child === null) delete value[key];
      else dropNulls(child);
    }
  }
}

function reportUnknownKeys(schema: BatonConfigSchema, raw: Record<string, unknown>, reporter: Reporter): UnknownKey[] {
  const found = walkUnknownKeys(schema, raw);
  for (const unknown of found) {
    const key = String(unknown.path[unknown.path.length - 1]);
    const symphonyNote = unknown.path.length === 1 ? SYMPHONY_ONLY_KEYS[key] : undefined;
    if (symphonyNote) {
      reporter.warn(unknown.path, `is not used by Baton: ${symphonyNote}`, `remove \`${key}\` when this file no longer needs to run on Symphony`, { key: true });
      continue;
    }
    reporter.warn(
      unknown.path,
      `unknown key \`${key}\`${unknown.suggestion ? `: did you mean \`${unknown.suggestion}\`?` : ''}`,
      unknown.suggestion ? `rename it to \`${unknown.suggestion}\`` : `remove it; keys allowed here: ${unknown.known.join(', ')}`,
      { key: true },
    );
  }
  return found;
}

/**
 * A required key reported missing next to an unknown key that looks like its typo: point at the
 * typo and say to rename it, which is the actual fix.
 */
function pointAtTypos(errors: Diagnostic[], unknowns: UnknownKey[], map: SourceMap): Diagnostic[] {
  const typos = new Map<string, UnknownKey>();
  for (const u of unknowns) if (u.suggestion) typos.set(dottedPath([...u.path.slice(0, -1), u.suggestion]), u);
  return errors.map((d) => {
    const typo = typos.get(d.path);
    if (!typo || !d.message.startsWith('is required')) return d;
    const pos = map.locate(typo.path, { key: true });
    const written = String(typo.path[typo.path.length - 1]);
    return { ...d, ...pos, message: `${d.message}; \`${written}\` looks like a misspelling of it`, hint: `rename \`${written}\` to \`${typo.suggestion}\`` };
  });
}

/**
 * Reads, validates and normalizes one config file. A `.md` file is a Symphony WORKFLOW.md (front
 * matter + prompt body); anything else is plain YAML. Synchronous, so reload checks stay cheap.
 * Throws `ConfigError` (a BatonError) holding every diagnostic when the file cannot be used.
 */
export function loadConfig(path: string, options: LoadOptions): LoadResult {
  const file = resolve(path);
  const baseDir = dirname(file);
  const env = options.env ?? process.env;
  const text = readSource(file);
  const markdown = isMarkdownPath(file);
  const split = markdown ? splitFrontMatter(text) : undefined;
  const yamlText = split ? (split.frontMatter ?? '') : text;
  const firstLine = split?.frontMatterLine ?? 1;

  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(parseDiagnostics(doc, file, firstLine));
  const map: SourceMap = createSourceMap(file, doc, lineCounter, firstLine);
  const reporter = new Reporter(map);

  const raw: unknown = doc.toJS() ?? {};
  if (!isPlainMap(raw)) {
    const what = Array.isArray(raw) ? 'a list' : `a single value (${JSON.stringify(raw)})`;
    reporter.error(
      ErrorCategory.frontMatterNotAMap,
      [],
      `the ${markdown ? 'front matter' : 'file'} must be a map of keys (\`tracker:\`, \`polling:\`, …), but it is ${what}`,
      'write `key: value` lines at the top level',
    );
    throw new ConfigError(reporter.diagnostics);
  }

  const schema = batonConfigSchema(options.trackerProfiles);
  const unknowns = reportUnknownKeys(schema, raw, reporter);
  dropNulls(raw);
  const moved = mergeLegacyAliases(raw, reporter, options.trackerProfiles);
  const fromEnv = resolveEnvSettings(raw, reporter, options.trackerProfiles, env);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors = zodDiagnostics(parsed.error.issues, {
      raw,
      schema,
      map,
      sourcePath: (p) => fromEnv.get(JSON.stringify(p))?.at ?? moved.get(JSON.stringify(p)) ?? p,
      origin: (p) => fromEnv.get(JSON.stringify(p))?.env,
    });
    throw new ConfigError([...pointAtTypos(errors, unknowns, map), ...reporter.diagnostics]);
  }

  const files = [file];
  const flavor = markdown && parsed.data.stages === undefined ? 'symphony' : 'baton';
  const body = split ? { text: split.body, line: split.bodyLine } : undefined;
  const config = normalizeConfig(parsed.data, { reporter, env, file, baseDir, home: options.home, flavor, body, files, trackerProfiles: options.trackerProfiles });
  if (reporter.hasErrors) throw new ConfigError(reporter.diagnostics);
  return { config, warnings: sortDiagnostics(reporter.warnings), files };
}
