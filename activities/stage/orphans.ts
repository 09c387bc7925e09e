/**
 * Agents orphaned by a dead worker. While a stage runs, its agent's process group is recorded
 * under `<workspace.root>/@baton/agents/` on the host (outside every workspace: `@` never appears
 * in a workspace key) as its pid and its start time. A later run for the same issue on that host
 * kills a recorded agent that is still alive before it starts, so a retry never runs beside its
 * predecessor — and never kills an unrelated process that reused the pid (the start times differ).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { killIfSame, parseProcessRecord, processRecord } from '../../base/process.js';
import type { Logger } from '../../base/logger.js';

export class AgentPidRecord {
  readonly file: string;

  constructor(root: string, identifier: string) {
    this.file = path.join(root, '@baton', 'agents', `${encodeURIComponent(identifier)}.pid`);
  }

  /** Record the agent's pid with its start time (nothing is recorded for a pid already gone). */
  async write(pid: number): Promise<void> {
    const record = processRecord(pid);
    if (!record) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(this.file, JSON.stringify(record));
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true }).catch(() => undefined);
  }

  /** Kill the process group a dead worker left running for this issue, if it is still that process. */
  async reap(logger: Logger): Promise<void> {
    const record = parseProcessRecord(await readFile(this.file, 'utf8').catch(() => ''));
    if (record) {
      const outcome = killIfSame(record.pid, record.startTime, 'SIGKILL', { group: true });
      if (outcome === 'killed') logger.warn({ pid: record.pid }, 'an agent from an earlier attempt was still running (its worker died); killed its process group');
      else if (outcome === 'reused') logger.info({ pid: record.pid }, 'the recorded agent is gone and its pid now belongs to another process; left alone');
    }
    await this.clear();
  }
}
