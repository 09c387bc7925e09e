/**
 * What a running stage tells the outside world, and how Baton notices a silent agent:
 *
 * - heartbeats every {@link HEARTBEAT_MS} (cancellation only arrives with heartbeat responses)
 *   carrying a small readable view of the run — the pending activity in the Web UI shows it. Agent
 *   events only update that view: the worker sends the server at most one heartbeat per throttle
 *   interval anyway (runtime/worker.ts), and each local heartbeat is encoded on the spot, so one per
 *   event (a chatty agent prints dozens a second) was CPU and garbage the server never saw;
 * - progress signals to the issue workflow, at most one per `progressIntervalMs` and none in a
 *   run's first interval (each costs the workflow a signal and a workflow task): short runs report
 *   through their result alone, and live readers take the heartbeat details instead;
 * - stall detection (SPEC §8.5 part A): no agent event for `stall_timeout_ms` once the session is
 *   up aborts the run with `agent_stalled`; neither preparing the workspace (hooks have their own
 *   timeout) nor waiting for an operator's approval counts as silence.
 *
 * State it owns: the run's token accountant, its last event, session id and agent pid.
 */
import { Context } from '@temporalio/activity';
import { AgentEventName, TokenAccountant, ZERO_USAGE, type AgentEvent, type TokenUsage } from '../../core/agent-events.js';
import { BatonError, ErrorCategory, oneLine } from '../../core/errors.js';
import { agentProgressSignal, type LastAgentEvent } from '../../core/protocol.js';
import type { Logger } from '../../base/logger.js';
import type { BatonRuntime } from '../runtime.js';

/**
 * How often a running stage heartbeats: the worker's heartbeat throttle interval, so each window
 * the server sees carries the latest view, and no more local heartbeats than that are encoded.
 */
export const HEARTBEAT_MS = 2_000;

/** Heartbeat details: small and readable. */
interface StageHeartbeat {
  stage: string;
  turn: number;
  event: string;
  at: string;
  message?: string;
  tokens: TokenUsage;
  session?: string;
  pid?: number;
}

export class StageMonitor {
  readonly accountant = new TokenAccountant();
  lastEvent: LastAgentEvent | null = null;
  rateLimits: Record<string, unknown> | null = null;
  private readonly state: StageHeartbeat;
  private lastProgressAt = Date.now();
  private lastActivityAt = Date.now();
  private awaitingOperator = 0;
  private beat: NodeJS.Timeout | undefined;
  private stallWatch: NodeJS.Timeout | undefined;
  stalled = false;

  constructor(
    private readonly rt: BatonRuntime,
    private readonly workflowId: string,
    stage: string,
    private readonly logger: Logger,
    private readonly onPid: (pid: number) => void,
  ) {
    this.state = { stage, turn: 0, event: 'preparing', at: new Date().toISOString(), tokens: { ...ZERO_USAGE } };
  }

  get turn(): number {
    return this.state.turn;
  }
  set turn(turn: number) {
    this.state.turn = turn;
  }
  get sessionId(): string | undefined {
    return this.state.session;
  }
  set sessionId(id: string | undefined) {
    if (id) this.state.session = id;
  }

  /**
   * Heartbeat every {@link HEARTBEAT_MS} from now until {@link stop}: for the whole activity, not only while the
   * agent runs, so the tracker calls around the agent (revalidation, the stage's writes) and the
   * hooks (`after_run`, `before_remove`) are covered too — a slow provider or hook is not mistaken
   * for a dead worker, and a dead worker is still noticed within the heartbeat timeout.
   */
  startHeartbeat(): void {
    if (this.beat) return;
    this.heartbeat();
    this.beat = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  /**
   * From now on, with `stallMs` > 0, a run whose agent stays silent that long is ended through
   * `abort`. Called once the agent session is up: preparing the workspace and its hooks is Baton's
   * own time, bounded by `hooks.timeout_ms`, and never counts as agent silence.
   */
  watchStalls(stallMs: number, abort: AbortController): void {
    if (stallMs <= 0) return;
    this.lastActivityAt = Date.now();
    this.stallWatch = setInterval(
      () => {
        // Waiting for an operator is not a stall: the clock restarts when the answer comes.
        if (this.awaitingOperator > 0) this.lastActivityAt = Date.now();
        if (Date.now() - this.lastActivityAt > stallMs && !abort.signal.aborted) {
          this.stalled = true;
          abort.abort(new BatonError(ErrorCategory.agentStalled, `no agent activity for ${stallMs} ms`));
        }
      },
      Math.min(1_000, Math.max(100, Math.floor(stallMs / 4))),
    );
  }

  /** The agent is done: no more stall watching (heartbeats go on until {@link stop}). */
  stopWatchingStalls(): void {
    clearInterval(this.stallWatch);
    this.stallWatch = undefined;
  }

  /** What the activity does now, outside the agent's own events (shown in the heartbeat details). */
  phase(event: string): void {
    this.state.event = event;
    this.state.at = new Date().toISOString();
    this.heartbeat();
  }

  stop(): void {
    clearInterval(this.beat);
    this.beat = undefined;
    this.stopWatchingStalls();
  }

  /** Every agent event comes through here. */
  readonly onEvent = (event: AgentEvent): void => {
    this.lastActivityAt = Date.now();
    if (event.usage) this.accountant.observe(event.usage);
    if (event.rate_limits) this.rateLimits = event.rate_limits;
    this.state.event = event.event;
    this.state.at = event.at;
    this.state.message = event.message ? oneLine(event.message, 200) : undefined;
    if (event.session_id) this.state.session = event.session_id;
    if (event.pid && event.pid !== this.state.pid) {
      this.state.pid = event.pid;
      this.onPid(event.pid);
    }
    this.lastEvent = { event: event.event, at: event.at, ...(this.state.message ? { message: this.state.message } : {}) };
    // The backend's own session start is when its session id is known: the lifecycle line carries it.
    if (event.event === AgentEventName.sessionStarted) this.logger.info({ event: 'session_started', session_id: event.session_id, pid: event.pid }, 'agent session started');
    this.sendProgress();
  };

  /** Run `fn` (an operator round trip) without it counting as agent silence. */
  async whileAwaitingOperator<T>(fn: () => Promise<T>): Promise<T> {
    this.awaitingOperator += 1;
    try {
      return await fn();
    } finally {
      this.awaitingOperator -= 1;
      this.lastActivityAt = Date.now();
    }
  }

  private heartbeat(): void {
    Context.current().heartbeat({ ...this.state, tokens: this.accountant.totals });
  }

  private sendProgress(): void {
    const now = Date.now();
    if (!this.lastEvent || now - this.lastProgressAt < this.rt.progressIntervalMs) return;
    this.lastProgressAt = now;
    this.rt.client.workflow
      .getHandle(this.workflowId)
      .signal(agentProgressSignal, {
        event: this.lastEvent,
        tokens: this.accountant.totals,
        turn: this.state.turn,
        ...(this.state.session ? { sessionId: this.state.session } : {}),
        ...(this.rateLimits ? { rateLimits: this.rateLimits } : {}),
      })
      .catch((err: unknown) => this.logger.debug({ err: String(err) }, 'progress signal not delivered'));
  }
}
