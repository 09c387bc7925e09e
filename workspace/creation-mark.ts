/**
 * Workspaces whose `after_create` hook has not finished. Symphony §9 runs `after_create` only
 * when the directory is new, so a worker killed inside the hook used to leave a directory that
 * every later attempt reused half made (no checkout, say) — and a hook still running beside them.
 *
 * State it owns: one mark per workspace being created, `<root>/@baton/creating/<key>` (outside
 * every workspace: `@` never appears in a workspace key), written before the hook starts, holding
 * the hook's pid and start time once it runs, and removed when the hook has finished either way.
 * An attempt that finds the directory *and* the mark kills the process group the hook left
 * running (only if it is still that process) and creates the workspace again.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { killIfSame, parseProcessRecord, processRecord, type KillOutcome } from '../base/process.js';

export class CreationMark {
  readonly file: string;

  constructor(root: string, key: string) {
    this.file = path.join(root, '@baton', 'creating', key);
  }

  /** Before `after_create` starts: from here on a crash leaves the mark behind. */
  async begin(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(this.file, '{}');
  }

  /** The hook's process, so a later attempt can stop it if its worker died. */
  async started(pid: number): Promise<void> {
    const record = processRecord(pid);
    if (record) await writeFile(this.file, JSON.stringify(record));
  }

  /** `after_create` finished (succeeded, or failed and its directory was removed). */
  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }

  /** Whether an earlier creation of this workspace never finished. */
  async unfinished(): Promise<boolean> {
    return (await stat(this.file).catch(() => undefined)) !== undefined;
  }

  /** Kill the hook an unfinished creation left running (its whole process group), if it still runs. */
  async reap(): Promise<KillOutcome | undefined> {
    const record = parseProcessRecord(await readFile(this.file, 'utf8').catch(() => ''));
    return record ? killIfSame(record.pid, record.startTime, 'SIGKILL', { group: true }) : undefined;
  }
}
