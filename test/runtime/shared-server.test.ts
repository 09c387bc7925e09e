/**
 * The shared dev server from `test/global-setup.ts`: Baton's search attributes are registered, a
 * real Worker runs a real workflow on it, and the workflow's upsert is visible to a visibility query.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonStage, batonSearchAttributes } from '../../core/search-attributes.js';
import { silentLogger } from '../../base/logger.js';
import { ensureSearchAttributes } from '../../runtime/search-attributes.js';
import { connectTestEnv, uniqueTaskQueue, type TestTemporalEnv } from '../helpers/temporal.js';
import { finishSignal, trivialWorkflow } from '../workflows-fixtures/trivial.js';
import { pollUntil } from '../helpers/time.js';

let env: TestTemporalEnv;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  env = await connectTestEnv();
  bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../workflows-fixtures/trivial.ts', import.meta.url)),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
});

afterAll(async () => {
  await env?.teardown();
});

describe('shared Temporal dev server', () => {
  it('has every Baton search attribute registered with its type', async () => {
    const listed = await env.client.connection.operatorService.listSearchAttributes({ namespace: env.namespace });
    for (const key of batonSearchAttributes) {
      expect(listed.customAttributes[key.name], key.name).toBe(encodeSearchAttributeIndexedValueType(key.type));
    }
  });

  it('ensureSearchAttributes finds them all present and adds nothing', async () => {
    const result = await ensureSearchAttributes(env.client.connection, env.namespace, { logger: silentLogger });
    expect(result.added).toEqual([]);
    expect(result.present.sort()).toEqual(batonSearchAttributes.map((k) => k.name).sort());
  });

  it('runs a workflow whose BatonStage upsert is found by a visibility query', async () => {
    const taskQueue = uniqueTaskQueue('shared-server');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowBundle: bundle,
      workflowFailureErrorTypes: { '*': ['Error'] },
    });
    const workflowId = `trivial-${randomUUID()}`;
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(trivialWorkflow, {
        taskQueue,
        workflowId,
        args: [{ greeting: 'hello', stage: 'plan' }],
      });
      // Visibility is eventually consistent: poll until the running workflow shows up.
      let found: string[] = [];
      await pollUntil(async () => {
        found = [];
        for await (const wf of env.client.workflow.list({
          query: `${BatonStage.name} = "plan" AND WorkflowId = "${workflowId}"`,
        })) {
          found.push(wf.workflowId);
        }
        return found.includes(workflowId);
      }, 10_000, 100);
      expect(found).toEqual([workflowId]);
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(BatonStage)).toBe('plan');
      await handle.signal(finishSignal, 'world');
      return handle.result();
    });
    expect(result).toBe('hello, world');
  });
});
