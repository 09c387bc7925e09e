/**
 * The Temporal Runtime of a Baton process, installed once before any native connection: its
 * logger is Baton's pino logger (workflow and activity `log`, worker lines, and the native core's
 * lines through log forwarding), and its worker metrics are served by the SDK's Prometheus exporter
 * on a loopback port of their own, which `/metrics` merges with Baton's series.
 */
import { createServer } from 'node:net';
import { Runtime } from '@temporalio/worker';
import { temporalLogger, type Logger } from '../base/logger.js';

export interface Telemetry {
  /** The SDK's Prometheus endpoint (`http://127.0.0.1:<port>/metrics`), or null when this process's Runtime was installed elsewhere. */
  sdkMetricsUrl: string | null;
}

let installed: Telemetry | undefined;

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Native core lines below this level are not even produced (they would be dropped by pino anyway). */
function coreLevel(logger: Logger): 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' {
  if (logger.isLevelEnabled('trace')) return 'TRACE';
  if (logger.isLevelEnabled('debug')) return 'DEBUG';
  return 'WARN';
}

/**
 * Install the Runtime with Baton's logger and the Prometheus exporter (idempotent per process).
 * When something else installed a Runtime first (a test setup), SDK lines go where it said and
 * `sdkMetricsUrl` is null.
 */
export async function installTelemetry(logger: Logger): Promise<Telemetry> {
  if (installed) return installed;
  const port = await freeLoopbackPort();
  try {
    Runtime.install({
      logger: temporalLogger(logger.child({ component: 'temporal' })),
      // Baton handles its own shutdown signals so it can stop the embedded server last.
      shutdownSignals: [],
      telemetryOptions: {
        logging: { filter: { core: coreLevel(logger), other: 'ERROR' }, forward: {} },
        metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } },
      },
    });
    installed = { sdkMetricsUrl: `http://127.0.0.1:${port}/metrics` };
  } catch (err) {
    logger.debug({ err: String(err) }, 'Temporal Runtime already installed; its logger and metrics stay as they are');
    installed = { sdkMetricsUrl: null };
  }
  return installed;
}
