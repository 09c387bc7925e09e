/**
 * `npx tsx scripts/screenshots.ts`: the PNGs under docs/screens/ that the README shows, taken with
 * the browser tests' machinery (headless Debian Chromium through playwright-core) during a real
 * `baton start` of a copy of the demo in a temp folder: one issue's implement fails (retrying with
 * its error), the review gate waits for an operator.
 *   docs/screens/dashboard.png    Baton's dashboard
 *   docs/screens/temporal-ui.png  the Temporal Web UI's workflow list with Baton's columns
 *                                 (BatonStage, BatonStatus, BatonState, BatonTracker)
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { launchBrowser } from '../test/browser/chromium.js';
import { startBaton } from '../test/server/baton-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'docs/screens');

/** The Web UI's saved column layout (its localStorage key), with Baton's search attributes. */
const TEMPORAL_UI_COLUMNS = {
  default: ['Status', 'Workflow ID', 'Type', 'BatonStage', 'BatonStatus', 'BatonState', 'BatonTracker', 'Start'].map((label) => ({ label })),
};

/** The parts of the demo's baton.yaml this script changes. */
interface DemoConfig {
  name: string;
  temporal: { embedded: Record<string, unknown> };
  trackers: { provider: { dir: string } }[];
  workspace: { root: string };
  agent: Record<string, unknown>;
  server?: Record<string, unknown>;
  stages: { name: string; agent?: Record<string, unknown>; gate?: Record<string, unknown> }[];
}

async function demoCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-screens-'));
  await cp(path.join(ROOT, 'examples/local/agents'), path.join(dir, 'agents'), { recursive: true });
  await cp(path.join(ROOT, 'examples/local/issues'), path.join(dir, 'issues'), { recursive: true });
  const implement = path.join(dir, 'agents/implement.sh');
  const script = await readFile(implement, 'utf8');
  await writeFile(implement, script.replace(/\n/, '\nif [ "$BATON_ISSUE_IDENTIFIER" = DEMO-2 ]; then echo "npm test: 3 of 41 tests failed (greeting.test.ts)" >&2; exit 1; fi\n'));
  const config = parse(await readFile(path.join(ROOT, 'examples/local/baton.yaml'), 'utf8')) as DemoConfig;
  config.name = 'screens-demo';
  config.temporal.embedded = { db_file: '.baton/temporal.sqlite', port: 0, ui_port: 0 };
  for (const tracker of config.trackers) tracker.provider.dir = 'issues';
  config.workspace.root = 'workspaces';
  config.agent = { ...config.agent, retry_base_ms: 600_000, max_retry_backoff_ms: 600_000 };
  config.server = { port: 0 };
  // The review gate waits for an operator instead of the demo's scripted label.
  const review = config.stages.find((s) => s.name === 'review')!;
  review.agent = { backend: 'none' };
  review.gate = { wait_for: 'approval' };
  await writeFile(path.join(dir, 'baton.yaml'), stringify(config));
  return dir;
}

async function waitForState(url: string, ready: (state: { baton: { issues: { status: string }[] } }) => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/v1/state`).catch(() => undefined);
    if (res?.ok && ready((await res.json()) as { baton: { issues: { status: string }[] } })) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo did not reach the expected state within 2 minutes');
}

async function main(): Promise<void> {
  const dir = await demoCopy();
  const baton = await startBaton('start', path.join(dir, 'baton.yaml'));
  const browser = await launchBrowser();
  try {
    await waitForState(baton.url, (s) => s.baton.issues.some((i) => i.status === 'retrying') && s.baton.issues.filter((i) => i.status === 'gated').length >= 2);
    await mkdir(OUT, { recursive: true });
    const page = await browser.context.newPage();
    await page.goto(`${baton.url}/`);
    await page.waitForSelector('tr[data-status="retrying"]');
    await page.screenshot({ path: path.join(OUT, 'dashboard.png'), fullPage: true });
    if (!baton.temporalUi) throw new Error('baton start printed no Temporal Web UI address');
    const ui = await browser.context.newPage();
    await ui.setViewportSize({ width: 1700, height: 720 });
    // Runs in the page (this project's TypeScript has no DOM library, hence the cast).
    await ui.addInitScript(
      (columns: string) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('namespace-workflow-table-columns', columns),
      JSON.stringify(TEMPORAL_UI_COLUMNS),
    );
    await ui.goto(`${baton.temporalUi}/namespaces/default/workflows`);
    await ui.waitForSelector('text=BatonStage', { timeout: 60_000 });
    await ui.waitForSelector('text=baton-issue/local/DEMO-1', { timeout: 60_000 });
    await ui.screenshot({ path: path.join(OUT, 'temporal-ui.png') });
    process.stdout.write(`wrote ${path.relative(ROOT, OUT)}/dashboard.png and temporal-ui.png\n`);
  } finally {
    await browser.close();
    await baton.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
