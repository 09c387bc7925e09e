/**
 * How a running Baton process ends: Ctrl-C / SIGTERM / SIGHUP (a graceful drain; a deliberate
 * second interrupt forces exit 130), `--until-idle` (stop once nothing needs Baton or a person,
 * after printing the summary), or the embedded server dying for good (stop, exit 1).
 */
import type { Client } from '@temporalio/client';
import { orchestratorStatusQuery, orchestratorWorkflowId, type OrchestratorStatus } from '../../core/protocol.js';
import { rowStatus } from '../../core/admission.js';
import type { BatonError } from '../../core/errors.js';
import type { BatonConfig } from '../../config/schema.js';
import type { Logger } from '../../base/logger.js';
import type { Services } from './services.js';
import type { TemporalTarget } from './temporal-target.js';

export interface StopOptions {
  config: BatonConfig;
  logger: Logger;
  untilIdle?: boolean;
  idleTimeoutMs?: number;
  summarize?: (client: Client, config: BatonConfig, logger: Logger) => Promise<void>;
  shutdownGraceMs?: number;
}

/** Run until stopped; the exit code, or the embedded server's fatal error. */
export async function runUntilStopped(options: StopOptions, services: Services, target: TemporalTarget): Promise<{ code: number; fatal?: BatonError }> {
  const { config, logger } = options;
  let code = 0;
  let fatal: BatonError | undefined;
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'stopping: running agents get a grace period, then are cancelled and retried later');
    services.stop();
  };
  const signals = handleSignals(stop, () => stopping, logger);
  void target.server?.failed.then((err) => {
    fatal = err;
    stop('the embedded Temporal server is gone');
    // With no server the worker can report nothing back; its shutdown must not keep Baton up.
    setTimeout(() => {
      process.stderr.write(`baton: ${err.category}: ${err.message}\n`);
      process.exit(1);
    }, (options.shutdownGraceMs ?? 5_000) + 30_000).unref();
  });
  if (options.untilIdle) {
    void waitUntilIdle(services.client, config, options.idleTimeoutMs ?? 0, logger).then(
      async (ok) => {
        if (!ok) code = 1;
        await options.summarize?.(services.client, config, logger).catch((err: unknown) => logger.warn({ err: String(err) }, 'could not print the summary'));
        stop(ok ? 'idle' : 'idle timeout');
      },
      (err: unknown) => {
        logger.error({ err: String(err) }, 'could not follow progress');
        code = 1;
        stop('error');
      },
    );
  }
  await services.running;
  signals.remove();
  return fatal ? { code, fatal } : { code };
}

function handleSignals(stop: (why: string) => void, stopping: () => boolean, logger: Logger): { remove(): void } {
  let firstSignalAt = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping()) {
      // A terminal's Ctrl-C reaches both a launcher (npm, tsx) and this process, and the launcher
      // relays it: the same press arrives twice. Only a later, deliberate second press forces exit.
      if (Date.now() - firstSignalAt < 1_500) return;
      logger.warn('second interrupt: exiting now, without waiting for running agents');
      process.exit(130);
    }
    firstSignalAt = Date.now();
    // SPEC §17.7: a shutdown asked for and completed is a normal exit (0), whatever the signal;
    // only a forced second interrupt (130) or a failure is not.
    stop(sig);
  };
  // SIGHUP too: a closed terminal or a supervisor's reload must not kill Baton before its agents.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.on(sig, onSignal);
  return { remove: () => signals.forEach((sig) => process.off(sig, onSignal)) };
}

/**
 * Poll until the orchestrator has polled successfully, nothing eligible waits and every issue
 * workflow is closed or stopped for a person. Returns false on timeout.
 */
export async function waitUntilIdle(client: Client, config: BatonConfig, timeoutMs: number, logger: Logger): Promise<boolean> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const handle = client.workflow.getHandle(orchestratorWorkflowId(config.name));
  let stableSince = 0;
  let lastLine = '';
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    let status: OrchestratorStatus;
    try {
      status = await handle.query(orchestratorStatusQuery);
    } catch {
      continue;
    }
    const busy = busyIssues(status);
    const line = `${Object.keys(status.inflight).length} in flight, ${busy.length} busy, ${Object.keys(status.queue).length} queued`;
    if (line !== lastLine) {
      logger.info({ busy }, line);
      lastLine = line;
    }
    if (!status.idle) {
      stableSince = 0;
      continue;
    }
    // Two consecutive idle readings a poll apart, so an issue labelled mid-check is not missed.
    if (!stableSince) stableSince = Date.now();
    if (Date.now() - stableSince >= Math.min(config.polling.interval_ms, 5_000)) return true;
  }
  return false;
}

/** In-flight issues that still need Baton or a person, as `identifier:status`, from the orchestrator's rows. */
function busyIssues(status: OrchestratorStatus): string[] {
  const busy: string[] = [];
  for (const [workflowId, entry] of Object.entries(status.inflight)) {
    const kind = rowStatus(status, workflowId);
    if (kind !== 'stopped' && kind !== 'done' && kind !== 'released') busy.push(`${entry.row.identifier}:${kind}`);
  }
  return busy;
}
