/**
 * Baton's logger (base/logger.ts) writing JSON lines a test can read back, and a Baton worker that logs through
 * it: how tests see what an operator would see in the log (hook failures, issue and session
 * fields).
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../base/logger.js';
import { startAgentWorker, type AgentWorker } from './agents.js';
import type { Deployment } from './deployment.js';
import type { TestTemporalEnv } from './temporal.js';

export type LogLine = Record<string, unknown> & { level: number; msg?: string };

export interface CapturedLog {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines(): LogLine[];
}

/** Baton's own logger, at debug level, writing JSON lines a test can read back. */
export function captureLog(): CapturedLog {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ format: 'json', level: 'debug', destination: sink }), lines: () => [...lines] };
}

/** pino's numeric level for `warn`. */
export const WARN = 40;

/** Start a worker for `deployment` logging through `logger`, and its orchestrator. */
export function startLoggedWorker(env: TestTemporalEnv, deployment: Deployment, logger: Logger, workerEnv: Record<string, string> = {}): Promise<AgentWorker> {
  return startAgentWorker(env, deployment, workerEnv, { logger });
}
