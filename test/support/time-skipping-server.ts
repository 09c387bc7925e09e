/**
 * The time-skipping Temporal test server, for workflow unit tests that cross hours of retry
 * backoff in milliseconds. The SDK would download it from temporal.download, which a machine with
 * a closed network cannot reach; Baton installs the same server from Maven Central instead (the
 * `io.temporal:temporal-test-server` artifact, run on the machine's JDK) into its cache, once.
 *
 * Order: `$TEMPORAL_TEST_SERVER_PATH` (an executable taking the port as its first argument), a copy
 * already in the cache, then `mvn dependency:copy-dependencies` into the cache (needs `java` and
 * `mvn` on PATH; about 30 s and 33 MB the first time).
 */
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultCacheDir, findOnPath } from '../../runtime/temporal-binary.js';

const execFileAsync = promisify(execFile);

/** The Java SDK release whose test server Baton's workflow tests run on. */
export const TEST_SERVER_VERSION = '1.31.0';

export async function resolveTimeSkippingServer(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.TEMPORAL_TEST_SERVER_PATH) return env.TEMPORAL_TEST_SERVER_PATH;
  const dir = path.join(defaultCacheDir(env), `temporal-test-server-${TEST_SERVER_VERSION}`);
  const launcher = path.join(dir, 'test-server.sh');
  if (await exists(launcher)) return launcher;

  const java = await findOnPath('java', env.PATH);
  const mvn = await findOnPath('mvn', env.PATH);
  if (!java || !mvn) {
    throw new Error(
      `The time-skipping test server needs ${!java ? 'a JDK (java)' : ''}${!java && !mvn ? ' and ' : ''}${!mvn ? 'Maven (mvn)' : ''} on PATH to install ` +
        `io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven Central; install them (Debian: apt-get install -y default-jdk-headless maven), ` +
        'or set TEMPORAL_TEST_SERVER_PATH to a test server executable that takes its port as the first argument.',
    );
  }
  await mkdir(path.dirname(dir), { recursive: true });
  const work = await mkdtemp(`${dir}.install-`);
  try {
    await writeFile(path.join(work, 'pom.xml'), pom());
    await execFileAsync(mvn, ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(work, 'lib')}`], { cwd: work, timeout: 10 * 60_000 });
    const jars = (await readdir(path.join(work, 'lib'))).filter((f) => f.endsWith('.jar'));
    if (!jars.some((j) => j.startsWith('temporal-test-server-'))) throw new Error(`Maven copied no temporal-test-server jar into ${work}/lib`);
    // The launcher names its own folder, so the cache entry works wherever it is moved to.
    await writeFile(
      path.join(work, 'test-server.sh'),
      `#!/usr/bin/env bash\n# Temporal's time-skipping test server ${TEST_SERVER_VERSION}, installed by Baton's tests from Maven Central.\n` +
        `here="$(cd "$(dirname "$0")" && pwd)"\nexec ${JSON.stringify(java)} -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"\n`,
    );
    await chmod(path.join(work, 'test-server.sh'), 0o755);
    // Another process may have installed it meanwhile: the first rename wins, ours is dropped.
    await rename(work, dir).catch(async () => rm(work, { recursive: true, force: true }));
    return launcher;
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw new Error(`could not install the time-skipping test server from Maven Central: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function pom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.baton.test</groupId><artifactId>temporal-test-server-install</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
