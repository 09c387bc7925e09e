/**
 * The CLI's host lifecycle (SPEC §17.7), as an operator meets it: `baton start` and `baton worker`
 * as real child processes (`node --import tsx cli/main.ts`). A startup failure — an invalid file,
 * an unreachable Temporal, a dashboard port already taken after the worker began — exits non-zero
 * with the diagnostic on stderr; SIGTERM or SIGINT after a normal start shuts down cleanly and
 * exits 0 (having run the startup sweep of terminal workspaces); a second interrupt while running
 * agents are still given their grace period forces an exit with 130.
 */
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentRuns, createDeployment, waitFor, type Deployment } from '../helpers/deployment.js';
import { killProcessGroup } from '../../base/process.js';
import { spawnBaton, untilRunning } from '../helpers/cli.js';
import { closedPort, holdPort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `baton <args>` run from the project root unless `cwd` says otherwise. */
const baton = (args: string[], cwd = ROOT) => spawnBaton(args, { cwd });
const running = untilRunning;

describe('startup failures', () => {
  it('§17.7 baton start with an invalid file exits 1 with every diagnostic and starts nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'baton-cli-'));
    await writeFile(path.join(dir, 'baton.yaml'), 'name: broken\ntracker:\n  kind: file\npolling:\n  interval_ms: soon\n');
    const p = baton(['start', 'baton.yaml'], dir);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toMatch(/baton\.yaml:5:16: error: polling\.interval_ms: expected a positive integer/);
    expect(p.stderr()).toContain('fix: ');
    expect(p.stdout()).not.toContain('Temporal Web UI');
    expect(await readdir(dir)).toEqual(['baton.yaml']);
  });

  it('§17.7 baton worker exits 1 naming the address when Temporal cannot be reached', async () => {
    const d = await createDeployment({ issues: [] });
    const port = await closedPort();
    await d.writeConfig({ temporal: { ...(d.config.temporal as Record<string, unknown>), address: `127.0.0.1:${port}` } });
    const p = baton(['worker', d.configPath]);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain(`baton: temporal_unavailable: cannot connect to Temporal at 127.0.0.1:${port}`);
    expect(p.stderr()).toContain("Fix: ");
    expect(p.stdout()).not.toContain('Baton is running');
  });

  it('§17.7 a startup failure after the worker began (the dashboard port is taken) exits 1 naming the port, and the worker stops', async () => {
    const d = await createDeployment({ issues: [] });
    const taken = await holdPort();
    try {
      await d.writeConfig({ server: { port: taken.port } });
      const p = baton(['worker', d.configPath]);
      const { code } = await p.exited;
      expect(code).toBe(1);
      expect(p.stderr()).toContain(`cannot serve the dashboard on 127.0.0.1:${taken.port}: the port is already in use`);
    } finally {
      await new Promise((resolve) => taken.server.close(resolve));
    }
  });
});

describe('--port', () => {
  it('§17.7 --port serves the HTTP API on that port over server.port, 0 picks a free one, and a bad value is a usage error', async () => {
    const d = await createDeployment({ issues: [] });
    // server.port names a port that is taken: only the flag can make this start work.
    const taken = await holdPort();
    try {
      await d.writeConfig({ server: { port: taken.port } });
      const p = baton(['worker', d.configPath, '--port', '0']);
      try {
        await running(p);
        const url = /"dashboard":"(http:\/\/127\.0\.0\.1:(\d+))\/"/.exec(p.stdout());
        expect(url, p.stdout()).not.toBeNull();
        expect(Number(url![2])).not.toBe(taken.port);
        const state = await fetch(`${url![1]}/api/v1/state`);
        expect(state.status).toBe(200);
        p.child.kill('SIGTERM');
        expect((await p.exited).code).toBe(0);
      } finally {
        p.child.kill('SIGKILL');
      }
      const flagged = baton(['worker', d.configPath, '--port', String(taken.port)]);
      expect((await flagged.exited).code).toBe(1);
      expect(flagged.stderr()).toContain(`cannot serve the dashboard on 127.0.0.1:${taken.port}`);
    } finally {
      await new Promise((resolve) => taken.server.close(resolve));
    }
    const bad = baton(['worker', d.configPath, '--port', 'eighty']);
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr()).toMatch(/option '--port <port>' argument 'eighty' is invalid.*0 to 65535/);
  });
});

describe('shutdown', () => {
  async function workerWithTerminalWorkspace(): Promise<Deployment> {
    const d = await createDeployment({ issues: [{ identifier: 'OLD-1', state: 'Done' }] });
    await mkdir(path.join(d.dir, 'workspaces', 'OLD-1'), { recursive: true });
    return d;
  }

  it.each([['SIGTERM'], ['SIGINT']] as const)('§17.7 %s after a normal start shuts down cleanly and exits 0; the startup sweep ran', async (signal) => {
    const d = await workerWithTerminalWorkspace();
    const p = baton(['worker', d.configPath]);
    try {
      await running(p);
      // The startup sweep removed the workspace of the issue that was already Done.
      await waitFor('the sweep', async () => !(await readdir(path.join(d.dir, 'workspaces'))).includes('OLD-1'), 20_000);
      p.child.kill(signal);
      const { code } = await p.exited;
      expect(code).toBe(0);
      expect(p.stdout()).toContain(`"why":"${signal}"`);
      expect(p.stdout()).not.toMatch(/"level":(50|60)/);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('§17.7 a second interrupt while running agents get their grace period forces exit 130', async () => {
    const d = await createDeployment({ issues: [{ identifier: 'LONG-1' }], agentBody: 'sleep 60 & wait' });
    const p = baton(['worker', d.configPath]);
    let agentPid: number | undefined;
    try {
      await running(p);
      agentPid = (await waitFor('the agent', async () => (await agentRuns(d.logFile))[0], 30_000)).pid;
      p.child.kill('SIGINT');
      // A relayed duplicate within 1.5 s is the same press; a deliberate second one is not. The
      // agent's 5 s grace keeps the shutdown going meanwhile; a loaded machine may handle a press
      // late, so presses come until one lands.
      for (let press = 0; press < 4 && p.child.exitCode === null; press++) {
        await new Promise((r) => setTimeout(r, 1_000));
        if (press > 0) p.child.kill('SIGINT');
      }
      const { code } = await p.exited;
      expect(code).toBe(130);
      expect(p.stdout()).toContain('second interrupt: exiting now');
    } finally {
      p.child.kill('SIGKILL');
      // A forced exit leaves the agent behind (the next worker reaps it); this test reaps it itself.
      if (agentPid) killProcessGroup(agentPid, 'SIGKILL');
    }
  });
});
