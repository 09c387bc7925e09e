/**
 * Gates on the real Temporal dev server: the review stage waits until approved (by label, by
 * `baton approve`), and rejections route back to implement up to the bound, then stop with a
 * visible reason.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, readIssueFile, startWorker, waitFor, writeIssue, type Deployment } from '../helpers/deployment.js';
import { issueWorkflowId, approveUpdate, rejectUpdate } from '../../core/protocol.js';
import { scaled } from '../helpers/time.js';

const run = promisify(execFile);
let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

function gatedStages(gate: Record<string, unknown>) {
  return {
    stages: [
      { name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'In Progress' } },
      { name: 'implement', states: ['In Progress'], prompt: 'implement', on_success: { move_to: 'In Review' } },
      { name: 'review', states: ['In Review'], prompt: 'review', on_success: { move_to: 'Merging' }, gate },
      { name: 'merge', states: ['Merging'], prompt: 'merge', on_success: { move_to: 'Done' } },
    ],
  };
}

async function setLabels(d: Deployment, identifier: string, labels: string[]): Promise<void> {
  const file = await readIssueFile(d.issuesDir, identifier);
  await writeIssue(d.issuesDir, { identifier, state: file.state, labels });
}

describe('gates', () => {
  it('waits at the review gate until the approving label appears, then removes it and continues to Done', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'GATE-1' }],
      config: gatedStages({ wait_for: 'label', label: 'approved', reject_label: 'changes-requested', on_reject: 'implement', max_rework: 2 }),
    });
    const worker = await startWorker(env, d);
    try {
      const gated = await waitFor('gated', async () => {
        const s = await issueStatus(env.client, 'GATE-1');
        return s.status === 'gated' ? s : null;
      });
      expect(gated.stage).toBe('review');
      expect(gated.reason).toContain('approved');
      // Still waiting a few polls later: nothing moves without the label.
      await new Promise((r) => setTimeout(r, scaled(1_000)));
      expect((await issueStatus(env.client, 'GATE-1')).status).toBe('gated');
      expect((await readIssueFile(d.issuesDir, 'GATE-1')).state).toBe('In Review');

      await setLabels(d, 'GATE-1', ['agent', 'approved']);
      await waitFor('done', async () => (await issueStatus(env.client, 'GATE-1')).status === 'done', 30_000);
      const file = await readIssueFile(d.issuesDir, 'GATE-1');
      expect(file.state).toBe('Done');
      expect(file.labels).not.toContain('approved');
      const status = await issueStatus(env.client, 'GATE-1');
      expect(status.history.map((h) => `${h.stage}:${h.outcome}`)).toEqual([
        'plan:succeeded',
        'implement:succeeded',
        'review:succeeded',
        'review:approved',
        'merge:succeeded',
      ]);
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });

  it('is approved by `baton approve`, and refuses approving a finished issue', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'GATE-2' }],
      config: gatedStages({ wait_for: 'approval', on_reject: 'implement' }),
    });
    const worker = await startWorker(env, d);
    try {
      await waitFor('gated', async () => (await issueStatus(env.client, 'GATE-2')).status === 'gated');
      const cli = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'approve', 'GATE-2', '-c', d.configPath, '-r', 'looks good'], {
        cwd: process.cwd(),
      });
      expect(cli.stdout).toContain('GATE-2: approved');
      await waitFor('done', async () => (await issueStatus(env.client, 'GATE-2')).status === 'done', 30_000);
      expect((await readIssueFile(d.issuesDir, 'GATE-2')).state).toBe('Done');
      // Approving a finished issue is refused with a reason, not silently accepted.
      const again = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'approve', 'GATE-2', '-c', d.configPath]).catch((e: { code: number; stderr: string }) => e);
      expect((again as { code: number }).code).toBe(1);
      expect((again as { stderr: string }).stderr).toContain('nothing to approve; its Baton workflow has ended (completed)');
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });

  it('routes a rejection back to implement up to max_rework, then stops with a visible reason', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'GATE-3' }],
      config: gatedStages({ wait_for: 'approval', on_reject: 'implement', max_rework: 1 }),
    });
    const worker = await startWorker(env, d);
    try {
      const handle = env.client.workflow.getHandle(issueWorkflowId('local', 'GATE-3'));
      await waitFor('gated', async () => (await issueStatus(env.client, 'GATE-3')).status === 'gated');
      await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'needs tests' }] });
      // Back to implement, then review again, then gated again.
      await waitFor('gated again', async () => {
        const s = await issueStatus(env.client, 'GATE-3');
        return s.status === 'gated' && s.history.filter((h) => h.stage === 'implement' && h.outcome === 'succeeded').length === 2;
      });
      await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'still no tests' }] });
      const stopped = await waitFor('stopped', async () => {
        const s = await issueStatus(env.client, 'GATE-3');
        return s.status === 'stopped' ? s : null;
      });
      expect(stopped.reason).toMatch(/rejected 2 times at review \(max_rework 1\)/);
      expect(stopped.reworks.review).toBe(2);
      const runs = await agentRuns(d.logFile);
      expect(runs.map((r) => r.stage)).toEqual(['plan', 'implement', 'review', 'implement', 'review']);
      const file = await readIssueFile(d.issuesDir, 'GATE-3');
      expect(file.state).toBe('In Review');
      expect(file.text).toContain('max_rework 1');
      // Stopped is not gated: approving is refused until an operator retries.
      await handle.executeUpdate(approveUpdate, { args: [{}] }).then(
        () => expect.unreachable('approve must be refused while stopped'),
        (err: Error) => expect(String((err.cause as Error | undefined)?.message ?? err.message)).toContain('not waiting'),
      );
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
