/**
 * What happens between and inside stage runs, on the real dev server (SPEC §7.1, §8.4, §13.5,
 * §17.4, §17.6): a tracker move that keeps the issue in its stage reaches the status while the
 * agent runs; a clean exit that leaves the issue in its stage is `continuing` and then runs again
 * with `attempt` 1 on a fresh session; token totals add up over turns and runs; the agent's latest
 * rate limits reach the status; a failed run is `retrying` with its attempt, due time, identifier
 * and error, in the issue's query and in the orchestrator's row; and the worker's log lines carry
 * `issue_id`, `issue_identifier` and `session_id`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueWorkflowId, retryUpdate, type IssueStatus } from '../../core/protocol.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, issueStatus, orchestratorStatus, waitFor, writeIssue } from '../helpers/deployment.js';
import { waitForStatus } from '../helpers/agents.js';
import { captureLog, startLoggedWorker } from '../helpers/log-capture.js';
import { scaled } from '../helpers/time.js';

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const usage = (input: number, output: number) => JSON.stringify({ event: 'notification', message: 'step', usage: { input_tokens: input, output_tokens: output, total_tokens: input + output } });
const RATE_LIMITS = { limit_id: 'codex', primary: { used_percent: 42, window_minutes: 300 } };

/**
 * The agent, one process per turn. First run of CONT-1: turn 1 waits for the test's go-ahead, and
 * each turn reports absolute session totals (110, then 220). First run of CONT-2: fails. A later
 * run (Symphony `attempt` set): reports rate limits, moves the issue to Done through the tracker
 * tool, and reports 55 tokens on its new session.
 */
function agentScript(runLog: string): string {
  return `#!/usr/bin/env bash
prompt=$(cat)
first=$(printf '%s\\n' "$prompt" | head -n 1)
echo "$BATON_ISSUE_IDENTIFIER attempt=[$BATON_ATTEMPT] turn=$BATON_TURN session=$BATON_SESSION_ID prompt=$first" >> ${JSON.stringify(runLog)}
if [ -z "$BATON_ATTEMPT" ]; then
  if [ "$BATON_ISSUE_IDENTIFIER" = CONT-2 ]; then echo "compiler exploded" >&2; exit 1; fi
  if [ "$BATON_TURN" = 1 ]; then
    while [ ! -f .go ]; do sleep 0.1; done
    echo '${usage(100, 10)}'
  else
    echo '${usage(200, 20)}'
  fi
  exit 0
fi
echo '${JSON.stringify({ event: 'notification', message: 'limits', rate_limits: RATE_LIMITS })}'
echo '{"tool":"file_issue_update","arguments":{"state":"Done"}}'
echo '${usage(50, 5)}'
`;
}

interface RunLine {
  identifier: string;
  attempt: string;
  turn: number;
  session: string;
  prompt: string;
}

async function runLines(file: string): Promise<RunLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S+) attempt=\[(.*?)\] turn=(\d+) session=(\S+) prompt=(.*)$/.exec(line);
      if (!m) throw new Error(`unexpected run line: ${line}`);
      return { identifier: m[1]!, attempt: m[2]!, turn: Number(m[3]), session: m[4]!, prompt: m[5]! };
    });
}

describe('between and inside stage runs', () => {
  it('§17.4/§17.6 continuation after a normal exit, a state refresh while running, token totals over turns and runs, rate limits, a retrying issue, and log context', async () => {
    const d = await createDeployment({ issues: [{ identifier: 'CONT-1' }, { identifier: 'CONT-2' }] });
    const runLog = path.join(d.dir, 'runs.log');
    const script = path.join(d.dir, 'turn-agent.sh');
    await writeFile(script, agentScript(runLog), { mode: 0o755 });
    await d.writeConfig({
      agent: { ...(d.config.agent as Record<string, unknown>), max_turns: 2, retry_base_ms: 20_000, max_retry_backoff_ms: 60_000, continuation_delay_ms: scaled(2_000) },
      command: { command: `bash ${JSON.stringify(script)}`, turn_timeout_ms: scaled(60_000), stall_timeout_ms: scaled(30_000) },
      // One stage that leaves the move to the agent, as a Symphony workflow does.
      stages: [{ name: 'work', states: ['Todo', 'In Progress'], prompt: 'work {{ issue.identifier }} attempt={{ attempt }}' }],
    });
    const captured = captureLog();
    const worker = await startLoggedWorker(env, d, captured.logger);
    const seen: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const s = await issueStatus(env.client, 'CONT-1').catch(() => undefined);
        if (s && seen.at(-1) !== s.status) seen.push(s.status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      // CONT-1's first turn waits. Move it Todo → In Progress: still the `work` stage, so the
      // agent keeps running and the status shows the new state.
      await waitFor('CONT-1 first turn', async () => (await runLines(runLog)).some((r) => r.identifier === 'CONT-1'), 30_000);
      await writeIssue(d.issuesDir, { identifier: 'CONT-1', state: 'In Progress' });
      const moved = await waitForStatus(env, 'CONT-1', 'the new state while running', (s) => s.state === 'In Progress');
      expect(moved).toMatchObject({ status: 'running', stage: 'work', state: 'In Progress' });
      expect(moved.runningSince).not.toBeNull();
      await writeFile(path.join(d.dir, 'workspaces', 'CONT-1', '.go'), '');

      // CONT-2's run failed: it is retrying, and both its query and the orchestrator's row say
      // which attempt comes next, when, for which issue, and why.
      const retrying = await waitForStatus(env, 'CONT-2', 'retrying', (s) => s.status === 'retrying');
      expect(retrying).toMatchObject({ identifier: 'CONT-2', stage: 'work', attempt: 2 });
      expect(retrying.lastError).toMatch(/agent_failed: the command exited with code 1: compiler exploded/);
      const dueIn = Date.parse(retrying.retryDueAt!) - Date.parse(retrying.history.at(-1)!.endedAt);
      // 20 s after the run ended, give or take the workflow task that scheduled it.
      expect(dueIn).toBeGreaterThan(19_000);
      expect(dueIn).toBeLessThanOrEqual(20_000 + scaled(2_000));
      const row = (await orchestratorStatus(env.client, d)).inflight[issueWorkflowId('local', 'CONT-2')]!.row;
      expect(row).toMatchObject({ identifier: 'CONT-2', status: 'retrying', attempt: 2, retryDueAt: retrying.retryDueAt, lastError: retrying.lastError });
      await env.client.workflow.getHandle(issueWorkflowId('local', 'CONT-2')).executeUpdate(retryUpdate, { args: [{ reason: 'test: skip the backoff' }] });

      const [one, two] = await waitFor(
        'both issues done',
        async () => {
          const all = await Promise.all(['CONT-1', 'CONT-2'].map((id) => issueStatus(env.client, id)));
          return all.every((s) => s.status === 'done') ? (all as [IssueStatus, IssueStatus]) : null;
        },
        60_000,
      );
      watching = false;
      await watcher;
      // The sampler sleeps between reads, so it can stop before it saw the last change that
      // `waitFor` saw: one more read after it stopped closes the sequence.
      const last = await issueStatus(env.client, 'CONT-1');
      if (seen.at(-1) !== last.status) seen.push(last.status);

      // Run 1: two turns on one session (the issue stayed in the stage); a clean exit without a
      // move; `continuing`; run 2 on a new session with attempt 1, which moved the issue to Done.
      const runs = (await runLines(runLog)).filter((r) => r.identifier === 'CONT-1');
      expect(runs.map((r) => [r.attempt, r.turn, r.prompt])).toEqual([
        ['', 1, 'work CONT-1 attempt='],
        ['', 2, 'Continuation turn #2 of 2 for the work stage.'],
        ['1', 1, 'work CONT-1 attempt=1'],
      ]);
      const sessionOf = (r: RunLine) => r.session.slice(0, r.session.lastIndexOf('-'));
      expect(sessionOf(runs[0]!)).toBe(sessionOf(runs[1]!));
      expect(sessionOf(runs[2]!)).not.toBe(sessionOf(runs[0]!));
      // The status went running → continuing (held for the continuation delay, so the 100 ms
      // sampler sees it) → done. Run 2's own `running` can be shorter than one sample on a busy
      // machine; that it ran after the continuation is what `runs[2]` above shows.
      expect(seen).toEqual(expect.arrayContaining(['running', 'continuing', 'done']));
      expect(seen.indexOf('running')).toBeLessThan(seen.indexOf('continuing'));
      expect(seen.indexOf('continuing')).toBeLessThan(seen.lastIndexOf('done'));
      expect(one.history.map((h) => [h.stage, h.attempt, h.outcome, h.turns, h.tokens?.total_tokens])).toEqual([
        ['work', 1, 'succeeded', 2, 220],
        ['work', 1, 'succeeded', 1, 55],
      ]);
      // Absolute session totals become deltas: 220 over run 1's two turns, 55 over run 2.
      expect(one.tokens).toEqual({ input_tokens: 250, output_tokens: 25, total_tokens: 275 });
      expect(one.rateLimits).toEqual(RATE_LIMITS);
      expect(two.history.map((h) => [h.attempt, h.outcome])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);

      // Every stage and turn line names the issue and the agent session (SPEC §13.1).
      const lines = captured.lines().filter((l) => l.issue_identifier === 'CONT-1' && (l.event === 'turn_completed' || l.event === 'stage_finished'));
      expect(lines.map((l) => l.event)).toEqual(['turn_completed', 'turn_completed', 'stage_finished', 'turn_completed', 'stage_finished']);
      for (const l of lines) expect(l).toMatchObject({ issue_id: 'cont-1', issue_identifier: 'CONT-1', session_id: expect.stringMatching(/^[0-9a-f-]+-\d$/) });
      expect(lines.at(-1)!.session_id).toBe(runs[2]!.session);
    } finally {
      watching = false;
      await watcher;
      await worker.stop();
    }
  });
});
