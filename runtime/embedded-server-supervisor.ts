/**
 * Keeps the embedded Temporal server running once it first answered. If it exits when Baton did
 * not ask it to, Baton says so at once (exit code or signal, the tail of its stderr) and starts it
 * again on the same SQLite file and ports, following `restart-policy.ts`. The SDK's Worker and
 * Client need nothing from Baton for that: task polls retry an unreachable server forever and
 * other calls for about ten seconds, so the connections carry on once the server answers again
 * (measured; see the fault tests). When the policy gives up, `failed` settles with an error saying
 * what to do.
 *
 * The supervisor owns which process is the server now, the restart attempt in progress and the
 * recent failures; `server.json` always names the current server process (and goes away with it).
 * What it tells the operator is kept apart, at the end of this module.
 */
import { dirname } from 'node:path';
import { BatonError, ErrorCategory } from '../core/errors.js';
import type { Logger } from '../base/logger.js';
import { clearServerState, writeServerState } from './server-state.js';
import { defaultRestartPolicy, nextRestart, type RestartDecision, type RestartPolicy } from './restart-policy.js';
import { hostForClient, launchUntilReady, type LaunchOutcome, type LaunchSettings } from './embedded-server-launch.js';
import type { LaunchedServer } from './embedded-server-process.js';

export interface EmbeddedServer {
  /** gRPC frontend, `host:port`. */
  address: string;
  uiUrl: string;
  /** The server process (not the watchdog); a new one after each restart. */
  readonly pid: number;
  namespace: string;
  /**
   * Settles only when the server died and could not be brought back (see `restartPolicy`), with
   * an error that says what happened and what to do. Never rejects.
   */
  failed: Promise<BatonError>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the server is gone. Idempotent. */
  stop(): Promise<void>;
}

export interface SupervisionOptions {
  /** When to restart a server that died, and when to give up; `false` turns supervision off. */
  restartPolicy?: RestartPolicy | false;
  /** Record the server in `server.json` next to the DB (default true). */
  recordState?: boolean;
}

/** The running server as Baton sees it, restarted by the policy when it dies. */
export async function superviseServer(first: LaunchedServer, settings: LaunchSettings, options: SupervisionOptions): Promise<EmbeddedServer> {
  const policy = options.restartPolicy === false ? undefined : (options.restartPolicy ?? defaultRestartPolicy);
  const supervisor = new Supervisor(settings, policy, options.recordState !== false);
  await supervisor.adopt(first);
  return {
    address: supervisor.address,
    uiUrl: supervisor.uiUrl,
    get pid() {
      return supervisor.pid;
    },
    namespace: settings.namespace,
    failed: supervisor.failed,
    stop: () => supervisor.stop(),
  };
}

class Supervisor {
  readonly address: string;
  readonly uiUrl: string;
  readonly failed: Promise<BatonError>;
  private readonly report: SupervisorReport;
  /** The server that answers, or undefined while it is down. */
  private current: LaunchedServer | undefined;
  /** A restart attempt in progress, so `stop()` can end it too. */
  private starting: LaunchedServer | undefined;
  /** How the last server ended and when, for the messages that follow it. */
  private lastExit = '';
  private stopping: Promise<void> | undefined;
  /** Ends a backoff wait early, so `stop()` need not sit it out. */
  private wake: () => void = () => undefined;
  /** Times of failures (exits and restarts that did not come up), for the policy. */
  private readonly failures: number[] = [];
  private giveUp: (err: BatonError) => void = () => undefined;

  constructor(
    private readonly settings: LaunchSettings,
    private readonly policy: RestartPolicy | undefined,
    private readonly recordState: boolean,
  ) {
    this.address = `${hostForClient(settings.ip)}:${settings.port}`;
    this.uiUrl = `http://${hostForClient(settings.ip)}:${settings.uiPort}`;
    this.report = new SupervisorReport(settings, this.address);
    this.failed = new Promise<BatonError>((resolvePromise) => (this.giveUp = resolvePromise));
  }

  get pid(): number {
    return (this.current ?? this.starting)?.serverPid ?? 0;
  }

  /** Make `proc` the server: watch for its exit and name it in `server.json`. */
  async adopt(proc: LaunchedServer): Promise<void> {
    this.current = proc;
    void proc.exited.then(() => this.onExit(proc));
    if (!this.recordState) return;
    const { address, uiUrl } = this;
    await writeServerState(this.settings.dbFile, { address, uiUrl, pid: proc.serverPid, namespace: this.settings.namespace, startedAt: new Date().toISOString() });
  }

  private async onExit(proc: LaunchedServer): Promise<void> {
    if (this.stopping || proc !== this.current) return;
    this.current = undefined;
    const exit = proc.exitDescription();
    this.lastExit = `${exit} at ${new Date().toISOString()}`;
    const stderr = proc.stderrTail();
    this.report.exited(proc, exit, stderr, this.policy !== undefined);
    await proc.stop();
    if (this.recordState) await clearServerState(this.settings.dbFile, proc.serverPid).catch(() => undefined);
    this.failures.push(Date.now());
    await this.restart(stderr);
  }

  /** Relaunch until a server answers, `stop()` is called, or the policy gives up (settling `failed`). */
  private async restart(lastOutput: string): Promise<void> {
    const downSince = Date.now();
    let lastReason = `it exited (${this.lastExit})`;
    for (;;) {
      const decision = this.policy ? nextRestart(this.failures, Date.now(), this.policy) : undefined;
      if (!decision || decision.kind === 'give-up') {
        this.giveUp(this.report.gaveUp(this.policy, lastReason, lastOutput));
        return;
      }
      if (decision.delayMs > 0) await new Promise<void>((r) => ((this.wake = r), setTimeout(r, decision.delayMs)));
      if (this.stopping) return;
      const outcome = await this.relaunch();
      if (!outcome) return;
      if (outcome.kind === 'ready') {
        await this.adopt(outcome.proc).catch((err: unknown) => this.report.notRecorded(err));
        this.report.restarted(outcome.proc, Date.now() - downSince, decision);
        return;
      }
      lastReason = `the restart ${outcome.reason}`;
      lastOutput = outcome.tail;
      this.report.restartFailed(outcome);
      this.failures.push(Date.now());
    }
  }

  /** One restart attempt; undefined when `stop()` came meanwhile (a server that came up is stopped again). */
  private async relaunch(): Promise<LaunchOutcome | undefined> {
    const outcome = await launchUntilReady(this.settings, (proc) => (this.starting = proc));
    this.starting = undefined;
    if (!this.stopping) return outcome;
    if (outcome.kind === 'ready') await outcome.proc.stop();
    return undefined;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.wake();
      const running = this.current;
      await this.starting?.stop();
      if (!running) {
        this.report.notRunning(this.lastExit);
        return;
      }
      await running.stop();
      if (this.recordState) await clearServerState(this.settings.dbFile, running.serverPid);
      this.report.stopped();
    })();
    return this.stopping;
  }
}

/** What the supervisor tells the operator: one log line per event, and the error `failed` settles with. */
class SupervisorReport {
  private readonly log: Logger;

  constructor(
    private readonly settings: LaunchSettings,
    private readonly address: string,
  ) {
    this.log = settings.log;
  }

  exited(proc: LaunchedServer, exit: string, stderr: string, restarting: boolean): void {
    this.log.error(
      { pid: proc.serverPid, exit, dbFile: this.settings.dbFile, address: this.address, stderr: stderr || undefined },
      `embedded Temporal server exited unexpectedly (${exit})${restarting ? '; restarting it on the same database and ports' : ''}`,
    );
  }

  restarted(proc: LaunchedServer, downMs: number, decision: Extract<RestartDecision, { kind: 'restart' }>): void {
    this.log.warn({ pid: proc.serverPid, address: this.address, downMs, failuresInWindow: decision.failuresInWindow }, 'embedded Temporal server restarted');
  }

  /** The server runs, but a later `baton` may not find it in `server.json`. */
  notRecorded(err: unknown): void {
    this.log.warn({ err: String(err) }, 'could not record the restarted server in server.json');
  }

  restartFailed(outcome: Extract<LaunchOutcome, { kind: 'failed' }>): void {
    this.log.error({ reason: outcome.reason, output: outcome.tail || undefined }, `embedded Temporal server did not restart: ${outcome.reason}`);
  }

  /** Says what is true: a server that died earlier was not stopped now. */
  notRunning(lastExit: string): void {
    this.log.warn({ address: this.address, lastExit }, `embedded Temporal server was not running (it exited: ${lastExit || 'unknown'}); nothing to stop`);
  }

  stopped(): void {
    this.log.info({ address: this.address }, 'embedded Temporal server stopped');
  }

  /** The error `failed` settles with: what happened, the server's last words, and what to do. */
  gaveUp(policy: RestartPolicy | undefined, lastReason: string, lastOutput: string): BatonError {
    const { dbFile, port, uiPort } = this.settings;
    const tried = policy
      ? `it failed ${policy.maxFailures + 1} times within ${Math.round(policy.windowMs / 1000)} s (last: ${lastReason})`
      : `restarts are off (${lastReason})`;
    return new BatonError(
      ErrorCategory.temporalUnavailable,
      `The embedded Temporal server on ${dbFile} died and Baton could not bring it back: ${tried}. ` +
        `Its last output:\n${lastOutput || '(none)'}\n` +
        `Baton is stopping. Check that ${dirname(dbFile)} is writable and has free space, that ports ${port} and ${uiPort} are free ` +
        `(\`ss -ltnp\`), and that nothing else opened ${dbFile}; then run \`baton start\` again. ` +
        'Workflows are kept in the database, so every issue resumes where it was.',
      { retryable: false, details: { dbFile, port, uiPort } },
    );
  }
}
