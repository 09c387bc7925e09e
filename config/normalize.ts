/**
 * Normalization: a schema-valid document becomes the effective `BatonConfig` (absolute paths,
 * defaults applied, trackers and stages resolved). Problems go to the reporter; the caller decides
 * whether they are fatal.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCategory } from '../core/errors.js';
import type { BatonConfig, ParsedConfig } from './schema.js';
import { expandPath, type Env } from './resolve-env.js';
import type { Reporter } from './reporter.js';
import { resolveStages } from './stages.js';
import type { TrackerProfileRegistry } from './tracker-profiles.js';
import { normalizeTrackers } from './trackers.js';
import { resolveRepositories } from './repository.js';

/** Everything normalization needs besides the parsed document. */
export interface NormalizeContext {
  reporter: Reporter;
  env: Env;
  /** Absolute path of the config file. */
  file: string;
  baseDir: string;
  home?: string;
  flavor: 'baton' | 'symphony';
  body?: { text: string; line: number };
  /** Filled with every other file read (prompt files). */
  files: string[];
  trackerProfiles: TrackerProfileRegistry;
}

/** `<system temp>/baton_workspaces`: the workspace root when none is configured. */
export function defaultWorkspaceRoot(): string {
  return join(tmpdir(), 'baton_workspaces');
}

function workspaceRoot(value: string | undefined, ctx: NormalizeContext): string {
  if (value === undefined || value.trim() === '') return defaultWorkspaceRoot();
  const result = expandPath(value.trim(), ctx);
  if (result.path) return result.path;
  if (result.invalidReference !== undefined) {
    ctx.reporter.error(ErrorCategory.invalidConfig, ['workspace', 'root'], `\`$${result.invalidReference}\` is not a valid environment variable reference`, 'write `$NAME` where NAME matches ^[A-Za-z_][A-Za-z0-9_]*$');
  } else {
    ctx.reporter.warn(['workspace', 'root'], `environment variable ${result.envName} is not set (or is empty); using ${defaultWorkspaceRoot()}`, `set ${result.envName}, or remove \`workspace.root\` to use the default on purpose`);
  }
  return defaultWorkspaceRoot();
}

function dbFile(value: string, ctx: NormalizeContext): string {
  const result = expandPath(value, ctx);
  if (result.path) return result.path;
  ctx.reporter.error(
    ErrorCategory.invalidConfig,
    ['temporal', 'embedded', 'db_file'],
    result.envName ? `environment variable ${result.envName} is not set (or is empty)` : `\`${value}\` is not a valid environment variable reference`,
    'set the variable, or write the path itself',
  );
  return value;
}

/**
 * SPEC §5.3.5: keys compare trimmed and lower-cased; entries that are not positive integers are
 * dropped with a warning rather than failing the file.
 */
export function normalizeByState(map: Record<string, unknown>, reporter: Reporter): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(map)) {
    const path = ['agent', 'max_concurrent_agents_by_state', key];
    const state = key.trim().toLowerCase();
    const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (!state) {
      reporter.warn(path, 'a blank state name is ignored', 'name the state this limit applies to', { key: true });
    } else if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      reporter.warn(path, `ignored: expected a positive integer, got ${JSON.stringify(value)}`, 'use a whole number of agents, 1 or more');
    } else {
      out[state] = n;
    }
  }
  return out;
}

/** Builds the effective config from a schema-valid document. */
export function normalizeConfig(parsed: ParsedConfig, ctx: NormalizeContext): BatonConfig {
  const trackers = normalizeTrackers(parsed, ctx);
  const stages = resolveStages(parsed, trackers, ctx);
  const repository = resolveRepositories(parsed, trackers, stages.map((stage, i) => ({ stage, path: parsed.stages ? ['stages', i] : ['stages'] })), { ...ctx, codeHosts: ctx.trackerProfiles.codeHosts });
  const { tracker: _tracker, trackers: _trackers, stages: _stages, agent, workspace, temporal, repository: _repository, ...rest } = parsed;
  return {
    ...rest,
    source: ctx.file,
    base_dir: ctx.baseDir,
    flavor: ctx.flavor,
    temporal: { ...temporal, embedded: { ...temporal.embedded, db_file: dbFile(temporal.embedded.db_file, ctx) } },
    trackers: trackers.map((t) => t.config),
    stages,
    agent: { ...agent, max_concurrent_agents_by_state: normalizeByState(agent.max_concurrent_agents_by_state, ctx.reporter) },
    workspace: { root: workspaceRoot(workspace.root, ctx) },
    repository,
  };
}
