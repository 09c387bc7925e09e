/**
 * Workspace hooks in a real pipeline (SPEC §5.3.4, §9.4, §17.2, §18.1): the dev server, a worker,
 * the file tracker and shell agents. A failing `before_run` starts no agent and fails the stage,
 * which the workflow retries; `after_run` runs after every attempt — succeeded, failed, cancelled,
 * and the one `before_run` refused — and its own failure changes no outcome; a failing
 * `before_remove` is logged and the workspace is removed anyway.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { agentRuns, createDeployment, issueStatus, listWorkspaces, waitFor, writeIssue } from '../helpers/deployment.js';
import { captureLog, startLoggedWorker, WARN } from '../helpers/log-capture.js';
import { scaled } from '../helpers/time.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** `<hook> <stage> <identifier>` lines the hooks append to the deployment's hook log. */
async function hookLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

describe('workspace hooks through the pipeline', () => {
  it('§17.2 a failing before_run starts no agent and the stage is retried; after_run runs after succeeded, failed, refused and cancelled attempts and its failure changes nothing; a failing before_remove is logged and the workspace still goes', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'HOOK-1' }, { identifier: 'HOOK-2' }, { identifier: 'HOOK-3' }],
      agentBody: [
        // HOOK-2's first plan run fails; its retry succeeds.
        'if [ "$BATON_ISSUE_IDENTIFIER" = HOOK-2 ] && [ "$BATON_STAGE" = plan ] && [ ! -f .plan-failed ]; then touch .plan-failed; exit 1; fi',
        // HOOK-3's implement agent runs until the tracker move cancels it.
        'if [ "$BATON_ISSUE_IDENTIFIER" = HOOK-3 ] && [ "$BATON_STAGE" = implement ]; then sleep 60 & wait; fi',
        'true',
      ].join('\n'),
    });
    const hookLog = path.join(d.dir, 'hooks.log');
    const log = (hook: string) => `echo "${hook} $BATON_STAGE $BATON_ISSUE_IDENTIFIER" >> ${JSON.stringify(hookLog)}`;
    await d.writeConfig({
      hooks: {
        // HOOK-1's first implement attempt is refused by before_run.
        before_run: `${log('before_run')}\nif [ "$BATON_ISSUE_IDENTIFIER" = HOOK-1 ] && [ "$BATON_STAGE" = implement ] && [ ! -f .refused ]; then touch .refused; echo "no credentials for the build" >&2; exit 3; fi`,
        after_run: `${log('after_run')}\nexit 1`,
        before_remove: `${log('before_remove')}\necho "cannot archive the branch" >&2\nexit 4`,
        timeout_ms: scaled(10_000),
      },
    });
    const captured = captureLog();
    const worker = await startLoggedWorker(env, d, captured.logger);
    try {
      // HOOK-3: cancel the running implement agent by moving the issue out of the active states.
      await waitFor('HOOK-3 implement agent', async () => (await agentRuns(d.logFile)).some((r) => r.identifier === 'HOOK-3' && r.stage === 'implement'), 30_000);
      await writeIssue(d.issuesDir, { identifier: 'HOOK-3', state: 'Backlog' });

      const done = await waitFor(
        'HOOK-1 and HOOK-2 done, HOOK-3 released',
        async () => {
          const all = await Promise.all(['HOOK-1', 'HOOK-2', 'HOOK-3'].map((id) => issueStatus(env.client, id)));
          return all[0]!.status === 'done' && all[1]!.status === 'done' && all[2]!.status === 'released' ? all : null;
        },
        60_000,
      );
      const [one, two, three] = done;

      // before_run refused HOOK-1's first implement attempt: no agent ran for it, the stage failed
      // with the hook's reason, and the retry went on to Done.
      const runs = await agentRuns(d.logFile);
      const stagesRun = (id: string) => runs.filter((r) => r.identifier === id).map((r) => r.stage);
      expect(stagesRun('HOOK-1')).toEqual(['plan', 'implement', 'review', 'merge']);
      const implement = one!.history.filter((h) => h.stage === 'implement');
      expect(implement.map((h) => [h.attempt, h.outcome])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);
      expect(implement[0]!.error).toMatch(/before_run hook exited with 3.*no credentials for the build/);

      // after_run exits 1 every time, yet every outcome stands: HOOK-2's plan failed once and was
      // retried because its agent failed, not because of after_run.
      expect(two!.history.filter((h) => h.stage === 'plan').map((h) => h.outcome)).toEqual(['failed', 'succeeded']);
      expect(one!.history.every((h) => h.outcome === 'succeeded' || (h.stage === 'implement' && h.attempt === 1))).toBe(true);
      expect(three!.history.at(-1)).toMatchObject({ stage: 'implement', outcome: 'cancelled' });

      const lines = await hookLines(hookLog);
      const afterRuns = (id: string) => lines.filter((l) => l.startsWith('after_run') && l.endsWith(` ${id}`)).map((l) => l.split(' ')[1]);
      // One after_run per attempt, including the attempt before_run refused.
      expect(afterRuns('HOOK-1')).toEqual(['plan', 'implement', 'implement', 'review', 'merge']);
      // After the failed plan run, and after the cancelled implement run.
      expect(afterRuns('HOOK-2')).toEqual(['plan', 'plan', 'implement', 'review', 'merge']);
      // The workflow waits for a cancelled run to finish, after_run included, before it moves on.
      expect(afterRuns('HOOK-3')).toEqual(['plan', 'implement']);

      // before_remove failed for both finished issues; both workspaces are gone anyway, and the
      // released one is kept (no cleanup for a non-active move).
      expect(lines.filter((l) => l.startsWith('before_remove')).map((l) => l.split(' ')[2]).sort()).toEqual(['HOOK-1', 'HOOK-2']);
      const workspaces = await listWorkspaces(d.dir);
      expect(workspaces).not.toContain('HOOK-1');
      expect(workspaces).not.toContain('HOOK-2');
      expect(workspaces).toContain('HOOK-3');
      const warned = (hook: string) => captured.lines().filter((l) => l.level === WARN && l.hook === hook);
      expect(warned('before_remove').map((l) => l.msg)).toContain('hook before_remove failed; ignored as the spec requires');
      expect(warned('after_run').filter((l) => l.msg === 'hook after_run failed; ignored as the spec requires')).toHaveLength(12);
    } finally {
      await worker.stop();
    }
  });
});
