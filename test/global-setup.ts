/**
 * Once per `vitest run`: finds (or installs, on a fresh clone) the Temporal CLI and starts ONE dev
 * server with Baton's search attributes, shared by every test file through `inject('temporalAddress')`.
 * Set `TEMPORAL_SERVICE_ADDRESS` to run the suite against a server already running (e.g.
 * `temporal server start-dev --ui-port 8233`, to watch the tests in the Web UI); set
 * `BATON_TEST_UI_PORT` to turn on the UI of the server started here.
 */
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { batonSearchAttributes } from '../core/search-attributes.js';
import { createLogger } from '../base/logger.js';
import { ensureSearchAttributes } from '../runtime/search-attributes.js';
import { resolveTemporalCli } from '../runtime/temporal-binary.js';
import { checkLoginShell } from './support/login-shell.js';
import { resolveTimeSkippingServer } from './support/time-skipping-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the shared Temporal frontend. */
    temporalAddress: string;
    /** Namespace the shared server serves Baton's search attributes in. */
    temporalNamespace: string;
    /** Absolute path of the Temporal CLI binary. */
    temporalCliPath: string;
    /** The time-skipping test server launcher (test/support/time-skipping-server.ts). */
    timeSkippingServerPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = createLogger({ name: 'test-setup', level: process.env.BATON_LOG_LEVEL ?? 'warn' });
  checkLoginShell();
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const external = process.env.TEMPORAL_SERVICE_ADDRESS;
  // Resolved even for an external server: the embedded-server tests run the CLI themselves.
  const cliPath = await resolveTemporalCli({ logger });
  project.provide('temporalCliPath', cliPath);
  // Installed once here (from Maven Central on a fresh machine) so test files never race to do it.
  project.provide('timeSkippingServerPath', await resolveTimeSkippingServer());

  if (external) {
    const connection = await Connection.connect({ address: external });
    try {
      await ensureSearchAttributes(connection, namespace, { logger });
    } finally {
      await connection.close();
    }
    project.provide('temporalAddress', external);
    project.provide('temporalNamespace', namespace);
    return async () => undefined;
  }

  const uiPort = process.env.BATON_TEST_UI_PORT ? Number(process.env.BATON_TEST_UI_PORT) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cliPath },
      namespace,
      searchAttributes: batonSearchAttributes,
      log: { format: 'pretty', level: 'error' },
      ...(uiPort ? { ui: true, uiPort } : {}),
    },
  });
  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', namespace);
  return async () => {
    await env.teardown();
  };
}
