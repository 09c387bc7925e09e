/**
 * Running Baton in this process: `baton start` (embedded Temporal + worker + orchestrator; with
 * `--no-worker` only the orchestrator's starter, the dashboard and the embedded server, while
 * `baton worker`s elsewhere do the work) and `baton worker` (a worker joining an existing
 * Temporal). Ctrl-C stops polling, gives running agents a grace period, then cancels them (their
 * stage is retried later: never orphaned), and stops the embedded server last.
 *
 * The parts: where Temporal is (temporal-target.ts), what runs (services.ts), how it ends
 * (until-stopped.ts).
 */
import type { Client } from '@temporalio/client';
import type { BatonConfig } from '../../config/schema.js';
import path from 'node:path';
import { announce, type Logger } from '../../base/logger.js';
import { installTelemetry } from '../telemetry.js';
import { startServices } from './services.js';
import { temporalTarget } from './temporal-target.js';
import { runUntilStopped } from './until-stopped.js';

export { waitUntilIdle } from './until-stopped.js';

export interface ServeOptions {
  configPath: string;
  config: BatonConfig;
  logger: Logger;
  /** Start the embedded server when the config says `embedded` (baton start). */
  embedded: boolean;
  /** Run a worker in this process (default true); false: orchestrator starter and dashboard only. */
  worker?: boolean;
  /** Agents this worker runs at once (its activity slots; the deployment's limits still apply). */
  maxAgents?: number;
  /** Exit 0 once no issue needs Baton or a person. */
  untilIdle?: boolean;
  /** Give up --until-idle after this long (ms). */
  idleTimeoutMs?: number;
  /** With --until-idle: print what became of the issues before stopping (the CLI's table). */
  summarize?: (client: Client, config: BatonConfig, logger: Logger) => Promise<void>;
  shutdownGraceMs?: number;
}

export async function serve(options: ServeOptions): Promise<number> {
  const { config, logger } = options;
  const telemetry = await installTelemetry(logger);
  const target = await temporalTarget(config, options.embedded, logger);
  try {
    const services = await startServices({ ...options, sdkMetricsUrl: telemetry.sdkMetricsUrl }, target);
    announce(logger, `Baton is running \`${config.name}\` from ${path.relative(process.cwd(), options.configPath) || options.configPath} (Ctrl-C to stop).`, {
      deployment: config.name,
      config: options.configPath,
    });
    const result = await runUntilStopped(options, services, target);
    await services.close();
    if (result.fatal) throw result.fatal;
    return result.code;
  } finally {
    await target.stop();
  }
}
