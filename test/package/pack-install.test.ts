/**
 * The package as a user gets it: `npm pack`, then the tarball installed into an empty project in a
 * temporary folder (dependencies from the npm cache, else the registry), and `baton` run from an
 * empty directory with a temporary HOME and a PATH holding only the installed bins and node — no
 * access to this repository. `baton --version`, `init --yes --tracker file`, `validate` and
 * `start --until-idle` take the example issue to Done; `npx baton-temporal --version` runs the
 * installed package. Optional dependencies are left out (`--omit=optional`): the flow needs no
 * Codex binary, and leaving its 400 MB out halves the install time.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { scaled } from '../helpers/time.js';

const REPO = realpathSync(fileURLToPath(new URL('../../', import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: options.env, timeout: scaled(options.timeoutMs ?? 120_000), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'baton-pack-')));
const home = path.join(root, 'home');
const project = path.join(root, 'project');
const work = path.join(root, 'work');
/** Where npm keeps downloaded packages: the user's own cache, so installing costs no downloads. */
const npmCache = process.env.npm_config_cache ?? path.join(homedir(), '.npm');
/** Nothing from this process's environment: only the installed bins, node, and the system. */
const userEnv: NodeJS.ProcessEnv = {
  PATH: [path.join(project, 'node_modules', '.bin'), path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
  HOME: home,
  npm_config_cache: npmCache,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

let tarball: string;
let packedFiles: string[];
let install: Run;

beforeAll(async () => {
  for (const dir of [home, project, work]) mkdirSync(dir, { recursive: true });
  const packed = await run('npm', ['pack', '--json', '--pack-destination', root], { cwd: REPO, env: { ...process.env, npm_config_update_notifier: 'false' } });
  expect(packed.code, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(root, info!.filename);
  packedFiles = info!.files.map((f) => f.path);

  writeFileSync(path.join(project, 'package.json'), '{ "name": "a-project", "private": true }\n');
  install = await run('npm', ['install', '--prefer-offline', '--omit=optional', tarball], { cwd: project, env: userEnv, timeoutMs: 600_000 });
  expect(install.code, install.stderr).toBe(0);
  process.stdout.write(`pack-install: npm install of the tarball took ${(install.ms / 1000).toFixed(1)} s\n`);
}, scaled(660_000));

// The install weighs about 400 MB.
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the packed package, installed where the repository is out of reach', () => {
  it('ships the built CLI, the prebuilt workflow bundle, the schema, the examples, README and LICENSE, and no TypeScript sources or tests', () => {
    for (const file of ['bin/baton.js', 'dist/cli/main.js', 'dist/workflow-bundle.js', 'spec/baton.schema.json', 'examples/local/baton.yaml', 'README.md', 'LICENSE', 'package.json']) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('scripts/'))).toEqual([]);
  });

  it('is installed from the tarball, not linked to this checkout', () => {
    const installed = realpathSync(path.join(project, 'node_modules', pkg.name));
    expect(installed.startsWith(root)).toBe(true);
    expect(installed.startsWith(REPO)).toBe(false);
  });

  it('baton --version, init --yes --tracker file, validate and start --until-idle take the example issue to Done from an empty directory', async () => {
    const env = { ...userEnv, TEMPORAL_CLI_PATH: inject('temporalCliPath') };
    const version = await run('baton', ['--version'], { cwd: work, env });
    expect(version.stdout.trim()).toBe(pkg.version);

    const init = await run('baton', ['init', '--yes', '--tracker', 'file'], { cwd: work, env });
    expect(init.code, init.stderr).toBe(0);
    // The schema line points into the installed package.
    const schemaLine = readFileSync(path.join(work, 'baton.yaml'), 'utf8').split('\n')[0]!;
    expect(schemaLine).toBe(`# yaml-language-server: $schema=${path.join(project, 'node_modules', pkg.name, 'spec', 'baton.schema.json')}`);

    const validate = await run('baton', ['validate'], { cwd: work, env });
    expect(validate.code, validate.stderr).toBe(0);

    const start = await run('baton', ['start', '--until-idle', '--idle-timeout', String(scaled(180_000))], { cwd: work, env, timeoutMs: 240_000 });
    expect(start.code, `${start.stdout}\n${start.stderr}`).toBe(0);
    expect(start.stdout).toMatch(/EXAMPLE-1\s+run\s+Done\s+done/);
    const issue = parse(readFileSync(path.join(work, 'issues', 'EXAMPLE-1.md'), 'utf8').split('---')[1]!) as { state: string };
    expect(issue.state).toBe('Done');
    process.stdout.write(`pack-install: baton --version ${version.ms} ms, start --until-idle ${(start.ms / 1000).toFixed(1)} s\n`);
  }, scaled(300_000));

  it('npx baton-temporal --version runs the installed package (offline: the name is not on the registry yet)', async () => {
    const npx = await run('npx', ['--offline', pkg.name, '--version'], { cwd: project, env: userEnv });
    expect(npx.code, npx.stderr).toBe(0);
    expect(npx.stdout.trim()).toBe(pkg.version);
  });
});
