/**
 * Signals to the `baton` bin (issue 10): the bin runs the CLI in its own process, so a SIGTERM or
 * SIGHUP sent to the pid a supervisor knows reaches Baton itself. `baton start` (embedded Temporal,
 * an agent running) then stops its agent, its worker and the Temporal server, and exits 0 (a
 * completed graceful shutdown is a normal exit, spec/SPEC.md §10); no Baton, Temporal or agent
 * process is left.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BATON_BIN } from '../helpers/cli.js';
import { killIfRunning, procStat, stillRunning, type ProcStat } from '../helpers/processes.js';
import { deadlineAfter, scaled } from '../helpers/time.js';

const leftovers: ProcStat[] = [];
afterAll(async () => {
  await killIfRunning(leftovers);
});

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = deadlineAfter(timeoutMs);
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (deadline.passed()) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

describe.each(['SIGTERM', 'SIGHUP'] as const)('%s to the baton bin of a running `baton start`', (signal) => {
  it('stops the agent, the worker and the embedded Temporal server, and exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'baton-signal-'));
    writeFileSync(path.join(dir, 'ISSUE.md'), '---\nid: sig-1\nidentifier: SIG-1\ntitle: Hang\nstate: Todo\nlabels: []\n---\n');
    const config = {
      name: `signal-${process.pid}-${signal}`,
      temporal: { address: 'embedded', embedded: { db_file: './.baton/temporal.sqlite', port: 0, ui_port: 0 } },
      trackers: [{ kind: 'file', provider: { dir: '.' }, active_states: ['Todo'], terminal_states: ['Done'] }],
      polling: { interval_ms: 1000 },
      workspace: { root: './workspaces' },
      agent: { backend: 'command' },
      // The agent records its pid, then runs until something stops it.
      command: { command: 'echo $$ > "$BATON_CONFIG_DIR/agent.pid"; exec sleep 600' },
      stages: [{ name: 'run', states: ['Todo'], prompt: 'Hang', on_success: { move_to: 'Done' } }],
    };
    writeFileSync(path.join(dir, 'baton.yaml'), stringify(config));

    const baton = spawn(process.execPath, [BATON_BIN, 'start', 'baton.yaml'], {
      cwd: dir,
      env: { ...process.env, TEMPORAL_CLI_PATH: inject('temporalCliPath') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const s of [baton.stdout, baton.stderr]) s.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => baton.once('exit', (code) => resolve(code)));

    const agentPid = await waitFor('the agent to start', () => {
      const text = existsSync(path.join(dir, 'agent.pid')) ? readFileSync(path.join(dir, 'agent.pid'), 'utf8').trim() : '';
      return text ? Number(text) : undefined;
    });
    const server = await waitFor('the embedded server state', () => readJson<{ pid: number }>(path.join(dir, '.baton', 'server.json')));
    const processes = (await Promise.all([baton.pid!, server.pid, agentPid].map((pid) => procStat(pid)))).filter((p): p is ProcStat => p !== null);
    leftovers.push(...processes);
    // Baton itself (the bin's own pid: no wrapper), its Temporal server and the agent all run.
    expect(processes.map((p) => p.pid).sort()).toEqual([baton.pid!, server.pid, agentPid].sort());
    expect(processes.find((p) => p.pid === baton.pid)!.name).toBe('node');

    baton.kill(signal);
    const code = await exited;
    expect(code, output).toBe(0);
    expect(await stillRunning(processes), 'processes left running').toEqual([]);
  }, scaled(180_000));
});
