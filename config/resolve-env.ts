/**
 * `$VAR` and `~` rules (SPEC §6.1, §15.3). The environment is read only where a value says `$NAME`
 * or an adapter profile documents a fallback variable for an omitted key; nothing else is expanded
 * (shell commands and hook scripts reach the shell untouched).
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

/** What an environment variable name must look like to be referenced as `$NAME`. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The environment the loader reads (`process.env` or a test double). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A value of the form `$NAME` or `${NAME}`: the name, and whether it is a legal variable name. */
export interface EnvReference {
  name: string;
  valid: boolean;
}

/** The reference a value makes, or null when it is a literal (does not start with `$`). */
export function parseEnvReference(value: string): EnvReference | null {
  if (!value.startsWith('$')) return null;
  const braced = /^\$\{(.*)\}$/.exec(value);
  const name = braced ? braced[1]! : value.slice(1);
  return { name, valid: ENV_NAME.test(name) };
}

/** Outcome of resolving one secret. `value` is absent when the secret is missing. */
export interface SecretResolution {
  value?: string;
  /** Every variable name involved (the reference and the documented fallback). */
  envNames: string[];
  /** Where the value came from. */
  source: 'literal' | 'reference' | 'fallback' | 'missing';
  /** Set when the value looked like `$…` but is not a legal variable name. */
  invalidReference?: string;
}

/**
 * Resolves a secret per SPEC §6.1: `$NAME` reads NAME (unset → the fallback variable, set but empty
 * → missing); an omitted value reads the fallback; an empty string is missing; anything else is a
 * literal.
 */
export function resolveSecret(value: string | undefined, fallbackEnv: string | undefined, env: Env): SecretResolution {
  const envNames = fallbackEnv ? [fallbackEnv] : [];
  const fromFallback = (): SecretResolution => {
    const v = fallbackEnv ? env[fallbackEnv] : undefined;
    return v ? { value: v, envNames, source: 'fallback' } : { envNames, source: 'missing' };
  };
  if (value === undefined) return fromFallback();
  const ref = parseEnvReference(value);
  if (!ref) return value === '' ? { envNames, source: 'missing' } : { value, envNames, source: 'literal' };
  if (!ref.valid) return { envNames, source: 'missing', invalidReference: ref.name };
  const names = ref.name === fallbackEnv ? envNames : [ref.name, ...envNames];
  const v = env[ref.name];
  if (v === undefined) return { ...fromFallback(), envNames: names };
  return v === '' ? { envNames: names, source: 'missing' } : { value: v, envNames: names, source: 'reference' };
}

/** Outcome of expanding one path value. */
export interface PathExpansion {
  /** The absolute path, or undefined when a `$NAME` it names is unset or empty. */
  path?: string;
  /** The variable read, if any. */
  envName?: string;
  /** Set when the value looked like `$…` but is not a legal variable name. */
  invalidReference?: string;
}

/**
 * Expands a local filesystem path: a whole-value `$NAME` reads the environment, a leading `~`
 * becomes the home directory, and a relative path resolves against `baseDir` (the config file's
 * directory). Pure except for `homedir()` when `home` is not given.
 */
export function expandPath(value: string, options: { env: Env; baseDir: string; home?: string }): PathExpansion {
  let raw = value;
  let envName: string | undefined;
  const ref = parseEnvReference(value);
  if (ref) {
    if (!ref.valid) return { invalidReference: ref.name };
    envName = ref.name;
    const v = options.env[ref.name];
    if (!v) return { envName };
    raw = v;
  }
  const home = options.home ?? homedir();
  if (raw === '~') raw = home;
  else if (raw.startsWith('~/')) raw = home + raw.slice(1);
  const path = isAbsolute(raw) ? resolve(raw) : resolve(options.baseDir, raw);
  return envName ? { path, envName } : { path };
}
