// A scripted stand-in for `codex app-server`, for protocol paths the real binary cannot be made to
// take offline (MCP elicitations, legacy approvals, approvals under `never`, unknown server
// requests, broken lines, an app-server that ignores `turn/interrupt`).
//
// Env: STUB_LOG  — file that receives every message the client sent, one JSON per line.
//      STUB_SCRIPT — JSON array of steps run after each `turn/start` answer:
//        {"send": {...}}        write this message
//        {"raw": "text"}        write this line as is
//        {"stderr": "text"}     write this line to stderr
//        {"await": <id>}        wait until the client answered the server request with this id
//        {"complete": "completed" | "failed" | "interrupted"}   send turn/completed
//      STUB_IGNORE_INTERRUPT=1 — answer `turn/interrupt` but never complete the turn.
//      STUB_START_LOG — file that receives, at start, one JSON line: the working directory and the
//        variables STUB_LOGIN_PROFILE and STUB_FLAG as this process sees them (how a test tells a
//        login shell in the workspace ran it, and that codex.command went through a shell).
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const log = process.env.STUB_LOG;
const script = JSON.parse(process.env.STUB_SCRIPT ?? '[]');
const ignoreInterrupt = process.env.STUB_IGNORE_INTERRUPT === '1';
const answered = new Set();
const waiters = [];
let turnCount = 0;
let turnId = '';

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
if (process.env.STUB_START_LOG) {
  const seen = { cwd: process.cwd(), loginProfile: process.env.STUB_LOGIN_PROFILE ?? null, flag: process.env.STUB_FLAG ?? null };
  appendFileSync(process.env.STUB_START_LOG, `${JSON.stringify(seen)}\n`);
}
const completeTurn = (status) =>
  send({ method: 'turn/completed', params: { threadId: 'thread-1', turn: { id: turnId, status, error: status === 'failed' ? { message: 'stub failure', codexErrorInfo: 'other' } : null, items: [] } } });

async function runScript() {
  for (const step of script) {
    if (step.send) send(step.send);
    else if (step.raw !== undefined) process.stdout.write(`${step.raw}\n`);
    else if (step.stderr !== undefined) process.stderr.write(`${step.stderr}\n`);
    else if (step.await !== undefined) {
      if (!answered.has(step.await)) await new Promise((resolve) => waiters.push({ id: step.await, resolve }));
    } else if (step.complete) completeTurn(step.complete);
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (log) appendFileSync(log, `${line}\n`);
  const message = JSON.parse(line);
  if (message.method === undefined) {
    answered.add(message.id);
    for (const waiter of waiters.filter((w) => w.id === message.id)) waiter.resolve();
    return;
  }
  switch (message.method) {
    case 'initialize':
      return send({ id: message.id, result: { userAgent: 'stub/0', codexHome: '/nowhere', platformFamily: 'unix', platformOs: 'linux' } });
    case 'thread/start':
      return send({ id: message.id, result: { thread: { id: 'thread-1' } } });
    case 'turn/start':
      turnCount += 1;
      turnId = `turn-${turnCount}`;
      send({ id: message.id, result: { turn: { id: turnId, status: 'inProgress', items: [], error: null } } });
      return void runScript();
    case 'turn/interrupt':
      send({ id: message.id, result: {} });
      if (!ignoreInterrupt) completeTurn('interrupted');
      return;
    default:
      if (message.id !== undefined) send({ id: message.id, result: {} });
  }
});
