/**
 * The embedded server with a real Temporal CLI and a temp SQLite file: start, connect, stop, start
 * again on the same file (workflows and search attributes survive), a taken port, a second server on
 * the same DB refused, and the server dying with a SIGKILLed Baton.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batonSearchAttributes } from '../../core/search-attributes.js';
import { startEmbeddedServer, startDevArgs, type EmbeddedServer } from '../../runtime/embedded-server.js';
import { silentLogger } from '../../runtime/logger.js';
import { processAlive } from '../../runtime/process.js';
import { readServerState, serverStatePath } from '../../runtime/server-state.js';
import { trivialWorkflow } from '../workflows-fixtures/trivial.js';

let dir: string;
let cliPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-embedded-'));
  cliPath = inject('temporalCliPath');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Captures warn-level log records so a test can check what Baton told the user. */
function recordingLogger() {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'warn', base: undefined },
    { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

async function withClient<T>(server: EmbeddedServer, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await fn(new Client({ connection, namespace: server.namespace }));
  } finally {
    await connection.close();
  }
}

async function listedIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, tries = 100): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !ok(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describe('startEmbeddedServer', () => {
  it('keeps workflows and search attributes across a restart on the same SQLite file, and moves off a taken port', async () => {
    const dbFile = join(dir, 'restart', 'nested', 'temporal.db');
    // Hold a port so the server has to pick another one and say so.
    const blocker: Server = createServer();
    blocker.listen({ host: '127.0.0.1', port: 0 });
    await once(blocker, 'listening');
    const takenPort = (blocker.address() as { port: number }).port;
    const { logger, records } = recordingLogger();

    const workflowId = `survivor-${randomUUID()}`;
    const first = await startEmbeddedServer({ cliPath, dbFile, logger, port: takenPort, uiPort: 0 });
    try {
      expect(first.address).not.toBe(`127.0.0.1:${takenPort}`);
      expect(records.some((r) => String(r.msg).includes(`port ${takenPort} is taken`))).toBe(true);
      expect(await readServerState(dbFile)).toMatchObject({ address: first.address, pid: first.pid, uiUrl: first.uiUrl });
      await withClient(first, async (client) => {
        // No worker: the workflow just stays running, which is what must survive the restart.
        await client.workflow.start(trivialWorkflow, {
          taskQueue: 'nobody-polls',
          workflowId,
          args: [{ greeting: 'hi', stage: 'plan' }],
        });
      });
    } finally {
      await first.stop();
      blocker.close();
    }
    expect(processAlive(first.pid)).toBe(false);
    expect(await readServerState(dbFile)).toBeUndefined();

    const second = await startEmbeddedServer({ cliPath, dbFile, logger: silentLogger, port: 0, uiPort: 0 });
    try {
      await withClient(second, async (client) => {
        const listed = await client.connection.operatorService.listSearchAttributes({ namespace: second.namespace });
        for (const key of batonSearchAttributes) {
          expect(listed.customAttributes[key.name], key.name).toBe(encodeSearchAttributeIndexedValueType(key.type));
        }
        const ids = await eventually(
          () => listedIds(client, `WorkflowId = "${workflowId}"`),
          (found) => found.length > 0,
        );
        expect(ids).toEqual([workflowId]);
        const described = await client.workflow.getHandle(workflowId).describe();
        expect(described.status.name).toBe('RUNNING');
      });
    } finally {
      await second.stop();
    }
  });

  it('refuses a second server on a DB whose server is still running', async () => {
    const dbFile = join(dir, 'twice', 'temporal.db');
    const first = await startEmbeddedServer({ cliPath, dbFile, logger: silentLogger, port: 0, uiPort: 0 });
    try {
      await expect(startEmbeddedServer({ cliPath, dbFile, logger: silentLogger, port: 0, uiPort: 0 })).rejects.toMatchObject({
        category: 'temporal_unavailable',
        message: expect.stringContaining(`already running on ${dbFile} (pid ${first.pid}`),
      });
    } finally {
      await first.stop();
    }
  });

  it('fails with the server output when the CLI cannot start a server', async () => {
    const fake = join(dir, 'broken-temporal');
    await writeFile(fake, '#!/bin/sh\necho "listen tcp: bind: permission denied (pretend)" >&2\nexit 4\n', { mode: 0o755 });
    await expect(
      startEmbeddedServer({ cliPath: fake, dbFile: join(dir, 'broken', 'temporal.db'), logger: silentLogger, port: 0, uiPort: 0 }),
    ).rejects.toMatchObject({
      category: 'temporal_unavailable',
      message: expect.stringMatching(/exited before it was ready[\s\S]*permission denied \(pretend\)/),
    });
  });

  it('does not outlive a Baton process killed with SIGKILL', async () => {
    const dbFile = join(dir, 'orphan', 'temporal.db');
    const script = fileURLToPath(new URL('./embedded-server-host.ts', import.meta.url));
    const host = spawn(process.execPath, ['--import', 'tsx', script, cliPath, dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    host.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const ready = await eventually(
      async () => out,
      (text) => text.includes('\n'),
      300,
    );
    const { pid } = JSON.parse(ready.split('\n')[0]!) as { pid: number };
    expect(processAlive(pid)).toBe(true);
    host.kill('SIGKILL');
    const alive = await eventually(
      async () => processAlive(pid),
      (a) => !a,
      300,
    );
    expect(alive).toBe(false);
    // The entry left behind is stale and ignored.
    expect(await readServerState(dbFile)).toBeUndefined();
  });
});

describe('startDevArgs', () => {
  it('persists to the DB file, registers every Baton search attribute and keeps logs quiet', () => {
    const args = startDevArgs({ dbFile: '/s/t.db', ip: '127.0.0.1', port: 7233, uiPort: 8233, namespace: 'baton' });
    expect(args.slice(0, 4)).toEqual(['server', 'start-dev', '--db-filename', '/s/t.db']);
    expect(args).toEqual(expect.arrayContaining(['--port', '7233', '--ui-port', '8233', '--log-level', 'error']));
    expect(args.join(' ')).toContain('--namespace baton');
    for (const key of batonSearchAttributes) expect(args.join(' ')).toContain(`--search-attribute ${key.name}=Keyword`);
    expect(startDevArgs({ dbFile: '/s/t.db', ip: '::1', port: 1, uiPort: 2, namespace: 'default', searchAttributes: false }).join(' ')).not.toContain(
      '--search-attribute',
    );
  });

  it('server.json sits next to the DB file', () => {
    expect(serverStatePath('/var/baton/temporal.db')).toBe('/var/baton/server.json');
  });
});
