/**
 * A bench deployment: a folder with a baton.yaml, a `file` tracker folder of issues and the
 * instant agent, pointed at the bench's Temporal server. The four stages are Baton's defaults
 * (plan → implement → review → merge), each moving the issue on when its agent exits 0.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseMarkdownIssue } from '../adapters/trackers/markdown-issue.js';
import { instantAgentScript } from './agent-log.js';

/** What the bench varies between runs. */
export interface BenchDeploymentOptions {
  /** A fresh folder the deployment owns. */
  dir: string;
  /** Deployment name (names the orchestrator workflow). */
  name: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  pollIntervalMs: number;
  maxConcurrentAgents: number;
}

export interface BenchDeployment {
  name: string;
  dir: string;
  configPath: string;
  issuesDir: string;
  agentLog: string;
}

/** Active states in stage order, then the terminal ones. */
export const STAGES = [
  { name: 'plan', state: 'Todo', next: 'In Progress' },
  { name: 'implement', state: 'In Progress', next: 'In Review' },
  { name: 'review', state: 'In Review', next: 'Merging' },
  { name: 'merge', state: 'Merging', next: 'Done' },
] as const;
export const DONE_STATE = 'Done';
const LABEL = 'agent';

/** The baton.yaml of a bench deployment, as an object (exported for tests). */
export function benchConfig(options: Omit<BenchDeploymentOptions, 'dir'>, agentScript: string): Record<string, unknown> {
  return {
    name: options.name,
    temporal: { address: options.temporalAddress, namespace: options.namespace, task_queue: options.taskQueue },
    trackers: [
      {
        name: 'local',
        kind: 'file',
        provider: { dir: './issues' },
        required_labels: [LABEL],
        active_states: STAGES.map((s) => s.state),
        terminal_states: [DONE_STATE, 'Cancelled'],
      },
    ],
    polling: { interval_ms: options.pollIntervalMs },
    workspace: { root: './workspaces' },
    agent: { backend: 'command', max_concurrent_agents: options.maxConcurrentAgents },
    command: { command: `bash ${JSON.stringify(agentScript)}`, turn_timeout_ms: 60_000, stall_timeout_ms: 30_000 },
    stages: STAGES.map((s) => ({
      name: s.name,
      states: [s.state],
      prompt: `${s.name} {{ issue.identifier }}`,
      on_success: { move_to: s.next },
    })),
  };
}

/** Write the deployment's files under `options.dir`. */
export async function createBenchDeployment(options: BenchDeploymentOptions): Promise<BenchDeployment> {
  const issuesDir = path.join(options.dir, 'issues');
  await mkdir(issuesDir, { recursive: true });
  const agentLog = path.join(options.dir, 'agent.log');
  const agentScript = path.join(options.dir, 'agent.sh');
  await writeFile(agentScript, instantAgentScript(agentLog), { mode: 0o755 });
  const configPath = path.join(options.dir, 'baton.yaml');
  await writeFile(configPath, stringify(benchConfig(options, agentScript)));
  return { name: options.name, dir: options.dir, configPath, issuesDir, agentLog };
}

/**
 * Add a labelled issue in the first stage's state. Written to a temp name and renamed, so a poll
 * never reads half a file.
 */
export async function addIssue(issuesDir: string, identifier: string): Promise<void> {
  const front = {
    id: identifier.toLowerCase(),
    identifier,
    title: `Bench issue ${identifier}`,
    state: STAGES[0].state,
    labels: [LABEL],
    priority: null,
    created_at: new Date().toISOString(),
  };
  const file = path.join(issuesDir, `${identifier}.md`);
  const tmp = path.join(issuesDir, `.${identifier}.tmp`);
  await writeFile(tmp, `---\n${stringify(front)}---\nBench issue.\n`);
  await rename(tmp, file);
}

/** An issue's tracker state and when its file last changed (the tracker's last write). */
export interface IssueFileState {
  state: string | null;
  mtimeMs: number;
}

/** An issue's tracker state and when its file last changed (the tracker's last write). */
export async function issueFileState(issuesDir: string, identifier: string): Promise<IssueFileState> {
  const file = path.join(issuesDir, `${identifier}.md`);
  const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
  return { state: stateOf(text), mtimeMs: info.mtimeMs };
}

function stateOf(text: string): string | null {
  const parsed = parseMarkdownIssue(text);
  return parsed.ok && typeof parsed.fields.state === 'string' ? parsed.fields.state : null;
}

/**
 * {@link issueFileState} for a bench that waits on many issues: a file is read and parsed again
 * only when its stamp changed. The bench runs in the worker's process, so re-parsing hundreds of
 * files every few hundred ms would be garbage the worker's memory figure then counts.
 */
export function issueStateReader(issuesDir: string): (identifier: string) => Promise<IssueFileState> {
  const known = new Map<string, { stamp: string; state: string | null }>();
  return async (identifier) => {
    const file = path.join(issuesDir, `${identifier}.md`);
    const info = await stat(file);
    const stamp = `${info.mtimeMs}:${info.size}:${info.ino}`;
    let hit = known.get(identifier);
    if (hit?.stamp !== stamp) {
      hit = { stamp, state: stateOf(await readFile(file, 'utf8')) };
      known.set(identifier, hit);
    }
    return { state: hit.state, mtimeMs: info.mtimeMs };
  };
}
