/**
 * runShell: bash -lc in its own process group, bounded by timeout, stall and abort. And the pid
 * records a reaper kills by: (pid, start time) from /proc, so a reused pid is never signalled.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  identify,
  killIfSame,
  parseProcStat,
  parseProcessRecord,
  processAlive,
  processRecord,
  readProcStat,
  type ProcStat,
} from '../../base/process.js';
import { runShell } from '../../base/shell.js';
import { pollUntil, scaled } from '../helpers/time.js';

/** Alive and not a zombie. */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

describe('runShell', () => {
  it('returns when the command exits even if it left a background job, and kills that job', async () => {
    // The job outlives any scaled limit below, so returning in time means not waiting for it.
    const result = await runShell('sleep 600 & echo $! > /dev/stdout; echo done', { cwd: tmpdir(), env: process.env, timeoutMs: scaled(20_000) });
    expect(result.exitCode).toBe(0);
    expect(result.killedFor).toBeUndefined();
    const [bgPid] = result.stdout.split('\n').map(Number);
    expect(result.stdout).toContain('done');
    expect(result.durationMs).toBeLessThan(scaled(15_000));
    expect(await pollUntil(async () => !(await running(bgPid!)), 5_000)).toBe(true);
  });

  it('kills the whole group on timeout, on stall, and on abort', async () => {
    const timeout = await runShell('sleep 30', { cwd: tmpdir(), env: process.env, timeoutMs: 300 });
    expect(timeout.killedFor).toBe('timeout');
    const stall = await runShell('echo one; sleep 30', { cwd: tmpdir(), env: process.env, stallMs: 1_500, timeoutMs: scaled(20_000) });
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

describe('parseProcStat', () => {
  // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice threads itrealvalue starttime (field 22) …
  const tail = (state: string, ppid: number, pgid: number, start: number) =>
    `${state} ${ppid} ${pgid} ${pgid} 0 -1 4194304 103 0 0 0 0 0 0 0 20 0 1 0 ${start} 3133440 379 18446744073709551615 0 0`;
  it.each([
    ['a plain name', `8905 (cat) ${tail('R', 8902, 8902, 161908)}`, { pid: 8905, name: 'cat', state: 'R', ppid: 8902, pgid: 8902, startTime: 161908 }],
    ['a name with spaces and parentheses', `42 (my (odd) prog) ${tail('S', 1, 42, 7)}`, { pid: 42, name: 'my (odd) prog', state: 'S', ppid: 1, pgid: 42, startTime: 7 }],
    ['a zombie', `77 (sh) ${tail('Z', 1, 70, 99)}`, { pid: 77, name: 'sh', state: 'Z', ppid: 1, pgid: 70, startTime: 99 }],
    ['a trailing newline', `5 (x) ${tail('S', 1, 5, 12)}\n`, { pid: 5, name: 'x', state: 'S', ppid: 1, pgid: 5, startTime: 12 }],
  ])('reads %s', (_what, text, expected) => {
    expect(parseProcStat(text)).toEqual(expected);
  });
  it.each([
    ['empty', ''],
    ['no name', '12 S 1 1'],
    ['cut short before starttime', '12 (x) S 1 1 1 0'],
    ['not a pid', 'abc (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5'],
  ])('refuses %s', (_what, text) => {
    expect(parseProcStat(text)).toBeUndefined();
  });
});

describe('identify', () => {
  const recorded = { pid: 300, startTime: 5000 };
  const now = (state: string, startTime: number): ProcStat => ({ pid: 300, name: 'bash', state, ppid: 1, pgid: 300, startTime });
  it.each([
    ['the same process', now('S', 5000), true, false, 'same'],
    ['the same process, for its group', now('R', 5000), true, true, 'same'],
    ['a reused pid (later start)', now('S', 9000), true, false, 'reused'],
    ['a reused pid, for a group', now('S', 9000), true, true, 'reused'],
    ['no such process', undefined, true, false, 'gone'],
    ['its zombie, alone', now('Z', 5000), true, false, 'gone'],
    ['its zombie, for its group (members may live on)', now('Z', 5000), true, true, 'same'],
    ['a zombie of another process', now('Z', 9000), true, true, 'reused'],
    ['a dead entry', now('X', 5000), true, false, 'gone'],
    ['no /proc to check', undefined, false, false, 'unverifiable'],
  ] as const)('%s', (_what, stat, hasProc, group, verdict) => {
    expect(identify(recorded, stat, hasProc, group)).toBe(verdict);
  });
});

describe('parseProcessRecord', () => {
  it.each([
    ['a record', '{"pid":1234,"startTime":567890}', { pid: 1234, startTime: 567890 }],
    ['a record with spaces', ' { "pid": 9, "startTime": 0 }\n', { pid: 9, startTime: 0 }],
    ['a bare pid (the old format)', '1234', undefined],
    ['pid 1', '{"pid":1,"startTime":5}', undefined],
    ['no start time', '{"pid":1234}', undefined],
    ['a fractional start time', '{"pid":1234,"startTime":1.5}', undefined],
    ['garbage', 'not json', undefined],
  ])('%s', (_what, text, expected) => {
    expect(parseProcessRecord(text)).toEqual(expected);
  });
});

describe('killIfSame on real processes', () => {
  it('kills the recorded process, refuses another start time, and reports it gone once reaped', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid!;
    const record = processRecord(pid)!;
    expect(record).toEqual({ pid, startTime: readProcStat(pid)!.startTime });
    expect(JSON.parse(JSON.stringify(record))).toEqual(parseProcessRecord(JSON.stringify(record)));

    // The same pid with another start time is what a reused pid looks like: left alone.
    expect(killIfSame(pid, record.startTime + 1)).toBe('reused');
    expect(processAlive(pid)).toBe(true);

    const exited = once(child, 'exit');
    expect(killIfSame(record.pid, record.startTime)).toBe('killed');
    expect(await exited).toEqual([null, 'SIGKILL']);
    expect(killIfSame(record.pid, record.startTime)).toBe('gone');
  });

  it('ends the whole group a recorded leader leads, and no other', async () => {
    const leader = spawn('bash', ['-c', 'sleep 30 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const [line] = (await once(leader.stdout!.setEncoding('utf8'), 'data')) as [string];
    const member = Number(line.trim());
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    await once(bystander, 'spawn');
    const record = processRecord(leader.pid!)!;
    try {
      expect(readProcStat(member)?.pgid).toBe(leader.pid);
      expect(killIfSame(leader.pid!, record.startTime + 1, 'SIGKILL', { group: true })).toBe('reused');
      expect(processAlive(member)).toBe(true);

      expect(killIfSame(record.pid, record.startTime, 'SIGKILL', { group: true })).toBe('killed');
      expect(await pollUntil(() => !processAlive(member), 2_500)).toBe(true);
      expect(processAlive(bystander.pid!)).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
      leader.kill('SIGKILL');
    }
  });
});
