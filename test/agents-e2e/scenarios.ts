/**
 * The end-to-end scenarios every agent backend must pass through the durable pipeline (Temporal
 * dev server, in-process worker, file tracker, scripted model server): four stages to Done with
 * per-stage backends, a model HTTP 500 retried by the issue workflow, cancellation by a terminal
 * move, and Symphony-style continuation turns on one session. A test file calls
 * {@link describeAgentScenarios} with its backend; tests run one after another.
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
  processesOfIssue,
  requestText,
  startAgentWorker,
  uniqueIdentifier,
  waitForStatus,
  type AgentWorker,
} from '../helpers/agents.js';
import type { BackendUnderTest } from './backends.js';
import { scaled } from '../helpers/time.js';

/** Each scenario stays well under this; the waits inside are shorter so a failure says what it waited for. */
const TEST_TIMEOUT_MS = scaled(90_000);

/** Register the scenarios for the backend `setup` prepares (once per file). */
export function describeAgentScenarios(setup: () => Promise<BackendUnderTest>): void {
  let env: TestTemporalEnv;
  let backend: BackendUnderTest;
  let server: ModelServer | undefined;
  let worker: AgentWorker | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    backend = await setup();
  });
  afterAll(async () => {
    await backend?.cleanup();
    await env?.teardown();
  });

  /** A model server per test: its queue and request log belong to that test only. */
  async function freshServer(): Promise<ModelServer> {
    server = await startModelServer();
    return server;
  }

  /** One issue on the file tracker; `agent.backend` is the backend under test unless a stage says otherwise. */
  async function deploy(identifier: string, model: ModelServer, stages: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
    const d = await createDeployment({
      issues: [{ identifier }],
      config: { agent: agentSettings({ backend: backend.name }), ...backend.config(model.url), stages, ...extra },
    });
    worker = await startAgentWorker(env, d, backend.workerEnv);
    return d;
  }

  async function stopAll(): Promise<void> {
    await worker?.stop();
    worker = undefined;
    await server?.close();
    server = undefined;
  }

  describe('agent backend through Temporal', () => {
    it('runs plan and implement with the backend, review and merge with the command backend, to Done', { timeout: TEST_TIMEOUT_MS }, async () => {
      const id = uniqueIdentifier(`${backend.name.slice(0, 2).toUpperCase()}P`);
      const model = await freshServer();
      const d = await deploy(id, model, [
        {
          name: 'plan',
          states: ['Todo'],
          prompt: 'Plan {{ issue.identifier }}.\n@@shell echo "plan for {{ issue.identifier }}" > PLAN.md\n@@say planned',
          on_success: { move_to: 'In Progress' },
        },
        {
          name: 'implement',
          states: ['In Progress'],
          prompt: [
            'Implement {{ issue.identifier }}.',
            `@@shell mkdir -p src && echo "feature for ${id}" > src/feature.txt`,
            backend.editDirective('PLAN.md', `plan for ${id}`, `plan for ${id} (implemented)`),
            '@@say implemented',
          ].join('\n'),
          on_success: { move_to: 'In Review' },
        },
        {
          name: 'review',
          states: ['In Review'],
          prompt: 'review {{ issue.identifier }}',
          // A reviewer that fails unless the agent's stages left their work in the workspace.
          agent: { backend: 'command', command: 'cat > /dev/null && grep -q implemented PLAN.md && test -f src/feature.txt && echo ok > REVIEWED.txt' },
          on_success: { move_to: 'Merging' },
          gate: { wait_for: 'approval' },
        },
        { name: 'merge', states: ['Merging'], prompt: 'merge {{ issue.identifier }}', agent: { backend: 'command' }, on_success: { move_to: 'Done' } },
      ]);
      try {
        const gated = await waitForStatus(env, id, 'gated at review', (s) => s.status === 'gated' && s.stage === 'review', 45_000);
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
        const agentStages = done.history.filter((h) => h.stage === 'plan' || h.stage === 'implement');
        for (const record of agentStages) {
          expect(record.tokens?.total_tokens, `${record.stage} tokens`).toBeGreaterThan(0);
          expect(record.sessionId, `${record.stage} session id`).toMatch(backend.sessionId);
        }
        // Each stage is its own session.
        expect(agentStages[0]!.sessionId!.replace(/-[^-]+$/, '')).not.toBe(agentStages[1]!.sessionId!.replace(/-[^-]+$/, ''));
        expect(done.tokens.total_tokens).toBeGreaterThanOrEqual(agentStages.reduce((n, h) => n + h.tokens!.total_tokens, 0));
        // The deployment's logging command ran for merge only; review ran its own command.
        expect((await agentRuns(d.logFile)).map((r) => r.stage)).toEqual(['merge']);
        expect(await issueWorkspaces(d)).toEqual([]);
      } finally {
        await stopAll();
      }
    });

    it('retries a stage whose model answered HTTP 500 after backoff, then continues', { timeout: TEST_TIMEOUT_MS }, async () => {
      const id = uniqueIdentifier(`${backend.name.slice(0, 2).toUpperCase()}R`);
      const model = await freshServer();
      model.enqueue(...backend.failTurn);
      const d = await deploy(id, model, [
        {
          name: 'plan',
          states: ['Todo'],
          prompt: 'Plan {{ issue.identifier }}{% if attempt %} (attempt {{ attempt }}){% endif %}.\n@@shell echo "attempt={{ attempt }}" > ATTEMPT.txt\n@@say planned',
          on_success: { move_to: 'In Progress' },
        },
        { name: 'implement', states: ['In Progress'], prompt: 'implement', agent: { backend: 'command' }, on_success: { move_to: 'Done' } },
      ]);
      try {
        const done = await waitForStatus(env, id, 'done', (s) => s.status === 'done', 45_000);
        expect(done.history.map((h) => `${h.stage}:${h.outcome}:${h.attempt}`)).toEqual(['plan:failed:1', 'plan:succeeded:2', 'implement:succeeded:1']);
        expect(done.history[0]!.error).toContain('turn_failed');
        expect(done.history[0]!.error).toMatch(backend.http500);
        const failures = backend.failTurn.length;
        const requests = model.requests();
        expect(requests.slice(0, failures).map((r) => r.status)).toEqual(backend.failTurn.map(() => 500));
        expect(requests.slice(failures).every((r) => r.status === 200)).toBe(true);
        // The retry is a new session whose prompt carries Symphony's `attempt`.
        expect(requestText(requests[0]!)).not.toContain('(attempt');
        expect(requestText(requests[failures]!)).toContain(`Plan ${id} (attempt 1).`);
        expect(done.history[1]!.sessionId).toMatch(backend.sessionId);
        expect(done.history[1]!.tokens?.total_tokens).toBeGreaterThan(0);
        expect((await readIssueFile(d.issuesDir, id)).state).toBe('Done');
        expect((await agentRuns(d.logFile)).map((r) => r.stage)).toEqual(['implement']);
      } finally {
        await stopAll();
      }
    });

    it('§17.4 stalls a session whose model goes silent for stall_timeout_ms, stops it, and retries the stage', { timeout: TEST_TIMEOUT_MS }, async () => {
      const id = uniqueIdentifier(`${backend.name.slice(0, 2).toUpperCase()}S`);
      const model = await freshServer();
      // The first model request gets no answer for longer than the test: the session is silent.
      model.enqueue({ delayMs: 60_000, text: 'too late' });
      const d = await deploy(id, model, [
        {
          name: 'plan',
          states: ['Todo'],
          prompt: 'Plan {{ issue.identifier }}.\n@@say planned',
          // Well under turn_timeout_ms (30 s): only the stall watch can end the silent turn.
          agent: { stall_timeout_ms: scaled(2_000) },
          on_success: { move_to: 'Done' },
        },
      ]);
      try {
        const done = await waitForStatus(env, id, 'done', (s) => s.status === 'done', 45_000);
        expect(done.history.map((h) => `${h.stage}:${h.outcome}:${h.attempt}`)).toEqual(['plan:failed:1', 'plan:succeeded:2']);
        expect(done.history[0]!.error).toBe(`agent_stalled: no agent activity for ${scaled(2_000)} ms`);
        // The stalled session's first request is the one left unanswered; the retry's were answered.
        expect(model.requests().length).toBeGreaterThanOrEqual(2);
        expect(done.history[1]!.sessionId).toMatch(backend.sessionId);
        expect(done.history[1]!.sessionId).not.toBe(done.history[0]!.sessionId);
        expect(await processesOfIssue(id)).toEqual([]);
        expect((await readIssueFile(d.issuesDir, id)).state).toBe('Done');
      } finally {
        await stopAll();
      }
    });

    it('cancels a running turn when the issue moves to Done: no process left, workspace removed', { timeout: TEST_TIMEOUT_MS }, async () => {
      const id = uniqueIdentifier(`${backend.name.slice(0, 2).toUpperCase()}C`);
      const model = await freshServer();
      const d = await deploy(id, model, [
        { name: 'plan', states: ['Todo'], prompt: 'Plan.\n@@shell echo started > STARTED.txt && sleep 31.5\n@@say slept', on_success: { move_to: 'In Progress' } },
        { name: 'implement', states: ['In Progress'], prompt: 'implement', agent: { backend: 'command' }, on_success: { move_to: 'Done' } },
      ]);
      let agents: ProcStat[] = [];
      try {
        agents = await waitFor(
          'the agent and its sleep running',
          async () => {
            const procs = await processesOfIssue(id);
            const sleeping = procs.some((p) => p.name === 'sleep' && p.cmdline === 'sleep 31.5');
            return sleeping && backend.processesWhileRunning.every((needle) => procs.some((p) => p.cmdline.includes(needle))) ? procs : null;
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

    it('keeps turning on one session while the issue stays in a Symphony-style stage, and stops once the model moves it', { timeout: TEST_TIMEOUT_MS }, async () => {
      const id = uniqueIdentifier(`${backend.name.slice(0, 2).toUpperCase()}T`);
      const model = await freshServer();
      // Turn 1 answers with text only; turn 2 moves the issue through the file tracker's tool.
      model.enqueue(
        { text: 'made a start' },
        { call: { name: 'file_issue_update', arguments: { state: 'Done', comment: 'finished by the agent' } } },
        { text: 'moved it to Done' },
      );
      // Polls only at the start: the run must end because the activity sees the move after the
      // turn, not because a poll saw it mid-turn and the workflow cancelled the stage.
      const d = await deploy(id, model, [{ name: 'work', states: ['Todo'], prompt: 'Work on {{ issue.identifier }} until it is done.', agent: { max_turns: 3 } }], {
        polling: { interval_ms: 60_000 },
      });
      try {
        const done = await waitForStatus(env, id, 'done', (s) => s.status === 'done', 45_000);
        const file = await readIssueFile(d.issuesDir, id);
        expect(file.state).toBe('Done');
        expect(file.text).toContain('finished by the agent');

        const requests = model.requests();
        // Turn 1: one request; turn 2: the tool call, then the answer after its output. No turn 3.
        expect(requests).toHaveLength(3);
        const turns = requests.map((r) => backend.turnOf(r));
        expect(turns).toEqual([turns[0], turns[1], turns[1]]);
        expect(turns[1]).not.toBe(turns[0]);
        // Turn 2 continues the same conversation: turn 1's prompt and answer come with it.
        const turn2 = requestText(requests[1]!);
        expect(turn2).toContain(`Work on ${id} until it is done.`);
        expect(turn2).toContain('made a start');
        expect(turn2).toContain('Continuation turn #2 of 3');
        expect(requestText(requests[2]!)).toContain('function_call_output');
        expect(done.history).toHaveLength(1);
        expect(done.history[0]).toMatchObject({ stage: 'work', outcome: 'succeeded', turns: 2 });
        expect(done.history[0]!.sessionId).toMatch(backend.sessionId);
        if (backend.sessionIdOf) expect(done.history[0]!.sessionId).toBe(backend.sessionIdOf(requests[2]!));
      } finally {
        await stopAll();
      }
    });
  });
}
