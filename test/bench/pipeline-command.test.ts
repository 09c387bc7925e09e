/**
 * `bench/pipeline.ts` as a user runs it: a real child process that starts its own embedded
 * Temporal server and worker, pushes a couple of issues through, prints JSON and cleans up; and a
 * run cut short by `--timeout` that fails and still cleans up. Figures are checked for shape and
 * consistency only, never for speed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/report.js';
import { scaled } from '../helpers/time.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(repo, 'node_modules', '.bin', 'tsx');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['bench/pipeline.ts', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The temp folder the bench announced on stderr. */
function benchFolder(stderr: string): string | undefined {
  return /folder (\S+)/.exec(stderr)?.[1];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('bench/pipeline.ts', () => {
  it('measures a tiny run end to end, prints consistent JSON and leaves nothing behind', async () => {
    const { code, stdout, stderr } = await runBench([
      '--json',
      '--issues',
      '2',
      '--latency-issues',
      '1',
      '--warmup',
      '0',
      '--poll-ms',
      '200',
      '--idle-window-ms',
      '1000',
      '--timeout',
      '170',
    ]);
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout) as BenchResult;

    expect(r.machine.cores).toBe(cpus().length);
    expect(r.machine.node).toBe(process.version);
    expect(r.machine.temporalCli).toMatch(/temporal version/);
    expect(r.machine.loginShell.agents).toHaveProperty('ms');

    expect(r.latency.map((l) => [l.trigger, l.samplesMs.length, l.summary.count])).toEqual([
      ['refresh', 1, 1],
      ['poll', 1, 1],
    ]);
    for (const l of r.latency) {
      expect(l.failedStageRuns).toBe(0);
      expect(l.samplesMs[0]).toBeGreaterThan(0);
      const s = l.segments!;
      // The three segments partition the latency exactly.
      expect(s.dispatch.median + s.slot.median + s.agentStart.median).toBeCloseTo(l.samplesMs[0]!, 0);
    }

    const t = r.throughput!;
    expect(t).toMatchObject({ issues: 2, stages: 4, stageRuns: 8, extraStageRuns: 0, failedStageRuns: 0, maxConcurrentAgents: 10, pollIntervalMs: 200 });
    expect(t.wallMs).toBeGreaterThan(0);
    expect(t.allClosedMs).toBeGreaterThanOrEqual(t.wallMs);
    expect(t.issuesPerMinute).toBeCloseTo((2 * 60_000) / t.wallMs, 6);
    expect([t.burst.dispatch.count, t.burst.slot.count, t.burst.agentStart.count]).toEqual([2, 2, 2]);
    if (process.platform === 'linux') {
      expect(t.cpu!.workerSeconds).toBeGreaterThan(0);
      expect(t.cpu!.serverSeconds).toBeGreaterThan(0);
    }

    const h = r.history!;
    expect(h.issue.workflows).toBe(2);
    expect(h.issue.events.min).toBeGreaterThan(10);
    expect(h.issue.mix.map((k) => k.kind)).toContain('activityTaskScheduled');
    expect(h.issue.activities.find((a) => a.type === 'runStage')?.ms.count).toBe(8);
    expect(h.orchestrator.activities.map((a) => a.type)).toContain('pollTrackers (local)');
    expect(h.issue.activities.map((a) => a.type)).toContain('reportToOrchestrator (local)');
    expect(h.orchestrator.runs).toBeGreaterThanOrEqual(1);
    expect(h.orchestrator.ticks).toBeGreaterThanOrEqual(1);
    expect(h.orchestrator.eventsPerTick).toBeCloseTo(h.orchestrator.events / h.orchestrator.ticks, 6);

    expect(r.memory.worker.peakMiB).toBeGreaterThanOrEqual(r.memory.worker.endMiB - 1);
    expect(Object.keys(r.memory.worker.peakByPhaseMiB)).toEqual(['startup', 'latency-refresh', 'latency-poll', 'throughput']);
    const server = r.memory.server!;
    if (process.platform === 'linux') expect(server.hwmMiB).toBeGreaterThan(0);
    expect(alive(server.pid)).toBe(false);

    const folder = benchFolder(stderr);
    expect(folder).toBeDefined();
    expect(existsSync(folder!)).toBe(false);
  }, scaled(200_000));

  it('fails with a non-zero exit when --timeout passes, and still cleans up', async () => {
    const { code, stdout, stderr } = await runBench(['--issues', '50', '--latency-issues', '0', '--timeout', '1']);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--timeout 1 s/);
    const folder = benchFolder(stderr);
    if (folder) expect(existsSync(folder)).toBe(false);
  }, scaled(120_000));
});
