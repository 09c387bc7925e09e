/**
 * The one way Baton connects to Temporal. The `temporal:` block (address, namespace, TLS
 * certificates, API key) is resolved once into a {@link TemporalEndpoint}; the client connection
 * (every CLI command, the orchestrator starter, the dashboard) and the worker's native connection
 * are both made from it, so they can never disagree about where or how to connect.
 *
 * Both SDKs report most connection failures as one opaque "unavailable", and only after their
 * connect timeout. So while an SDK connects, Baton retraces the steps with Node's own resolver,
 * socket and TLS stack: the first step that fails (DNS, TCP, TLS handshake) ends the attempt at once
 * with an error naming it, the address, the namespace and a fix; auth and namespace failures come
 * from the server's answer.
 *
 * The SDKs are imported on use: this module sits on every CLI command's path.
 */
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { Connection, TLSConfig } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { BatonError, ErrorCategory, oneLine } from '../core/errors.js';
import { expandPath, parseEnvReference, resolveSecret, type Env } from '../config/resolve-env.js';
import type { TemporalConfig } from '../config/schema.js';

/** Where and how to reach one Temporal namespace, with every file and variable already read. */
export interface TemporalEndpoint {
  /** `host:port` of the frontend. */
  address: string;
  namespace: string;
  /** TLS for both SDKs; undefined for plain TCP. */
  tls?: TLSConfig;
  /** Sent as `authorization: Bearer <key>`. */
  apiKey?: string;
  /** `temporal.tls.disable_host_verification`: verify the chain only (see {@link hostVerifiedTls}). */
  skipHostVerification: boolean;
}

/** Which step of connecting failed; also `details.step` of the BatonError. */
export type ConnectStep = 'dns' | 'tcp' | 'tls' | 'auth' | 'namespace' | 'grpc';

/** How long one connection attempt (and each diagnosis probe) may take. */
const CONNECT_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 5_000;
/** gRPC status codes this module reacts to. */
const GrpcStatus = { notFound: 5, permissionDenied: 7, unauthenticated: 16 } as const;

/**
 * Resolve the `temporal:` block: read the certificates (paths relative to `baseDir`, or `$VAR`
 * holding a path or the PEM itself) and the API key. `address` overrides the configured one (the
 * embedded server's real address). Throws an `invalid_config` BatonError naming the key.
 */
export async function resolveTemporalEndpoint(
  temporal: TemporalConfig,
  options: { address?: string; baseDir: string; env?: Env },
): Promise<TemporalEndpoint> {
  const env = options.env ?? process.env;
  const address = options.address ?? temporal.address;
  const apiKey = temporal.api_key === undefined ? undefined : requireSecret(temporal.api_key, env);
  const settings = temporal.tls;
  let tlsConfig: TLSConfig | undefined;
  if (typeof settings === 'object') {
    const read = (key: 'ca' | 'cert' | 'key') => (settings[key] === undefined ? undefined : readPem(key, settings[key], options.baseDir, env));
    const [ca, crt, key] = await Promise.all([read('ca'), read('cert'), read('key')]);
    tlsConfig = {
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      ...(settings.server_name ? { serverNameOverride: settings.server_name } : {}),
    };
  } else if (settings === true || (settings === undefined && apiKey)) {
    // An API key only ever travels over TLS (Temporal Cloud), as both SDKs also assume.
    tlsConfig = {};
  }
  return {
    address,
    namespace: temporal.namespace,
    ...(tlsConfig ? { tls: tlsConfig } : {}),
    ...(apiKey ? { apiKey } : {}),
    skipHostVerification: typeof settings === 'object' && settings.disable_host_verification,
  };
}

/** A client connection, checked end to end: the frontend answers and the namespace exists. */
export async function connectTemporalClient(endpoint: TemporalEndpoint): Promise<Connection> {
  const { Connection } = await import('@temporalio/client');
  const tls = await hostVerifiedTls(endpoint);
  const connection = await failFast(endpoint, () => Connection.connect({ address: endpoint.address, tls, ...apiKeyOptions(endpoint), connectTimeout: CONNECT_TIMEOUT_MS }));
  try {
    await connection.workflowService.describeNamespace({ namespace: endpoint.namespace });
    return connection;
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw await connectionError(endpoint, err, 'namespace');
  }
}

/** The worker's connection (the SDK's Rust core), from the same endpoint. */
export async function connectTemporalWorker(endpoint: TemporalEndpoint): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  const tls = await hostVerifiedTls(endpoint);
  return failFast(endpoint, () => NativeConnection.connect({ address: endpoint.address, tls, ...apiKeyOptions(endpoint) }));
}

/**
 * Run an SDK connect beside {@link diagnose}: a step that fails there ends the attempt at once;
 * otherwise the SDK's own outcome counts (its failure explained by {@link connectionError}).
 */
async function failFast<C extends { close(): Promise<void> }>(endpoint: TemporalEndpoint, connect: () => Promise<C>): Promise<C> {
  const attempt = connect();
  const diagnosed = diagnose(endpoint).then((failure) => {
    if (failure) throw failure;
    return new Promise<never>(() => undefined);
  });
  try {
    return await Promise.race([attempt, diagnosed]);
  } catch (err) {
    // A connection the SDK completes after all is not wanted any more.
    attempt.then((c) => c.close(), () => undefined).catch(() => undefined);
    throw err instanceof BatonError ? err : await connectionError(endpoint, err, 'grpc');
  }
}

/**
 * The API key, and the namespace header Temporal Cloud's API-key endpoints route by (a
 * self-hosted server ignores it).
 */
function apiKeyOptions(endpoint: TemporalEndpoint): { apiKey?: string; metadata?: Record<string, string> } {
  return endpoint.apiKey ? { apiKey: endpoint.apiKey, metadata: { 'temporal-namespace': endpoint.namespace } } : {};
}

/**
 * The TLS options both SDKs get. Neither SDK can skip the host-name check, so for
 * `disable_host_verification` Baton first completes a handshake that verifies the server's chain
 * against the CA (and nothing else), reads the name the certificate carries and uses it as the
 * server name: the chain is still verified, only the name is taken from the server.
 */
export function hostVerifiedTls(endpoint: TemporalEndpoint): Promise<TLSConfig | undefined> {
  let found = serverNames.get(endpoint);
  if (!found) serverNames.set(endpoint, (found = learnServerName(endpoint)));
  return found;
}

/** One handshake per endpoint is enough to learn its certificate's name. */
const serverNames = new WeakMap<TemporalEndpoint, Promise<TLSConfig | undefined>>();

async function learnServerName(endpoint: TemporalEndpoint): Promise<TLSConfig | undefined> {
  if (!endpoint.tls || !endpoint.skipHostVerification || endpoint.tls.serverNameOverride) return endpoint.tls;
  const { host, port } = splitAddress(endpoint.address);
  const socket = await tlsHandshake(host, port, endpoint, { verifyHost: false }).catch((err: unknown) => {
    throw connectFailure(endpoint, 'tls', `TLS handshake failed: ${errorText(err)}`, tlsFix(err));
  });
  const cert = socket.getPeerCertificate();
  socket.destroy();
  const dnsName = cert.subjectaltname?.split(', ').find((n) => n.startsWith('DNS:'))?.slice(4);
  const commonName: string | string[] | undefined = cert.subject?.CN;
  const name = dnsName ?? (Array.isArray(commonName) ? commonName[0] : commonName);
  if (!name) {
    throw connectFailure(endpoint, 'tls', 'the server certificate names no host (no DNS subject alternative name, no common name)', 'set `temporal.tls.server_name` to the name the server certificate was issued for');
  }
  return { ...endpoint.tls, serverNameOverride: name };
}

/** Turn an SDK failure into a BatonError that names the step that failed (see the module header). */
export async function connectionError(endpoint: TemporalEndpoint, err: unknown, step: ConnectStep): Promise<BatonError> {
  if (err instanceof BatonError) return err;
  const code = grpcCode(err);
  const detail = errorText(err);
  if (code === GrpcStatus.unauthenticated || code === GrpcStatus.permissionDenied) {
    return connectFailure(endpoint, 'auth', `the server refused the credentials: ${detail}`, authFix(endpoint), err);
  }
  if (step === 'namespace' && code === GrpcStatus.notFound) {
    return connectFailure(
      endpoint,
      'namespace',
      `namespace "${endpoint.namespace}" does not exist there`,
      `fix \`temporal.namespace\`, or create it: \`temporal operator namespace create --namespace ${endpoint.namespace} --address ${endpoint.address}\``,
      err,
    );
  }
  const failure = await diagnose(endpoint, err);
  if (failure) return failure;
  const hint = endpoint.tls
    ? 'the network path and TLS work; check that the address is a Temporal frontend (gRPC) and its logs'
    : 'if the server expects TLS (a secured cluster, Temporal Cloud), set `temporal.tls` (and `temporal.api_key` or a client certificate)';
  return connectFailure(endpoint, step, `the Temporal API call failed: ${detail}`, hint, err);
}

/**
 * The network steps to the frontend, one after another with Node's own stack: the first that fails,
 * as the error to report, or undefined when DNS, TCP and (if configured) the TLS handshake work.
 */
async function diagnose(endpoint: TemporalEndpoint, cause?: unknown): Promise<BatonError | undefined> {
  const { host, port } = splitAddress(endpoint.address);
  try {
    await lookup(host);
  } catch (err) {
    return connectFailure(endpoint, 'dns', `DNS cannot resolve "${host}" (${errorText(err)})`, 'check the host in `temporal.address` and this machine’s DNS', cause ?? err);
  }
  try {
    (await tcpConnect(host, port)).destroy();
  } catch (err) {
    return connectFailure(
      endpoint,
      'tcp',
      `no TCP connection to ${host}:${port} (${errorText(err)})`,
      'check that the Temporal frontend runs and listens there, the port in `temporal.address`, and any firewall between',
      cause ?? err,
    );
  }
  if (!endpoint.tls) return undefined;
  try {
    const tls = await hostVerifiedTls(endpoint);
    (await tlsHandshake(host, port, { ...endpoint, ...(tls ? { tls } : {}) }, { verifyHost: true })).destroy();
  } catch (err) {
    if (err instanceof BatonError) return err;
    return connectFailure(endpoint, 'tls', `TLS handshake failed: ${errorText(err)}`, tlsFix(err), cause ?? err);
  }
  return undefined;
}

function connectFailure(endpoint: TemporalEndpoint, step: ConnectStep, what: string, fix: string, cause?: unknown): BatonError {
  return new BatonError(
    ErrorCategory.temporalUnavailable,
    `cannot connect to Temporal at ${endpoint.address} (namespace "${endpoint.namespace}"): ${what}. Fix: ${fix}`,
    { retryable: step === 'dns' || step === 'tcp' || step === 'grpc', details: { step, address: endpoint.address, namespace: endpoint.namespace }, cause },
  );
}

function authFix(endpoint: TemporalEndpoint): string {
  if (endpoint.apiKey) return 'check `temporal.api_key` (is the key valid, not expired, and allowed in this namespace?)';
  if (endpoint.tls?.clientCertPair) return 'check `temporal.tls.cert`/`key`: the server must accept this client certificate for this namespace';
  return 'the server wants credentials: set `temporal.api_key`, or `temporal.tls.cert` and `key` for mutual TLS';
}

function tlsFix(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return 'the server certificate is issued for another name: set `temporal.tls.server_name` to that name (or `disable_host_verification: true`)';
  }
  if (typeof code === 'string' && /CERT|ISSUER|SELF_SIGNED|SIGNATURE/.test(code)) {
    return 'the server certificate is not signed by the CA Baton trusts: set `temporal.tls.ca` to the CA that issued it';
  }
  return 'check `temporal.tls` (ca, cert, key, server_name) against what the server expects, and that it speaks TLS at this address';
}

/** Connect a TCP socket, or fail within {@link PROBE_TIMEOUT_MS}. */
function tcpConnect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => resolve(socket));
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error(`timed out after ${PROBE_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', reject);
  });
}

/**
 * A TLS handshake as the SDKs would make it (same CA, client certificate and server name), then an
 * HTTP/2 preface: with TLS 1.3 a server that rejects the client certificate says so only after the
 * handshake, in answer to the first bytes sent.
 */
function tlsHandshake(host: string, port: number, endpoint: TemporalEndpoint, options: { verifyHost: boolean }): Promise<tls.TLSSocket> {
  const settings = endpoint.tls ?? {};
  const servername = settings.serverNameOverride ?? (net.isIP(host) ? undefined : host);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      ...(servername ? { servername } : {}),
      ...(settings.serverRootCACertificate ? { ca: Buffer.from(settings.serverRootCACertificate) } : {}),
      ...(settings.clientCertPair ? { cert: Buffer.from(settings.clientCertPair.crt), key: Buffer.from(settings.clientCertPair.key) } : {}),
      ALPNProtocols: ['h2'],
      timeout: PROBE_TIMEOUT_MS,
      ...(options.verifyHost ? {} : { checkServerIdentity: () => undefined }),
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('timeout', () => fail(new Error(`no TLS answer within ${PROBE_TIMEOUT_MS} ms`)));
    socket.once('secureConnect', () => {
      socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      // The server answers the preface with its SETTINGS frame; a rejection arrives as an error.
      socket.once('data', () => resolve(socket));
    });
  });
}

/** Read one PEM setting: inline PEM, a `$VAR` holding a path or the PEM, or a path. */
async function readPem(key: 'ca' | 'cert' | 'key', value: string, baseDir: string, env: Env): Promise<Buffer> {
  const setting = `temporal.tls.${key}`;
  const ref = parseEnvReference(value);
  const text = ref ? requireSecret(value, env, setting) : value;
  if (text.trimStart().startsWith('-----BEGIN')) return Buffer.from(text);
  const { path } = expandPath(text, { env, baseDir });
  try {
    return await readFile(path ?? text);
  } catch (err) {
    throw new BatonError(
      ErrorCategory.invalidConfig,
      `${setting}: cannot read ${path ?? text} (${errorText(err)}). Fix: give the path of a PEM file (relative to the config file), or \`$VAR\` holding a path or the PEM text`,
      { retryable: false, cause: err },
    );
  }
}

function requireSecret(value: string, env: Env, setting = 'temporal.api_key'): string {
  const resolved = resolveSecret(value, undefined, env);
  if (resolved.value !== undefined) return resolved.value;
  const name = resolved.envNames[0] ?? resolved.invalidReference ?? value;
  throw new BatonError(
    ErrorCategory.invalidConfig,
    `${setting}: environment variable ${name} is not set (or is empty). Fix: export ${name} in Baton’s environment, or remove \`${setting}\``,
    { retryable: false },
  );
}

/** `host:port` → parts; the port defaults to Temporal's 7233. Accepts `[v6]:port`. */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[(.+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  if (!match) return { host: address, port: 7233 };
  return { host: match[1]!, port: match[2] ? Number(match[2]) : 7233 };
}

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = oneLine(err instanceof Error ? err.message : String(err), 300);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
