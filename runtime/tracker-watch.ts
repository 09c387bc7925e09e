/**
 * Trackers that can tell when a poll now would find something new (the file tracker's folder
 * watch; see `TrackerAdapter.watch`) nudge the orchestrator with a `refresh` signal, so a dropped
 * issue starts at once instead of at the next `polling.interval_ms`. The same signal as
 * `baton refresh` and a webhook: the orchestrator folds a burst into one poll.
 *
 * State it owns: the stop function of each watch this process started (the trackers of the config
 * it started with; a tracker added by a later reload is polled, not watched, until a restart).
 */
import type { Client } from '@temporalio/client';
import { orchestratorWorkflowId, refreshSignal } from '../core/protocol.js';
import type { BatonConfig } from '../config/schema.js';
import type { Logger } from '../base/logger.js';
import type { TrackerAdapter } from '../adapters/trackers/types.js';
import type { TrackerProfileRegistry } from '../config/tracker-profiles.js';

export interface TrackerWatches {
  stop(): void;
}

export async function watchTrackers(options: {
  client: Client;
  config: BatonConfig;
  tracker: (name: string) => Promise<TrackerAdapter>;
  profiles: TrackerProfileRegistry;
  logger: Logger;
}): Promise<TrackerWatches> {
  const { client, config, logger } = options;
  const handle = client.workflow.getHandle(orchestratorWorkflowId(config.name));
  const stops: Array<() => void> = [];
  for (const t of config.trackers.filter((tc) => options.profiles.get(tc.kind)?.watches === true)) {
    const adapter = await options.tracker(t.name).catch(() => undefined);
    if (!adapter?.watch) continue;
    stops.push(
      adapter.watch(() => {
        logger.debug({ tracker: t.name }, 'new issue in the tracker: polling now');
        handle.signal(refreshSignal).catch((err: unknown) => logger.debug({ tracker: t.name, err: String(err) }, 'refresh after a tracker change failed; the next poll finds it'));
      }),
    );
  }
  return {
    stop() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}
