/**
 * The `codex` backend through the durable pipeline (Temporal dev server, in-process worker, file
 * tracker): the real `codex app-server` offline against the scripted model server does the plan and
 * implement stages; a failed model request is retried by the issue workflow; a terminal move
 * cancels a running turn and leaves nothing behind; a Symphony-style stage keeps turning on one
 * thread until the model moves the issue itself. Tests run one after another (each starts codex).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveUpdate, issueWorkflowId } from '../../core/protocol.js';
import { agentRuns, createDeployment, readIssueFile, waitFor, writeIssue } from '../helpers/deployment.js';
import { killIfRunning, stillRunning, type ProcStat } from '../helpers/processes.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startModelServer, type ModelServer } from '../support/model-server/index.js';
import {
  agentSettings,
  issueWorkspaces,
  prepareOfflineCodex,
  processesOfIssue,
  requestText,
  startAgentWorker,
  uniqueIdentifier,
  waitForStatus,
  type AgentWorker,
  type OfflineCodex,
} from '../helpers/agents.js';

const SESSION_ID = /^[0-9a-f-]{36}-[0-9a-f-]{36}$/;

let env: TestTemporalEnv;
let codex: OfflineCodex;
let server: ModelServer | undefined;
let worker: AgentWorker | undefined;

beforeAll(async () => {
  env = await connectTestEnv();
  codex = await prepareOfflineCodex();
});
afterAll(async () => {
  await codex?.cleanup();
  await env?.teardown();
});

/** Per test: a fresh model server (its queue and request log belong to that test only). */
async function freshServer(): Promise<ModelServer> {
  server = await startModelServer();
  return server;
}

/** One issue on the file tracker, codex talking to `model` (stages may pick another backend). */
function codexDeployment(identifier: string, model: ModelServer, stages: Record<string, unknown>[]) {
  return createDeployment({
    issues: [{ identifier }],
    config: { agent: agentSettings({ backend: 'codex' }), codex: codex.settings(model.url), stages },
  });
}

async function stopAll(): Promise<void> {
  await worker?.stop();
  worker = undefined;
  await server?.close();
  server = undefined;
}

describe('codex backend through Temporal', () => {
  it('runs plan and implement with codex, review and merge with the command backend, to Done', async () => {
    const id = uniqueIdentifier('CXP');
    const model = await freshServer();
    const patch = [
      '*** Begin Patch',
      '*** Add File: src/feature.txt',
      `+feature for ${id}`,
      '*** Update File: PLAN.md',
      '@@',
      `-plan for ${id}`,
      `+plan for ${id} (implemented)`,
      '*** End Patch',
    ].join('\n');
    const d = await codexDeployment(id, model, [
      {
        name: 'plan',
        states: ['Todo'],
        prompt: `Plan {{ issue.identifier }}.\n@@shell echo "plan for {{ issue.identifier }}" > PLAN.md\n@@say planned`,
        on_success: { move_to: 'In Progress' },
      },
      {
        name: 'implement',
        states: ['In Progress'],
        prompt: `Implement {{ issue.identifier }}.\n@@patch\n${patch}\n@@say implemented`,
        on_success: { move_to: 'In Review' },
      },
      {
        name: 'review',
        states: ['In Review'],
        prompt: 'review {{ issue.identifier }}',
        // A reviewer that fails unless the codex stages left their work in the workspace.
        agent: { backend: 'command', command: 'cat > /dev/null && grep -q implemented PLAN.md && test -f src/feature.txt && echo ok > REVIEWED.txt' },
        on_success: { move_to: 'Merging' },
        gate: { wait_for: 'approval' },
      },
      { name: 'merge', states: ['Merging'], prompt: 'merge {{ issue.identifier }}', agent: { backend: 'command' }, on_success: { move_to: 'Done' } },
    ]);
    worker = await startAgentWorker(env, d, codex.env);
    try {
      const gated = await waitForStatus(env, id, 'gated at review', (s) => s.status === 'gated' && s.stage === 'review', 60_000);
      const [workspace] = await issueWorkspaces(d);
      const dir = path.join(d.dir, 'workspaces', workspace!);
      expect(await readFile(path.join(dir, 'PLAN.md'), 'utf8')).toBe(`plan for ${id} (implemented)\n`);
      expect(await readFile(path.join(dir, 'src/feature.txt'), 'utf8')).toBe(`feature for ${id}\n`);
      expect(existsSync(path.join(dir, 'REVIEWED.txt'))).toBe(true);
      expect(gated.history.map((h) => `${h.stage}:${h.outcome}`)).toEqual(['plan:succeeded', 'implement:succeeded', 'review:succeeded']);

      await env.client.workflow.getHandle(issueWorkflowId('local', id)).executeUpdate(approveUpdate, { args: [{ reason: 'test' }] });
      const done = await waitForStatus(env, id, 'done', (s) => s.status === 'done', 30_000);
      expect((await readIssueFile(d.issuesDir, id)).state).toBe('Done');
      expect(done.history.map((h) => `${h.stage}:${h.outcome}`)).toEqual([
        'plan:succeeded',
        'implement:succeeded',
        'review:succeeded',
        'review:approved',
        'merge:succeeded',
      ]);
      for (const stage of ['plan', 'implement']) {
        const record = done.history.find((h) => h.stage === stage)!;
        expect(record.tokens?.total_tokens, `${stage} tokens`).toBeGreaterThan(0);
        expect(record.sessionId, `${stage} session id`).toMatch(SESSION_ID);
      }
      // Two codex sessions: two threads, each its own.
      const threads = ['plan', 'implement'].map((stage) => done.history.find((h) => h.stage === stage)!.sessionId!.slice(0, 36));
      expect(new Set(threads).size).toBe(2);
      expect(done.tokens.total_tokens).toBeGreaterThanOrEqual(
        done.history.filter((h) => h.stage === 'plan' || h.stage === 'implement').reduce((n, h) => n + (h.tokens?.total_tokens ?? 0), 0),
      );
      // The logging command script is merge's only; review ran its own command, codex the rest.
      expect((await agentRuns(d.logFile)).map((r) => r.stage)).toEqual(['merge']);
      // The model saw the apply_patch call answered (the edit went through codex, not a shell).
      const requests = model.requests();
      expect(requests.some((r) => requestText(r).includes('custom_tool_call_output'))).toBe(true);
      // Terminal: the workspace is gone.
      expect(await issueWorkspaces(d)).toEqual([]);
    } finally {
      await stopAll();
    }
  });

  it('retries a stage whose model request answered HTTP 500 after backoff, then continues', async () => {
    const id = uniqueIdentifier('CXR');
    const model = await freshServer();
    model.enqueue({ status: 500, body: { error: { message: 'model exploded', type: 'server_error' } } });
    const d = await codexDeployment(id, model, [
      {
        name: 'plan',
        states: ['Todo'],
        prompt: 'Plan {{ issue.identifier }}{% if attempt %} (attempt {{ attempt }}){% endif %}.\n@@shell echo "attempt={{ attempt }}" > ATTEMPT.txt\n@@say planned',
        on_success: { move_to: 'In Progress' },
      },
      { name: 'implement', states: ['In Progress'], prompt: 'implement', agent: { backend: 'command' }, on_success: { move_to: 'Done' } },
    ]);
    worker = await startAgentWorker(env, d, codex.env);
    try {
      const done = await waitForStatus(env, id, 'done', (s) => s.status === 'done', 60_000);
      expect(done.history.map((h) => `${h.stage}:${h.outcome}:${h.attempt}`)).toEqual(['plan:failed:1', 'plan:succeeded:2', 'implement:succeeded:1']);
      const failed = done.history[0]!;
      expect(failed.error).toContain('turn_failed');
      expect(failed.error).toContain('internalServerError');
      // The retry is a new session (a new codex thread) with Symphony's `attempt` set.
      const requests = model.requests();
      expect(requests[0]!.status).toBe(500);
      expect(requests.slice(1).every((r) => r.status === 200)).toBe(true);
      expect(requestText(requests[0]!)).not.toContain('(attempt');
      expect(requestText(requests[1]!)).toContain(`Plan ${id} (attempt 1).`);
      expect(done.history[1]!.sessionId).toMatch(SESSION_ID);
      expect(done.history[1]!.tokens?.total_tokens).toBeGreaterThan(0);
      expect((await readIssueFile(d.issuesDir, id)).state).toBe('Done');
      expect((await agentRuns(d.logFile)).map((r) => r.stage)).toEqual(['implement']);
    } finally {
      await stopAll();
    }
  });

  it('cancels a running codex turn when the issue moves to Done: no process left, workspace removed', async () => {
    const id = uniqueIdentifier('CXC');
    const model = await freshServer();
    const d = await codexDeployment(id, model, [
      { name: 'plan', states: ['Todo'], prompt: 'Plan.\n@@shell echo started > STARTED.txt && sleep 31.5\n@@say slept', on_success: { move_to: 'In Progress' } },
      { name: 'implement', states: ['In Progress'], prompt: 'implement', agent: { backend: 'command' }, on_success: { move_to: 'Done' } },
    ]);
    worker = await startAgentWorker(env, d, codex.env);
    let agents: ProcStat[] = [];
    try {
      agents = await waitFor(
        'codex and its sleep running',
        async () => {
          const procs = await processesOfIssue(id);
          const hasSleep = procs.some((p) => p.name === 'sleep' && p.cmdline.includes('31.5'));
          const hasCodex = procs.some((p) => p.cmdline.includes('app-server'));
          return hasSleep && hasCodex ? procs : null;
        },
        45_000,
      );
      const [workspace] = await issueWorkspaces(d);
      expect(existsSync(path.join(d.dir, 'workspaces', workspace!, 'STARTED.txt'))).toBe(true);
      expect((await waitForStatus(env, id, 'running', (s) => s.status === 'running')).stage).toBe('plan');

      await writeIssue(d.issuesDir, { identifier: id, state: 'Done' });
      const done = await waitForStatus(env, id, 'done', (s) => s.status === 'done', 30_000);
      expect(done.history).toHaveLength(1);
      expect(done.history[0]).toMatchObject({ stage: 'plan', outcome: 'cancelled', note: 'issue moved to a terminal state' });
      // Once the workflow says done, the agent and its command are gone, not merely on their way.
      expect(await stillRunning(agents)).toEqual([]);
      expect(await processesOfIssue(id)).toEqual([]);
      expect(await issueWorkspaces(d)).toEqual([]);
      expect(await agentRuns(d.logFile)).toEqual([]);
    } finally {
      await killIfRunning(agents);
      await stopAll();
    }
  });

  it('keeps turning on one thread while the issue stays in a Symphony-style stage, and stops once the model moves it', async () => {
    const id = uniqueIdentifier('CXT');
    const model = await freshServer();
    // Turn 1 answers with text only; turn 2 moves the issue through the file tracker's tool.
    model.enqueue(
      { text: 'made a start' },
      { call: { name: 'file_issue_update', arguments: { state: 'Done', comment: 'finished by the agent' } } },
      { text: 'moved it to Done' },
    );
    const d = await codexDeployment(id, model, [{ name: 'work', states: ['Todo'], prompt: 'Work on {{ issue.identifier }} until it is done.', agent: { max_turns: 3 } }]);
    worker = await startAgentWorker(env, d, codex.env);
    try {
      const done = await waitForStatus(env, id, 'done', (s) => s.status === 'done', 60_000);
      const file = await readIssueFile(d.issuesDir, id);
      expect(file.state).toBe('Done');
      expect(file.text).toContain('finished by the agent');

      const requests = model.requests();
      // Turn 1: one request; turn 2: the tool call and the answer after its output. No turn 3.
      expect(requests).toHaveLength(3);
      const turn2 = requestText(requests[1]!);
      expect(turn2).toContain(`Work on ${id} until it is done.`);
      expect(turn2).toContain('made a start');
      expect(turn2).toContain('Continuation turn #2 of 3');
      expect(requestText(requests[2]!)).toContain('function_call_output');
      // Codex names its thread and turn on every request: one thread, two turns.
      const meta = requests.map((r) => JSON.parse(String(r.headers['x-codex-turn-metadata'])) as { thread_id: string; turn_id: string });
      expect(new Set(meta.map((m) => m.thread_id)).size).toBe(1);
      expect(meta.map((m) => m.turn_id)).toEqual([meta[0]!.turn_id, meta[1]!.turn_id, meta[1]!.turn_id]);
      expect(meta[1]!.turn_id).not.toBe(meta[0]!.turn_id);
      expect(done.history).toHaveLength(1);
      expect(done.history[0]).toMatchObject({ stage: 'work', outcome: 'succeeded', turns: 2, sessionId: `${meta[0]!.thread_id}-${meta[1]!.turn_id}` });
    } finally {
      await stopAll();
    }
  });
});
