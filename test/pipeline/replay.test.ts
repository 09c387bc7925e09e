/**
 * Determinism: running workflows must survive a deploy. Every history committed under
 * test/histories (recorded by scripts/record-histories.ts from a real run) and the histories of a
 * run this file makes itself are replayed against the current workflow code; any nondeterminism
 * (or other replay failure) fails the test. A control proves the harness notices a mismatch.
 *
 * Histories of Baton 0.1's workflow types (test/histories/retired/) are the documented cut-over:
 * this code does not run them (the types are gone), and `baton start` refuses to run while any is
 * still open on its task queue, with the command that ends them.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowBundle } from '../../runtime/worker.js';
import { assertNoRetiredWorkflows } from '../../runtime/cut-over.js';
import { RETIRED_WORKFLOW_TYPES, WorkflowType } from '../../core/protocol.js';
import { BatonError } from '../../core/errors.js';
import { HISTORIES_DIR, historyFromJson, historyToJson, readHistoryFile, runRecordingScenario } from '../../scripts/record-histories.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { scaled } from '../helpers/time.js';

interface Replayable {
  workflowId: string;
  history: History;
}

/** Replay each history against the current workflow bundle; one `error` (or null) per history. */
async function replay(histories: Replayable[]): Promise<{ workflowId: string; error: string | null; kind: string | null }[]> {
  const results: { workflowId: string; error: string | null; kind: string | null }[] = [];
  const options = { workflowBundle: await workflowBundle(), replayName: 'baton-replay-test' };
  for await (const r of Worker.runReplayHistories(options, histories)) {
    results.push({ workflowId: r.workflowId, error: r.error ? r.error.message : null, kind: r.error ? r.error.name : null });
  }
  return results;
}

function workflowType(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

async function committedHistories(dir = HISTORIES_DIR): Promise<Replayable[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => ({ workflowId: path.basename(f, '.json'), history: await readHistoryFile(path.join(dir, f)) })));
}

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('replaying workflow histories against the current workflow code', () => {
  it('replays every committed history in test/histories without a nondeterminism error', async () => {
    const committed = await committedHistories();
    // Both workflow types, and the issue history walks every path worth keeping (see the script).
    expect(committed.map((h) => workflowType(h.history)).sort()).toEqual(expect.arrayContaining([WorkflowType.issue, WorkflowType.orchestrator]));
    const issue = committed.find((h) => workflowType(h.history) === WorkflowType.issue)!.history;
    const events = issue.events ?? [];
    const stageRuns = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runStage');
    expect(stageRuns).toHaveLength(5); // plan, implement (failed), implement (retried), review, merge
    expect(events.some((e) => e.timerStartedEventAttributes)).toBe(true); // the retry backoff
    expect(events.some((e) => e.workflowExecutionUpdateCompletedEventAttributes)).toBe(true); // the gate approval
    expect(events.some((e) => e.workflowExecutionCompletedEventAttributes)).toBe(true);

    const results = await replay(committed);
    expect(results).toEqual(committed.map((h) => ({ workflowId: h.workflowId, error: null, kind: null })));
  });

  // About ten seconds alone; the timeout is for a machine busy with other work.
  it('replays the live histories of a run it makes now: four stages, a failed run retried, a gate approved', { timeout: scaled(180_000) }, async () => {
    const run = await runRecordingScenario(
      { client: env.client, nativeConnection: env.nativeConnection, address: env.address, namespace: env.namespace },
      { identifier: 'REPLAY-1' },
    );
    expect(run.status.history.map((h) => `${h.stage}:${h.outcome}`)).toEqual([
      'plan:succeeded',
      'implement:failed',
      'implement:succeeded',
      'review:succeeded',
      'review:approved',
      'merge:succeeded',
    ]);
    // Through the file format too, as the committed fixtures are read.
    const live = run.histories.map((h) => ({ workflowId: h.workflowId, history: historyFromJson(JSON.parse(historyToJson(h.history))) }));
    expect(live.map((h) => workflowType(h.history))).toEqual([WorkflowType.issue, WorkflowType.orchestrator]);
    const results = await replay(live);
    expect(results).toEqual(live.map((h) => ({ workflowId: h.workflowId, error: null, kind: null })));
  });

  it('fails a history whose recorded commands differ from what the code does (control)', async () => {
    const committed = await committedHistories();
    const original = committed.find((h) => workflowType(h.history) === WorkflowType.issue)!;
    // As if the code that recorded it had called another activity first: the code now disagrees.
    const json = JSON.parse(historyToJson(original.history)) as { events: Record<string, { activityType?: { name: string } }>[] };
    const scheduled = json.events.find((e) => e.activityTaskScheduledEventAttributes)!.activityTaskScheduledEventAttributes!;
    expect(scheduled.activityType!.name).not.toBe('removeIssueWorkspace');
    scheduled.activityType!.name = 'removeIssueWorkspace';
    const [result] = await replay([{ workflowId: original.workflowId, history: historyFromJson(json) }]);
    expect(result?.kind).toBe('DeterminismViolationError');
    expect(result?.error).toMatch(/removeIssueWorkspace|activity type|nondetermin/i);
  });
});

describe('the 0.1 → 0.2 cut-over', () => {
  it('does not run histories of the retired 0.1 workflow types: the types are gone, not silently reinterpreted', async () => {
    const retired = await committedHistories(path.join(HISTORIES_DIR, 'retired'));
    expect(retired.map((h) => workflowType(h.history)).sort()).toEqual([...RETIRED_WORKFLOW_TYPES].sort());
    const results = await replay(retired);
    for (const r of results) expect(r.error).toMatch(/no such function is exported by the workflow bundle/);
  });

  it('refuses to start beside an open 0.1 workflow, naming it and the command that ends it', async () => {
    const taskQueue = `baton-cutover-${Date.now()}`;
    // An open workflow of a retired type, as a 0.1 deployment would have left it (no worker runs it).
    const old = await env.client.workflow.start('issueWorkflow', { workflowId: `baton-issue/cutover/OLD-${Date.now()}`, taskQueue, args: [{}] });
    try {
      const err = await assertNoRetiredWorkflows(env.client, taskQueue, env.namespace).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BatonError);
      const message = (err as BatonError).message;
      expect(message).toContain(old.workflowId);
      expect(message).toContain('temporal workflow terminate');
      expect(message).toContain(`TaskQueue = '${taskQueue}'`);
      await old.terminate('test done');
      await expect(assertNoRetiredWorkflows(env.client, taskQueue, env.namespace)).resolves.toBeUndefined();
    } finally {
      await old.terminate('test done').catch(() => undefined);
    }
  });
});
