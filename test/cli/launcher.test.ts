/**
 * `bin/baton.js` run as a command: its first two lines are a POSIX sh launcher that execs node with
 * the young-generation bound the main isolate needs at creation (runtime/heap.ts), unless
 * NODE_OPTIONS already sets one, and with glibc's malloc capped at two arenas unless
 * MALLOC_ARENA_MAX is set. Checked with the real `sh`: first against a stand-in `node` that
 * prints what it was given, then end to end with the real node reporting its own flags.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_HEAP_FLAGS } from '../../runtime/heap.js';
import { BATON_BIN } from '../helpers/cli.js';
import { scaled } from '../helpers/time.js';

const run = promisify(execFile);
const SEMI_SPACE = WORKER_HEAP_FLAGS.find((f) => f.startsWith('--max-semi-space-size='))!;

describe('the bin launcher', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'baton-launcher-'));
  const fakeNode = path.join(dir, 'node');
  writeFileSync(fakeNode, '#!/bin/sh\nprintf "arenas=%s\\n" "$MALLOC_ARENA_MAX"\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(fakeNode, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    { name: 'no NODE_OPTIONS: the bound is added', nodeOptions: undefined, flag: true, arenas: undefined, seen: '2' },
    { name: 'NODE_OPTIONS with other flags: added', nodeOptions: '--max-old-space-size=512 --enable-source-maps', flag: true, arenas: undefined, seen: '2' },
    { name: 'NODE_OPTIONS sets the semi-space: the user wins', nodeOptions: '--max-semi-space-size=16', flag: false, arenas: undefined, seen: '2' },
    { name: 'NODE_OPTIONS sets it with underscores, among others', nodeOptions: '--inspect --max_semi_space_size=8', flag: false, arenas: undefined, seen: '2' },
    { name: 'MALLOC_ARENA_MAX set: the user wins', nodeOptions: undefined, flag: true, arenas: '8', seen: '8' },
  ])('$name', async ({ nodeOptions, flag, arenas, seen }) => {
    const env = { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`, NODE_OPTIONS: nodeOptions, MALLOC_ARENA_MAX: arenas };
    if (nodeOptions === undefined) delete env.NODE_OPTIONS;
    if (arenas === undefined) delete env.MALLOC_ARENA_MAX;
    const { stdout } = await run(BATON_BIN, ['start', 'a config.yaml'], { env, timeout: scaled(10_000) });
    expect(stdout.trim().split('\n')).toEqual([`arenas=${seen}`, ...(flag ? [SEMI_SPACE] : []), BATON_BIN, 'start', 'a config.yaml']);
  });

  it('the real node gets the bound, in the same process the command started', async () => {
    const report = "--import=data:text/javascript,process.stderr.write(JSON.stringify({argv:process.execArgv,arenas:process.env.MALLOC_ARENA_MAX,pid:process.pid,ppid:process.ppid})+'\\n')";
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: report };
    delete env.MALLOC_ARENA_MAX;
    const child = execFile(BATON_BIN, ['--version'], { env, timeout: scaled(20_000) });
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (d: string) => (stderr += d));
    child.stdout?.on('data', (d: string) => (stdout += d));
    await new Promise((resolve) => child.on('close', resolve));
    const seen = JSON.parse(stderr.trim().split('\n')[0]!) as { argv: string[]; arenas?: string; pid: number; ppid: number };
    expect(seen.argv).toContain(SEMI_SPACE);
    expect(seen.arenas).toBe('2');
    expect(seen.pid).toBe(child.pid);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
