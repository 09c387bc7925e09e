/**
 * Preflight before dispatch: a worker process runs `baton doctor`'s checks on its own host when it
 * starts, and tells the orchestrator which stages' agent backends cannot start here (a codex that
 * cannot reach its model, an OpenAI key that is missing, a command that does not resolve). The
 * orchestrator admits nothing to a held stage, so no issue sits `running` against an agent that
 * can never answer; the reason shows in the log, `baton status`, the dashboard and the
 * orchestrator's details. While any stage is held the checks run again every `recheckMs`, and a
 * stage whose backend recovers is released.
 *
 * State it owns: the last verdict sent, so only changes are signalled.
 */
import type { Client } from '@temporalio/client';
import type { HeldStage } from '../core/protocol.js';
import type { BatonConfig } from '../config/schema.js';
import type { Logger } from '../base/logger.js';
import { runPreflight, type PreflightReport } from './preflight.js';
import { sendPreflight } from './temporal-client.js';

/** The stages a preflight report holds, with the cause and fix `baton doctor` prints. */
export function heldStages(report: PreflightReport, now: string): HeldStage[] {
  return Object.entries(report.stages)
    .filter(([, v]) => v.status === 'failed')
    .map(([stage, v]) => ({ stage, backend: v.backend, cause: v.cause ?? 'the backend check failed', fix: v.fix, since: now }));
}

export interface StageHolds {
  /** Resolves after the first check has been sent. */
  readonly first: Promise<void>;
  stop(): void;
}

export function watchStageHolds(options: { client: Client; config: () => BatonConfig; logger: Logger; recheckMs?: number }): StageHolds {
  const { client, logger } = options;
  const recheckMs = options.recheckMs ?? 60_000;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const check = async (): Promise<void> => {
    const config = options.config();
    // Temporal and trackers are the orchestrator's concern; only what an agent stage needs here.
    const report = await runPreflight(config, { logger, skipTemporal: true });
    const held = heldStages(report, new Date().toISOString());
    const key = JSON.stringify(held.map((h) => [h.stage, h.cause]));
    if (key !== last) {
      last = key;
      for (const h of held) logger.warn({ event: 'stage_held', stage: h.stage, backend: h.backend, cause: h.cause, fix: h.fix }, `stage ${h.stage} held: its ${h.backend} backend failed preflight on this host`);
      await sendPreflight(client, config, { held, checkedAt: new Date().toISOString() });
    }
    if (held.length > 0 && !stopped) timer = setTimeout(() => void check().catch((err: unknown) => logger.warn({ err: String(err) }, 'preflight re-check failed')), recheckMs);
  };

  const first = check().catch((err: unknown) => logger.warn({ err: String(err) }, 'preflight check failed; dispatching to every stage'));
  return {
    first,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
