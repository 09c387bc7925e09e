/**
 * Issue 9 §1 on a real worker process: a stage that fails once and then succeeds leaves one JSON
 * line per lifecycle event an operator follows it by — dispatched, admitted, stage started, agent
 * session and turn, the failure with its category, the retry with its due time, the stage
 * finished, done — each with the issue's keys once, and the agent's lines with `session_id`.
 * Nothing but JSON reaches stdout under BATON_LOG_FORMAT=json.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startBatonWorker, type BatonProcess } from '../server/baton-process.js';
import { waitFor } from '../helpers/deployment.js';
import { scaled } from '../helpers/time.js';

let baton: BatonProcess | undefined;
afterAll(async () => {
  await baton?.stop();
});

type Line = Record<string, unknown>;

describe('lifecycle log lines', () => {
  it('a stage that fails once then succeeds: one JSON line per event, issue keys once, session_id on agent lines', { timeout: scaled(180_000) }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-lifecycle-'));
    const issues = path.join(dir, 'issues');
    await mkdir(issues);
    await writeFile(path.join(issues, 'LOG-1.md'), `---\n${stringify({ id: 'log-1', identifier: 'LOG-1', title: 'Logged', state: 'Todo', labels: [] })}---\nbody\n`);
    // Fails its first run on purpose (exit 3), succeeds the second.
    const agent = path.join(dir, 'agent.sh');
    await writeFile(agent, `#!/usr/bin/env bash\ncat > /dev/null\nif [ ! -e "${dir}/failed-once" ]; then touch "${dir}/failed-once"; echo "first run fails on purpose" >&2; exit 3; fi\nexit 0\n`, { mode: 0o755 });
    const name = `log-${randomUUID().slice(0, 8)}`;
    const configPath = path.join(dir, 'baton.yaml');
    await writeFile(
      configPath,
      stringify({
        name,
        temporal: { address: inject('temporalAddress'), namespace: inject('temporalNamespace'), task_queue: `baton-${name}` },
        trackers: [{ name: 'local', kind: 'file', provider: { dir: issues }, active_states: ['Todo'], terminal_states: ['Done'] }],
        polling: { interval_ms: 300 },
        workspace: { root: path.join(dir, 'workspaces') },
        agent: { backend: 'command', retry_base_ms: 300, max_retry_backoff_ms: 1_000 },
        command: { command: `bash ${agent}` },
        server: { port: 0 },
        stages: [{ name: 'run', states: ['Todo'], prompt: 'run {{ issue.identifier }}', on_success: { move_to: 'Done' } }],
      }),
    );
    baton = await startBatonWorker(configPath);
    await waitFor('LOG-1 done and logged', async () => baton!.lines.some((l) => l.includes('"event":"done"') && l.includes('LOG-1')), 120_000);

    // Nothing but JSON objects on stdout.
    const parsed: Line[] = baton.lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line);
    expect(parsed.every((p) => typeof p === 'object' && p !== null)).toBe(true);

    const mine = baton.lines.filter((l) => l.includes('"issue_identifier":"LOG-1"'));
    const byEvent = (event: string) => mine.filter((l) => l.includes(`"event":"${event}"`)).map((l) => JSON.parse(l) as Line);
    for (const event of ['dispatched', 'admitted', 'stage_started', 'session_started', 'turn_completed', 'stage_failed', 'retry_scheduled', 'stage_finished', 'done']) {
      expect({ event, lines: byEvent(event).length }).toEqual({ event, lines: expect.any(Number) });
      expect(byEvent(event).length, `${event} lines`).toBeGreaterThanOrEqual(1);
    }
    // One run failed, one succeeded: two starts, one failure, one finish.
    expect(byEvent('stage_started')).toHaveLength(2);
    expect(byEvent('stage_failed')).toHaveLength(1);
    expect(byEvent('stage_finished')).toHaveLength(1);
    expect(byEvent('stage_failed')[0]).toMatchObject({ stage: 'run', category: 'agent_failed', outcome: 'failed' });
    expect(String(byEvent('stage_failed')[0]!.error)).toContain('first run fails on purpose');
    expect(Date.parse(String(byEvent('retry_scheduled')[0]!.due_at))).not.toBeNaN();

    // Each key once per line, and the issue's keys on every issue line.
    for (const line of mine) {
      for (const key of ['issue_id', 'issue_identifier', 'stage', 'session_id', 'event', 'msg']) {
        expect(line.split(`"${key}":`).length - 1, `${key} in ${line}`).toBeLessThanOrEqual(1);
      }
      const fields = JSON.parse(line) as Line;
      if (fields.event !== 'admitted') expect(fields).toMatchObject({ issue_id: 'log-1', issue_identifier: 'LOG-1' });
    }
    // Agent lines name the session.
    for (const event of ['session_started', 'turn_completed', 'stage_failed', 'stage_finished']) {
      for (const l of byEvent(event)) expect(l.session_id, `${event} session_id`).toEqual(expect.any(String));
    }
    // The issue file says Done.
    expect(await readFile(path.join(issues, 'LOG-1.md'), 'utf8')).toMatch(/state: Done/);
  });
});
