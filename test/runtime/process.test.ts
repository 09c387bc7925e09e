/** runShell: bash -lc in its own process group, bounded by timeout, stall and abort. */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runShell } from '../../runtime/process.js';

/** Alive and not a zombie. */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

describe('runShell', () => {
  it('returns when the command exits even if it left a background job, and kills that job', async () => {
    const result = await runShell('sleep 30 & echo $! > /dev/stdout; echo done', { cwd: tmpdir(), env: process.env, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(0);
    expect(result.killedFor).toBeUndefined();
    const [bgPid] = result.stdout.split('\n').map(Number);
    expect(result.stdout).toContain('done');
    expect(result.durationMs).toBeLessThan(15_000);
    for (let i = 0; i < 50 && (await running(bgPid!)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await running(bgPid!)).toBe(false);
  });

  it('kills the whole group on timeout, on stall, and on abort', async () => {
    const timeout = await runShell('sleep 30', { cwd: tmpdir(), env: process.env, timeoutMs: 300 });
    expect(timeout.killedFor).toBe('timeout');
    const stall = await runShell('echo one; sleep 30', { cwd: tmpdir(), env: process.env, stallMs: 1_500, timeoutMs: 20_000 });
    expect(stall.killedFor).toBe('stall');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const aborted = await runShell('sleep 30', { cwd: tmpdir(), env: process.env, signal: controller.signal });
    expect(aborted.killedFor).toBe('abort');
  });

  it('feeds stdin, streams lines and reports a non-zero exit without throwing', async () => {
    const lines: string[] = [];
    const result = await runShell('cat; echo err >&2; exit 3', { cwd: tmpdir(), env: process.env, stdin: 'a\nb\n', onStdoutLine: (l) => lines.push(l) });
    expect(lines).toEqual(['a', 'b']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('err');
  });
});
