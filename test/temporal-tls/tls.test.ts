/**
 * Baton against a secured Temporal: the shared dev server behind a TLS-terminating proxy
 * (`proxy.ts`) with certificates made for the test (`certs.ts`).
 * - mutual TLS: `baton start --until-idle` (the real bin, a real worker) takes an issue to Done;
 * - a wrong CA, or no client certificate, fails at once with an error naming the TLS handshake;
 * - an API key reaches the proxy as `authorization: Bearer <key>` from the client and the worker;
 * - DNS, TCP, host-name and namespace failures each name their step; `server_name` and
 *   `disable_host_verification` connect to a server whose certificate names another host.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BatonError } from '../../core/errors.js';
import type { TemporalConfig } from '../../config/schema.js';
import { connectTemporalClient, resolveTemporalEndpoint } from '../../runtime/temporal-connection.js';
import { runBaton } from '../helpers/cli.js';
import { makeTestPki, type TestPki } from './certs.js';
import { startTlsProxy, type TlsProxy } from './proxy.js';
import { scaled } from '../helpers/time.js';

let pki: TestPki;
let otherNamePki: TestPki;
const proxies: TlsProxy[] = [];

beforeAll(async () => {
  [pki, otherNamePki] = await Promise.all([makeTestPki(), makeTestPki(['DNS:temporal.internal'])]);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

async function proxy(mode: 'pipe' | 'http2', options: { mtls?: boolean; certs?: TestPki; refuseOperatorApi?: boolean } = {}): Promise<TlsProxy> {
  const certs = options.certs ?? pki;
  const p = await startTlsProxy({
    mode,
    backend: inject('temporalAddress'),
    cert: certs.server.cert,
    key: certs.server.key,
    refuseOperatorApi: options.refuseOperatorApi,
    ...(options.mtls ? { clientCa: certs.ca } : {}),
  });
  proxies.push(p);
  return p;
}

let deployments = 0;
/** A one-issue deployment (file tracker, a command agent that succeeds) whose `temporal:` is `temporal`. */
function deployment(temporal: Record<string, unknown>): { dir: string; configPath: string; issueFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'baton-tls-'));
  const name = `tls-${process.pid}-${++deployments}`;
  mkdirSync(path.join(dir, 'issues'));
  const issueFile = path.join(dir, 'issues', 'TLS-1.md');
  writeFileSync(issueFile, '---\nid: tls-1\nidentifier: TLS-1\ntitle: Over TLS\nstate: Todo\nlabels: [agent]\n---\nBody.\n');
  const config = {
    name,
    temporal: { namespace: inject('temporalNamespace'), task_queue: name, ...temporal },
    trackers: [{ kind: 'file', provider: { dir: './issues' }, required_labels: ['agent'], active_states: ['Todo'], terminal_states: ['Done'] }],
    polling: { interval_ms: 1000 },
    workspace: { root: './workspaces' },
    agent: { backend: 'command' },
    command: { command: 'echo "worked on $BATON_ISSUE_IDENTIFIER"' },
    stages: [{ name: 'run', states: ['Todo'], prompt: 'Do {{ issue.identifier }}', on_success: { move_to: 'Done' } }],
  };
  const configPath = path.join(dir, 'baton.yaml');
  writeFileSync(configPath, stringify(config));
  return { dir, configPath, issueFile };
}

function issueState(file: string): string {
  return (parse(readFileSync(file, 'utf8').split('---')[1]!) as { state: string }).state;
}

async function startUntilIdle(configPath: string, env: NodeJS.ProcessEnv = process.env) {
  return runBaton(['start', configPath, '--until-idle', '--idle-timeout', String(scaled(120_000))], { env, timeoutMs: 180_000 });
}

describe('temporal.tls: Baton through a TLS-terminating proxy', () => {
  it('with mutual TLS (CA, client certificate and key as paths) runs an issue to Done', async () => {
    const p = await proxy('pipe', { mtls: true });
    const d = deployment({ address: p.address, tls: { ca: pki.caPem, cert: pki.client.certPem, key: pki.client.keyPem } });
    const run = await startUntilIdle(d.configPath);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(issueState(d.issueFile)).toBe('Done');
    // The client and the worker both came through the proxy's TLS.
    expect(p.sessions).toBeGreaterThanOrEqual(2);
  });

  it('with a CA that did not sign the server certificate, fails at once naming the TLS handshake', async () => {
    const p = await proxy('pipe', { mtls: true });
    const d = deployment({ address: p.address, tls: { ca: pki.wrongCaPem, cert: pki.client.certPem, key: pki.client.keyPem } });
    const started = Date.now();
    const run = await runBaton(['status', d.configPath]);
    process.stdout.write(`tls: a wrong CA failed after ${Date.now() - started} ms (process start included)\n`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot connect to Temporal at ${p.address} (namespace "${inject('temporalNamespace')}"): TLS handshake failed`);
    expect(run.stderr).toContain('Fix: the server certificate is not signed by the CA Baton trusts: set `temporal.tls.ca`');
    expect(p.sessions).toBe(0);
  });

  it('without the client certificate the server requires, fails naming the TLS handshake', async () => {
    const p = await proxy('pipe', { mtls: true });
    const d = deployment({ address: p.address, tls: { ca: pki.caPem } });
    const run = await runBaton(['status', d.configPath]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TLS handshake failed: .*certificate required/);
  });

  it('with api_key, the client and the worker send `authorization: Bearer <key>` (seen at the proxy), and the issue reaches Done', async () => {
    // Like Temporal Cloud, the proxy refuses the operator API: Baton checks its search attributes exist instead.
    const p = await proxy('http2', { refuseOperatorApi: true });
    // The CA as `$VAR` holding the PEM itself, the key from the environment, as in a container.
    const d = deployment({ address: p.address, tls: { ca: '$TLS_TEST_CA' }, api_key: '$TEMPORAL_API_KEY' });
    const run = await startUntilIdle(d.configPath, { ...process.env, TLS_TEST_CA: pki.ca, TEMPORAL_API_KEY: 'tls-test-key-123' });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(issueState(d.issueFile)).toBe('Done');
    const calls = (suffix: string) => p.requests.filter((r) => r.path.endsWith(suffix));
    // The CLI's client (grpc-js) and the worker's native connection (the SDK's Rust core).
    for (const call of ['/DescribeNamespace', '/StartWorkflowExecution', '/PollWorkflowTaskQueue', '/PollActivityTaskQueue']) {
      expect(calls(call).length, call).toBeGreaterThan(0);
    }
    expect(new Set(p.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer tls-test-key-123']));
    expect(calls('/ListSearchAttributes').length).toBeGreaterThan(0);
    expect(calls('/CountWorkflowExecutions').length).toBeGreaterThan(0);
  });

  it('where the operator API is refused and the namespace lacks the search attributes, start stops with the tcld and temporal operator commands', async () => {
    const p = await proxy('http2', { refuseOperatorApi: true });
    const namespace = `tls-bare-${process.pid}-${Date.now()}`;
    const admin = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await admin.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } finally {
      await admin.close();
    }
    const d = deployment({ address: p.address, namespace, tls: { ca: pki.caPem }, api_key: 'literal-key' });
    const run = await runBaton(['start', d.configPath, '--until-idle'], { timeoutMs: 120_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`namespace "${namespace}" lacks Baton's search attributes`);
    expect(run.stderr).toContain(`tcld namespace search-attributes add --namespace ${namespace} --search-attribute BatonStage=Keyword`);
    expect(run.stderr).toContain(`temporal operator search-attribute create --namespace ${namespace} --name BatonStage --type Keyword`);
  });

  it('api_key naming an unset variable is a config error that names the key and the variable', async () => {
    const d = deployment({ address: '127.0.0.1:1', api_key: '$BATON_TEST_UNSET_KEY' });
    const env = { ...process.env };
    delete env.BATON_TEST_UNSET_KEY;
    const run = await runBaton(['status', d.configPath], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('temporal.api_key: environment variable BATON_TEST_UNSET_KEY is not set');
  });
});

describe('connection errors name the step that failed', () => {
  const namespace = () => inject('temporalNamespace');
  async function failure(temporal: Partial<TemporalConfig> & { address: string }): Promise<BatonError> {
    const endpoint = await resolveTemporalEndpoint({ namespace: namespace(), task_queue: 'q', embedded: { db_file: 'x', ip: '127.0.0.1', port: 0, ui_port: 0 }, ...temporal }, { baseDir: pki.dir });
    const err = await connectTemporalClient(endpoint).then(
      async (c) => {
        await c.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BatonError);
    return err as BatonError;
  }

  it.each([
    ['dns', 'an unresolvable host', 'no-such-host.invalid:7233', 'DNS cannot resolve "no-such-host.invalid"'],
    ['tcp', 'a port nobody listens on', 'closed', 'no TCP connection to 127.0.0.1:'],
  ])('%s: %s', async (step, _what, address, message) => {
    const target = address === 'closed' ? `127.0.0.1:${await closedPort()}` : address;
    const err = await failure({ address: target });
    expect(err.details).toMatchObject({ step, address: target, namespace: namespace() });
    expect(err.message).toContain(`cannot connect to Temporal at ${target} (namespace "${namespace()}"): ${message}`);
    expect(err.message).toContain('Fix: ');
  });

  it('namespace: a namespace the server does not have', async () => {
    const err = await failure({ address: inject('temporalAddress'), namespace: 'no-such-namespace' });
    expect(err.details).toMatchObject({ step: 'namespace' });
    expect(err.message).toContain('namespace "no-such-namespace" does not exist there');
    expect(err.message).toContain('temporal operator namespace create --namespace no-such-namespace');
  });

  it('tls: a certificate for another name fails on the name, and says to set server_name', async () => {
    const p = await proxy('pipe', { certs: otherNamePki });
    const err = await failure({ address: p.address, tls: { ca: otherNamePki.caPem, disable_host_verification: false } });
    expect(err.details).toMatchObject({ step: 'tls' });
    expect(err.message).toContain('TLS handshake failed');
    expect(err.message).toContain('set `temporal.tls.server_name` to that name');
  });

  it.each([
    ['server_name', { server_name: 'temporal.internal', disable_host_verification: false }],
    ['disable_host_verification', { disable_host_verification: true }],
  ])('tls: %s connects to a server whose certificate names another host (the chain is still checked)', async (_key, settings) => {
    const p = await proxy('pipe', { certs: otherNamePki });
    const endpoint = await resolveTemporalEndpoint(
      { address: p.address, namespace: namespace(), task_queue: 'q', embedded: { db_file: 'x', ip: '127.0.0.1', port: 0, ui_port: 0 }, tls: { ca: otherNamePki.caPem, ...settings } },
      { baseDir: pki.dir },
    );
    const connection = await connectTemporalClient(endpoint);
    await connection.close();
    // The same settings with a CA that did not sign the certificate still fail.
    const wrong = await resolveTemporalEndpoint(
      { address: p.address, namespace: namespace(), task_queue: 'q', embedded: { db_file: 'x', ip: '127.0.0.1', port: 0, ui_port: 0 }, tls: { ca: otherNamePki.wrongCaPem, ...settings } },
      { baseDir: pki.dir },
    );
    await expect(connectTemporalClient(wrong)).rejects.toMatchObject({ details: { step: 'tls' } });
  });
});

/** A port that was free a moment ago: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
