/**
 * What activities share inside one worker process: the worker's config file and its store (last
 * good config kept on a broken edit), tracker adapters (reused across calls so connections and
 * ETag caches survive), the Temporal client, the logger and this host's task queue.
 *
 * Each worker serves one deployment from its own copy of the config file: the path never travels
 * through workflows, so workers on different hosts may keep the file in different places.
 */
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { ConfigStore } from '../config/store.js';
import type { BatonConfig, TrackerConfig } from '../config/schema.js';
import { createTracker, trackerProfiles } from '../adapters/trackers/index.js';
import type { TrackerAdapter } from '../adapters/trackers/types.js';
import type { Logger } from '../base/logger.js';

export interface BatonRuntimeOptions {
  /** The deployment's config file as this worker sees it. */
  configPath: string;
  /** A client on the worker's own connection, so workflow starts can be eager. */
  client: Client;
  logger: Logger;
  /** This worker's own task queue for workspace-bound activities. */
  hostQueue: string;
  env?: NodeJS.ProcessEnv;
  /** Least time between two progress signals from a running agent to its issue workflow. */
  progressIntervalMs?: number;
  /** Whether `client` shares a connection with a worker of the deployment's task queue. */
  eagerStart?: boolean;
}

export class BatonRuntime {
  readonly configPath: string;
  readonly client: Client;
  readonly logger: Logger;
  readonly hostQueue: string;
  readonly env: NodeJS.ProcessEnv;
  readonly progressIntervalMs: number;
  /** Start issue workflows eagerly: their first task comes back with the start response. */
  readonly eagerStart: boolean;
  private readonly stores = new Map<string, ConfigStore>();
  private readonly trackers = new Map<string, { key: string; adapter: Promise<TrackerAdapter> }>();

  constructor(options: BatonRuntimeOptions) {
    this.configPath = options.configPath;
    this.client = options.client;
    this.logger = options.logger;
    this.hostQueue = options.hostQueue;
    this.env = options.env ?? process.env;
    // Each progress signal costs the issue workflow ~4 history events; heartbeats carry the live view.
    this.progressIntervalMs = options.progressIntervalMs ?? 15_000;
    this.eagerStart = options.eagerStart ?? false;
  }

  /** The store for a config file; throws ConfigError when the file has never been valid. */
  store(configPath: string = this.configPath): ConfigStore {
    let store = this.stores.get(configPath);
    if (!store) {
      store = new ConfigStore(configPath, { env: this.env, logger: this.logger, trackerProfiles });
      this.stores.set(configPath, store);
    }
    return store;
  }

  /** The last good config (a broken edit keeps it); throws when the file has never been valid. */
  config(configPath: string = this.configPath): { config: BatonConfig; hash: string } {
    const snap = this.store(configPath).current();
    return { config: snap.config, hash: snap.hash };
  }

  trackerConfig(config: BatonConfig, name: string): TrackerConfig {
    const tc = config.trackers.find((t) => t.name === name);
    if (!tc) {
      throw new BatonError(ErrorCategory.invalidConfig, `tracker \`${name}\` is not in ${config.source}; it was removed or renamed`, {
        retryable: false,
      });
    }
    return tc;
  }

  /** The adapter for a tracker, rebuilt only when that tracker's configuration changed. */
  async tracker(name: string, configPath: string = this.configPath): Promise<TrackerAdapter> {
    const { config } = this.config(configPath);
    const tc = this.trackerConfig(config, name);
    const key = createHash('sha256').update(JSON.stringify(tc)).digest('hex');
    const cacheKey = `${configPath}\u0000${name}`;
    const cached = this.trackers.get(cacheKey);
    if (cached && cached.key === key) return cached.adapter;
    if (cached) void cached.adapter.then((a) => a.close?.()).catch(() => undefined);
    const adapter = createTracker(tc, { logger: this.logger.child({ tracker: name }), env: this.env });
    adapter.catch(() => this.trackers.delete(cacheKey));
    this.trackers.set(cacheKey, { key, adapter });
    return adapter;
  }

  /** Every secret env name of every tracker: never passed to hooks or agents. */
  secretEnvNames(config: BatonConfig): string[] {
    return [...new Set(config.trackers.flatMap((t) => t.secret_env))];
  }

  /** Aborted when this worker starts to stop: long waits (the idle watch) end at once. */
  private readonly stopping = new AbortController();

  /** The worker is stopping: activities that only wait return now, not after the grace time. */
  beginStop(): void {
    this.stopping.abort();
  }

  /**
   * Wait `ms`; false instead when `signal` aborts (a cancelled activity) or the worker begins to
   * stop first.
   */
  pause(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.stopping.signal.aborted || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (waited: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        this.stopping.signal.removeEventListener('abort', abort);
        resolve(waited);
      };
      const abort = () => done(false);
      const timer = setTimeout(() => done(true), Math.max(0, ms));
      signal.addEventListener('abort', abort, { once: true });
      this.stopping.signal.addEventListener('abort', abort, { once: true });
    });
  }

  async close(): Promise<void> {
    for (const { adapter } of this.trackers.values()) {
      await adapter.then((a) => a.close?.()).catch(() => undefined);
    }
    this.trackers.clear();
    for (const store of this.stores.values()) store.stop();
  }
}
