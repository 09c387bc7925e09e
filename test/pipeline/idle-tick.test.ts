/**
 * Reconciliation with nothing in flight is a no-op (SPEC §8.5, §17.4): once the only issue is
 * Done, every tick of the orchestrator is one candidate read and nothing else — no refresh read of
 * any issue, no delivery (so no signal to any issue workflow) — on the real dev server. Calls to
 * the worker's real file tracker are observed (not replaced); the orchestrator's own history says
 * which local activities each tick ran.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { orchestratorWorkflowId } from '../../core/protocol.js';
import type { TrackerAdapter } from '../../adapters/trackers/types.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, issueStatus, orchestratorStatus, startWorker, waitFor } from '../helpers/deployment.js';

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

describe('a tick with nothing in flight', () => {
  it('§17.4 reconciliation with no running issues is a no-op: one candidate read per tick, no refresh read, no delivery', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'IDLE-1' }],
      config: { stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' } }] },
    });
    const worker = await startWorker(env, d);
    try {
      await waitFor('IDLE-1 done', async () => (await issueStatus(env.client, 'IDLE-1')).status === 'done', 30_000);
      const orchestrator = orchestratorWorkflowId(d.name);
      await waitFor('the orchestrator forgets IDLE-1', async () => Object.keys((await orchestratorStatus(env.client, d)).inflight).length === 0, 10_000);

      const calls = observeReads(await worker.runtime.tracker('local'));
      const fromEvent = await lastEventId(env, orchestrator);
      const ticksBefore = (await orchestratorStatus(env.client, d)).ticks;
      await waitFor('five more ticks', async () => (await orchestratorStatus(env.client, d)).ticks >= ticksBefore + 5, 20_000);
      const ticks = (await orchestratorStatus(env.client, d)).ticks - ticksBefore;

      // Each tick read the candidates once, asking for no in-flight issue; nothing was refreshed.
      expect(calls.length).toBeGreaterThanOrEqual(5);
      expect(calls.every((c) => c.method === 'poll' && c.ids!.length === 0)).toBe(true);
      // The orchestrator ran only its poll: no delivery, so no signal or start reached anyone.
      const ran = await localActivitiesAfter(env, orchestrator, fromEvent);
      expect(ran.length).toBeGreaterThanOrEqual(ticks - 1);
      expect(new Set(ran)).toEqual(new Set(['pollTrackers']));
    } finally {
      worker.shutdown();
      await worker.done;
    }
  });
});
