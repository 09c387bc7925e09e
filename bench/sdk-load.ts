/**
 * `npx tsx bench/sdk-load.ts [--runs 5]`: what loading provider SDKs costs a Baton process, and
 * proof that a process with only a `file` tracker loads none of them (issue 8 §3).
 *
 * Each scenario runs in a fresh child process (`--child <scenario>`) that loads what `baton start`
 * loads (runtime/serve/: worker, Temporal client, HTTP server), loads a config with one tracker
 * and builds that tracker, and records every module it resolves through an ESM resolve hook. It
 * prints one JSON line: the provider SDK specifiers seen, the provider adapter modules loaded (every
 * kind's zod-only `profile.ts` is loaded on purpose and not counted), RSS after loading, and
 * milliseconds from process start (tsx's own start-up included) to ready. The parent prints the
 * median of `--runs` children per scenario. Scenarios:
 * - `file`: a file tracker only, as a local deployment runs;
 * - `linear`, `gitlab`, `asana`: one tracker of that kind, whose adapter (and SDK, if it has one)
 *   loads because it is configured — the controls that show the hook sees what loads;
 * - `all-sdks`: `file` plus @linear/sdk, octokit and openai imported up front, which is what every
 *   process would pay if the adapters and backends imported their SDKs statically. (Jira has no
 *   SDK at run time: its adapter is a thin REST client.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const SCENARIOS = ['file', 'linear', 'gitlab', 'asana', 'all-sdks'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What one child reports. */
export interface SdkLoadSample {
  scenario: Scenario;
  /** Provider SDK specifiers resolved (`@linear/sdk`, `octokit`, `@octokit/…`, `@gitbeaker/…`, `openai…`). */
  sdks: string[];
  /** Tracker kinds whose adapter modules (beyond `profile.ts`) were loaded, from `adapters/trackers/<kind>/`. */
  adapters: string[];
  rssMiB: number;
  readyMs: number;
}

/**
 * Provider SDK entry points. `@linear/sdk/webhooks` is not among them: it is the SDK's 10 KB
 * signature checker (it imports only `crypto`), which the HTTP server's webhook route loads.
 */
export function isProviderSdk(specifier: string): boolean {
  if (specifier === '@linear/sdk/webhooks') return false;
  return /^(@linear\/sdk|octokit|@octokit\/[^/]+|@gitbeaker\/[^/]+|jira\.js|openai)(\/|$)/.test(specifier);
}

/** The tracker kind an adapter module URL belongs to, or null (profiles and shared modules: null). */
export function adapterKindOf(url: string): string | null {
  const match = /\/adapters\/trackers\/([a-z]+)\/([^/]+)$/.exec(url);
  return match && match[2] !== 'profile.ts' ? match[1]! : null;
}

// Runs in the loader thread: reports every specifier (bare ones as written, others as resolved URLs).
const RESOLVE_HOOK = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.includes(':');
  port.postMessage(bare ? specifier : result.url);
  return result;
}`;

const root = path.resolve(import.meta.dirname, '..');
const repoModule = (relative: string) => pathToFileURL(path.join(root, relative)).href;

function writeConfig(dir: string, scenario: Scenario): string {
  mkdirSync(path.join(dir, 'issues'));
  writeFileSync(path.join(dir, 'issues', 'A-1.md'), '---\ntitle: one\nstate: Todo\n---\n');
  // Endpoints point at a closed local port: nothing is fetched from providers.
  const trackers: Partial<Record<Scenario, string>> = {
    linear: 'kind: linear\n  provider: {project_slug: p, api_key: lin_fake, endpoint: "http://127.0.0.1:9/graphql"}',
    gitlab: 'kind: gitlab\n  provider: {project_path: a/b, api_key: glpat_fake, api_url: "http://127.0.0.1:9/api/v4"}',
    asana: 'kind: asana\n  provider: {project_gid: "1", api_key: asana_fake, endpoint: "http://127.0.0.1:9/api/1.0"}\n  terminal_states: [Done]',
  };
  const tracker = `tracker:\n  ${trackers[scenario] ?? 'kind: file\n  provider: {dir: ./issues}'}\n`;
  const file = path.join(dir, 'baton.yaml');
  writeFileSync(file, tracker);
  return file;
}

async function child(scenario: Scenario): Promise<void> {
  const seen = new Set<string>();
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (specifier: string) => seen.add(specifier));
  port1.unref();
  register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, { data: { port: port2 }, transferList: [port2] });

  const dir = mkdtempSync(path.join(tmpdir(), 'baton-sdk-load-'));
  try {
    await import(repoModule('runtime/serve/index.ts'));
    const { loadConfig } = (await import(repoModule('config/index.ts'))) as typeof import('../config/index.js');
    const trackers = (await import(repoModule('adapters/trackers/index.ts'))) as typeof import('../adapters/trackers/index.js');
    const { silentLogger } = (await import(repoModule('base/logger.ts'))) as typeof import('../base/logger.js');
    if (scenario === 'all-sdks') await Promise.all(['@linear/sdk', 'octokit', 'openai'].map((m) => import(m)));
    const { config } = loadConfig(writeConfig(dir, scenario), { trackerProfiles: trackers.trackerProfiles, env: {} });
    const tracker = await trackers.createTracker(config.trackers[0]!, { logger: silentLogger, env: {} });
    if (scenario === 'file' || scenario === 'all-sdks') await tracker.fetchIssuesByStates(['Todo']);
    const readyMs = performance.now();
    // Let the loader thread's last messages arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sample: SdkLoadSample = {
      scenario,
      sdks: [...seen].filter(isProviderSdk).sort(),
      adapters: [...new Set([...seen].map(adapterKindOf).filter((k): k is string => k !== null))].sort(),
      rssMiB: Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10,
      readyMs: Math.round(readyMs),
    };
    process.stdout.write(`${JSON.stringify(sample)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one scenario in a fresh `node --import tsx` process and returns its sample. */
export async function sampleScenario(scenario: Scenario): Promise<SdkLoadSample> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'sdk-load.ts'), '--child', scenario], {
    cwd: root,
    env: { ...process.env, BATON_LOG_LEVEL: 'silent' },
    maxBuffer: 1 << 20,
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as SdkLoadSample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(runs: number): Promise<void> {
  const rows: string[] = ['| scenario | ready ms (median) | RSS MiB (median) | provider SDKs loaded | adapters loaded |', '| --- | --- | --- | --- | --- |'];
  for (const scenario of SCENARIOS) {
    const samples: SdkLoadSample[] = [];
    // Interleaving would be fairer on a busy machine; sequential keeps the figures per scenario apart.
    for (let i = 0; i < runs; i += 1) samples.push(await sampleScenario(scenario));
    // octokit's own @octokit/* packages are shown as octokit.
    // Packages' own sub-packages (@octokit/*, @gitbeaker/*) are shown under one name.
    const sdks = [...new Set(samples.flatMap((s) => s.sdks).map((m) => (m.startsWith('@octokit/') ? 'octokit' : m.startsWith('@gitbeaker/') ? '@gitbeaker' : m)))];
    const adapters = [...new Set(samples.flatMap((s) => s.adapters))];
    rows.push(`| ${scenario} | ${median(samples.map((s) => s.readyMs))} | ${median(samples.map((s) => s.rssMiB))} | ${sdks.join(', ') || 'none'} | ${adapters.join(', ') || 'none'} |`);
    process.stderr.write(`${scenario}: ${samples.map((s) => `${s.readyMs} ms / ${s.rssMiB} MiB`).join(', ')}\n`);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] as Scenario);
  } else {
    const at = args.indexOf('--runs');
    await main(at >= 0 ? Number(args[at + 1]) : 5);
  }
}
