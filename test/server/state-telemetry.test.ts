/**
 * What the snapshot API reports while agents work (SPEC §13.7, §17.4 "it returns running rows,
 * retry rows, token totals, and rate limits"), with values, on the real dev server: one agent has
 * reported tokens and a rate-limit snapshot and is still running; another failed and waits for its
 * retry. `GET /api/v1/state` shows the running row with the agent's tokens, the retry row with its
 * attempt, due time and error, the token totals, and the agent's latest rate limits.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type BatonHttpServer } from '../../server/http.js';
import { silentLogger } from '../../base/logger.js';
import { connectTestEnv, type TestTemporalEnv } from '../helpers/temporal.js';
import { createDeployment, startWorker, waitFor } from '../helpers/deployment.js';

const RATE_LIMITS = { limit_id: 'codex', primary: { used_percent: 12.5, window_minutes: 300, resets_in_seconds: 900 }, secondary: null };
const REPORT = JSON.stringify({ event: 'notification', message: 'working', usage: { input_tokens: 300, output_tokens: 30, total_tokens: 330 }, rate_limits: RATE_LIMITS });

let env: TestTemporalEnv;
beforeAll(async () => {
  env = await connectTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('the snapshot API while agents work', () => {
  it('§17.4 GET /api/v1/state returns the running row with its tokens, the retry row, token totals and the latest rate limits', async () => {
    const d = await createDeployment({
      issues: [{ identifier: 'TEL-1' }, { identifier: 'TEL-2' }],
      agentBody: [
        // TEL-1 reports its totals and limits, then works until the test lets it go.
        `if [ "$BATON_ISSUE_IDENTIFIER" = TEL-1 ]; then sleep 0.5; echo '${REPORT}'; while [ ! -f ../../release ]; do sleep 0.1; done; fi`,
        'if [ "$BATON_ISSUE_IDENTIFIER" = TEL-2 ]; then echo "linker failed" >&2; exit 1; fi',
      ].join('\n'),
      config: { stages: [{ name: 'plan', states: ['Todo'], prompt: 'plan', on_success: { move_to: 'Done' } }] },
    });
    // A long backoff keeps TEL-2 in the retry queue while the test reads it.
    await d.writeConfig({ agent: { ...(d.config.agent as Record<string, unknown>), retry_base_ms: 120_000, max_retry_backoff_ms: 120_000 } });
    const worker = await startWorker(env, d);
    let http: BatonHttpServer | undefined;
    try {
      http = await startHttpServer({ client: env.client, config: () => worker.runtime.config(d.configPath).config, logger: silentLogger }, { host: '127.0.0.1', port: 0 });
      const url = `${http.url}/api/v1/state`;
      type State = {
        running: { issue_identifier: string; tokens: Record<string, number> }[];
        retrying: { issue_identifier: string; attempt: number; due_at: string; error: string }[];
        codex_totals: Record<string, number>;
        rate_limits: unknown;
      };
      const state = await waitFor(
        'TEL-1 running with its tokens, TEL-2 retrying',
        async () => {
          const body = (await (await fetch(url)).json()) as State;
          const ready = body.running.some((r) => r.issue_identifier === 'TEL-1' && r.tokens.total_tokens === 330) && body.retrying.some((r) => r.issue_identifier === 'TEL-2');
          return ready ? body : null;
        },
        45_000,
      );
      expect(state.running.find((r) => r.issue_identifier === 'TEL-1')!.tokens).toMatchObject({ input_tokens: 300, output_tokens: 30, total_tokens: 330 });
      const retry = state.retrying.find((r) => r.issue_identifier === 'TEL-2')!;
      expect(retry.attempt).toBe(2);
      expect(Date.parse(retry.due_at)).toBeGreaterThan(Date.now());
      expect(retry.error).toContain('linker failed');
      expect(state.codex_totals).toMatchObject({ input_tokens: 300, output_tokens: 30, total_tokens: 330 });
      expect(state.rate_limits).toEqual(RATE_LIMITS);
    } finally {
      await writeFile(path.join(d.dir, 'release'), '');
      await http?.close();
      worker.shutdown();
      await worker.done;
    }
  });
});
