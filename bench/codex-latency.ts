/**
 * Latency and memory of the `codex` backend against the real binary and the scripted model server:
 * spawn → `initialize`, `thread/start` and a one-message turn, for the bare binary (driven
 * directly over its pipes) and through Baton's backend (bash -lc, cwd check, thread name, events);
 * then the resident memory of N concurrent sessions.
 *
 *   npx tsx bench/codex-latency.ts [--runs 5] [--concurrent 10]
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCodexBackend } from '../adapters/agents/codex/backend.js';
import { descendantPids } from '../adapters/agents/codex/launch.js';
import { nativeCodexBinary } from '../adapters/agents/codex/locate-binary.js';
import { RpcClient } from '../adapters/agents/codex/rpc-client.js';
import { createCodexHarness, offlineConfigArgs, sessionContext, type CodexHarness } from '../test/agents/codex/harness.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, concurrent: { type: 'string', default: '10' } } });
const RUNS = Number(values.runs);
const CONCURRENT = Number(values.concurrent);

interface Sample {
  initializeMs: number;
  threadStartMs: number;
  turnMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The bare binary: spawned directly, spoken to with the same framing, no Baton policy. */
async function rawSample(h: CodexHarness, workspace: string): Promise<Sample> {
  const bin = nativeCodexBinary()!;
  const t0 = performance.now();
  const child = spawn(bin, ['app-server', ...offlineConfigArgs(h.server.url, h.catalogPath)], { cwd: workspace, env: h.env, stdio: ['pipe', 'pipe', 'ignore'] });
  let completed: () => void = () => undefined;
  const rpc = new RpcClient(child.stdin, child.stdout, {
    onNotification: (method) => method === 'turn/completed' && completed(),
    onServerRequest: () => undefined,
    onMalformed: () => undefined,
    onOtherMessage: () => undefined,
  });
  await rpc.request('initialize', { clientInfo: { name: 'bench', title: null, version: '0' }, capabilities: { experimentalApi: true, requestAttestation: false } }, 30_000);
  const t1 = performance.now();
  rpc.notify('initialized');
  const thread = await rpc.request<'thread/start', { thread: { id: string } }>('thread/start', { cwd: workspace, approvalPolicy: 'never', sandbox: 'danger-full-access' }, 30_000);
  const t2 = performance.now();
  const done = new Promise<void>((resolve) => (completed = resolve));
  await rpc.request('turn/start', { threadId: thread.thread.id, input: [{ type: 'text', text: '@@say hi', text_elements: [] }] }, 30_000);
  await done;
  const t3 = performance.now();
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  return { initializeMs: t1 - t0, threadStartMs: t2 - t1, turnMs: t3 - t2 };
}

/** Through the backend: startSession covers spawn, initialize and thread/start together. */
async function backendSample(h: CodexHarness, workspace: string): Promise<Sample & { startSessionMs: number }> {
  const backend = createCodexBackend();
  const ctx = sessionContext(h, { workspace });
  const t0 = performance.now();
  const session = await backend.startSession(ctx);
  const t1 = performance.now();
  const result = await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@say hi' });
  const t2 = performance.now();
  if (result.outcome !== 'completed') throw new Error(`turn ${result.outcome}: ${result.error?.message}`);
  await session.close();
  return { startSessionMs: t1 - t0, initializeMs: NaN, threadStartMs: NaN, turnMs: t2 - t1 };
}

async function rssKiB(pid: number): Promise<{ rss: number; hwm: number }> {
  let rss = 0;
  let hwm = 0;
  for (const p of [pid, ...descendantPids(pid)]) {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    hwm += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return { rss, hwm };
}

async function concurrentMemory(h: CodexHarness): Promise<{ sessions: number; totalRssMiB: number; perSessionRssMiB: number; peakHwmMiB: number; wallMs: number }> {
  const backend = createCodexBackend();
  const t0 = performance.now();
  const sessions = await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, i) => {
      const workspace = await h.workspaceFor(`BENCH-C${i}`);
      const session = await backend.startSession(sessionContext(h, { workspace }));
      await session.runTurn({ turn: 1, maxTurns: 1, prompt: '@@shell echo hi\n@@say hi' });
      return session;
    }),
  );
  const wallMs = performance.now() - t0;
  const mem = await Promise.all(sessions.map((s) => rssKiB(s.pid!)));
  await Promise.all(sessions.map((s) => s.close()));
  const total = mem.reduce((a, m) => a + m.rss, 0) / 1024;
  return { sessions: CONCURRENT, totalRssMiB: total, perSessionRssMiB: total / CONCURRENT, peakHwmMiB: Math.max(...mem.map((m) => m.hwm)) / 1024, wallMs };
}

const h = await createCodexHarness();
try {
  const raw: Sample[] = [];
  const viaBackend: (Sample & { startSessionMs: number })[] = [];
  // One warm-up each: the first exec of a 290 MB binary pays for the page cache.
  await rawSample(h, await h.workspaceFor('BENCH-W0'));
  await backendSample(h, await h.workspaceFor('BENCH-W1'));
  for (let i = 0; i < RUNS; i++) {
    raw.push(await rawSample(h, await h.workspaceFor(`BENCH-R${i}`)));
    viaBackend.push(await backendSample(h, await h.workspaceFor(`BENCH-B${i}`)));
  }
  const memory = await concurrentMemory(h);
  const summary = {
    runs: RUNS,
    raw: {
      initializeMs: median(raw.map((s) => s.initializeMs)),
      threadStartMs: median(raw.map((s) => s.threadStartMs)),
      turnMs: median(raw.map((s) => s.turnMs)),
    },
    backend: {
      startSessionMs: median(viaBackend.map((s) => s.startSessionMs)),
      turnMs: median(viaBackend.map((s) => s.turnMs)),
    },
    memory,
  };
  const f = (n: number) => n.toFixed(1);
  console.log(`codex ${path.basename(path.dirname(path.dirname(nativeCodexBinary()!)))}, medians of ${RUNS} runs`);
  console.log(`raw binary: spawn→initialize ${f(summary.raw.initializeMs)} ms, thread/start ${f(summary.raw.threadStartMs)} ms, one-message turn ${f(summary.raw.turnMs)} ms`);
  console.log(`backend:    startSession (bash -lc + initialize + thread/start + name) ${f(summary.backend.startSessionMs)} ms, one-message turn ${f(summary.backend.turnMs)} ms`);
  console.log(`${memory.sessions} concurrent sessions: ${f(memory.totalRssMiB)} MiB RSS total, ${f(memory.perSessionRssMiB)} MiB each, peak ${f(memory.peakHwmMiB)} MiB, ${f(memory.wallMs)} ms wall`);
  console.log(JSON.stringify(summary));
} finally {
  await h.cleanup();
}
