/**
 * The dashboard in headless Chromium during a real run: a `baton worker` process on the shared
 * Temporal server, one issue failing its implement stage (so it is retrying, with an error and a
 * due time) and one waiting at an approval gate. The page shows the retrying issue's error text and
 * due time; the Approve button moves the gated issue on, and the page follows it over Server-Sent
 * Events without reloading. A third issue waits for CI on a pull request (opened on the GitHub
 * fake from its branch), and its row links the pull request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createDeployment, issueStatus, waitFor, type Deployment } from '../helpers/deployment.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { startBatonWorker, type BatonProcess } from '../server/baton-process.js';
import { launchBrowser, type TestBrowser } from './chromium.js';
import { MemoryGit, startGithubFake, type GithubFake } from '../fakes/github/index.js';
import { scaled } from '../helpers/time.js';

let env: TestTemporalEnv;
let d: Deployment;
let baton: BatonProcess;
let browser: TestBrowser;
let page: Page;
let fake: GithubFake;
let prUrl: string;

const REPO = 'acme/app';

/** A pull request from `baton/<identifier>`, opened the way `gh pr create` opens one. */
async function openPullRequest(identifier: string): Promise<string> {
  const git = new MemoryGit();
  fake.pulls.repo(REPO, git);
  git.push(`baton/${identifier}`);
  const res = await fetch(`${fake.url}/repos/${REPO}/pulls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: identifier, head: `baton/${identifier}`, base: 'main' }),
  });
  if (res.status !== 201) throw new Error(`the fake refused the pull request: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { html_url: string }).html_url;
}

beforeAll(async () => {
  // First, so a machine without the browser fails here (or installs it) before anything else starts.
  browser = await launchBrowser();
  env = await connectTestEnv();
  fake = await startGithubFake();
  prUrl = await openPullRequest('DASH-3');
  d = await createDeployment({
    issues: [
      { identifier: 'DASH-1', title: 'Fix the build', state: 'In Progress', labels: ['agent'] },
      { identifier: 'DASH-2', title: 'Review the greeting', state: 'In Review', labels: ['agent'] },
      { identifier: 'DASH-3', title: 'Ship the greeting', state: 'Shipping', labels: ['agent'] },
    ],
    agentBody: 'if [ "$BATON_ISSUE_IDENTIFIER" = DASH-1 ] && [ "$BATON_STAGE" = implement ]; then echo "boom: the build is broken" >&2; exit 1; fi',
    config: {
      server: { port: 0 },
      trackers: [{ name: 'local', kind: 'file', provider: { dir: './issues' }, required_labels: ['agent'], active_states: ['Todo', 'In Progress', 'In Review', 'Merging', 'Shipping'], terminal_states: ['Done', 'Cancelled'] }],
      repository: { kind: 'github', repo: REPO, token: fake.token, api_url: fake.url, write_interval_ms: 0, poll_interval_ms: 200, poll_max_interval_ms: 1_000 },
      // A long first backoff, so DASH-1 stays `retrying` while the page is looked at.
      agent: { backend: 'command', max_concurrent_agents: 10, retry_base_ms: 120_000, max_retry_backoff_ms: 240_000, continuation_delay_ms: 200, heartbeat_timeout_ms: scaled(5_000) },
      stages: [
        { name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'In Progress' } },
        { name: 'implement', states: ['In Progress'], prompt: 'implement', on_success: { move_to: 'In Review' } },
        { name: 'review', states: ['In Review'], prompt: 'review', on_success: { move_to: 'Merging' }, gate: { wait_for: 'approval' } },
        { name: 'merge', states: ['Merging'], prompt: 'merge', on_success: { move_to: 'Done' } },
        { name: 'ship', states: ['Shipping'], agent: { backend: 'none' }, gate: { wait_for: 'checks' }, on_success: { move_to: 'Done' } },
      ],
    },
  });
  baton = await startBatonWorker(d.configPath);
  await waitFor('DASH-1 retrying, DASH-2 gated, DASH-3 waiting for checks on its pull request', async () => {
    const [one, two, three] = await Promise.all(['DASH-1', 'DASH-2', 'DASH-3'].map((id) => issueStatus(env.client, id).catch(() => null)));
    return one?.status === 'retrying' && two?.status === 'gated' && three?.status === 'gated' && three.pr?.snapshot ? true : null;
  }, scaled(90_000));
  page = await browser.context.newPage();
}, 20 * 60_000);

afterAll(async () => {
  await browser?.close();
  await baton?.stop();
  await fake?.close();
  await env?.teardown();
});

const row = (identifier: string) => `tr[data-identifier="${identifier}"]`;

/**
 * What page-side functions touch, typed here (this project's TypeScript has no DOM library). They
 * are functions, not strings: the dashboard's CSP forbids eval, which string expressions need.
 */
interface PageGlobals {
  document: { querySelector(selector: string): { dataset: Record<string, string | undefined> } | null; getElementById(id: string): { textContent: string | null } | null };
  performance: { getEntriesByType(type: string): unknown[] };
  __sameDocument?: boolean;
}

describe('dashboard in Chromium', () => {
  it('shows the retrying issue’s error text and when it is due', async () => {
    await page.goto(`${baton.url}/`);
    await page.waitForSelector(`${row('DASH-1')}[data-status="retrying"]`, { timeout: scaled(30_000) });
    expect(await page.textContent(`${row('DASH-1')} td.why`)).toContain('boom: the build is broken');
    const due = await page.textContent(`${row('DASH-1')} td.due`);
    expect(due).toMatch(/\d{1,2}:\d{2}:\d{2}.*\(in (\d+m )?\d+s\)/);
    const status = await issueStatus(env.client, 'DASH-1');
    expect(await page.getAttribute(`${row('DASH-1')} td.due`, 'data-due')).toBe(status.retryDueAt);
    expect(await page.textContent(`${row('DASH-1')} td.stage`)).toBe('implement');
    expect(await page.getAttribute(`${row('DASH-1')} a.tracker-link`, 'href')).toBe('/tracker/local/DASH-1');
  });

  it('links the pull request an issue waits on, with its checks and reviews as the title', async () => {
    const link = `${row('DASH-3')} a.pr-link`;
    await page.waitForSelector(link, { timeout: scaled(30_000) });
    expect(await page.getAttribute(link, 'href')).toBe(prUrl);
    expect(await page.textContent(link)).toBe(`PR #${prUrl.split('/').at(-1)} open`);
    expect(await page.getAttribute(link, 'title')).toMatch(/^#\d+ open at [0-9a-f]{7} · checks 0✓ 0✗ 0… · reviews 0 approving, 0 requesting changes$/);
    expect(await page.$(`${row('DASH-1')} a.pr-link`)).toBeNull();
  });

  it('approves the gated issue with its button and follows it over SSE, without reloading', async () => {
    await page.waitForSelector(`${row('DASH-2')}[data-status="gated"]`);
    expect(await page.textContent(`${row('DASH-2')} td.gate`)).toContain('baton approve DASH-2');
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).__sameDocument = true;
    });
    await page.click(`${row('DASH-2')} button[data-action="approve"]`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('notice')?.textContent?.startsWith('DASH-2: '), undefined, { timeout: scaled(30_000) });
    expect(await page.textContent('#notice')).not.toContain('refused');
    // The row moves on (merge, then done and gone) through pushed snapshots alone.
    await page.waitForFunction(
      (selector) => {
        const tr = (globalThis as unknown as PageGlobals).document.querySelector(selector);
        return !tr || tr.dataset.status !== 'gated';
      },
      row('DASH-2'),
      { timeout: scaled(60_000) },
    );
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__sameDocument)).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).performance.getEntriesByType('navigation').length)).toBe(1);
    await waitFor('DASH-2 past review in Temporal', async () => (await issueStatus(env.client, 'DASH-2')).status !== 'gated', 30_000);
  });
});
