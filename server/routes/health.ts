/**
 * What monitoring scrapes and probes: Prometheus metrics (Baton's series, derived from the
 * shared poller's snapshot, plus the Temporal SDK's worker series) and the liveness and readiness
 * probes.
 *
 *   GET  /metrics            Prometheus text: Baton's series + the Temporal SDK's
 *   GET  /healthz            the process is up
 *   GET  /readyz             Temporal reachable, worker polling, last tracker poll OK (else 503)
 */
import type { FastifyPluginAsync } from 'fastify';
import { METRICS_CONTENT_TYPE, metricsText } from '../../base/metrics.js';
import { pollErrors } from '../state.js';
import type { RouteContext } from './context.js';
import { route } from './route.js';

export interface HealthOptions extends RouteContext {
  /** The Temporal SDK's Prometheus endpoint, merged into `/metrics`. */
  sdkMetricsUrl?: string | null;
  /** Whether this process's worker is polling its task queues; absent: not checked. */
  workerRunning?: () => boolean;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { poller, sdkMetricsUrl, workerRunning }) => {
  route(app, 'GET', '/metrics', async (_req, reply) => {
    // A fresh snapshot first: Baton's issue gauges are derived from it.
    await poller.read().catch(() => undefined);
    const [baton, sdk] = await Promise.all([metricsText(), sdkMetrics(sdkMetricsUrl)]);
    return reply.type(METRICS_CONTENT_TYPE).send(sdk ? `${baton.trimEnd()}\n${sdk}` : baton);
  });

  route(app, 'GET', '/healthz', (_req, reply) => reply.send({ status: 'ok', pid: process.pid, uptime_seconds: Math.round(process.uptime()) }));

  route(app, 'GET', '/readyz', async (_req, reply) => {
    const snapshot = await poller.read();
    const checks = {
      temporal: snapshot.ok ? { ok: true } : { ok: false, cause: snapshot.message },
      worker: workerRunning ? { ok: workerRunning() } : { ok: true, note: 'no worker in this process' },
      last_poll: snapshot.ok
        ? { ok: snapshot.orchestrator.lastPollOk, at: snapshot.orchestrator.lastPollAt, errors: pollErrors(snapshot.orchestrator) }
        : { ok: false },
    };
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
};

/** The SDK's worker metrics, or '' when its exporter is off or does not answer. */
async function sdkMetrics(url: string | null | undefined): Promise<string> {
  if (!url) return '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}
