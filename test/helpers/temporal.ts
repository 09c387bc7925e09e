/**
 * Connecting a test file to the shared dev server started by `test/global-setup.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';

/** A connection to the shared server; call `teardown()` in `afterAll` (it closes connections only). */
export interface TestTemporalEnv {
  client: Client;
  /** For `Worker.create({ connection })`. */
  nativeConnection: NativeConnection;
  address: string;
  namespace: string;
  teardown(): Promise<void>;
}

/** Connects to the shared dev server (use in `beforeAll`). */
export async function connectTestEnv(): Promise<TestTemporalEnv> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    address,
    namespace,
    teardown: () => env.teardown(),
  };
}

/** A task queue no other test uses, so files can run in parallel against one server. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}
