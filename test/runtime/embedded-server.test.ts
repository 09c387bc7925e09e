/**
 * The embedded server with a real Temporal CLI and a temp SQLite file: start, connect, stop, start
 * again on the same file (workflows and search attributes survive), a taken port, a second server on
 * the same DB refused, the server dying with a SIGKILLed Baton, and supervision: a server killed
 * under Baton comes back on the same file and ports, and one that cannot come back is reported.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batonSearchAttributes } from '../../core/search-attributes.js';
import { DEV_SERVER_GOGC, describeExit, devServerEnv, startEmbeddedServer, startDevArgs, type EmbeddedServer } from '../../runtime/embedded-server.js';
import { silentLogger } from '../../base/logger.js';
import { processAlive } from '../../base/process.js';
import { readServerState, serverStatePath } from '../../runtime/server-state.js';
import { trivialWorkflow } from '../workflows-fixtures/trivial.js';
import { waitFor } from '../helpers/deployment.js';
import { pollUntil } from '../helpers/time.js';

let dir: string;
let cliPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-embedded-'));
  cliPath = inject('temporalCliPath');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Captures log records (warn and up unless told) so a test can check what Baton told the user. */
function recordingLogger(level = 'warn') {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level, base: undefined },
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

/** Reads until `ok` holds or `timeoutMs` (scaled) passes; returns the last value read. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  let value = await read();
  await pollUntil(async () => ok((value = await read())), timeoutMs, 100);
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
      // The server process runs with the collector setting Baton gives it (devServerEnv).
      const environ = (await readFile(`/proc/${first.pid}/environ`, 'utf8')).split('\0');
      expect(environ).toContain(`GOGC=${process.env.GOGC?.trim() || DEV_SERVER_GOGC}`);
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
      30_000,
    );
    const { pid } = JSON.parse(ready.split('\n')[0]!) as { pid: number };
    expect(processAlive(pid)).toBe(true);
    host.kill('SIGKILL');
    const alive = await eventually(
      async () => processAlive(pid),
      (a) => !a,
      30_000,
    );
    expect(alive).toBe(false);
    // The entry left behind is stale and ignored.
    expect(await readServerState(dbFile)).toBeUndefined();
  });
});

describe('supervision of the embedded server', () => {
  it('restarts a server killed with SIGKILL on the same file and ports, says so, and a client connected before carries on', async () => {
    const dbFile = join(dir, 'supervised', 'temporal.db');
    const { logger, records } = recordingLogger('info');
    const server = await startEmbeddedServer({ cliPath, dbFile, logger, port: 0, uiPort: 0 });
    // The server took the WAL journal mode (DEV_SERVER_TUNING): its write-ahead log sits beside the file.
    expect(existsSync(`${dbFile}-wal`)).toBe(true);
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace: server.namespace });
      const workflowId = `supervised-${randomUUID()}`;
      await client.workflow.start(trivialWorkflow, { taskQueue: 'nobody-polls', workflowId, args: [{ greeting: 'hi', stage: 'plan' }] });
      const firstPid = server.pid;

      process.kill(firstPid, 'SIGKILL');
      const newPid = await waitFor('a restarted server', async () => server.pid !== firstPid && server.pid > 0 && processAlive(server.pid) && server.pid, 60_000);
      const said = (msg: string) => records.filter((r) => String(r.msg).startsWith(msg));
      await waitFor('the restart to be logged', async () => said('embedded Temporal server restarted').length > 0);
      expect(said('embedded Temporal server exited unexpectedly')).toEqual([
        expect.objectContaining({ level: 50, pid: firstPid, exit: 'killed by SIGKILL', address: server.address, msg: expect.stringContaining('restarting it on the same database and ports') }),
      ]);
      expect(said('embedded Temporal server restarted')).toEqual([expect.objectContaining({ pid: newPid, address: server.address, failuresInWindow: 1 })]);
      expect(await readServerState(dbFile)).toMatchObject({ pid: newPid, address: server.address });

      // The same connection, made before the kill, reaches the restarted server and its data.
      const described = await client.workflow.getHandle(workflowId).describe();
      expect(described.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
      await server.stop();
    }
    expect(records.filter((r) => r.msg === 'embedded Temporal server stopped')).toHaveLength(1);
    expect(await readServerState(dbFile)).toBeUndefined();
  });

  it('gives up after too many failed restarts with what to do, and stop() does not claim to stop a dead server', async () => {
    const dbFile = join(dir, 'unrecoverable', 'temporal.db');
    const { logger, records } = recordingLogger('info');
    const policy = { maxFailures: 2, windowMs: 60_000, initialBackoffMs: 50, maxBackoffMs: 100 };
    const server = await startEmbeddedServer({ cliPath, dbFile, logger, port: 0, uiPort: 0, restartPolicy: policy });
    const pid = server.pid;
    // Kill it and put a directory where the database was: no restart can open it.
    process.kill(pid, 'SIGKILL');
    await rm(dbFile, { force: true });
    await mkdir(dbFile);

    const error = await server.failed;
    expect(error).toMatchObject({ category: 'temporal_unavailable' });
    expect(error.message).toContain(`The embedded Temporal server on ${dbFile} died and Baton could not bring it back: it failed 3 times within 60 s`);
    expect(error.message).toContain('unable to open database file');
    expect(error.message).toContain('then run `baton start` again');
    expect(records.filter((r) => String(r.msg).startsWith('embedded Temporal server did not restart'))).toHaveLength(2);
    expect(processAlive(pid)).toBe(false);

    await server.stop();
    expect(records.some((r) => r.msg === 'embedded Temporal server stopped')).toBe(false);
    expect(records.filter((r) => String(r.msg).startsWith('embedded Temporal server was not running'))).toEqual([
      expect.objectContaining({ lastExit: expect.stringContaining('killed by SIGKILL') }),
    ]);
    expect(await readServerState(dbFile)).toBeUndefined();
  });
  it('stops at once while waiting to retry a restart, and says the server was not running', async () => {
    const dbFile = join(dir, 'stop-while-down', 'temporal.db');
    const { logger, records } = recordingLogger('info');
    const policy = { maxFailures: 5, windowMs: 60_000, initialBackoffMs: 60_000, maxBackoffMs: 60_000 };
    const server = await startEmbeddedServer({ cliPath, dbFile, logger, port: 0, uiPort: 0, restartPolicy: policy });
    process.kill(server.pid, 'SIGKILL');
    await rm(dbFile, { force: true });
    await mkdir(dbFile);
    // The immediate restart fails; the next one is a minute away.
    await waitFor('a failed restart', async () => records.some((r) => String(r.msg).startsWith('embedded Temporal server did not restart')), 30_000);

    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(records.some((r) => r.msg === 'embedded Temporal server stopped')).toBe(false);
    expect(records.filter((r) => String(r.msg).startsWith('embedded Temporal server was not running'))).toHaveLength(1);
    const settled = await Promise.race([server.failed.then(() => 'failed'), new Promise((r) => setTimeout(r, 500, 'pending'))]);
    expect(settled).toBe('pending');
  });
});

describe('describeExit', () => {
  it.each([
    [137, null, 'killed by SIGKILL'],
    [143, null, 'killed by SIGTERM'],
    [1, null, 'exit code 1'],
    [0, null, 'exit code 0'],
    [null, 'SIGKILL', 'its watchdog was killed by SIGKILL'],
    [null, null, 'unknown exit'],
  ] as const)('code %s, signal %s: %s', (code, signal, text) => {
    expect(describeExit(code, signal)).toBe(text);
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

  it('runs SQLite in WAL mode with normal sync, and allows eager workflow starts and eager activities', () => {
    const args = startDevArgs({ dbFile: '/s/t.db', ip: '127.0.0.1', port: 7233, uiPort: 8233, namespace: 'default' }).join(' ');
    expect(args).toContain('--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal');
    expect(args).toContain('--dynamic-config-value system.enableEagerWorkflowStart=true');
    expect(args).toContain('--dynamic-config-value system.enableActivityEagerExecution=true');
  });

  it.each([
    { name: 'GOGC unset: the server collects at 50', given: undefined, want: DEV_SERVER_GOGC },
    { name: 'GOGC empty: treated as unset', given: ' ', want: DEV_SERVER_GOGC },
    { name: "the operator's GOGC stands", given: '200', want: '200' },
    { name: 'GOGC=off stands too', given: 'off', want: 'off' },
  ])('server environment: $name', ({ given, want }) => {
    const env = devServerEnv({ PATH: '/bin', HOME: '/h', ...(given === undefined ? {} : { GOGC: given }) });
    expect(env).toMatchObject({ PATH: '/bin', HOME: '/h', GOGC: want });
  });

  it('server.json sits next to the DB file', () => {
    expect(serverStatePath('/var/baton/temporal.db')).toBe('/var/baton/server.json');
  });
});
