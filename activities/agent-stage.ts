/**
 * The agent stage activity: one stage run for one issue, on the host that owns its workspace.
 * It re-checks the issue with the tracker, prepares the workspace, starts the stage's agent
 * backend, runs turns while the issue stays in the stage (up to `max_turns`), streams events into
 * heartbeats and throttled progress signals, honours cancellation by killing the agent's process
 * group, and always runs `after_run`. Transcripts stay on disk; only a short summary returns.
 */
import { Context, CancelledFailure, ApplicationFailure } from '@temporalio/activity';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { AgentEventName, TokenAccountant, ZERO_USAGE, type AgentEvent, type TokenUsage } from '../core/agent-events.js';
import { BatonError, ErrorCategory, oneLine } from '../core/errors.js';
import type { Issue } from '../core/issue.js';
import { agentProgressSignal, approvalDecisionQuery, approvalRequestSignal, type LastAgentEvent } from '../core/protocol.js';
import { routeIssue } from '../core/routing.js';
import { renderPrompt } from '../config/prompt.js';
import type { BatonConfig, ResolvedStage } from '../config/schema.js';
import { createAgentBackend } from '../adapters/agents/index.js';
import type { AgentSession, ApprovalDecision, TurnResult } from '../adapters/agents/types.js';
import type { TrackerAdapter } from '../adapters/trackers/types.js';
import { killProcessGroup, processAlive } from '../runtime/process.js';
import { assertAgentCwd, batonIssueEnv, buildChildEnv, ensureWorkspace, runAfterRun, runBeforeRun, workspaceSettingsFromConfig } from './workspace.js';
import type { BatonRuntime } from './runtime.js';

export interface RunAgentStageInput {
  configPath: string;
  deployment: string;
  workflowId: string;
  tracker: string;
  issueId: string;
  identifier: string;
  stage: string;
  /** Symphony's template `attempt`: null on the first run. */
  attempt: number | null;
}

export interface StageSummary {
  outcome: 'succeeded' | 'failed' | 'rerouted';
  turns: number;
  tokens: TokenUsage;
  sessionId?: string;
  lastEvent: LastAgentEvent | null;
  error?: string;
  /** The tracker's view of the issue at the end of the run. */
  issue: Issue | null;
  workspace?: string;
}

/** Heartbeat details: small and readable, shown on the pending activity in the Web UI. */
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

const CONTINUATION_GUIDANCE = (turn: number, max: number, stage: string) =>
  [
    `Continuation turn #${turn} of ${max} for the ${stage} stage.`,
    'The previous turn completed normally, but the issue is still in this stage.',
    'Resume from the current workspace state; do not restate earlier work or repeat finished steps.',
    'Finish the stage’s work, or say clearly what blocks you.',
  ].join('\n');

export function createAgentStageActivities(rt: BatonRuntime) {
  return {
    async runAgentStage(input: RunAgentStageInput): Promise<StageSummary> {
      const ctx = Context.current();
      const { config } = rt.config(input.configPath);
      const stage = config.stages.find((s) => s.name === input.stage);
      if (!stage) {
        throw ApplicationFailure.create({ message: `stage ${input.stage} is no longer configured`, type: ErrorCategory.invalidConfig });
      }
      const trackerConfig = rt.trackerConfig(config, input.tracker);
      const adapter = await rt.tracker(input.configPath, input.tracker);
      const logger = rt.logger.child({ issue_id: input.issueId, issue_identifier: input.identifier, stage: stage.name });

      // Dispatch-time revalidation (SPEC §16.4): run only if the tracker still routes here.
      let issue = await fetchIssue(adapter, input.issueId);
      const routeNow = routeIssue(trackerConfig, config.stages, issue ?? undefined);
      if (routeNow.kind !== 'stage' || routeNow.stage !== stage.name) {
        logger.info({ route: routeNow.kind }, 'issue no longer routed to this stage; not starting the agent');
        return { outcome: 'rerouted', turns: 0, tokens: { ...ZERO_USAGE }, lastEvent: null, issue };
      }
      const current = issue as Issue;

      const settings = workspaceSettingsFromConfig(config);
      const abort = new AbortController();
      const cancelled = ctx.cancellationSignal;
      const onCancel = () => abort.abort(cancelled.reason);
      if (cancelled.aborted) onCancel();
      cancelled.addEventListener('abort', onCancel, { once: true });

      const pidFile = pidFilePath(settings.root, input.identifier);
      const accountant = new TokenAccountant();
      const state: StageHeartbeat = { stage: stage.name, turn: 0, event: 'preparing', at: new Date().toISOString(), tokens: { ...ZERO_USAGE } };
      let lastEvent: LastAgentEvent | null = null;
      let lastProgressAt = 0;
      let lastActivityAt = Date.now();
      const handle = rt.client.workflow.getHandle(input.workflowId);
      const sendProgress = (force = false) => {
        const now = Date.now();
        if (!lastEvent || (!force && now - lastProgressAt < rt.progressIntervalMs)) return;
        lastProgressAt = now;
        handle
          .signal(agentProgressSignal, { event: lastEvent, tokens: accountant.totals, turn: state.turn, sessionId: state.session })
          .catch((err: unknown) => logger.debug({ err: String(err) }, 'progress signal not delivered'));
      };
      const heartbeat = () => ctx.heartbeat({ ...state, tokens: accountant.totals });
      // Heartbeat on a timer too: cancellation only arrives with heartbeat responses.
      const beat = setInterval(heartbeat, 1_000);
      heartbeat();

      const onEvent = (event: AgentEvent) => {
        lastActivityAt = Date.now();
        if (event.usage) accountant.observe(event.usage);
        state.event = event.event;
        state.at = event.at;
        state.message = event.message ? oneLine(event.message, 200) : undefined;
        if (event.session_id) state.session = event.session_id;
        if (event.pid && event.pid !== state.pid) {
          state.pid = event.pid;
          // Recorded so a retry after a worker crash can reap this agent (see reapOrphan).
          void writePid(pidFile, event.pid).catch(() => undefined);
        }
        lastEvent = { event: event.event, at: event.at, ...(state.message ? { message: state.message } : {}) };
        heartbeat();
        const important = event.event === AgentEventName.sessionStarted || event.event === AgentEventName.turnCompleted || event.event === AgentEventName.approvalRequired;
        sendProgress(important);
      };

      // Stall detection (SPEC §8.5 part A): no agent event for stall_timeout_ms ends the run.
      const stallMs = stage.policy.stall_timeout_ms;
      let stalled = false;
      let awaitingOperator = 0;
      const stallWatch =
        stallMs > 0
          ? setInterval(() => {
              // Waiting for an operator is not a stall: the clock restarts when the answer comes.
              if (awaitingOperator > 0) lastActivityAt = Date.now();
              if (Date.now() - lastActivityAt > stallMs && !abort.signal.aborted) {
                stalled = true;
                abort.abort(new BatonError(ErrorCategory.agentStalled, `no agent activity for ${stallMs} ms`));
              }
            }, Math.min(1_000, Math.max(100, Math.floor(stallMs / 4))))
          : undefined;

      let session: AgentSession | undefined;
      let workspacePath: string | undefined;
      let turns = 0;
      let result: TurnResult | undefined;
      let failure: string | undefined;
      try {
        const workspace = await ensureWorkspace({
          root: settings.root,
          issue: current,
          hooks: settings.hooks,
          hookTimeoutMs: settings.hookTimeoutMs,
          env: rt.env,
          secretEnvNames: settings.secretEnvNames,
          logger,
          stage: stage.name,
          signal: abort.signal,
        });
        workspacePath = workspace.path;
        // An agent orphaned by a killed worker must not run beside its retry.
        await reapOrphan(pidFile, logger);
        await runBeforeRun({ ...hookOptions(), workspace: workspace.path, issue: current });

        const prompt = await renderPrompt(stage.prompt_template, {
          issue: current,
          attempt: input.attempt,
          stage: { name: stage.name, states: stage.states, max_turns: stage.policy.max_turns },
        });
        // SPEC §9.5 invariant 1: the agent runs only in this issue's workspace.
        await assertAgentCwd(settings.root, workspace.path, current.identifier);
        const backend = await createAgentBackend(stage.policy.backend);
        const env = buildChildEnv({
          base: rt.env,
          secretEnvNames: settings.secretEnvNames,
          extra: {
            ...batonIssueEnv({ issue: current, stage: stage.name, workspace: workspace.path }),
            BATON_ATTEMPT: input.attempt === null ? '' : String(input.attempt),
            // Lets a command agent find scripts that ship next to the config file.
            BATON_CONFIG_DIR: config.base_dir,
          },
        });
        session = await backend.startSession({
          workspace: workspace.path,
          issue: current,
          stage,
          config,
          env,
          tools: {
            specs: adapter.agentTools(),
            execute: (name, args) => adapter.executeAgentTool(name, args, issue ?? current),
          },
          logger,
          onEvent,
          requestApproval: async (request) => {
            awaitingOperator += 1;
            try {
              return await waitForApproval(rt, input.workflowId, request, abort.signal);
            } finally {
              awaitingOperator -= 1;
              lastActivityAt = Date.now();
            }
          },
          signal: abort.signal,
        });
        if (session.pid) await writePid(pidFile, session.pid);

        for (let turn = 1; turn <= stage.policy.max_turns; turn++) {
          state.turn = turn;
          turns = turn;
          const text = turn === 1 ? prompt : CONTINUATION_GUIDANCE(turn, stage.policy.max_turns, stage.name);
          result = await session.runTurn({ turn, maxTurns: stage.policy.max_turns, prompt: text });
          if (result.usage) accountant.observe(result.usage);
          if (result.sessionId) state.session = result.sessionId;
          if (result.outcome !== 'completed') break;
          // Continue on the same thread only while the tracker keeps the issue in this stage.
          issue = await fetchIssue(adapter, input.issueId);
          const next = routeIssue(trackerConfig, config.stages, issue ?? undefined);
          if (next.kind !== 'stage' || next.stage !== stage.name) break;
          if (turn === stage.policy.max_turns) break;
          // A stage that moves the issue itself on success ends with the first clean turn; one that
          // leaves the move to the agent (a Symphony workflow) keeps going on the same thread.
          if (stage.on_success.move_to) break;
        }
      } catch (err) {
        if (!abort.signal.aborted) failure = describe(err);
        logger.warn({ err: describe(err) }, 'stage run ended with an error');
      } finally {
        clearInterval(beat);
        if (stallWatch) clearInterval(stallWatch);
        cancelled.removeEventListener('abort', onCancel);
        await session?.close().catch((err: unknown) => logger.warn({ err: String(err) }, 'agent close failed'));
        await rm(pidFile, { force: true }).catch(() => undefined);
        if (workspacePath) await runAfterRun({ ...hookOptions(), workspace: workspacePath, issue: issue ?? current });
      }

      if (cancelled.aborted) {
        // Confirms the cancellation to the workflow, which waits for the agent to be gone.
        throw new CancelledFailure(String(cancelled.reason ?? 'cancelled'));
      }
      const summaryBase = {
        turns,
        tokens: accountant.totals,
        ...(state.session ? { sessionId: state.session } : {}),
        lastEvent,
        issue: issue ?? null,
        ...(workspacePath ? { workspace: workspacePath } : {}),
      };
      if (stalled) return { ...summaryBase, outcome: 'failed', error: `${ErrorCategory.agentStalled}: no agent activity for ${stallMs} ms` };
      if (failure) return { ...summaryBase, outcome: 'failed', error: failure };
      if (!result || result.outcome === 'completed') return { ...summaryBase, outcome: 'succeeded' };
      const error = result.error ? `${result.error.category}: ${result.error.message}` : `turn ended: ${result.outcome}`;
      return { ...summaryBase, outcome: 'failed', error: oneLine(error, 500) };

      function hookOptions() {
        return {
          hooks: settings.hooks,
          hookTimeoutMs: settings.hookTimeoutMs,
          env: rt.env,
          secretEnvNames: settings.secretEnvNames,
          logger,
          stage: stage!.name,
        };
      }
    },
  };
}

async function fetchIssue(adapter: TrackerAdapter, id: string): Promise<Issue | null> {
  const [issue] = await adapter.fetchIssuesByIds([id]);
  return issue ?? null;
}

function describe(err: unknown): string {
  if (err instanceof BatonError) return oneLine(`${err.category}: ${err.message}`, 500);
  return oneLine(err instanceof Error ? err.message : String(err), 500);
}

/**
 * Ask the issue workflow for an operator decision and wait for it. The request shows on the
 * issue as gated until `baton approve|reject` answers it.
 */
async function waitForApproval(
  rt: BatonRuntime,
  workflowId: string,
  request: { kind: string; summary: string },
  signal: AbortSignal,
): Promise<ApprovalDecision> {
  const handle = rt.client.workflow.getHandle(workflowId);
  const id = randomUUID();
  await handle.signal(approvalRequestSignal, { id, kind: request.kind, summary: oneLine(request.summary, 300) });
  for (;;) {
    if (signal.aborted) return 'reject';
    const decision = await handle.query(approvalDecisionQuery, id).catch(() => undefined);
    if (decision) return decision;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Where a host records the agent process group of a running stage, outside every workspace. */
function pidFilePath(root: string, identifier: string): string {
  // `@` never appears in a workspace key, so this folder cannot collide with a workspace.
  return path.join(root, '@baton', 'agents', `${encodeURIComponent(identifier)}.pid`);
}

async function writePid(file: string, pid: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, String(pid));
}

async function reapOrphan(file: string, logger: { warn: (o: object, m: string) => void }): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 1 && processAlive(pid)) {
    logger.warn({ pid }, 'an agent from an earlier attempt is still running (its worker died); killing its process group');
    killProcessGroup(pid, 'SIGKILL');
  }
  await rm(file, { force: true }).catch(() => undefined);
}

export type { BatonConfig, ResolvedStage };
