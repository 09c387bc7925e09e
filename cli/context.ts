/**
 * What every CLI command needs: the config file (explicit, else ./baton.yaml, else ./WORKFLOW.md)
 * and a client for the deployment's Temporal (runtime/temporal-client.ts, re-exported here so
 * commands import one module). Heavy modules (the config loader, the Temporal SDK) are imported on
 * use, so `baton --version` and `--help` load neither.
 */
import path from 'node:path';
import type { BatonConfig } from '../config/schema.js';
import type { Logger } from '../base/logger.js';

export { connectClient, ensureOrchestrator, isEmbedded, refreshOrchestrator, temporalAddress, temporalEndpoint } from '../runtime/temporal-client.js';

/** Load and validate the config, or fail with every diagnostic (file:line:col and a fix). */
export async function loadCliConfig(file: string | undefined, logger?: Logger): Promise<{ path: string; config: BatonConfig }> {
  const [{ findDefaultConfigPath, loadConfig }, { trackerProfiles }] = await Promise.all([import('../config/index.js'), import('../adapters/trackers/index.js')]);
  const configPath = path.resolve(file ?? findDefaultConfigPath(process.cwd()));
  const { config, warnings } = loadConfig(configPath, { trackerProfiles });
  for (const w of warnings) logger?.warn(`${w.file}:${w.line}:${w.column}: ${w.path}: ${w.message}${w.hint ? ` (${w.hint})` : ''}`);
  return { path: configPath, config };
}
