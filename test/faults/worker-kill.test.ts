/**
 * A worker killed with SIGKILL at each step of an issue's pipeline — an agent run, the stage's own
 * tracker writes, a gate's writes (the `applyWrites` local activity) — on the Linear fake, with
 * real `baton worker` processes and the shared dev server. A replacement worker for the same host
 * starts at once; every issue still ends Done, and Linear shows nothing twice: one progress
 * comment (created once), each state move once, the gate label on and off once.
 *
 * Figures (printed, not asserted): how long after the kill work resumed, and how much of that was
 * the replacement starting.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentRuns } from '../helpers/deployment.js';
import { scaled } from '../helpers/time.js';
import { firstSeen, isMove, linearDeployment, operation } from './linear-deployment.js';
import { expectWrittenOnce, heartbeatBound, printFigures, stageStartedAgain, useKillHarness } from './kill-harness.js';

const harness = useKillHarness();

describe('a worker killed with SIGKILL mid-pipeline (Linear fake)', () => {
  it('during an agent run: the stage runs again on the replacement; Done, nothing written twice', { timeout: scaled(300_000) }, async () => {
    const dep = harness().own(await linearDeployment({
      prefix: 'KAGT',
      agentBody: ['marker="$BATON_CONFIG_DIR/implement-once"', 'if [ "$BATON_STAGE" = implement ] && [ ! -e "$marker" ]; then touch "$marker"; sleep 600; fi'].join('\n'),
    }));
        const k = await harness().killAt(dep, 'kill-agent-host', 'the implement agent to run', async () => (await agentRuns(dep.d.logFile)).some((r) => r.stage === 'implement'));
    const resumed = stageStartedAgain(k);
    await harness().untilDone(dep);
    printFigures('an agent run', k, await resumed, `${heartbeatBound(dep)} + agent.retry_base_ms`);
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'implement', 'review', 'merge']);
  });

  it("during the stage's own tracker writes (the state move hangs): the stage runs again; one comment, one move", { timeout: scaled(300_000) }, async () => {
    // The first implement run waits for the test's go, so the fault is in place before its writes.
    const go = '"$BATON_CONFIG_DIR/go-implement"';
    const dep = harness().own(await linearDeployment({ prefix: 'KWRT', agentBody: `if [ "$BATON_STAGE" = implement ]; then while [ ! -e ${go} ]; do sleep 0.05; done; fi` }));
        let moves = -1;
    const k = await harness().killAt(dep, 'kill-write-host', "implement's state move in flight", async () => {
      if (moves < 0) {
        if (!(await agentRuns(dep.d.logFile)).some((r) => r.stage === 'implement')) return false;
        // Plan's writes are done (implement started after them): the next move is implement's.
        moves = dep.fake.requests.filter(isMove).length;
        dep.fake.inject({ kind: 'hang', operation: 'BatonIssueUpdate' });
        await writeFile(path.join(dep.d.dir, 'go-implement'), '');
      }
      return dep.fake.requests.filter(isMove).length > moves;
    });
    // The comment was written before the move hung: the retry must update it, not add one.
    expect(dep.commentCreates()).toBe(1);
    const resumed = stageStartedAgain(k);
    await harness().untilDone(dep);
    printFigures("a stage's tracker writes", k, await resumed, `${heartbeatBound(dep)} + agent.retry_base_ms (the activity heartbeats through its writes)`);
    // The move never landed, so the tracker still routed the issue to implement: its agent ran again.
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'implement', 'review', 'merge']);
  });

  it("during a gate's writes (applyWrites, a local activity): the writes run again on the replacement; the agent does not", { timeout: scaled(300_000) }, async () => {
    const dep = harness().own(await linearDeployment({ prefix: 'KGAT', gate: true }));
        let updates = -1;
    const k = await harness().killAt(dep, 'kill-gate-host', "the review gate's writes in flight", async () => {
      if (updates < 0) {
        const status = await harness().status(dep).catch(() => null);
        if (status?.status !== 'gated') return false;
        updates = dep.fake.requests.filter((r) => operation(r) === 'BatonIssueUpdate').length;
        // The first write after approval (removing the gate label) hangs.
        dep.fake.inject({ kind: 'hang', operation: 'BatonIssueUpdate' });
        dep.addGateLabel();
      }
      return dep.fake.requests.filter((r) => operation(r) === 'BatonIssueUpdate').length > updates;
    });
    const resumed = firstSeen(() => dep.fake.requests.filter((r) => operation(r) === 'BatonIssueUpdate').length > updates + 1, 120_000);
    await harness().untilDone(dep);
    printFigures("a gate's writes", k, await resumed, 'the workflow task timeout (10 s): the dead worker held the task that runs the local activity');
    await expectWrittenOnce(dep, true, ['plan', 'implement', 'review', 'merge']);
  });
});
