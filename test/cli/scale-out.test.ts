/**
 * The scale-out shape, black-box through the real bin against one Temporal (the shared dev server):
 * one orchestrator-only process (`baton start --no-worker`) and `baton worker` processes with
 * distinct host ids (`--host-id`) and workspace roots (`workspace.root: $BATON_WORKSPACE_ROOT`).
 * What is observed is what an operator sees: the agent's own log lines (issue, stage, host id,
 * workspace path) and the issue files reaching Done.
 * - 10 issues through 2 stages on two hosts: each issue's stages run on one host, in a workspace
 *   under that host's root.
 * - A host killed (SIGKILL) while its issues wait in their second stage: they are re-homed and
 *   finish on the other host. Re-homing waits for the schedule-to-start timeout on the dead host's
 *   queue, `agent.rehome_after_ms`, set short here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BATON_BIN } from '../helpers/cli.js';
import { startWorkerProcess, stopWorkers, type WorkerProcess } from '../helpers/processes.js';
import { deadlineAfter, scaled } from '../helpers/time.js';

const workers: WorkerProcess[] = [];
const orchestrators: ChildProcess[] = [];
/** Agents left sleeping by a killed host (their pids, from the agent log). */
const sleepers: number[] = [];

afterAll(async () => {
  for (const o of orchestrators) if (o.exitCode === null) o.kill('SIGKILL');
  await stopWorkers(workers);
  for (const pid of sleepers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

interface AgentRun {
  issue: string;
  stage: string;
  host: string;
  workspace: string;
  pid: number;
}

let deployments = 0;
/**
 * A deployment of `count` file-tracker issues and two stages (plan: Todo → In Progress, implement:
 * In Progress → Done). The agent logs `<issue> <stage> <host id> <pid> <workspace>` to agents.log;
 * `slowImplementOn` makes implement hang on that host until killed.
 */
function deployment(prefix: string, count: number, options: { slowImplementOn?: string } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'baton-scale-'));
  const name = `scale-${process.pid}-${++deployments}`;
  mkdirSync(path.join(dir, 'issues'));
  for (let i = 1; i <= count; i += 1) {
    writeFileSync(path.join(dir, 'issues', `${prefix}-${i}.md`), `---\nid: ${prefix.toLowerCase()}-${i}\nidentifier: ${prefix}-${i}\ntitle: Issue ${i}\nstate: Todo\nlabels: [agent]\n---\nBody.\n`);
  }
  const hang = options.slowImplementOn
    ? `if [ "$BATON_STAGE" = implement ] && [ "$BATON_HOST_ID" = ${options.slowImplementOn} ]; then exec sleep 3600; fi; `
    : '';
  const config = {
    name,
    temporal: { address: inject('temporalAddress'), namespace: inject('temporalNamespace'), task_queue: name },
    trackers: [{ kind: 'file', provider: { dir: './issues' }, required_labels: ['agent'], active_states: ['Todo', 'In Progress'], terminal_states: ['Done'] }],
    polling: { interval_ms: 1000 },
    workspace: { root: '$BATON_WORKSPACE_ROOT' },
    // A dead host is noticed by its heartbeats (5 s) and its idle queue (10 s).
    agent: { backend: 'command', max_concurrent_agents: 10, retry_base_ms: 1000, max_retry_backoff_ms: 2000, heartbeat_timeout_ms: scaled(5_000), rehome_after_ms: 10_000 },
    command: { command: `echo "$BATON_ISSUE_IDENTIFIER $BATON_STAGE $BATON_HOST_ID $$ $PWD" >> "$BATON_CONFIG_DIR/agents.log"; ${hang}sleep 0.5` },
    stages: [
      { name: 'plan', states: ['Todo'], prompt: 'Plan {{ issue.identifier }}', on_success: { move_to: 'In Progress' } },
      { name: 'implement', states: ['In Progress'], prompt: 'Implement {{ issue.identifier }}', on_success: { move_to: 'Done' } },
    ],
  };
  const configPath = path.join(dir, 'baton.yaml');
  writeFileSync(configPath, stringify(config));
  return { dir, configPath, root: (host: string) => path.join(dir, `workspaces-${host}`) };
}

function agentRuns(dir: string): AgentRun[] {
  let text = '';
  try {
    text = readFileSync(path.join(dir, 'agents.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [issue, stage, host, pid, ...rest] = line.split(' ');
      return { issue: issue!, stage: stage!, host: host!, pid: Number(pid), workspace: rest.join(' ') };
    });
}

function states(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of readdirSync(path.join(dir, 'issues'))) {
    out[file.replace(/\.md$/, '')] = /\nstate: (.*)\n/.exec(readFileSync(path.join(dir, 'issues', file), 'utf8'))?.[1] ?? '?';
  }
  return out;
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = deadlineAfter(timeoutMs);
  while (!check()) {
    if (deadline.passed()) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `baton start <config> --no-worker`: the orchestrator-only process; resolves once it is up. */
async function startOrchestrator(configPath: string, dir: string): Promise<ChildProcess> {
  const log = path.join(dir, 'orchestrator.log');
  const child = spawn(process.execPath, [BATON_BIN, 'start', configPath, '--no-worker'], { env: { ...process.env, BATON_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  orchestrators.push(child);
  let output = '';
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor('the orchestrator to start', () => output.includes('Baton orchestrator running') || child.exitCode !== null, 90_000);
  writeFileSync(log, output);
  if (child.exitCode !== null) throw new Error(`baton start --no-worker exited ${child.exitCode}:\n${output}`);
  return child;
}

/** `baton worker --max-agents 3` as host `host`: three agents at most, so 10 issues need both hosts. */
function worker(d: ReturnType<typeof deployment>, host: string): Promise<WorkerProcess> {
  const logFile = path.join(d.dir, `worker-${host}.log`);
  return startWorkerProcess({ configPath: d.configPath, hostId: host, logFile, env: { BATON_WORKSPACE_ROOT: d.root(host) }, args: ['--max-agents', '3'] }).then((w) => {
    workers.push(w);
    return w;
  });
}

describe('scale-out: an orchestrator-only process and workers on two hosts', () => {
  it('10 issues through 2 stages: each issue’s stages run on one host, in a workspace under that host’s root', async () => {
    const d = deployment('SCALE', 10);
    await Promise.all([worker(d, 'host-a'), worker(d, 'host-b')]);
    const orchestrator = await startOrchestrator(d.configPath, d.dir);
    await waitFor('every issue to reach Done', () => Object.values(states(d.dir)).every((s) => s === 'Done'), 180_000);
    orchestrator.kill('SIGTERM');

    const runs = agentRuns(d.dir);
    const byIssue = new Map<string, AgentRun[]>();
    for (const r of runs) byIssue.set(r.issue, [...(byIssue.get(r.issue) ?? []), r]);
    expect([...byIssue.keys()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `SCALE-${i + 1}`).sort());
    for (const [issue, issueRuns] of byIssue) {
      expect(issueRuns.map((r) => r.stage), issue).toEqual(['plan', 'implement']);
      const hosts = new Set(issueRuns.map((r) => r.host));
      expect(hosts.size, `${issue} ran on ${[...hosts].join(' and ')}`).toBe(1);
      for (const r of issueRuns) expect(r.workspace.startsWith(`${d.root(r.host)}${path.sep}`), `${issue} ${r.stage} in ${r.workspace}`).toBe(true);
    }
    const perHost = (host: string) => [...byIssue.values()].filter((rs) => rs[0]!.host === host).length;
    process.stdout.write(`scale-out: host-a ran ${perHost('host-a')} issue(s), host-b ${perHost('host-b')}\n`);
    expect(perHost('host-a') + perHost('host-b')).toBe(10);
    expect(Math.min(perHost('host-a'), perHost('host-b')), 'issues on the less busy host').toBeGreaterThan(0);
  }, scaled(300_000));

  it('a host killed while its issues wait in their second stage: the issues are re-homed and finish on the other host', async () => {
    const d = deployment('MOVE', 3, { slowImplementOn: 'host-a' });
    const a = await worker(d, 'host-a');
    const orchestrator = await startOrchestrator(d.configPath, d.dir);
    // Every issue planned on host-a and stuck in implement there.
    await waitFor('host-a to run every implement', () => agentRuns(d.dir).filter((r) => r.stage === 'implement' && r.host === 'host-a').length === 3, 120_000);
    sleepers.push(...agentRuns(d.dir).filter((r) => r.stage === 'implement').map((r) => r.pid));
    await worker(d, 'host-b');
    a.kill('SIGKILL');
    await a.exited;

    await waitFor('every issue to reach Done on host-b', () => Object.values(states(d.dir)).every((s) => s === 'Done'), 180_000);
    orchestrator.kill('SIGTERM');
    for (const issue of ['MOVE-1', 'MOVE-2', 'MOVE-3']) {
      const finished = agentRuns(d.dir).filter((r) => r.issue === issue && r.stage === 'implement' && r.host === 'host-b');
      expect(finished.length, `${issue} implemented on host-b`).toBeGreaterThanOrEqual(1);
      expect(finished[0]!.workspace.startsWith(`${d.root('host-b')}${path.sep}`)).toBe(true);
    }
  }, scaled(300_000));
});
