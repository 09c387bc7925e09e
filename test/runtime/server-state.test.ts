/**
 * `server.json`: written atomically next to the DB, read back only while its process lives.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearServerState, readServerState, serverStatePath, writeServerState, type ServerState } from '../../runtime/server-state.js';

let dir: string;
let dbFile: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-state-'));
  dbFile = join(dir, 'state', 'temporal.db');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const state = (pid: number): ServerState => ({
  address: '127.0.0.1:7233',
  uiUrl: 'http://127.0.0.1:8233',
  pid,
  namespace: 'default',
  startedAt: '2026-01-01T00:00:00.000Z',
});

describe('server state', () => {
  it('round-trips while the process lives, leaving no temp files', async () => {
    await writeServerState(dbFile, state(process.pid));
    expect(await readServerState(dbFile)).toEqual(state(process.pid));
    expect(await readdir(join(dir, 'state'))).toEqual(['server.json']);
  });

  it.each([
    ['a dead pid', JSON.stringify(state(424242)), () => false],
    ['malformed JSON', '{"address": ', () => true],
    ['a wrong shape', JSON.stringify({ address: 'x' }), () => true],
  ])('ignores an entry with %s', async (_label, content, isAlive) => {
    await writeServerState(dbFile, state(1));
    await writeFile(serverStatePath(dbFile), content);
    expect(await readServerState(dbFile, isAlive)).toBeUndefined();
  });

  it('is undefined when there is no file', async () => {
    expect(await readServerState(dbFile)).toBeUndefined();
  });

  it('clear removes only the entry of the given pid', async () => {
    await writeServerState(dbFile, state(process.pid));
    await clearServerState(dbFile, 999_999);
    expect(await readServerState(dbFile)).toBeDefined();
    await clearServerState(dbFile, process.pid);
    expect(await readServerState(dbFile)).toBeUndefined();
  });
});
