/**
 * Slot limits measured from agent start/stop timestamps, and live config edits (SPEC §6.2, §8.3):
 * a valid YAML edit applies without restart; a broken edit keeps the last good config and is
 * visible in the orchestrator's status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor, writeIssue, type AgentRun } from '../helpers/deployment.js';
import { writeFile } from 'node:fs/promises';
import { scaled } from '../helpers/time.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Highest number of runs (matching `filter`) overlapping at any instant. */
function maxOverlap(runs: AgentRun[], filter: (r: AgentRun) => boolean = () => true): number {
  const points = runs.filter(filter).flatMap((r) => [
    { t: r.start, d: 1 },
    { t: r.stop ?? Number.POSITIVE_INFINITY, d: -1 },
  ]);
  // Ends sort before starts at the same instant: a slot handed over is not an overlap.
  points.sort((a, b) => a.t - b.t || a.d - b.d);
  let cur = 0;
  let max = 0;
  for (const p of points) {
    cur += p.d;
    max = Math.max(max, cur);
  }
  return max;
}

describe('limits', () => {
  it('§17.4/§8.3 never runs more than max_concurrent_agents, nor more than the per-state limit', async () => {
    const ids = ['LIM-1', 'LIM-2', 'LIM-3', 'LIM-4', 'LIM-5'];
    const d = await createDeployment({
      issues: ids.map((identifier) => ({ identifier })),
      agentBody: 'sleep 0.4',
      config: {
        agent: {
          backend: 'command',
          max_concurrent_agents: 2,
          max_concurrent_agents_by_state: { ' TODO ': 1 },
          retry_base_ms: 300,
          continuation_delay_ms: 200,
          heartbeat_timeout_ms: scaled(3_000),
        },
      },
    });
    const worker = await startWorker(env, d);
    try {
      await waitFor('all done', async () => (await Promise.all(ids.map((id) => issueStatus(env.client, id).catch(() => null)))).every((s) => s?.status === 'done'), 90_000, 500);
      const runs = await agentRuns(d.logFile);
      expect(runs).toHaveLength(ids.length * 4);
      expect(runs.every((r) => r.stop !== undefined)).toBe(true);
      expect(maxOverlap(runs)).toBeLessThanOrEqual(2);
      // More than one ran at once overall, so the global limit (not an accident) capped it.
      expect(maxOverlap(runs)).toBe(2);
      expect(maxOverlap(runs, (r) => r.stage === 'plan')).toBe(1);
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});

describe('live config reload', () => {
  it('§17.1/§6.2 applies a YAML edit without restart, and keeps the last good config on a broken edit', async () => {
    const d = await createDeployment({ issues: [], config: { polling: { interval_ms: 60_000 } } });
    const worker = await startWorker(env, d);
    try {
      const first = await waitFor('first poll', async () => {
        const s = await orchestratorStatus(env.client, d);
        return s.lastPollAt ? s : null;
      });
      expect(first.view?.pollIntervalMs).toBe(60_000);
      expect(first.view?.maxConcurrentAgents).toBe(10);

      // With a one-minute interval, a new issue is only seen after the edit shortens it.
      await d.writeConfig({ polling: { interval_ms: 300 }, agent: { ...(d.config.agent as object), max_concurrent_agents: 3 } });
      await writeIssue(d.issuesDir, { identifier: 'RLD-1' });
      // The orchestrator notices the edit on its next tick; nudge it once instead of waiting a minute.
      const { refreshSignal, orchestratorWorkflowId } = await import('../../core/protocol.js');
      await env.client.workflow.getHandle(orchestratorWorkflowId(d.name)).signal(refreshSignal);
      const applied = await waitFor('new config applied', async () => {
        const s = await orchestratorStatus(env.client, d);
        return s.view?.pollIntervalMs === 300 ? s : null;
      });
      expect(applied.view?.maxConcurrentAgents).toBe(3);
      await waitFor('RLD-1 done', async () => (await issueStatus(env.client, 'RLD-1')).status === 'done', 30_000);

      // A broken edit: the last good config stays, the error is visible, polling goes on.
      await writeFile(d.configPath, 'polling:\n  interval_ms: "soon"\n');
      const broken = await waitFor('config error visible', async () => {
        const s = await orchestratorStatus(env.client, d);
        return s.configError ? s : null;
      });
      expect(broken.configError).toContain('interval_ms');
      expect(broken.view?.pollIntervalMs).toBe(300);
      const ticks = broken.ticks;
      await waitFor('still polling', async () => (await orchestratorStatus(env.client, d)).ticks > ticks + 2);

      // Fixing the file clears the error.
      await d.writeConfig({ polling: { interval_ms: 400 } });
      await waitFor('error cleared', async () => {
        const s = await orchestratorStatus(env.client, d);
        return s.configError === null && s.view?.pollIntervalMs === 400;
      });
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
