/**
 * Running Baton in this process: `baton start` (embedded Temporal + worker + orchestrator) and
 * `baton worker` (a worker joining an existing Temporal). Ctrl-C stops polling, gives running
 * agents a grace period, then cancels them (their stage is retried later: never orphaned), and
 * stops the embedded server last.
 */
import path from 'node:path';
import { NativeConnection, Runtime, DefaultLogger, makeTelemetryFilterString } from '@temporalio/worker';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { BUSY_STATUSES, type IssueStatus, issueStatusQuery, orchestratorStatusQuery, orchestratorWorkflowId, type OrchestratorStatus } from '../core/protocol.js';
import type { BatonConfig } from '../config/schema.js';
import { resolveTemporalCli } from '../runtime/temporal-binary.js';
import { startEmbeddedServer, type EmbeddedServer } from '../runtime/embedded-server.js';
import { ensureSearchAttributes } from '../runtime/search-attributes.js';
import { createBatonWorker } from '../runtime/worker.js';
import { sweepTerminalWorkspaces } from '../runtime/terminal-sweep.js';
import { startHttpServer, type BatonHttpServer } from '../server/http.js';
import type { Logger } from '../runtime/logger.js';
import { connectClient, ensureOrchestrator, isEmbedded } from './context.js';
import { formatStatusTable } from './commands/status.js';

export interface ServeOptions {
  configPath: string;
  config: BatonConfig;
  logger: Logger;
  /** Start the embedded server when the config says `embedded` (baton start). */
  embedded: boolean;
  /** Exit 0 once no issue needs Baton or a person. */
  untilIdle?: boolean;
  /** Give up --until-idle after this long (ms). */
  idleTimeoutMs?: number;
  shutdownGraceMs?: number;
}

let runtimeInstalled = false;
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // Baton handles its own shutdown signals so it can stop the embedded server last.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
}

export async function serve(options: ServeOptions): Promise<number> {
  const { config, logger } = options;
  installRuntime();
  let server: EmbeddedServer | undefined;
  let address = config.temporal.address;
  if (isEmbedded(config)) {
    if (!options.embedded) {
      const { temporalAddress } = await import('./context.js');
      address = await temporalAddress(config);
    } else {
      const cliPath = await resolveTemporalCli({ logger });
      server = await startEmbeddedServer({
        cliPath,
        dbFile: config.temporal.embedded.db_file,
        ip: config.temporal.embedded.ip,
        port: config.temporal.embedded.port,
        uiPort: config.temporal.embedded.ui_port,
        namespace: config.temporal.namespace,
        logger,
      });
      address = server.address;
      process.stdout.write(`Temporal Web UI: ${server.uiUrl}/namespaces/${config.temporal.namespace}/workflows\n`);
    }
  }

  const stopServer = async () => {
    if (server) await server.stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'embedded server stop failed'));
  };

  let exitCode = 0;
  try {
    const { client, connection } = await connectClient(config, address);
    if (!server) {
      // An existing cluster: make sure Baton's search attributes exist before workflows upsert them.
      await ensureSearchAttributes(connection, config.temporal.namespace).catch((err: unknown) =>
        logger.warn({ err: String(err) }, 'could not register search attributes; ask an operator to create them'),
      );
    }
    const nativeConnection = await NativeConnection.connect({ address });
    const worker = await createBatonWorker({
      connection: nativeConnection,
      client,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.task_queue,
      logger,
      shutdownGraceMs: options.shutdownGraceMs,
    });
    const running = worker.run();
    await ensureOrchestrator(client, config, options.configPath);
    void sweepTerminalWorkspaces(worker.runtime, options.configPath).then(
      (n) => n > 0 && logger.info({ removed: n }, 'removed workspaces of issues that are already terminal'),
      (err: unknown) => logger.warn({ err: String(err) }, 'terminal workspace sweep failed'),
    );
    logger.info({ deployment: config.name, queue: config.temporal.task_queue, host_queue: worker.hostQueue }, 'Baton worker running');
    let http: BatonHttpServer | undefined;
    if (config.server.port !== undefined) {
      http = await startHttpServer(
        { client, config: () => worker.runtime.config(options.configPath).config, logger },
        { host: config.server.host, port: config.server.port },
      );
      process.stdout.write(`Baton dashboard: ${http.url}/ (webhooks at ${http.url}/webhooks/<provider>)\n`);
    }
    process.stdout.write(
      `Baton is running \`${config.name}\` from ${path.relative(process.cwd(), options.configPath) || options.configPath} (Ctrl-C to stop).\n`,
    );

    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ why }, 'stopping: running agents get a grace period, then are cancelled and retried later');
      worker.shutdown();
    };
    let firstSignalAt = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        // A terminal's Ctrl-C reaches both a launcher (npm, tsx) and this process, and the launcher
        // relays it: the same press arrives twice. Only a later, deliberate second press forces exit.
        if (Date.now() - firstSignalAt < 1_500) return;
        logger.warn('second interrupt: exiting now');
        process.exit(130);
      }
      firstSignalAt = Date.now();
      exitCode = sig === 'SIGINT' ? 130 : 143;
      stop(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    if (options.untilIdle) {
      void waitUntilIdle(client, config, options.idleTimeoutMs ?? 0, logger).then(
        async (ok) => {
          if (!ok) exitCode = 1;
          await printSummary(client, config).catch((err: unknown) => logger.warn({ err: String(err) }, 'could not print the summary'));
          stop(ok ? 'idle' : 'idle timeout');
        },
        (err: unknown) => {
          logger.error({ err: String(err) }, 'could not follow progress');
          exitCode = 1;
          stop('error');
        },
      );
    }
    await running;
    await http?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await nativeConnection.close();
    await connection.close();
  } finally {
    await stopServer();
  }
  return exitCode;
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
    const busy = await busyIssues(client, status);
    const line = `${Object.keys(status.inflight).length} in flight, ${busy.length} busy, ${status.pendingCandidates} waiting to dispatch`;
    if (line !== lastLine) {
      logger.info({ busy }, line);
      lastLine = line;
    }
    const idle = status.lastPollOk && status.pendingCandidates === 0 && busy.length === 0;
    if (!idle) {
      stableSince = 0;
      continue;
    }
    // Two consecutive idle readings a poll apart, so an issue labelled mid-check is not missed.
    if (!stableSince) stableSince = Date.now();
    if (Date.now() - stableSince >= Math.min(config.polling.interval_ms, 5_000)) return true;
  }
  return false;
}

/** The deployment's issues as `baton status` shows them, read from the Temporal visibility store. */
async function printSummary(client: Client, config: BatonConfig): Promise<void> {
  const statuses: IssueStatus[] = [];
  for await (const wf of client.workflow.list({ query: `BatonDeployment = "${config.name}" AND WorkflowType = "issueWorkflow"` })) {
    const status = await client.workflow.getHandle(wf.workflowId, wf.runId).query(issueStatusQuery).catch(() => undefined);
    if (status) statuses.push(status);
  }
  statuses.sort((a, b) => a.identifier.localeCompare(b.identifier));
  if (statuses.length === 0) {
    process.stdout.write('No issue was dispatched (none matched the trackers’ active states and required labels).\n');
    return;
  }
  process.stdout.write(`\n${formatStatusTable(statuses, new Date())}\n\n`);
}

async function busyIssues(client: Client, status: OrchestratorStatus): Promise<string[]> {
  const busy: string[] = [];
  for (const entry of Object.values(status.inflight)) {
    try {
      const issue = await client.workflow.getHandle(entry.workflowId).query(issueStatusQuery);
      if (BUSY_STATUSES.includes(issue.status)) busy.push(`${entry.identifier}:${issue.status}`);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) busy.push(`${entry.identifier}:unknown`);
    }
  }
  return busy;
}
