/**
 * The secret-free, prompt-free slice of the effective config that workflows record in history
 * (`ConfigView`). Trackers keep only their rules and their repository's secret-free view; stages
 * keep only routing, writes and gates.
 */
import type { ConfigView, GateView } from '../core/protocol.js';
import type { RepositoryView } from '../core/pull-request.js';
import type { BatonConfig, RepositoryConfig, ResolvedStage } from './schema.js';

/** A repository as workflows see it: where, which branches, how often to poll; never the token. */
export function toRepositoryView(r: RepositoryConfig): RepositoryView {
  return {
    kind: r.kind,
    repo: r.repo,
    base: r.base,
    branchPrefix: r.branch_prefix,
    useTrackerBranch: r.use_tracker_branch,
    pollIntervalMs: r.poll_interval_ms,
    pollMaxIntervalMs: Math.max(r.poll_interval_ms, r.poll_max_interval_ms),
  };
}

function gateView(gate: NonNullable<ResolvedStage['gate']>): GateView {
  return {
    wait_for: gate.wait_for,
    ...(gate.label !== undefined ? { label: gate.label } : {}),
    ...(gate.state !== undefined ? { state: gate.state } : {}),
    ...(gate.reject_label !== undefined ? { reject_label: gate.reject_label } : {}),
    ...(gate.on_reject !== undefined ? { on_reject: gate.on_reject } : {}),
    max_rework: gate.max_rework,
    ...(gate.required_checks !== undefined ? { required_checks: [...gate.required_checks] } : {}),
    ...(gate.required_approvals !== undefined ? { required_approvals: gate.required_approvals } : {}),
    ...(gate.require_checks !== undefined ? { require_checks: gate.require_checks } : {}),
    ...(gate.on_closed !== undefined ? { on_closed: gate.on_closed } : {}),
  };
}

export function toConfigView(config: BatonConfig, hash: string): ConfigView {
  return {
    hash,
    deployment: config.name,
    pollIntervalMs: config.polling.interval_ms,
    maxConcurrentAgents: config.agent.max_concurrent_agents,
    maxConcurrentAgentsByState: { ...config.agent.max_concurrent_agents_by_state },
    maxRetryBackoffMs: config.agent.max_retry_backoff_ms,
    retryBaseMs: config.agent.retry_base_ms,
    continuationDelayMs: config.agent.continuation_delay_ms,
    heartbeatTimeoutMs: config.agent.heartbeat_timeout_ms,
    rehomeAfterMs: config.agent.rehome_after_ms,
    hookTimeoutMs: config.hooks.timeout_ms,
    // Symphony's single `run` stage makes no tracker writes of its own (SPEC §11.5); Baton's stages
    // keep one progress comment per issue. `progress_comment` says otherwise for either.
    progressComment: config.progress_comment ?? config.flavor === 'baton',
    taskQueue: config.temporal.task_queue,
    trackers: config.trackers.map((t) => ({
      name: t.name,
      kind: t.kind,
      required_labels: [...t.required_labels],
      active_states: [...t.active_states],
      terminal_states: [...t.terminal_states],
      ...(t.repository ? { repository: toRepositoryView(t.repository) } : {}),
    })),
    stages: config.stages.map((s) => ({
      name: s.name,
      states: [...s.states],
      backend: s.policy.backend,
      ...(s.policy.max_concurrent !== undefined ? { max_concurrent: s.policy.max_concurrent } : {}),
      on_success: {
        ...(s.on_success.move_to !== undefined ? { move_to: s.on_success.move_to } : {}),
        add_labels: [...s.on_success.add_labels],
        remove_labels: [...s.on_success.remove_labels],
        ...(s.on_success.comment !== undefined ? { comment: s.on_success.comment } : {}),
        ...(s.on_success.merge_pull_request ? { merge_pull_request: { ...s.on_success.merge_pull_request } } : {}),
      },
      ...(s.gate ? { gate: gateView(s.gate) } : {}),
    })),
  };
}
