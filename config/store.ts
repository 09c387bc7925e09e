/**
 * Live reload with last-known-good (SPEC §6.2): the store re-reads the config when any file it was
 * built from changes (stamp = mtime, size and content hash), keeps serving the last good config
 * when an edit is invalid, and exposes the error so operators can see it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ErrorCategory } from '../core/errors.js';
import { silentLogger, type Logger } from '../base/logger.js';
import { configHash } from './config-hash.js';
import { ConfigError, formatDiagnostic, Severity, type Diagnostic } from './diagnostics.js';
import { loadConfig, type LoadOptions, type LoadResult } from './load.js';
import type { BatonConfig } from './schema.js';

/** What the store serves: the last good config and, when the file on disk is broken, why. */
export interface ConfigSnapshot {
  config: BatonConfig;
  /** `configHash(config)`. */
  hash: string;
  warnings: Diagnostic[];
  /** The error of the latest reload when the files on disk are invalid; null when they match `config`. */
  lastError: ConfigError | null;
  /** 1 after the first load; +1 on every successful reload that changed the config. */
  version: number;
  /** When `config` was loaded. */
  loadedAt: Date;
}

/** Options of a `ConfigStore`: load options plus where to report reloads. */
export interface ConfigStoreOptions extends LoadOptions {
  logger?: Logger;
  /** Called after a reload that changed the effective config. */
  onReload?: (snapshot: ConfigSnapshot) => void;
  /** Called once per broken edit (not again until the files change). */
  onError?: (error: ConfigError, snapshot: ConfigSnapshot) => void;
}

/** mtime, size and content hash of every file; a missing file stamps as missing. */
function stampOf(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const st = statSync(file);
        const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
        return `${file}|${st.mtimeMs}|${st.size}|${digest}`;
      } catch {
        return `${file}|missing`;
      }
    })
    .join('\n');
}

function asConfigError(err: unknown, file: string): ConfigError {
  if (err instanceof ConfigError) return err;
  return new ConfigError([
    {
      severity: Severity.error,
      category: ErrorCategory.invalidConfig,
      file,
      path: '',
      message: `config could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
      hint: 'this is probably a bug in Baton; please report it',
    },
  ]);
}

/**
 * Holds the effective config of one file. The first load throws on an invalid file (startup must
 * fail, SPEC §6.3); later reloads never throw.
 */
export class ConfigStore {
  readonly path: string;
  private snapshot: ConfigSnapshot;
  private files: string[];
  private stamp: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly options: ConfigStoreOptions;
  private readonly logger: Logger;

  /** Loads `path` now; throws `ConfigError` when it is invalid. */
  constructor(path: string, options: ConfigStoreOptions) {
    this.path = path;
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    const result = loadConfig(path, options);
    this.files = result.files;
    this.stamp = stampOf(this.files);
    this.snapshot = this.snapshotOf(result, 1);
  }

  /** The current snapshot, after re-checking the files (cheap when nothing changed). */
  current(): ConfigSnapshot {
    const stamp = stampOf(this.files);
    if (stamp !== this.stamp) this.reload(stamp);
    return this.snapshot;
  }

  /** Re-reads the files now, changed or not. */
  reload(stamp = stampOf(this.files)): ConfigSnapshot {
    this.stamp = stamp;
    let result: LoadResult;
    try {
      result = loadConfig(this.path, this.options);
    } catch (err) {
      const error = asConfigError(err, this.path);
      this.snapshot = { ...this.snapshot, lastError: error };
      this.logger.error(
        { category: error.category, diagnostics: error.errors.map((d) => formatDiagnostic(d)) },
        'config reload failed; keeping the last known good configuration',
      );
      this.options.onError?.(error, this.snapshot);
      return this.snapshot;
    }
    // A fixed import list may have changed (a new prompt_file): watch what this load read.
    this.files = result.files;
    this.stamp = stampOf(this.files);
    const hash = configHash(result.config);
    if (hash === this.snapshot.hash) {
      this.snapshot = { ...this.snapshot, warnings: result.warnings, lastError: null };
      return this.snapshot;
    }
    this.snapshot = this.snapshotOf(result, this.snapshot.version + 1);
    this.logger.info({ hash, version: this.snapshot.version }, 'config reloaded');
    this.options.onReload?.(this.snapshot);
    return this.snapshot;
  }

  /** Checks the files every `intervalMs` (default 1000, as Symphony does) until `stop()`. */
  watch(intervalMs = 1000): this {
    this.stop();
    this.timer = setInterval(() => this.current(), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private snapshotOf(result: LoadResult, version: number): ConfigSnapshot {
    return {
      config: result.config,
      hash: configHash(result.config),
      warnings: result.warnings,
      lastError: null,
      version,
      loadedAt: new Date(),
    };
  }
}
