/**
 * The secret-free, prompt-free slice of the effective config that workflows record in history
 * (`ConfigView`). Trackers keep only their rules; stages keep only routing, writes and gates.
 */
import type { ConfigView } from '../core/protocol.js';
import type { BatonConfig } from './schema.js';

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
    taskQueue: config.temporal.task_queue,
    trackers: config.trackers.map((t) => ({
      name: t.name,
      kind: t.kind,
      required_labels: [...t.required_labels],
      active_states: [...t.active_states],
      terminal_states: [...t.terminal_states],
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
      },
      ...(s.gate
        ? {
            gate: {
              wait_for: s.gate.wait_for,
              ...(s.gate.label !== undefined ? { label: s.gate.label } : {}),
              ...(s.gate.state !== undefined ? { state: s.gate.state } : {}),
              ...(s.gate.reject_label !== undefined ? { reject_label: s.gate.reject_label } : {}),
              ...(s.gate.on_reject !== undefined ? { on_reject: s.gate.on_reject } : {}),
              max_rework: s.gate.max_rework,
            },
          }
        : {}),
    })),
  };
}
