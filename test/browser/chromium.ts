/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core. A clean
 * machine gets it installed here (`apt-get install -y chromium`, as root); anywhere else a missing
 * browser is an error that says how to install it — a browser test never skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { scaled } from '../helpers/time.js';

export const CHROMIUM_PATH = process.env.BATON_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** The flags every test browser runs with: headless, no sandbox (root in CI), nothing phoning home. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Install Debian's chromium when it is missing and we are root; otherwise fail saying what to do. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM_PATH} is missing and this user cannot install it: run \`sudo apt-get update && sudo apt-get install -y chromium\` (or set BATON_TEST_CHROMIUM to a Chromium binary)`);
  }
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const run = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000 });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${run.status ?? run.signal}):\n${(run.stderr || run.stdout).slice(-2000)}`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} does not exist`);
  return CHROMIUM_PATH;
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh browser profile (its own user-data-dir), closed and removed by `close()`. */
export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = ensureChromium();
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1500, height: 900 },
    timeout: scaled(60_000),
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
