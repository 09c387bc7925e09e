/**
 * `server.json` next to the embedded server's SQLite file: how other Baton commands (`baton status`)
 * find a running embedded server. An entry whose process is gone is stale and ignored.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { processAlive } from '../base/process.js';

/** The content of `server.json`. */
export const ServerStateSchema = z.object({
  /** gRPC frontend, `host:port`. */
  address: z.string().min(1),
  /** Web UI, e.g. `http://127.0.0.1:8233`. */
  uiUrl: z.string().min(1),
  /** The server process; the entry counts only while it lives. */
  pid: z.number().int().positive(),
  namespace: z.string().min(1),
  /** ISO-8601. */
  startedAt: z.string().min(1),
});
export type ServerState = z.infer<typeof ServerStateSchema>;

/** `<dir of dbFile>/server.json`. */
export function serverStatePath(dbFile: string): string {
  return join(dirname(dbFile), 'server.json');
}

/** Writes the state atomically (temp file + rename), so a reader never sees half a file. */
export async function writeServerState(dbFile: string, state: ServerState): Promise<void> {
  const path = serverStatePath(dbFile);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(ServerStateSchema.parse(state), null, 2)}\n`);
  await rename(tmp, path);
}

/** The recorded server if its process is alive; `undefined` when missing, unreadable or stale. */
export async function readServerState(
  dbFile: string,
  isAlive: (pid: number) => boolean = processAlive,
): Promise<ServerState | undefined> {
  let text: string;
  try {
    text = await readFile(serverStatePath(dbFile), 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ServerStateSchema.safeParse(json);
  if (!parsed.success || !isAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

/** Removes `server.json` if it still describes `pid` (a newer server's entry is left alone). */
export async function clearServerState(dbFile: string, pid: number): Promise<void> {
  const path = serverStatePath(dbFile);
  try {
    const current = ServerStateSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (current.success && current.data.pid !== pid) return;
  } catch {
    // missing or unreadable: remove whatever is there
  }
  await rm(path, { force: true });
}
