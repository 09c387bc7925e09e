/**
 * The per-provider adapter tests' factory: a tracker config from the test's defaults (read on every
 * call, because each test starts a fresh fake on a new port) with per-test provider keys and
 * overrides, and a tracker built from it whose log lines land in the test's array.
 */
import { pino } from 'pino';
import type { TrackerConfig } from '../../config/schema.js';
import type { TrackerContext } from '../../adapters/trackers/types.js';

type Provider = Record<string, unknown>;

export interface TrackerUnderTest<T> {
  /** `defaults()` with `provider` merged into its provider block and `overrides` on top. */
  config(provider?: Provider, overrides?: Partial<TrackerConfig>): TrackerConfig;
  /** A tracker over `config(provider, overrides)`, logging JSON lines into `log.lines()`. */
  tracker(provider?: Provider, overrides?: Partial<TrackerConfig>): T;
}

export function trackerUnderTest<T>(
  create: (config: TrackerConfig, ctx: TrackerContext) => T,
  defaults: () => TrackerConfig,
  log: { level: 'info' | 'warn'; lines: () => string[] },
): TrackerUnderTest<T> {
  const config = (provider: Provider = {}, overrides: Partial<TrackerConfig> = {}): TrackerConfig => {
    const base = defaults();
    return { ...base, provider: { ...base.provider, ...provider }, ...overrides };
  };
  const tracker = (provider: Provider = {}, overrides: Partial<TrackerConfig> = {}): T => {
    const logger = pino({ level: log.level }, { write: (line: string) => log.lines().push(line) });
    return create(config(provider, overrides), { logger, env: {} });
  };
  return { config, tracker };
}
