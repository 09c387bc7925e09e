/**
 * Reconciliation with nothing in flight is a no-op (SPEC §8.5, §17.4): once the only issue is
 * Done, every poll is one candidate read and nothing else — no refresh read of any issue, no
 * delivery (so no signal to any issue workflow) — and, with the idle watch (core/idle-watch.ts),
 * no workflow task either, until a poll finds something; on the real dev server. Calls to the
 * worker's real file tracker are observed (not replaced); the orchestrator's own history says
 * what each poll cost it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { orchestratorWorkflowId, refreshSignal } from '../../core/protocol.js';
import { readDeploymentSnapshot } from '../../server/state.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor, writeIssue } from '../helpers/deployment.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

type TrackerCall = { method: 'poll' | 'fetchIssuesByStates' | 'fetchIssuesByIds'; ids?: readonly string[] };

/** Record every read the adapter answers, passing each call through unchanged. */
function observeReads(adapter: TrackerAdapter): TrackerCall[] {
  const calls: TrackerCall[] = [];
  const poll = adapter.poll?.bind(adapter);
  if (poll) {
    adapter.poll = (states, ids) => {
      calls.push({ method: 'poll', ids: [...ids] });
      return poll(states, ids);
    };
  }
  const byStates = adapter.fetchIssuesByStates.bind(adapter);
  adapter.fetchIssuesByStates = (states) => {
    calls.push({ method: 'fetchIssuesByStates' });
    return byStates(states);
  };
  const byIds = adapter.fetchIssuesByIds.bind(adapter);
  adapter.fetchIssuesByIds = (ids) => {
    calls.push({ method: 'fetchIssuesByIds', ids: [...ids] });
    return byIds(ids);
  };
  return calls;
}

/** The local activity types the orchestrator ran after event `afterEventId`, in order. */
async function localActivitiesAfter(env: TestTemporalEnv, workflowId: string, afterEventId: number): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const types: string[] = [];
  for (const event of history.events ?? []) {
    if (Number(event.eventId) <= afterEventId || !event.markerRecordedEventAttributes) continue;
    types.push(localActivityType(event.markerRecordedEventAttributes));
  }
  return types;
}

function localActivityType(marker: temporal.api.history.v1.IMarkerRecordedEventAttributes): string {
  const payload = marker.details?.data?.payloads?.[0]?.data;
  if (!payload) return marker.markerName ?? 'unknown';
  const data = JSON.parse(Buffer.from(payload).toString('utf8')) as { activity_type?: string; activityType?: string };
  return data.activity_type ?? data.activityType ?? 'unknown';
}

async function lastEventId(env: TestTemporalEnv, workflowId: string): Promise<number> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return Number(history.events?.at(-1)?.eventId ?? 0);
}

/** The activity types the orchestrator scheduled after event `afterEventId`, and cancel requests. */
async function activitiesAfter(env: TestTemporalEnv, workflowId: string, afterEventId: number): Promise<{ scheduled: string[]; completed: number; cancelRequested: number }> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const out = { scheduled: [] as string[], completed: 0, cancelRequested: 0 };
  for (const event of history.events ?? []) {
    if (Number(event.eventId) <= afterEventId) continue;
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) out.scheduled.push(scheduled);
    if (event.activityTaskCompletedEventAttributes) out.completed += 1;
    if (event.activityTaskCancelRequestedEventAttributes) out.cancelRequested += 1;
  }
  return out;
}

/** Until the orchestrator's idle watch runs (the first quiescent tick has been folded). */
async function untilWatching(workflowId: string): Promise<void> {
  await waitFor('the idle watch to run', async () => {
    const { raw } = await env.client.workflow.getHandle(workflowId).describe();
    return (raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'watchTrackers');
  });
}

describe('a poll with nothing in flight', () => {
  it('§17.4 reconciliation with no running issues is a no-op: one candidate read per poll, no refresh read, no delivery, and no workflow task per poll (the idle watch)', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'IDLE-1' }],
      config: { stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' } }] },
    });
    const worker = await startWorker(env, d);
    try {
      await waitFor('IDLE-1 done', async () => (await issueStatus(env.client, 'IDLE-1')).status === 'done', 30_000);
      const orchestrator = orchestratorWorkflowId(d.name);
      await waitFor('the orchestrator forgets IDLE-1', async () => Object.keys((await orchestratorStatus(env.client, d)).inflight).length === 0, 10_000);

      await untilWatching(orchestrator);
      const calls = observeReads(await worker.runtime.tracker('local'));
      const fromEvent = await lastEventId(env, orchestrator);
      const snapshotBefore = await readDeploymentSnapshot(env.client, d.name);
      await waitFor('five more polls', async () => calls.length >= 5, 20_000);

      // Each poll read the candidates once, asking for no in-flight issue; nothing was refreshed.
      expect(calls.every((c) => c.method === 'poll' && c.ids!.length === 0)).toBe(true);
      // Those polls cost the orchestrator no local activity (no poll marker, no delivery): they
      // ran inside one idle watch, and its history grew by less than one event per poll.
      expect(await localActivitiesAfter(env, orchestrator, fromEvent)).toEqual([]);
      const activities = await activitiesAfter(env, orchestrator, fromEvent);
      expect(activities.scheduled.filter((name) => name !== 'watchTrackers')).toEqual([]);
      expect((await lastEventId(env, orchestrator)) - fromEvent).toBeLessThan(calls.length);
      // `baton status` still sees the polls, through the watch's heartbeat.
      await waitFor('the snapshot shows a newer poll', async () => {
        const now = await readDeploymentSnapshot(env.client, d.name);
        return now.ok && snapshotBefore.ok && now.orchestrator.lastPollAt! > snapshotBefore.orchestrator.lastPollAt!;
      });

      // A new issue is found by the watch's own poll (no refresh here), and dispatched.
      const fromNew = await lastEventId(env, orchestrator);
      await writeIssue(d.issuesDir, { identifier: 'IDLE-2' });
      await waitFor('IDLE-2 done', async () => (await issueStatus(env.client, 'IDLE-2')).status === 'done', 30_000);
      const afterNew = await activitiesAfter(env, orchestrator, fromNew);
      expect(afterNew.completed).toBeGreaterThanOrEqual(1);
      expect(afterNew.cancelRequested).toBe(0);
      expect(await localActivitiesAfter(env, orchestrator, fromNew)).toContain('deliver');

      // A refresh does not wait for the watch: it is cancelled and the orchestrator polls itself.
      await waitFor('the orchestrator forgets IDLE-2', async () => Object.keys((await orchestratorStatus(env.client, d)).inflight).length === 0, 10_000);
      await untilWatching(orchestrator);
      const fromRefresh = await lastEventId(env, orchestrator);
      await env.client.workflow.getHandle(orchestrator).signal(refreshSignal);
      await waitFor('the refresh poll', async () => (await localActivitiesAfter(env, orchestrator, fromRefresh)).includes('pollTrackers'));
      expect((await activitiesAfter(env, orchestrator, fromRefresh)).cancelRequested).toBe(1);
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
