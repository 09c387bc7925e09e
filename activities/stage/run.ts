/**
 * The stage activity: one stage run for one issue, on the host that owns (or now claims) its
 * workspace. One round trip does the whole stage: re-check the route with the tracker, prepare
 * the workspace, run the agent's turns, apply the stage's writes when it succeeds (unless a gate
 * decides them later), and remove the workspace when those writes made the issue terminal. It
 * returns a short summary: outcome, tokens, the fresh snapshot, and where the workspace lives.
 *
 * Cancellation (issue moved, operator cancel, worker shutdown) kills the agent's process group,
 * runs `after_run`, and is confirmed to the workflow, which waits for it.
 */
import { CancelledFailure, Context } from '@temporalio/activity';
import { ZERO_USAGE } from '../../core/agent-events.js';
import { BatonError, ErrorCategory, oneLine } from '../../core/errors.js';
import { normalizeState, type Issue } from '../../core/issue.js';
import { issueHead, type StageRunInput, type StageRunOutcome, type StageSummary, type WorkspaceHome } from '../../core/protocol.js';
import { routeIssue } from '../../core/routing.js';
import { renderPrompt } from '../../config/prompt.js';
import type { BatonConfig, ResolvedStage } from '../../config/schema.js';
import { createAgentBackend } from '../../adapters/agents/index.js';
import type { AgentSession } from '../../adapters/agents/types.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';
import { assertAgentCwd, batonIssueEnv, buildChildEnv, ensureWorkspace, removeWorkspace, runAfterRun, runBeforeRun, workspaceSettingsFromConfig, type WorkspaceHookOptions } from '../../workspace/workspace.js';
import type { Logger } from '../../base/logger.js';
import { recordAgentTokens, recordStageRun } from '../../base/metrics.js';
import { readConfig } from '../orchestrator.js';
import type { BatonRuntime } from '../runtime.js';
import { waitForApproval } from './approval-bridge.js';
import { StageMonitor } from './monitor.js';
import { AgentPidRecord } from './orphans.js';
import { runTurns, type TurnLoopResult } from './turns.js';
import { stagePullRequest } from './pull-request.js';
import { applyStageWrites } from './writes.js';

/** Errors no retry can fix: the issue stops for an operator instead of retrying forever. */
const FATAL_CATEGORIES: ReadonlySet<string> = new Set([
  ErrorCategory.invalidConfig,
  ErrorCategory.templateParseError,
  ErrorCategory.templateRenderError,
  ErrorCategory.invalidTrackerConfig,
  ErrorCategory.missingTrackerSecret,
  ErrorCategory.unsupportedTrackerKind,
  ErrorCategory.agentNotFound,
  ErrorCategory.codexNotFound,
]);

export function createStageActivities(rt: BatonRuntime) {
  return {
    async runStage(input: StageRunInput): Promise<StageSummary> {
      const startedAt = new Date().toISOString();
      const { config, hash } = rt.config();
      const base = { startedAt, turns: 0, tokens: { ...ZERO_USAGE }, lastEvent: null, wrote: false, home: null, workspaceRemoved: false } as const;
      const configNote = hash !== input.configHash ? { config: readConfig(rt, input.configHash) } : {};
      const stage = config.stages.find((s) => s.name === input.stage);
      if (!stage) {
        return { ...base, ...configNote, outcome: 'fatal', error: `${ErrorCategory.invalidConfig}: stage ${input.stage} is no longer in ${config.source}`, issue: null, endedAt: now() };
      }
      const logger = rt.logger.child({ issue_id: input.issueId, issue_identifier: input.identifier, stage: stage.name });
      const pids = new AgentPidRecord(workspaceSettingsFromConfig(config).root, input.identifier);
      const monitor = new StageMonitor(rt, input.workflowId, stage.name, logger, (pid) => void pids.write(pid).catch(() => undefined));
      // Heartbeats cover the whole run, tracker calls and hooks included (see StageMonitor).
      monitor.startHeartbeat();
      try {
        const trackerConfig = rt.trackerConfig(config, input.tracker);
        const adapter = await rt.tracker(input.tracker);

        // Dispatch-time revalidation (SPEC §16.4): run only if the tracker still routes here.
        const [fetched] = await adapter.fetchIssuesByIds([input.issueId]);
        const route = routeIssue(trackerConfig, config.stages, fetched);
        if (!fetched || route.kind !== 'stage' || route.stage !== stage.name) {
          logger.info({ event: 'stage_skipped', route: route.kind }, 'the tracker no longer routes the issue to this stage; no agent started');
          return { ...base, ...configNote, outcome: 'rerouted', issue: fetched ? issueHead(fetched) : null, endedAt: now() };
        }
        const run = await runAgent(rt, input, config, stage, fetched, adapter, logger, monitor, pids);
        const summary: StageSummary = { ...base, ...configNote, ...run, endedAt: now() };
        if (summary.outcome !== 'succeeded' || !input.writes) return summary;
        monitor.phase('writing to the tracker');
        return await finishWithWrites(rt, input, config, stage, adapter, summary, logger);
      } finally {
        monitor.stop();
      }
    },
  };
}

function now(): string {
  return new Date().toISOString();
}

type RunPart = Pick<StageSummary, 'outcome' | 'turns' | 'tokens' | 'lastEvent' | 'issue' | 'home'> & Partial<Pick<StageSummary, 'sessionId' | 'error' | 'rateLimits'>>;

/** What one agent run carries from preparation through clean-up. */
interface AgentRun {
  readonly rt: BatonRuntime;
  readonly input: StageRunInput;
  readonly config: BatonConfig;
  readonly stage: ResolvedStage;
  readonly issue: Issue;
  readonly adapter: TrackerAdapter;
  readonly logger: Logger;
  readonly settings: ReturnType<typeof workspaceSettingsFromConfig>;
  readonly hooks: WorkspaceHookOptions;
  readonly monitor: StageMonitor;
  readonly abort: AbortController;
}

/** Prepare the workspace, run the agent's turns, clean up; throws CancelledFailure when cancelled. */
async function runAgent(
  rt: BatonRuntime,
  input: StageRunInput,
  config: BatonConfig,
  stage: ResolvedStage,
  issue: Issue,
  adapter: TrackerAdapter,
  logger: Logger,
  monitor: StageMonitor,
  pids: AgentPidRecord,
): Promise<RunPart> {
  const settings = workspaceSettingsFromConfig(config);
  const cancelled = Context.current().cancellationSignal;
  const abort = new AbortController();
  const onCancel = () => abort.abort(cancelled.reason);
  if (cancelled.aborted) onCancel();
  cancelled.addEventListener('abort', onCancel, { once: true });

  const hooks = { hooks: settings.hooks, hookTimeoutMs: settings.hookTimeoutMs, env: rt.env, secretEnvNames: settings.secretEnvNames, logger, stage: stage.name };
  const run: AgentRun = { rt, input, config, stage, issue, adapter, logger, settings, hooks, monitor, abort };
  const started = Date.now();
  logger.info({ event: 'stage_started', attempt: input.attempt, host: rt.hostQueue }, `stage ${stage.name} started (attempt ${input.attempt})`);

  let session: AgentSession | undefined;
  let workspacePath: string | undefined;
  let loop: TurnLoopResult | undefined;
  let failure: BatonError | Error | undefined;
  try {
    const workspace = await ensureWorkspace({ root: settings.root, issue, ...hooks, signal: abort.signal });
    workspacePath = workspace.path;
    // An agent orphaned by a killed worker must not run beside its retry.
    await pids.reap(logger);
    await runBeforeRun({ ...hooks, workspace: workspace.path, issue });
    const agent = await startAgentSession(run, workspace.path);
    session = agent.session;
    monitor.watchStalls(stage.policy.stall_timeout_ms, abort);
    if (session.pid) await pids.write(session.pid);
    loop = await runTurns({ session, prompt: agent.prompt, stage, stages: config.stages, tracker: rt.trackerConfig(config, input.tracker), adapter, issue, monitor, logger });
  } catch (err) {
    if (!abort.signal.aborted) failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    monitor.stopWatchingStalls();
    cancelled.removeEventListener('abort', onCancel);
    await session?.close().catch((err: unknown) => logger.warn({ err: String(err) }, 'agent close failed'));
    await pids.clear();
    if (workspacePath) await runAfterRun({ ...hooks, workspace: workspacePath, issue: loop?.issue ?? issue });
  }
  const home: WorkspaceHome = { queue: rt.hostQueue, path: workspacePath ?? null };
  if (cancelled.aborted) {
    logger.info({ event: 'stage_cancelled', duration_ms: Date.now() - started }, 'stage cancelled; agent stopped');
    recordStageRun({ stage: stage.name, outcome: 'cancelled', durationSeconds: (Date.now() - started) / 1000 });
    // Confirms the cancellation to the workflow, which waits for the agent to be gone; the details
    // say where the workspace is, so a terminal move can still remove it on this host.
    throw new CancelledFailure(String(cancelled.reason ?? 'cancelled'), [home]);
  }
  return reportRun(run, classify(monitor, stage, failure, loop), loop, home, started);
}

/** Render the prompt, check the agent's cwd and start the stage's backend in the workspace. */
async function startAgentSession(run: AgentRun, workspace: string): Promise<{ session: AgentSession; prompt: string }> {
  const { rt, input, config, stage, issue, adapter, logger, monitor, abort } = run;
  // The issue's repository, if any: `pr` and `repository` for the prompt, env, PR tools.
  const pr = await stagePullRequest(rt, input, issue, workspace, logger);
  const prompt = renderPrompt(stage.prompt_template, {
    issue,
    attempt: input.promptAttempt,
    stage: { name: stage.name, states: stage.states, max_turns: stage.policy.max_turns },
    ...pr.vars,
  });
  // SPEC §9.5 invariant 1: the agent runs only in this issue's workspace.
  await assertAgentCwd(run.settings.root, workspace, issue.identifier);
  const backend = await createAgentBackend(stage.policy.backend);
  const session = await backend.startSession({
    workspace,
    issue,
    stage,
    config,
    env: buildChildEnv({
      base: rt.env,
      secretEnvNames: run.settings.secretEnvNames,
      extra: {
        ...batonIssueEnv({ issue, stage: stage.name, workspace }),
        BATON_ATTEMPT: input.promptAttempt === null ? '' : String(input.promptAttempt),
        // Lets a command agent find scripts that ship next to the config file.
        BATON_CONFIG_DIR: config.base_dir,
        ...pr.env,
      },
    }),
    tools: pr.tools({ specs: adapter.agentTools(), execute: (name, args) => adapter.executeAgentTool(name, args, issue) }),
    logger,
    onEvent: monitor.onEvent,
    requestApproval: (request) => monitor.whileAwaitingOperator(() => waitForApproval(rt, input.workflowId, request, abort.signal)),
    signal: abort.signal,
  });
  return { session, prompt };
}

/** The run's part of the summary, its metrics and its lifecycle line. */
function reportRun(run: AgentRun, verdict: { outcome: StageRunOutcome; error?: string }, loop: TurnLoopResult | undefined, home: WorkspaceHome, started: number): RunPart {
  const { stage, monitor, logger } = run;
  const { outcome, error } = verdict;
  const part: RunPart = {
    outcome,
    turns: loop?.turns ?? 0,
    tokens: monitor.accountant.totals,
    lastEvent: monitor.lastEvent,
    issue: issueHead(loop?.issue ?? run.issue),
    home,
    ...(monitor.sessionId ? { sessionId: monitor.sessionId } : {}),
    ...(monitor.rateLimits ? { rateLimits: monitor.rateLimits } : {}),
    ...(error ? { error } : {}),
  };
  recordStageRun({ stage: stage.name, outcome, durationSeconds: (Date.now() - started) / 1000 });
  const tokens = monitor.accountant.totals;
  if (tokens.total_tokens > 0) recordAgentTokens({ stage: stage.name, backend: stage.policy.backend, input: tokens.input_tokens, output: tokens.output_tokens });
  const fields = { outcome, duration_ms: Date.now() - started, turns: part.turns, tokens: part.tokens.total_tokens, session_id: monitor.sessionId };
  // A failure's line names its category (the error text starts with it) and says what happened.
  if (error) logger.warn({ event: 'stage_failed', ...fields, category: /^([a-z_]+):/.exec(error)?.[1] ?? 'unknown', error }, `stage ${stage.name} ${outcome}: ${error}`);
  else logger.info({ event: 'stage_finished', ...fields }, `stage ${stage.name} ${outcome}`);
  return part;
}

function classify(monitor: StageMonitor, stage: ResolvedStage, failure: Error | undefined, loop: TurnLoopResult | undefined): { outcome: StageRunOutcome; error?: string } {
  if (monitor.stalled) return { outcome: 'failed', error: `${ErrorCategory.agentStalled}: no agent activity for ${stage.policy.stall_timeout_ms} ms` };
  if (failure) {
    const category = failure instanceof BatonError ? failure.category : undefined;
    const error = oneLine(category ? `${category}: ${failure.message}` : failure.message, 500);
    return { outcome: category && FATAL_CATEGORIES.has(category) ? 'fatal' : 'failed', error };
  }
  const result = loop?.result;
  if (!result || result.outcome === 'completed') return { outcome: 'succeeded' };
  const error = oneLine(result.error ? `${result.error.category}: ${result.error.message}` : `turn ended: ${result.outcome}`, 500);
  if (result.outcome === 'input_required') return { outcome: 'blocked', error };
  return { outcome: 'failed', error };
}

/**
 * The stage succeeded: apply its writes here (one round trip for the whole stage). A write that
 * fails leaves `wrote: false`; the workflow then writes through its own retried activity, so a
 * tracker outage never re-runs a finished agent.
 */
async function finishWithWrites(
  rt: BatonRuntime,
  input: StageRunInput,
  config: BatonConfig,
  stage: ResolvedStage,
  adapter: TrackerAdapter,
  summary: StageSummary,
  logger: Logger,
): Promise<StageSummary> {
  const writes = input.writes;
  if (!writes) return summary;
  let fresh: Issue | null;
  try {
    const [current] = await adapter.fetchIssuesByIds([input.issueId]);
    if (!current) return { ...summary, issue: null };
    const latest = {
      stage: stage.name,
      attempt: input.attempt,
      outcome: 'succeeded' as const,
      startedAt: summary.startedAt,
      endedAt: summary.endedAt,
      turns: summary.turns,
      tokens: summary.tokens,
      ...(summary.sessionId ? { sessionId: summary.sessionId } : {}),
    };
    fresh = await applyStageWrites(adapter, current, { writes, stage, progress: input.progress, latest });
  } catch (err) {
    logger.warn({ event: 'write_failed', err: err instanceof Error ? err.message : String(err) }, 'stage writes failed; the workflow retries them');
    return summary;
  }
  const wrote = { ...summary, wrote: true, issue: fresh ? issueHead(fresh) : null };
  const terminal = fresh && input.terminalStates.some((s) => normalizeState(s) === normalizeState(fresh.state));
  if (!terminal || !summary.home?.path) return wrote;
  try {
    const settings = workspaceSettingsFromConfig(config);
    await removeWorkspace({ root: settings.root, recordedPath: summary.home.path, issue: fresh, hooks: settings.hooks, hookTimeoutMs: settings.hookTimeoutMs, env: rt.env, secretEnvNames: settings.secretEnvNames, logger });
    return { ...wrote, workspaceRemoved: true };
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'workspace removal failed; the workflow retries it');
    return wrote;
  }
}
