/**
 * A worker killed with SIGKILL while it prepares or removes a workspace — inside a slow
 * `after_create` hook, and inside a slow `before_remove` hook after the last stage made the issue
 * Done — on the Linear fake, with real `baton worker` processes and the shared dev server. A
 * replacement worker for the same host starts at once; the issue still ends Done with its
 * workspace bootstrapped before any agent ran (and removed at the end), and Linear shows nothing
 * twice. Figures as in worker-kill.test.ts.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scaled } from '../helpers/time.js';
import { eventLine, firstSeen, linearDeployment } from './linear-deployment.js';
import { expectWrittenOnce, heartbeatBound, printFigures, stageStartedAgain, useKillHarness } from './kill-harness.js';

const harness = useKillHarness();

/** A hook that logs its start, hangs the first time it runs (until killed), then does `work` and logs its end. */
function slowOnceHook(name: string, work = 'true'): string {
  return [
    eventLine('$EVENTS', `${name} start`),
    `marker="$(dirname $EVENTS)/${name}-once"`,
    'if [ ! -e "$marker" ]; then touch "$marker"; sleep 600; fi',
    work,
    eventLine('$EVENTS', `${name} done`),
  ].join('\n');
}

const count = (events: Array<{ what: string }>, what: string) => events.filter((e) => e.what === what).length;

describe('a worker killed with SIGKILL in a workspace hook (Linear fake)', () => {
  it('during workspace creation (after_create): the workspace is bootstrapped again before any agent runs; Done, nothing written twice', { timeout: scaled(300_000) }, async () => {
    const dep = harness().own(
      await linearDeployment({
        prefix: 'KCRT',
        hooks: { after_create: slowOnceHook('after_create', 'echo ok > bootstrapped'), timeout_ms: scaled(120_000) },
        // Every agent needs what after_create makes, as a real checkout would.
        agentBody: '[ -f bootstrapped ] || { echo "the workspace was never bootstrapped (after_create did not finish)" >&2; exit 1; }',
      }),
    );
    const k = await harness().killAt(dep, 'kill-create-host', 'after_create to be running', async () => count(await dep.events(), 'after_create start') > 0);
    const resumed = stageStartedAgain(k);
    const status = await harness().untilDone(dep);
    printFigures('workspace creation (after_create)', k, await resumed, `${heartbeatBound(dep)} (the stage activity heartbeats while it prepares the workspace)`);

    const events = await dep.events();
    expect({ started: count(events, 'after_create start'), finished: count(events, 'after_create done') }).toEqual({ started: 2, finished: 1 });
    // No agent ever found a half-made workspace: plan ran once, after the bootstrap, and passed.
    expect(status.history.filter((h) => h.outcome !== 'succeeded').map((h) => `${h.stage}:${h.outcome}`)).toEqual(['plan:failed']);
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'review', 'merge']);
  });

  it('during workspace removal (before_remove) after the last stage: the replacement removes it; Done, nothing written twice', { timeout: scaled(300_000) }, async () => {
    const dep = harness().own(
      await linearDeployment({
        prefix: 'KRMV',
        hooks: { before_remove: slowOnceHook('before_remove'), timeout_ms: scaled(120_000) },
      }),
    );
    const k = await harness().killAt(dep, 'kill-remove-host', 'before_remove to be running', async () => count(await dep.events(), 'before_remove start') > 0);
    const resumed = firstSeen(async () => count(await dep.events(), 'before_remove start') > 1, 120_000);
    const status = await harness().untilDone(dep);
    printFigures('workspace removal (before_remove)', k, await resumed, `${heartbeatBound(dep)} + agent.retry_base_ms, then the cleanup activity`);

    const events = await dep.events();
    expect({ started: count(events, 'before_remove start'), finished: count(events, 'before_remove done') }).toEqual({ started: 2, finished: 1 });
    const workspace = status.workspacePath ?? path.join(dep.d.dir, 'workspaces', dep.issue.identifier);
    await expect(access(workspace)).rejects.toMatchObject({ code: 'ENOENT' });
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'review', 'merge']);
  });
});
