/**
 * What activities share inside one worker process: the config store per config file (last good
 * config kept on a broken edit), tracker adapters (reused across calls so connections and ETag
 * caches survive), the Temporal client, the logger and this host's task queue.
 */
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { ConfigStore } from '../config/store.js';
import type { BatonConfig, TrackerConfig } from '../config/schema.js';
import { createTracker } from '../adapters/trackers/index.js';
import type { TrackerAdapter } from '../adapters/trackers/types.js';
import type { Logger } from '../runtime/logger.js';

export interface BatonRuntimeOptions {
  client: Client;
  logger: Logger;
  /** This worker's own task queue for workspace-bound activities. */
  hostQueue: string;
  env?: NodeJS.ProcessEnv;
  /** Least time between two progress signals from a running agent to its issue workflow. */
  progressIntervalMs?: number;
}

export class BatonRuntime {
  readonly client: Client;
  readonly logger: Logger;
  readonly hostQueue: string;
  readonly env: NodeJS.ProcessEnv;
  readonly progressIntervalMs: number;
  private readonly stores = new Map<string, ConfigStore>();
  private readonly trackers = new Map<string, { key: string; adapter: Promise<TrackerAdapter> }>();

  constructor(options: BatonRuntimeOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.hostQueue = options.hostQueue;
    this.env = options.env ?? process.env;
    // Each progress signal costs the issue workflow ~4 history events; heartbeats carry the live view.
    this.progressIntervalMs = options.progressIntervalMs ?? 15_000;
  }

  /** The store for a config file; throws ConfigError when the file has never been valid. */
  store(configPath: string): ConfigStore {
    let store = this.stores.get(configPath);
    if (!store) {
      store = new ConfigStore(configPath, { env: this.env, logger: this.logger });
      this.stores.set(configPath, store);
    }
    return store;
  }

  /** The last good config (a broken edit keeps it); throws when the file has never been valid. */
  config(configPath: string): { config: BatonConfig; hash: string } {
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
  async tracker(configPath: string, name: string): Promise<TrackerAdapter> {
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

  async close(): Promise<void> {
    for (const { adapter } of this.trackers.values()) {
      await adapter.then((a) => a.close?.()).catch(() => undefined);
    }
    this.trackers.clear();
    for (const store of this.stores.values()) store.stop();
  }
}
