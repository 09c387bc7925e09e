/**
 * The worker's V8 heap settings: which flags apply (a flag the process was started with wins), and
 * that applying them at run time still shapes a worker thread created afterwards — the workflow
 * thread's young generation stays at its smaller bound under allocation.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { heapFlagsToApply, WORKER_HEAP_FLAGS } from '../../runtime/heap.js';

const FLAGS = ['--heap-growing-percent=30', '--max-semi-space-size=4'];

describe('heapFlagsToApply', () => {
  it.each([
    { name: 'nothing given: all of them', execArgv: [], nodeOptions: undefined, want: FLAGS },
    { name: 'other flags given', execArgv: ['--enable-source-maps'], nodeOptions: '--max-old-space-size=2048', want: FLAGS },
    { name: 'growth given on the command line', execArgv: ['--heap-growing-percent=80'], nodeOptions: undefined, want: ['--max-semi-space-size=4'] },
    { name: 'semi-space given with underscores', execArgv: ['--max_semi_space_size=16'], nodeOptions: '', want: ['--heap-growing-percent=30'] },
    { name: 'semi-space given in NODE_OPTIONS', execArgv: [], nodeOptions: '  --max-semi-space-size=8  --inspect ', want: ['--heap-growing-percent=30'] },
    { name: 'both given', execArgv: ['--heap-growing-percent=50'], nodeOptions: '--max-semi-space-size=8', want: [] },
  ])('$name', ({ execArgv, nodeOptions, want }) => {
    expect(heapFlagsToApply(execArgv, nodeOptions, FLAGS)).toEqual(want);
  });

  it('the worker applies these flags', () => {
    expect(WORKER_HEAP_FLAGS).toEqual(FLAGS);
  });
});

describe('tuneWorkerHeap', () => {
  // A worker thread started after (or without) the tuning allocates 200 MiB of short-lived
  // objects; its young generation grows to its bound: 2 × 16 MiB by default, 2 × 4 MiB tuned.
  const heapModule = fileURLToPath(new URL('../../runtime/heap.ts', import.meta.url));
  const thread = [
    "const v8 = (await import('node:v8')).default; const { parentPort } = await import('node:worker_threads');",
    'let keep = [];',
    'for (let i = 0; i < 200000; i++) { keep.push(new Array(128).fill(i)); if (keep.length > 2000) keep = []; }',
    "parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);",
  ].join('\n');
  const script = (tune: boolean) =>
    [
      tune ? `const { tuneWorkerHeap } = await import(${JSON.stringify(heapModule)}); tuneWorkerHeap();` : '',
      "const { Worker } = await import('node:worker_threads');",
      `const w = new Worker(${JSON.stringify(thread)}, { eval: true });`,
      "w.on('message', (size) => { console.log(size); void w.terminate(); });",
    ].join('\n');
  const newSpaceMiB = async (tune: boolean) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(tune)], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    return Number(stdout.trim()) / 2 ** 20;
  };

  it('bounds the young generation of a worker thread created afterwards', async () => {
    const [tuned, plain] = await Promise.all([newSpaceMiB(true), newSpaceMiB(false)]);
    expect(tuned).toBeLessThanOrEqual(8);
    expect(plain).toBeGreaterThan(8);
  });
});
