import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { configError } from './helpers.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'config', 'symphony-elixir-WORKFLOW.md');

describe('Symphony elixir/WORKFLOW.md runs on Baton unchanged', () => {
  it('§5.3 parses to the expected typed config', () => {
    const { config, warnings } = loadConfig(fixture, { env: { LINEAR_API_KEY: 'lin_test_key' }, home: '/home/dev', trackerProfiles });
    expect(warnings).toEqual([]);
    expect(config.flavor).toBe('symphony');
    expect(config.source).toBe(fixture);
    expect(config.trackers).toEqual([
      {
        name: 'linear',
        kind: 'linear',
        provider: expect.objectContaining({
          endpoint: 'https://api.linear.app/graphql',
          project_slug: 'symphony-0c79b11b75ea',
          api_key: 'lin_test_key',
        }),
        required_labels: [],
        active_states: ['Todo', 'In Progress', 'Merging', 'Rework'],
        terminal_states: ['Closed', 'Cancelled', 'Canceled', 'Duplicate', 'Done'],
        secret_env: ['LINEAR_API_KEY'],
      },
    ]);
    expect(config.polling).toEqual({ interval_ms: 5000 });
    expect(config.workspace).toEqual({ root: '/home/dev/code/symphony-workspaces' });
    expect(config.hooks).toEqual({
      after_create:
        'git clone --depth 1 https://github.com/openai/symphony .\n' +
        'if command -v mise >/dev/null 2>&1; then\n' +
        '  cd elixir && mise trust && mise exec -- mix deps.get\n' +
        'fi\n',
      before_remove: 'cd elixir && mise exec -- mix workspace.before_remove\n',
      timeout_ms: 60_000,
    });
    expect(config.agent).toEqual({
      backend: 'codex',
      max_concurrent_agents: 10,
      max_turns: 20,
      max_retry_backoff_ms: 300_000,
      max_concurrent_agents_by_state: {},
      retry_base_ms: 10_000,
      continuation_delay_ms: 1_000,
      heartbeat_timeout_ms: 30_000,
      rehome_after_ms: 60_000,
    });
    expect(config.codex).toEqual({
      command: `codex --config shell_environment_policy.inherit=all --config 'model="gpt-5.5"' --config model_reasoning_effort=xhigh app-server`,
      approval_policy: 'never',
      thread_sandbox: 'workspace-write',
      turn_sandbox_policy: { type: 'workspaceWrite', networkAccess: true },
      turn_timeout_ms: 3_600_000,
      read_timeout_ms: 5_000,
      stall_timeout_ms: 300_000,
    });
    expect(config.stages).toHaveLength(1);
    const run = config.stages[0]!;
    expect(run).toEqual({
      name: 'run',
      states: ['Todo', 'In Progress', 'Merging', 'Rework'],
      agent: {},
      on_success: { add_labels: [], remove_labels: [] },
      prompt_template: expect.stringMatching(/^You are a careful engineer working on \{\{ issue\.identifier \}\}[\s\S]*\{\{ issue\.description \}\}$/),
      policy: { backend: 'codex', max_turns: 20, turn_timeout_ms: 3_600_000, stall_timeout_ms: 300_000 },
    });
  });

  it('§17.1 uses the real home directory for ~ by default', () => {
    const { config } = loadConfig(fixture, { env: { LINEAR_API_KEY: 'k' }, trackerProfiles });
    expect(config.workspace.root).toBe(join(homedir(), 'code/symphony-workspaces'));
  });

  it('§17.1 without LINEAR_API_KEY the error is missing_tracker_secret naming LINEAR_API_KEY', () => {
    const err = configError(() => loadConfig(fixture, { env: {}, trackerProfiles }));
    expect(err.category).toBe('missing_tracker_secret');
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]).toMatchObject({ file: fixture, line: 2, column: 1, path: 'tracker' });
    expect(err.errors[0]!.message).toContain('LINEAR_API_KEY');
    expect(err.errors[0]!.hint).toContain('LINEAR_API_KEY');
  });
});
