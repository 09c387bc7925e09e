/**
 * A full disk under the workspace root (issue 10 §5), on the Linear fake with a real `baton worker`
 * process and the shared dev server. The root is a tiny tmpfs (256 KiB, 64 inodes) mounted for
 * the test; two ways it runs out:
 *
 * - an `after_create` hook writes more than fits: the stage fails with `hook_failed`, naming the
 *   hook and the workspace, with the hook's "No space left on device" and what to do (free space);
 * - the disk is already full when the workspace is made: the stage fails with
 *   `workspace_create_failed`, naming the workspace, ENOSPC and what to do.
 *
 * Either way the failure is what a person sees — the worker's `stage_failed` line and the issue
 * workflow's status (`lastError`, as `baton status` shows it) — the issue is retried, not lost, and
 * once the test frees space (the mount grown, the filler removed) it reaches Done with each state
 * move and the progress comment written once, the plan agent run once.
 *
 * Mounting needs root with CAP_SYS_ADMIN. Where a tmpfs cannot be mounted the root is a read-only
 * bind mount instead (the same failures, with EROFS); where neither can, the test fails and says so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceKey } from '../../core/workspace-key.js';
import { waitFor } from '../helpers/deployment.js';
import type { WorkerProcess } from '../helpers/processes.js';
import { scaled } from '../helpers/time.js';
import { expectWrittenOnce, useKillHarness } from './kill-harness.js';
import { eventLine, linearDeployment, workerRecords, type LinearDeployment } from './linear-deployment.js';

const run = promisify(execFile);
const harness = useKillHarness();

/** A mounted workspace root that has run out (tmpfs) or cannot be written at all (read-only bind). */
interface SmallDisk {
  dir: string;
  kind: 'tmpfs' | 'read-only';
  /** What every error about it says (the cause, its errno, what to do). */
  says: RegExp[];
  /** Make room: grow the tmpfs, or make the bind mount writable. */
  grow(): Promise<void>;
}

const mounted: string[] = [];

afterAll(async () => {
  for (const dir of mounted.splice(0).reverse()) {
    await run('umount', ['-l', dir]).catch((err: unknown) => console.warn(`could not unmount ${dir}: ${String(err)}`));
    await rm(dir, { recursive: true, force: true });
  }
});

async function smallDisk(): Promise<SmallDisk> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-disk-full-'));
  const failures: string[] = [];
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,nr_inodes=64', 'tmpfs', dir]);
    mounted.push(dir);
    return { dir, kind: 'tmpfs', says: [/No space left on/, /\(ENOSPC\)/, /free space there/], grow: async () => void (await run('mount', ['-o', 'remount,size=8m,nr_inodes=4096', dir])) };
  } catch (err) {
    failures.push(`mount -t tmpfs: ${oneLineError(err)}`);
  }
  try {
    await run('mount', ['--bind', dir, dir]);
    mounted.push(dir);
    await run('mount', ['-o', 'remount,bind,ro', dir]);
    return { dir, kind: 'read-only', says: [/read-only/i, /EROFS/], grow: async () => void (await run('mount', ['-o', 'remount,bind,rw', dir])) };
  } catch (err) {
    failures.push(`mount --bind -o ro: ${oneLineError(err)}`);
  }
  throw new Error(`disk-full.test.ts must mount a small filesystem for the workspace root (root with CAP_SYS_ADMIN); ${failures.join('; ')}`);
}

function oneLineError(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr;
  return (stderr || String(err)).replace(/\s+/g, ' ').trim();
}

/** Fill every inode and block of a tmpfs; the filler files' paths. */
async function fill(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; ; i += 1) {
    const file = path.join(dir, `filler-${i}`);
    try {
      await writeFile(file, Buffer.alloc(i === 0 ? 1 << 20 : 0));
      files.push(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      // The first file took the blocks (a partial write still lands); keep going until no inode is left.
      if (i === 0) {
        files.push(file);
        continue;
      }
      return files;
    }
  }
}

async function deployOn(disk: SmallDisk, prefix: string, hooks?: Record<string, unknown>, agentBody?: string): Promise<{ dep: LinearDeployment; worker: WorkerProcess }> {
  const dep = harness().own(await linearDeployment({ prefix, ...(hooks ? { hooks } : {}), ...(agentBody ? { agentBody } : {}) }));
  await dep.d.writeConfig({ workspace: { root: disk.dir } });
  const worker = await harness().start(dep, `${prefix.toLowerCase()}-host`);
  return { dep, worker };
}

/** Waits until the plan stage has failed at least twice (so it is being retried); its error lines. */
/** Each error is a workspace_create_failed naming the workspace and what the disk says (ENOSPC or EROFS). */
function expectCreateFailures(errors: readonly string[], workspace: string, disk: SmallDisk): void {
  for (const error of errors) {
    expect(error).toMatch(/^workspace_create_failed: /);
    expect(error).toContain(workspace);
    for (const text of disk.says) expect(error).toMatch(text);
  }
}

async function failingTwice(dep: LinearDeployment, worker: WorkerProcess): Promise<string[]> {
  return waitFor(`${dep.issue.identifier}'s plan stage to fail twice`, async () => {
    const errors = (await workerRecords(worker)).filter((r) => r.event === 'stage_failed').map((r) => String(r.error));
    return errors.length >= 2 ? errors : null;
  }, 60_000, 100);
}

describe('a full disk under the workspace root (Linear fake, real worker process)', () => {
  it('an after_create hook writes more than fits: hook_failed names the hook, the workspace and ENOSPC; retried; Done once there is room', { timeout: scaled(240_000) }, async () => {
    const disk = await smallDisk();
    const { dep, worker } = await deployOn(disk, 'DHOK', { after_create: 'head -c 1000000 /dev/zero > big' });
    const workspace = path.join(disk.dir, workspaceKey(dep.issue.identifier));

    const errors = await failingTwice(dep, worker);
    for (const error of errors) {
      expect(error).toMatch(disk.kind === 'tmpfs' ? /^hook_failed: The after_create hook / : /^(hook_failed|workspace_create_failed): /);
      expect(error).toContain(workspace);
      for (const text of disk.says) expect(error).toMatch(text);
    }
    const status = await harness().status(dep);
    for (const text of disk.says) expect(status.lastError).toMatch(text);
    expect(status.lastError).toContain(workspace);
    expect(dep.read().state, 'nothing moved while the stage fails').toBe('Todo');

    await disk.grow();
    await harness().untilDone(dep);
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'review', 'merge']);
  });

  it("the last inode goes to the workspace directory: the half-made workspace is removed, not reused without after_create; Done once there is room", { timeout: scaled(240_000) }, async () => {
    const disk = await smallDisk();
    // One inode left: the workspace directory takes it, after_create's creation mark finds none.
    const filler = disk.kind === 'tmpfs' ? await fill(disk.dir) : [];
    if (filler.length > 1) await rm(filler.pop()!);
    const { dep, worker } = await deployOn(
      disk,
      'DINO',
      { after_create: `touch made-by-after-create && ${eventLine('$EVENTS', 'after_create')}` },
      '[ -e made-by-after-create ] || { echo "after_create never ran in this workspace" >&2; exit 3; }',
    );
    const workspace = path.join(disk.dir, workspaceKey(dep.issue.identifier));

    const errors = await failingTwice(dep, worker);
    expectCreateFailures(errors, workspace, disk);
    expect((await dep.events()).map((e) => e.what), 'after_create never started on the full disk').toEqual([]);

    if (disk.kind === 'tmpfs') for (const file of filler) await rm(file);
    else await disk.grow();
    await harness().untilDone(dep);
    // after_create ran once, before the first agent: no agent ran in a workspace it had not made.
    expect((await dep.events()).map((e) => e.what)).toEqual(['after_create']);
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'review', 'merge']);
  });

  it('the disk is full when the workspace is made: workspace_create_failed names the workspace and ENOSPC; retried; Done once the filler is gone', { timeout: scaled(240_000) }, async () => {
    const disk = await smallDisk();
    const filler = disk.kind === 'tmpfs' ? await fill(disk.dir) : [];
    const { dep, worker } = await deployOn(disk, 'DFUL');
    const workspace = path.join(disk.dir, workspaceKey(dep.issue.identifier));

    const errors = await failingTwice(dep, worker);
    expectCreateFailures(errors, workspace, disk);
    const status = await harness().status(dep);
    for (const text of disk.says) expect(status.lastError).toMatch(text);
    expect(status.lastError).toContain(workspace);

    if (disk.kind === 'tmpfs') for (const file of filler) await rm(file);
    else await disk.grow();
    await harness().untilDone(dep);
    await expectWrittenOnce(dep, false, ['plan', 'implement', 'review', 'merge']);
  });
});
