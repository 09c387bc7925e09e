/**
 * Certificates for the TLS tests, made with the system's `openssl` in a temporary folder: a CA, a
 * server certificate it signs (for the names given), a client certificate it signs (for mutual TLS),
 * and an unrelated CA that signed nothing Baton sees (the "wrong CA").
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Paths of PEM files, and their text for servers built in the test. */
export interface TestPki {
  dir: string;
  caPem: string;
  wrongCaPem: string;
  /** Server certificate and key; `serverNames` decides what it is valid for. */
  server: { certPem: string; keyPem: string; cert: string; key: string };
  client: { certPem: string; keyPem: string };
  ca: string;
}

async function selfSignedCa(dir: string, name: string): Promise<void> {
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.pem`), '-days', '2', '-subj', `/CN=Baton test ${name}`]);
}

async function signed(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const ext = path.join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await run('openssl', ['req', ...EC_KEY, '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.csr`), '-subj', `/CN=${subject}`]);
  await run('openssl', [
    'x509', '-req', '-in', path.join(dir, `${name}.csr`), '-CA', path.join(dir, 'ca.pem'), '-CAkey', path.join(dir, 'ca.key'),
    '-CAcreateserial', '-out', path.join(dir, `${name}.pem`), '-days', '2', '-extfile', ext,
  ]);
}

/**
 * A fresh PKI. `serverNames` are the server certificate's subject alternative names, e.g.
 * `['DNS:localhost', 'IP:127.0.0.1']`, or `['DNS:temporal.internal']` for a name mismatch.
 */
export async function makeTestPki(serverNames: string[] = ['DNS:localhost', 'IP:127.0.0.1']): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-pki-'));
  await selfSignedCa(dir, 'ca');
  await selfSignedCa(dir, 'wrong-ca');
  const cn = serverNames[0]!.replace(/^[A-Z]+:/, '');
  await signed(dir, 'server', cn, `subjectAltName=${serverNames.join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await signed(dir, 'client', 'baton-worker', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    caPem: file('ca.pem'),
    wrongCaPem: file('wrong-ca.pem'),
    server: { certPem: file('server.pem'), keyPem: file('server.key'), cert: await readFile(file('server.pem'), 'utf8'), key: await readFile(file('server.key'), 'utf8') },
    client: { certPem: file('client.pem'), keyPem: file('client.key') },
    ca: await readFile(file('ca.pem'), 'utf8'),
  };
}
