/**
 * `npm run bench` (`tsx bench/pipeline.ts`): figures for Baton's durable stage pipeline on this
 * machine. It starts its own embedded Temporal dev server (SQLite in a temp folder) and an
 * in-process Baton worker, runs `file` tracker deployments with an instant `command` agent, and
 * prints (a) dispatch latency, (b) throughput and wall time, (c) Temporal history events,
 * (d) memory and, with `--in-flight`, (e) many issues in flight at once (agents that sleep), as a
 * table or `--json`. Everything it started is stopped and removed on the way out, also on failure,
 * Ctrl-C or `--timeout`; a failed or timed-out run exits non-zero.
 */
import { setMaxListeners } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { reportError } from '../cli/runner.js';
import { startBenchEnvironment, type BenchEnvironment } from './environment.js';
import { LatencyTrigger, measureDispatchLatency, type LatencyFigures } from './latency.js';
import { loadAverage, machineFacts, timeLoginShell, type LoginShellFacts } from './machine.js';
import { startMemorySampler } from './memory.js';
import { renderText, type BenchResult } from './report.js';
import { measureInFlight, type InFlightFigures } from './in-flight.js';
import { defaultIdleWindowMs, measureThroughput, type ThroughputResult } from './throughput.js';

/** The refresh run's timer interval: Symphony's default, so (almost) every dispatch comes from the signal. */
const REFRESH_RUN_POLL_MS = 30_000;

interface BenchOptions {
  issues: number;
  inFlight: number;
  inFlightSleepMs: number;
  maxConcurrentAgents: number;
  latencyIssues: number;
  warmup: number;
  pollMs: number;
  idleWindowMs?: number;
  timeout: number;
  json?: boolean;
  keep?: boolean;
  userProfile?: boolean;
  logLevel: string;
}

function count(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}, got \`${value}\``);
    return n;
  };
}

async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const began = Date.now();
  const startedAt = new Date(began).toISOString();
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const logger = pino({ name: 'bench', level: opts.logLevel, base: undefined }, pino.destination(2));
  const loadStart = loadAverage();
  const guards = abortGuards(opts);
  const memory = startMemorySampler();
  try {
    note('bench: starting the embedded Temporal server and a Baton worker');
    const env = await startBenchEnvironment({
      logger,
      keep: opts.keep,
      userProfile: opts.userProfile,
      onWorkerStopped: (err) => guards.abort(err),
    });
    try {
      memory.watchServer(env.server.pid);
      note(`bench: server ${env.server.address} (${env.cliVersion}), folder ${env.root}`);
      const agentsShell = await timeLoginShell(env.agentEnv);
      const loginShell: LoginShellFacts = { agents: agentsShell, userProfile: opts.userProfile ? agentsShell : await timeLoginShell(process.env) };
      const run: BenchRun = { env, opts, memory, signal: guards.signal, note };
      const latency = await latencyRuns(run);
      const throughput = await throughputRun(run);
      const inFlight = await inFlightRun(run);
      return {
        startedAt,
        inFlight,
        command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd(),
        machine: machineFacts({ temporalCli: env.cliVersion, loginShell, loadAverage: { start: loadStart, end: loadAverage() } }),
        startup: env.startup,
        latency,
        throughput: throughput?.throughput ?? null,
        history: throughput?.history ?? null,
        memory: await memory.finish(),
        totalMs: Date.now() - began,
      };
    } finally {
      note('bench: stopping the worker and the server');
      await env.close();
    }
  } finally {
    await memory.finish();
    guards.release();
  }
}

/**
 * The one signal that ends the run early: `--timeout`, Ctrl-C or SIGTERM, or `abort(err)` (a
 * worker that stopped). `release()` disarms them once everything is cleaned up.
 */
function abortGuards(opts: BenchOptions): { signal: AbortSignal; abort(err: Error): void; release(): void } {
  const controller = new AbortController();
  const { signal } = controller;
  // Every concurrent wait listens on this one signal; more than ten at once is expected.
  setMaxListeners(256, signal);
  const timeoutMs = opts.timeout * 1000;
  const timer = setTimeout(
    () => controller.abort(new Error(`the bench ran longer than --timeout ${opts.timeout} s; raise --timeout or lower --issues`)),
    timeoutMs,
  );
  // If cleanup itself hangs, leave anyway: the embedded server's watchdog stops it when this process exits.
  const hardStop = setTimeout(() => {
    process.stderr.write('bench: cleanup did not finish within a minute of the timeout; exiting\n');
    process.exit(1);
  }, timeoutMs + 60_000);
  hardStop.unref();
  const onSignal = (sig: NodeJS.Signals) => controller.abort(new Error(`interrupted by ${sig}`));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal,
    abort: (err) => controller.abort(err),
    release() {
      clearTimeout(timer);
      clearTimeout(hardStop);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** What each measured phase needs: the environment, the options, the memory sampler to mark phases on. */
interface BenchRun {
  env: BenchEnvironment;
  opts: BenchOptions;
  memory: ReturnType<typeof startMemorySampler>;
  signal: AbortSignal;
  note(line: string): void;
}

/** (a): one latency run per trigger, refresh first; none with `--latency-issues 0`. */
async function latencyRuns({ env, opts, memory, signal, note }: BenchRun): Promise<LatencyFigures[]> {
  const latency: LatencyFigures[] = [];
  if (opts.latencyIssues <= 0) return latency;
  for (const trigger of [LatencyTrigger.refresh, LatencyTrigger.poll]) {
    memory.phase(`latency-${trigger}`);
    note(`bench: (a) dispatch latency, ${trigger}: ${opts.warmup} warm-up + ${opts.latencyIssues} issues one at a time`);
    latency.push(
      await measureDispatchLatency(env, {
        trigger,
        count: opts.latencyIssues,
        warmup: opts.warmup,
        pollIntervalMs: trigger === LatencyTrigger.refresh ? REFRESH_RUN_POLL_MS : opts.pollMs,
        signal,
        note,
      }),
    );
  }
  return latency;
}

/** (b) and (c), from one run; null with `--issues 0`. */
async function throughputRun({ env, opts, memory, signal, note }: BenchRun): Promise<ThroughputResult | null> {
  if (opts.issues <= 0) return null;
  memory.phase('throughput');
  note(`bench: (b) throughput: ${opts.issues} issues, max_concurrent_agents ${opts.maxConcurrentAgents}`);
  return measureThroughput(env, {
    issues: opts.issues,
    maxConcurrentAgents: opts.maxConcurrentAgents,
    pollIntervalMs: opts.pollMs,
    idleWindowMs: opts.idleWindowMs ?? defaultIdleWindowMs(opts.pollMs),
    signal,
    note,
  });
}

/** (e); null unless `--in-flight` asks for it. */
async function inFlightRun({ env, opts, memory, signal, note }: BenchRun): Promise<InFlightFigures | null> {
  if (opts.inFlight <= 0) return null;
  memory.phase('in-flight');
  note(`bench: (e) in flight: ${opts.inFlight} issues at once, agents sleeping ${opts.inFlightSleepMs} ms`);
  return measureInFlight(env, { issues: opts.inFlight, agentSleepMs: opts.inFlightSleepMs, pollIntervalMs: opts.pollMs, signal, note });
}

const program = new Command()
  .name('bench')
  .description('Measure dispatch latency, throughput, Temporal history and memory of the Baton pipeline on this machine')
  .option('--issues <n>', 'issues through the throughput run (0 skips it)', count(0), 200)
  .option('--in-flight <n>', 'issues in flight at once in the in-flight run, agents sleeping (0 skips it)', count(0), 0)
  .option('--in-flight-sleep-ms <ms>', 'how long each in-flight agent sleeps', count(1), 60_000)
  .option('--max-concurrent-agents <n>', 'agent.max_concurrent_agents of the throughput run', count(1), 10)
  .option('--latency-issues <n>', 'measured issues per dispatch-latency run (0 skips them)', count(0), 20)
  .option('--warmup <n>', 'issues run before each latency run and left out of its figures', count(0), 1)
  .option('--poll-ms <ms>', 'polling.interval_ms of the poll-only latency run and the throughput run', count(1), 1_000)
  .option('--idle-window-ms <ms>', 'how long to watch the idle orchestrator after the throughput run (default: 5.5 polls, 2-20 s)', count(1))
  .option('--timeout <seconds>', 'give up (and exit 1) after this long', count(1), 1_200)
  .option('--json', 'print the figures as JSON instead of a table')
  .option('--keep', 'keep the temp folder (database, issues, agent logs) and print its path')
  .option('--user-profile', "run agents with your HOME, so each stage's `bash -lc` sources your login profile")
  .option('--log-level <level>', 'Baton log level on stderr', 'warn')
  .showHelpAfterError()
  .action(async (opts: BenchOptions) => {
    try {
      const result = await runBench(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderText(result));
    } catch (err) {
      process.exitCode = reportError(err);
    }
  });

await program.parseAsync(process.argv);
