/**
 * A fault-test deployment on the Linear fake, run by real `baton worker` processes: its own fake
 * (so no other deployment polls its project), one labelled issue, the four stages in Linear's
 * states, and what the provider would show — the issue's state and label changes in store order,
 * its comments, and every request the fake answered. The fake's faults (`fake.inject`) aim at
 * one GraphQL document with `operation`.
 *
 * Figures: fault tests stamp moments with {@link Clock} (ms since the fault) and print them as
 * `[figures]` lines; nothing is asserted on them.
 */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createDeployment, type Deployment } from '../helpers/deployment.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/processes.js';
import { pollUntil } from '../helpers/time.js';
import { startLinearFake, type LinearFake, type RecordedRequest } from '../fakes/linear/index.js';
import { GATE_LABEL, pipelineStages, recordChanges } from '../providers-e2e/support.js';

export const STATES = { plan: 'Todo', implement: 'In Progress', review: 'In Review', merge: 'Merging', done: 'Done' } as const;
const KEY_ENV = 'BATON_TEST_LINEAR_KEY';

/** The GraphQL document a request ran (`BatonPoll`, `BatonIssueUpdate`, ...). */
export function operation(r: RecordedRequest): string | undefined {
  return /^\s*(?:query|mutation)\s+(\w+)/.exec(r.query)?.[1];
}

/** A state move (`BatonIssueUpdate` with a `stateId`), as opposed to a label change. */
export function isMove(r: RecordedRequest): boolean {
  return operation(r) === 'BatonIssueUpdate' && typeof (r.variables.input as { stateId?: unknown } | undefined)?.stateId === 'string';
}

export interface LinearDeployment {
  d: Deployment;
  fake: LinearFake;
  issue: { id: string; identifier: string };
  /** `state <name>` / `+label <name>` / `-label <name>` in the order the fake's store changed. */
  changes: string[];
  /** Lines the hooks and agents append: `<what> <ms> <pid>` (see {@link eventLine}). */
  eventsFile: string;
  /** Start a `baton worker` for this deployment (its log next to the config). */
  startWorker(hostId: string, name: string): Promise<WorkerProcess>;
  /** Provider view: state, labels, comment bodies. */
  read(): { state: string; labels: string[]; comments: string[] };
  /** `BatonCommentCreate` requests for the issue. */
  commentCreates(): number;
  /** Requests that name the issue, polls left out. */
  requestsFor(): RecordedRequest[];
  /** The reviewer adds the gate label in Linear. */
  addGateLabel(): void;
  events(): Promise<Array<{ what: string; at: number; pid: number }>>;
}

/**
 * A bash line that appends `<what> <epoch ms> <pid>` to the events file; `$$` is the shell's pid
 * (a hook or agent started in its own process group leads it).
 */
export function eventLine(eventsFile: string, what: string): string {
  return `echo "${what} $(date +%s%3N) $$" >> ${JSON.stringify(eventsFile)}`;
}

export async function linearDeployment(options: {
  prefix: string;
  /** The agent script's body (after its start line in agent.log). */
  agentBody?: string;
  /** Review waits for the `approved` label (default: no gates). */
  gate?: boolean;
  /** `hooks:` block; `$EVENTS` in a script is replaced by the events file's path. */
  hooks?: Record<string, unknown>;
  /** Linear's per-request timeout (default the profile's 30 s). */
  timeoutMs?: number;
  /** Merged over `agent:`. */
  agent?: Record<string, unknown>;
}): Promise<LinearDeployment> {
  const fake = await startLinearFake({ teamKey: options.prefix });
  const row = fake.store.addIssue({ title: `Fault test ${options.prefix}`, labels: ['agent'], priority: 2 });
  const changes = recordChanges(
    row,
    { field: 'stateId', name: (id) => fake.store.states.get(id)!.name },
    { field: 'labelIds', names: (ids) => ids.map((id) => fake.store.labels.get(id)!.name) },
  );
  const stages = pipelineStages(STATES).map((s) => (options.gate ? s : { ...s, gate: undefined }));
  const d = await createDeployment({ issues: [], agentBody: options.agentBody });
  const eventsFile = path.join(d.dir, 'events.log');
  await appendFile(eventsFile, '');
  const hooks = options.hooks
    ? Object.fromEntries(Object.entries(options.hooks).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll('$EVENTS', JSON.stringify(eventsFile)) : v]))
    : undefined;
  await d.writeConfig({
    trackers: [
      {
        name: 'linear',
        kind: 'linear',
        provider: { endpoint: fake.url, api_key: `$${KEY_ENV}`, project_slug: fake.store.defaultProjectSlug, ...(options.timeoutMs ? { timeout_ms: options.timeoutMs } : {}) },
        required_labels: ['agent'],
        active_states: [STATES.plan, STATES.implement, STATES.review, STATES.merge],
        terminal_states: ['Done', 'Canceled', 'Duplicate'],
      },
    ],
    stages: stages.map((s) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>),
    agent: { ...(d.config.agent as object), ...options.agent },
    ...(hooks ? { hooks } : {}),
  });
  const mentions = (r: RecordedRequest) => JSON.stringify(r.variables).includes(row.id);
  return {
    d,
    fake,
    issue: { id: row.id, identifier: row.identifier },
    changes,
    eventsFile,
    startWorker: (hostId, name) =>
      startWorkerProcess({ configPath: d.configPath, hostId, logFile: path.join(d.dir, `${name}.log`), env: { [KEY_ENV]: fake.apiKey, BATON_LOG_FORMAT: 'json' } }),
    read() {
      const snap = fake.store.snapshot(row.identifier);
      return { state: snap.state, labels: snap.labels, comments: snap.comments.map((c) => c.body) };
    },
    commentCreates: () => fake.requests.filter((r) => operation(r) === 'BatonCommentCreate' && mentions(r)).length,
    requestsFor: () => fake.requests.filter((r) => operation(r) !== 'BatonPoll' && mentions(r)),
    addGateLabel() {
      const label = fake.store.labelByName(row.teamId, GATE_LABEL);
      fake.store.patchIssue(row.id, { labelIds: [...row.labelIds, label.id], updatedAt: fake.store.now() });
    },
    async events() {
      const text = await readFile(eventsFile, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const parts = line.split(' ');
          return { what: parts.slice(0, -2).join(' '), at: Number(parts.at(-2)), pid: Number(parts.at(-1)) };
        });
    },
  };
}

/** What every pipeline run must leave in Linear: each state once, in order; the gate label on and off once. */
export function expectedChanges(gate: boolean): string[] {
  return [
    `state ${STATES.implement}`,
    `state ${STATES.review}`,
    ...(gate ? [`+label ${GATE_LABEL}`, `-label ${GATE_LABEL}`] : []),
    `state ${STATES.merge}`,
    `state ${STATES.done}`,
  ];
}

/** Milliseconds since a fault, for the figures a test prints. */
export class Clock {
  readonly start = Date.now();
  since(at: number = Date.now()): number {
    return at - this.start;
  }
}

/**
 * When `check` first holds, polled every 50 ms for up to `timeoutMs` (scaled); null if it never
 * did. Start it right after a fault to stamp when work resumed.
 */
export async function firstSeen(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const seen = await pollUntil(async () => ((await check()) ? Date.now() : 0), timeoutMs);
  return seen || null;
}

/** A worker's JSON log records, in order (lines cut short by a concurrent write left out). */
export async function workerRecords(worker: WorkerProcess): Promise<Array<Record<string, unknown>>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of (await worker.output()).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // partial line
    }
  }
  return records;
}
