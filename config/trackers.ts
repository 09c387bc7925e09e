/**
 * Tracker normalization: Symphony's singular `tracker` and Baton's `trackers` become one list of
 * named trackers with provider secrets resolved from the environment (in-process only), path keys
 * expanded, labels normalized and state lists defaulted from the adapter profile (which comes from
 * the registry the caller passes in: this layer never imports adapters).
 */
import { ErrorCategory } from '../core/errors.js';
import { normalizeState } from '../core/issue.js';
import type { ParsedConfig, TrackerConfig } from './schema.js';
import type { TrackerEnvSetting, TrackerProfile, TrackerProfileRegistry, TrackerSecret } from './tracker-profiles.js';
import { expandPath, parseEnvReference, resolveSecret, type Env } from './resolve-env.js';
import type { Reporter } from './reporter.js';

type Path = (string | number)[];
type ParsedTracker = NonNullable<ParsedConfig['tracker']>;

/** Symphony's legacy flat Linear keys, merged put-if-absent into `provider`. */
export const LEGACY_PROVIDER_ALIASES = ['endpoint', 'api_key', 'project_slug', 'assignee'] as const;

/** A normalized tracker plus where it came from, for later cross-checks. */
export interface TrackerDraft {
  config: TrackerConfig;
  /** Source path: `['tracker']` or `['trackers', i]`. */
  path: Path;
  /** Whether `active_states` was written in the file (not defaulted). */
  activeExplicit: boolean;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The raw tracker maps of a document with their source paths. */
export function rawTrackers(raw: Record<string, unknown>): { path: Path; value: Record<string, unknown> }[] {
  const out: { path: Path; value: Record<string, unknown> }[] = [];
  if (isMap(raw.tracker)) out.push({ path: ['tracker'], value: raw.tracker });
  if (Array.isArray(raw.trackers)) {
    raw.trackers.forEach((t, i) => {
      if (isMap(t)) out.push({ path: ['trackers', i], value: t });
    });
  }
  return out;
}

/**
 * Moves legacy flat aliases (`tracker.api_key`, …) into `tracker.provider` when the provider does
 * not set them (provider wins), before schema validation so the adapter schema sees them. Returns
 * a map from the provider path to the alias's own path, for locating diagnostics.
 */
export function mergeLegacyAliases(raw: Record<string, unknown>, reporter: Reporter, profiles: TrackerProfileRegistry): Map<string, Path> {
  const moved = new Map<string, Path>();
  for (const { path, value } of rawTrackers(raw)) {
    const profile = typeof value.kind === 'string' ? profiles.get(value.kind) : undefined;
    if (!profile) continue;
    const known = Object.keys(profile.providerSchema.shape);
    for (const alias of LEGACY_PROVIDER_ALIASES) {
      if (value[alias] === undefined) continue;
      if (!known.includes(alias)) {
        reporter.warn([...path, alias], `is a legacy Linear alias; a \`${profile.kind}\` tracker has no \`provider.${alias}\`, so it is ignored`, `remove \`${alias}\``, { key: true });
        continue;
      }
      if (value.provider === undefined || value.provider === null) value.provider = {};
      if (!isMap(value.provider)) continue;
      if (value.provider[alias] === undefined) {
        value.provider[alias] = value[alias];
        moved.set(JSON.stringify([...path, 'provider', alias]), [...path, alias]);
      }
    }
  }
  return moved;
}

/** A provider value Baton took from the environment: where to point a diagnostic, and which variable. */
export interface EnvFilled {
  at: Path;
  env: string;
}

/** Why a required environment setting is missing, and the fix (the value is no secret: writing it is fine). */
function missingSettingText(setting: TrackerEnvSetting, written: string | undefined, env: Env): { message: string; hint: string } {
  const ref = written === undefined ? null : parseEnvReference(written);
  if (ref && env[ref.name] === '') return { message: `environment variable ${ref.name} is set but empty`, hint: `set ${ref.name}, or write the value itself` };
  if (ref) {
    const also = setting.env !== ref.name ? `, nor is the fallback ${setting.env}` : '';
    return { message: `environment variable ${ref.name} is not set${also}`, hint: `set ${ref.name} in Baton's environment, or write the value itself` };
  }
  if (written === '') return { message: 'the value is empty', hint: `write \`${setting.key}:\` with a value, or remove it and set ${setting.env}` };
  return { message: `it is not written and ${setting.env} is not set (or is empty)`, hint: `add \`${setting.key}:\` under \`provider\`, or set ${setting.env} in Baton's environment` };
}

/**
 * Fills the non-secret provider keys a profile reads from the environment (Symphony's
 * `LINEAR_ASSIGNEE`, `JIRA_BASE_URL`, `GITHUB_REPO`), before schema validation so the schema checks
 * the value actually used. Same rules as secrets (SPEC §3.2). Returns, per filled provider path, where
 * a diagnostic about it belongs and which variable it came from.
 */
export function resolveEnvSettings(raw: Record<string, unknown>, reporter: Reporter, profiles: TrackerProfileRegistry, env: Env): Map<string, EnvFilled> {
  const filled = new Map<string, EnvFilled>();
  for (const { path, value } of rawTrackers(raw)) {
    const profile = typeof value.kind === 'string' ? profiles.get(value.kind) : undefined;
    if (!profile?.envSettings?.length) continue;
    if (value.provider === undefined || value.provider === null) value.provider = {};
    if (!isMap(value.provider)) continue;
    const provider = value.provider;
    for (const setting of profile.envSettings) {
      const written = provider[setting.key];
      if (written !== undefined && typeof written !== 'string') continue; // the schema reports the type
      const keyPath = [...path, 'provider', setting.key];
      const result = resolveSecret(written, setting.env, env);
      if (result.invalidReference !== undefined) {
        reporter.error(ErrorCategory.invalidTrackerConfig, keyPath, `\`$${result.invalidReference}\` is not a valid environment variable reference`, 'write `$NAME` where NAME matches ^[A-Za-z_][A-Za-z0-9_]*$');
        continue;
      }
      if (result.source === 'literal') continue;
      if (result.value !== undefined) {
        provider[setting.key] = result.value;
        const read = result.source === 'fallback' ? setting.env : (parseEnvReference(written ?? '')?.name ?? setting.env);
        filled.set(JSON.stringify(keyPath), { at: written === undefined ? path : keyPath, env: read });
        continue;
      }
      delete provider[setting.key];
      if (!setting.required) continue;
      const { message, hint } = missingSettingText(setting, written, env);
      const name = typeof value.name === 'string' ? value.name : String(value.kind);
      reporter.error(ErrorCategory.invalidTrackerConfig, written === undefined ? path : keyPath, `tracker \`${name}\` has no \`provider.${setting.key}\`: ${message}`, hint);
    }
  }
  return filled;
}

function dedupeStates(states: readonly string[]): string[] {
  const seen = new Set<string>();
  return states.filter((s) => {
    const key = normalizeState(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Trimmed, lower-cased, de-duplicated; a blank label is kept (it matches no issue, SPEC §5.3.1). */
function normalizeRequiredLabels(labels: readonly string[], path: Path, reporter: Reporter): string[] {
  const out = new Set<string>();
  labels.forEach((label, i) => {
    const norm = label.trim().toLowerCase();
    if (!norm) reporter.warn([...path, 'required_labels', i], 'a blank required label matches no issue, so nothing will dispatch', 'remove the blank entry');
    out.add(norm);
  });
  return [...out];
}

/** Why a required secret is missing, naming the variable to set (never a value). */
function missingSecretText(secret: TrackerSecret, value: string | undefined, env: Env): { message: string; hint: string } {
  const ref = value === undefined ? null : parseEnvReference(value);
  const fallback = secret.env;
  if (ref && env[ref.name] === '') {
    return { message: `environment variable ${ref.name} is set but empty`, hint: `set ${ref.name} to the secret in Baton's environment` };
  }
  if (ref) {
    return {
      message: `environment variable ${ref.name} is not set${fallback && fallback !== ref.name ? `, nor is the fallback ${fallback}` : ''}`,
      hint: `set ${ref.name} in Baton's environment`,
    };
  }
  const usual = fallback ? `$${fallback}` : '$NAME';
  if (value === '') return { message: `the value is empty${fallback ? ` (omitted, it would be read from ${fallback})` : ''}`, hint: `write \`${secret.key}: ${usual}\` and set that variable in Baton's environment` };
  if (fallback) {
    return { message: `environment variable ${fallback} is not set (or is empty)`, hint: `set ${fallback} in Baton's environment, or add \`${secret.key}: $NAME\` naming a variable that is set` };
  }
  return { message: 'it is required', hint: `add \`${secret.key}: $NAME\` and set NAME in Baton's environment` };
}

function resolveSecrets(provider: Record<string, unknown>, profile: TrackerProfile, name: string, path: Path, env: Env, reporter: Reporter): string[] {
  const envNames = new Set<string>();
  for (const secret of profile.secrets) {
    const written = provider[secret.key];
    const keyPath = [...path, 'provider', secret.key];
    const value = typeof written === 'string' ? written : undefined;
    const result = resolveSecret(value, secret.env, env);
    result.envNames.forEach((n) => envNames.add(n));
    if (result.invalidReference !== undefined) {
      reporter.error(
        ErrorCategory.invalidTrackerConfig,
        keyPath,
        `\`$${result.invalidReference}\` is not a valid environment variable reference`,
        'write `$NAME` where NAME matches ^[A-Za-z_][A-Za-z0-9_]*$',
      );
      continue;
    }
    if (result.source === 'literal') {
      reporter.warn(
        keyPath,
        'holds a literal secret; anyone who can read this file (including the agent, if it is in the repository) can read it',
        `write \`${secret.key}: $${secret.env ?? 'NAME'}\` and set that variable in Baton's environment`,
      );
    }
    if (result.value !== undefined) {
      provider[secret.key] = result.value;
      continue;
    }
    delete provider[secret.key];
    if (!secret.required) continue;
    const { message, hint } = missingSecretText(secret, value, env);
    reporter.error(ErrorCategory.missingTrackerSecret, value === undefined ? path : keyPath, `tracker \`${name}\` has no \`provider.${secret.key}\`: ${message}`, hint);
  }
  return [...envNames];
}

function expandPathKeys(provider: Record<string, unknown>, profile: TrackerProfile, path: Path, ctx: TrackerContext): void {
  for (const key of profile.pathKeys ?? []) {
    const value = provider[key];
    if (typeof value !== 'string') continue;
    const result = expandPath(value, ctx);
    if (result.path) provider[key] = result.path;
    else if (result.invalidReference !== undefined) {
      ctx.reporter.error(ErrorCategory.invalidTrackerConfig, [...path, 'provider', key], `\`$${result.invalidReference}\` is not a valid environment variable reference`, 'write `$NAME` where NAME matches ^[A-Za-z_][A-Za-z0-9_]*$');
    } else {
      ctx.reporter.error(ErrorCategory.invalidTrackerConfig, [...path, 'provider', key], `environment variable ${result.envName} is not set (or is empty)`, `set ${result.envName}, or write the path itself`);
    }
  }
}

/** What tracker normalization needs besides the parsed document. */
export interface TrackerContext {
  reporter: Reporter;
  env: Env;
  baseDir: string;
  home?: string;
  /** A symphony-flavored file takes its active states from the profile; a baton.yaml from its stages. */
  flavor: 'baton' | 'symphony';
  trackerProfiles: TrackerProfileRegistry;
}

/**
 * Normalizes the tracker(s) of a parsed document. Active states stay empty when the file omits
 * them in a baton.yaml: the caller fills them from the stages.
 */
export function normalizeTrackers(parsed: ParsedConfig, ctx: TrackerContext): TrackerDraft[] {
  const { reporter } = ctx;
  if (parsed.tracker && parsed.trackers) {
    reporter.error(ErrorCategory.invalidConfig, ['trackers'], 'both `tracker` and `trackers` are set', 'keep one: `tracker:` (one tracker, as in Symphony) or `trackers:` (a list)', { key: true });
    return [];
  }
  const list: { path: Path; tracker: ParsedTracker }[] = parsed.tracker
    ? [{ path: ['tracker'], tracker: parsed.tracker }]
    : (parsed.trackers ?? []).map((tracker, i) => ({ path: ['trackers', i], tracker }));
  if (list.length === 0) {
    reporter.error(ErrorCategory.invalidTrackerConfig, ['tracker'], 'no tracker is configured', `add \`tracker:\` with \`kind:\` (one of: ${ctx.trackerProfiles.kinds.join(', ')})`);
    return [];
  }
  const names = new Map<string, Path>();
  return list.map(({ path, tracker }) => {
    // The schema admitted only registered kinds.
    const profile = ctx.trackerProfiles.get(tracker.kind)!;
    const name = tracker.name ?? tracker.kind;
    if (names.has(name)) {
      reporter.error(ErrorCategory.invalidConfig, tracker.name ? [...path, 'name'] : path, `tracker name \`${name}\` is used twice`, 'give each tracker its own `name:` (it names workflows and statuses)');
    }
    names.set(name, path);
    const provider: Record<string, unknown> = { ...tracker.provider };
    const secret_env = resolveSecrets(provider, profile, name, path, ctx.env, reporter);
    expandPathKeys(provider, profile, path, ctx);
    const activeExplicit = tracker.active_states !== undefined;
    let active = tracker.active_states ?? (ctx.flavor === 'symphony' ? profile.defaultActiveStates : undefined);
    if (!active && ctx.flavor === 'symphony') {
      reporter.error(ErrorCategory.invalidTrackerConfig, path, `\`active_states\` is required: a \`${tracker.kind}\` tracker has no default`, 'list the tracker states Baton works on, e.g. `active_states: [Todo, In Progress]`');
    }
    const terminal = tracker.terminal_states ?? profile.defaultTerminalStates;
    if (!terminal) {
      reporter.error(ErrorCategory.invalidTrackerConfig, path, `\`terminal_states\` is required: a \`${tracker.kind}\` tracker has no default`, 'list the states that end an issue, e.g. `terminal_states: [Done, Cancelled]`');
    }
    active = active ?? [];
    return {
      path,
      activeExplicit,
      config: {
        name,
        kind: tracker.kind,
        provider,
        required_labels: normalizeRequiredLabels(tracker.required_labels, path, reporter),
        active_states: dedupeStates(active),
        terminal_states: dedupeStates(terminal ?? []),
        secret_env,
      },
    };
  });
}

export { dedupeStates };
