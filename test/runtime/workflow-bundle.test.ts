/**
 * The workflow bundle every worker loads (runtime/workflow-bundle.ts): written in ASCII, so V8
 * holds it as a one-byte string, with a line-level source map that carries no copy of the sources
 * — and still maps what operators read (a workflow's stack trace) to `workflows/….ts:line`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BUNDLE_DEVTOOL, escapeNonAscii } from '../../runtime/workflow-bundle.js';
import { stageView, timeSkippingEnv, testView, untilStatus, withWorker, WorkflowWorld } from '../helpers/workflow-world.js';

const NON_ASCII = /[^\x00-\x7f]/;

describe('escapeNonAscii', () => {
  // Each snippet evaluates to the same value before and after, and the escaped text is ASCII.
  const rows: Array<[string, string]> = [
    ['a string literal', "'a — b'"],
    ['a template literal', '`ø${1 + 1}§`'],
    ['a regular expression', "/^§+—$/.test('§§—')"],
    ['a unicode-flag regular expression', "/^\\p{L}ø$/u.test('éø')"],
    ['a comment', '// ein Kommentar — mit Umlaut ä\n42'],
    ['an identifier', 'const café = 7; café * 2'],
    ['a character outside the BMP', "'🎉'.length"],
    ['ASCII only (unchanged)', "'plain' + 1"],
  ];
  it.each(rows)('%s means the same once escaped', (_what, snippet) => {
    const escaped = escapeNonAscii(snippet);
    expect(NON_ASCII.test(escaped)).toBe(false);
    expect(vm.runInNewContext(escaped)).toEqual(vm.runInNewContext(snippet));
  });
});

describe('the prebuilt bundle', () => {
  const code = readFileSync(fileURLToPath(new URL('../../dist/workflow-bundle.js', import.meta.url)), 'utf8');
  const b64 = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,(\S+)\s*$/.exec(code)?.[1];
  const map = JSON.parse(Buffer.from(b64 ?? '', 'base64').toString('utf8')) as { sources: string[]; sourcesContent?: unknown[] };

  it('is ASCII, so V8 keeps it one byte a character', () => {
    expect(NON_ASCII.exec(code)?.[0]).toBeUndefined();
  });

  it(`carries an inline map (${BUNDLE_DEVTOOL}) that names the workflow modules it was built from without copying them`, () => {
    expect(map.sources.some((s) => /\/workflows\/[\w/-]+\.js$/.test(s))).toBe(true);
    expect(map.sourcesContent ?? []).toEqual([]);
  });
});

describe('a workflow stack trace', () => {
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await timeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  it('names the workflow source file and line of what a waiting workflow waits on', async () => {
    const review = stageView('review', 'In Review', 'Done', { gate: { wait_for: 'approval', on_reject: 'review', max_rework: 1 } });
    const world = new WorkflowWorld(env, 'TRACE-1', 'In Review');
    const stack = await withWorker(world, async () => {
      const handle = await world.start(testView([review]));
      await untilStatus(world, 'gated', (s) => s.status === 'gated');
      const trace = await handle.query<string>('__stack_trace');
      await handle.terminate('test over');
      return trace;
    });
    // What the Temporal UI's "Stack Trace" tab shows: TypeScript files and lines, not bundle offsets.
    expect(stack).toMatch(/workflows\/[\w/-]+\.ts:\d+/);
    expect(stack).not.toMatch(/workflow-bundle/);
  });
});
