/**
 * The embedded Temporal server killed under a running `baton start` (a real process, a real dev
 * server on a SQLite file, real agent processes): Baton says so in one error line, restarts the
 * server on the same file and ports, and every issue still reaches Done with no completed stage
 * run twice. And a server that cannot come back (its database replaced by a directory): Baton
 * stops with exit code 1, a message that says what to do, and nothing left running.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../../base/process.js';
import { readServerState, type ServerState } from '../../runtime/server-state.js';
import { agentRuns, createDeployment, readIssueFile, waitFor, type AgentRun, type Deployment } from '../helpers/deployment.js';
import { processesOfIssue } from '../helpers/agents.js';
import { startBaton, type BatonProcess } from './baton-process.js';

const running: BatonProcess[] = [];
afterEach(() => {
  for (const baton of running.splice(0)) baton.kill();
});

/** A deployment on its own embedded server (free ports), its SQLite file under the deployment. */
async function embeddedDeployment(identifiers: string[], agentBody: string): Promise<{ d: Deployment; dbFile: string }> {
  const d = await createDeployment({ issues: identifiers.map((identifier) => ({ identifier })), agentBody });
  await d.writeConfig({ temporal: { ...(d.config.temporal as object), address: 'embedded', embedded: { db_file: './state/temporal.db', port: 0, ui_port: 0 } } });
  return { d, dbFile: path.join(d.dir, 'state', 'temporal.db') };
}

function start(d: Deployment, extra: string[] = []): BatonProcess {
  const baton = startBaton(['start', d.configPath, ...extra], path.join(d.dir, 'baton.log'));
  running.push(baton);
  return baton;
}

async function serverOf(baton: BatonProcess, dbFile: string): Promise<ServerState> {
  return waitFor('the embedded server to be recorded in server.json', async () => {
    const exit = baton.exitStatus();
    if (exit) throw new Error(`baton exited early (${JSON.stringify(exit)}):\n${(await baton.output()).slice(-3_000)}`);
    return readServerState(dbFile);
  }, 120_000);
}

/** Runs of a stage that started after a run of the same stage of the same issue had completed. */
function rerunsOfCompletedStages(runs: readonly AgentRun[]): AgentRun[] {
  return runs.filter((run) => runs.some((done) => done !== run && done.identifier === run.identifier && done.stage === run.stage && done.stop !== undefined && done.stop <= run.start));
}

const messages = (records: Array<Record<string, unknown>>, prefix: string) => records.filter((r) => String(r.msg).startsWith(prefix));

describe('the embedded server killed under baton start', () => {
  it('is restarted on the same database and ports; every issue reaches Done and no completed stage runs again', async () => {
    const ids = ['KILL-1', 'KILL-2', 'KILL-3'];
    const { d, dbFile } = await embeddedDeployment(ids, 'sleep 2');
    const baton = start(d, ['--until-idle']);
    const before = await serverOf(baton, dbFile);

    // Mid-stage: an implement agent is running (plan already completed for that issue).
    await waitFor('an implement agent to be running', async () => (await agentRuns(d.logFile)).find((r) => r.stage === 'implement' && r.stop === undefined), 120_000);
    process.kill(before.pid, 'SIGKILL');
    const killedAt = Date.now();

    const exit = await waitFor('baton start --until-idle to finish', async () => baton.exitStatus(), 240_000);
    const output = await baton.output();
    expect(exit, output.slice(-4_000)).toEqual({ code: 0, signal: null });

    for (const id of ids) expect((await readIssueFile(d.issuesDir, id)).state, id).toBe('Done');
    const runs = await agentRuns(d.logFile);
    expect(rerunsOfCompletedStages(runs)).toEqual([]);
    for (const id of ids) {
      const completed = runs.filter((r) => r.identifier === id && r.stop !== undefined).map((r) => r.stage);
      expect(new Set(completed), id).toEqual(new Set(['plan', 'implement', 'review', 'merge']));
    }

    const records = await baton.records();
    expect(messages(records, 'embedded Temporal server exited unexpectedly')).toEqual([
      expect.objectContaining({ level: 50, pid: before.pid, exit: 'killed by SIGKILL', address: before.address }),
    ]);
    const restarted = messages(records, 'embedded Temporal server restarted');
    expect(restarted).toEqual([expect.objectContaining({ address: before.address })]);
    expect(messages(records, 'embedded Temporal server did not restart')).toEqual([]);
    const newPid = Number(restarted[0]!.pid);
    expect(newPid).not.toBe(before.pid);
    expect(processAlive(newPid)).toBe(false);
    expect(await readServerState(dbFile)).toBeUndefined();
    const lastAgentStart = Math.max(...runs.map((r) => r.start));
    console.info(`[figures] server kill -> restarted: ${String(restarted[0]!.downMs)} ms; kill -> last agent start: ${lastAgentStart - killedAt} ms`);
  });

  it('stops with exit code 1 and says what to do when the server cannot be restarted, leaving nothing running', async () => {
    const id = 'DOOM-1';
    const { d, dbFile } = await embeddedDeployment([id], 'sleep 300');
    const baton = start(d);
    const server = await serverOf(baton, dbFile);
    await waitFor('the agent to be running', async () => (await agentRuns(d.logFile)).find((r) => r.identifier === id), 120_000);

    process.kill(server.pid, 'SIGKILL');
    // No restart can open a directory where the database was.
    await rm(dbFile, { force: true });
    await mkdir(dbFile);

    const exit = await waitFor('baton to give up', async () => baton.exitStatus(), 120_000);
    const output = await baton.output();
    expect(exit, output.slice(-4_000)).toEqual({ code: 1, signal: null });
    expect(output).toContain(`baton: temporal_unavailable: The embedded Temporal server on ${dbFile} died and Baton could not bring it back: it failed 6 times within 120 s`);
    expect(output).toContain('then run `baton start` again');
    const records = await baton.records();
    expect(messages(records, 'embedded Temporal server exited unexpectedly')).toHaveLength(1);
    expect(messages(records, 'embedded Temporal server did not restart')).toHaveLength(5);
    // Honest at the end too: the server was already gone, so nothing claims to have stopped it.
    expect(messages(records, 'embedded Temporal server stopped')).toEqual([]);
    expect(messages(records, 'embedded Temporal server was not running')).toHaveLength(1);

    expect(processAlive(server.pid)).toBe(false);
    expect(processAlive(baton.pid)).toBe(false);
    expect(await waitFor('the agent to be gone', async () => (await processesOfIssue(id)).length === 0, 20_000)).toBe(true);
  });
});
