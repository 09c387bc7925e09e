/**
 * The startup sweep (SPEC §8.6, §18.1 "workspace cleanup for terminal issues: startup sweep"):
 * when a worker starts, it removes this host's workspaces whose issues the tracker already shows
 * terminal, running `before_remove` for each, and leaves every other directory alone. A tracker
 * that cannot be read is skipped with a warning; the others are still swept.
 */
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { BatonRuntime } from '../../activities/runtime.js';
import { sweepTerminalWorkspaces } from '../../runtime/terminal-sweep.js';
import { writeIssue } from '../helpers/deployment.js';
import { captureLog, WARN } from '../helpers/log-capture.js';

let runtime: BatonRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe('startup sweep of terminal workspaces', () => {
  it('§18.1 removes the workspaces of issues already terminal, with before_remove, and nothing else; an unreadable tracker is skipped with a warning', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'baton-sweep-'));
    const issues = path.join(dir, 'issues');
    const root = path.join(dir, 'workspaces');
    await mkdir(issues);
    await writeIssue(issues, { identifier: 'SW-1', state: 'Done' });
    await writeIssue(issues, { identifier: 'SW-2', state: 'Cancelled', labels: [] });
    await writeIssue(issues, { identifier: 'SW-3', state: 'In Progress' });
    // SW-1..3 have workspaces here; SW-4 is terminal but has none; `notes` belongs to no issue.
    await writeIssue(issues, { identifier: 'SW-4', state: 'Done' });
    for (const name of ['SW-1', 'SW-2', 'SW-3', 'notes', '@baton']) await mkdir(path.join(root, name), { recursive: true });
    const removals = path.join(dir, 'removed.log');
    const configPath = path.join(dir, 'baton.yaml');
    await writeFile(
      configPath,
      stringify({
        name: 'sweep',
        trackers: [
          { name: 'local', kind: 'file', provider: { dir: './issues' }, active_states: ['Todo', 'In Progress'], terminal_states: ['Done', 'Cancelled'] },
          { name: 'gone', kind: 'file', provider: { dir: './no-such-folder' }, active_states: ['Todo'], terminal_states: ['Done'] },
        ],
        workspace: { root: './workspaces' },
        hooks: { before_remove: `echo "$BATON_ISSUE_IDENTIFIER" >> ${JSON.stringify(removals)}` },
        stages: [{ name: 'plan', states: ['Todo', 'In Progress'], prompt: 'plan' }],
      }),
    );
    const log = captureLog();
    // The sweep never talks to Temporal; the client is a lazy one that never connects.
    runtime = new BatonRuntime({ configPath, client: new Client(), logger: log.logger, hostQueue: 'sweep@host' });

    const removed = await sweepTerminalWorkspaces(runtime, configPath);

    expect(removed).toBe(2);
    expect((await readdir(root)).sort()).toEqual(['@baton', 'SW-3', 'notes']);
    expect((await readFile(removals, 'utf8')).split('\n').filter(Boolean).sort()).toEqual(['SW-1', 'SW-2']);
    const skipped = log.lines().filter((l) => l.level === WARN && l.tracker === 'gone');
    expect(skipped.map((l) => l.msg)).toEqual(['terminal workspace sweep skipped for this tracker']);
    expect(String(skipped[0]!.err)).toMatch(/no-such-folder/);
  });

  it('§18.1 does nothing, and reads no tracker, when the workspace root is empty or missing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'baton-sweep-'));
    const configPath = path.join(dir, 'baton.yaml');
    await writeFile(configPath, stringify({ name: 'sweep', trackers: [{ name: 'gone', kind: 'file', provider: { dir: './no-such-folder' } }], workspace: { root: './workspaces' } }));
    const log = captureLog();
    runtime = new BatonRuntime({ configPath, client: new Client(), logger: log.logger, hostQueue: 'sweep@host' });
    expect(await sweepTerminalWorkspaces(runtime, configPath)).toBe(0);
    expect(log.lines().filter((l) => l.level >= WARN)).toEqual([]);
  });
});
