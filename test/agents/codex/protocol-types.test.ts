/**
 * The committed protocol types must be what the installed Codex binary generates: after an
 * @openai/codex upgrade this fails until `npm run codex:types` is run and the diff reviewed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateCodexTypes, listFiles, PROTOCOL_DIR } from '../../../scripts/generate-codex-types.js';

const scratch = await mkdtemp(path.join(os.tmpdir(), 'baton-codex-types-check-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

it('adapters/agents/codex/protocol matches the installed codex binary', async () => {
  const fresh = path.join(scratch, 'protocol');
  await generateCodexTypes(fresh);
  const [expected, committed] = await Promise.all([listFiles(fresh), listFiles(PROTOCOL_DIR)]);
  const hint = 'the installed codex binary generates different protocol types: run `npm run codex:types` and review the diff';
  expect(committed, hint).toEqual(expected);
  expect(expected.length).toBeGreaterThan(100);
  const differing: string[] = [];
  for (const file of expected) {
    const [a, b] = await Promise.all([readFile(path.join(fresh, file), 'utf8'), readFile(path.join(PROTOCOL_DIR, file), 'utf8')]);
    if (a !== b) differing.push(file);
  }
  expect(differing, hint).toEqual([]);
});
