/**
 * `npm run build` (run by `prepare`, so `npm install` in a clone and `npm pack` both build; the test
 * setup runs it too). It writes `dist/`:
 * - the runtime layers as JavaScript, one file per module, transpiled by esbuild (the type check is
 *   `npm run typecheck`; tsc's own emit takes 15–30 s here, esbuild well under one). Only files
 *   whose text changed are rewritten, and outputs whose source is gone are removed;
 * - `dist/workflow-bundle.js`, the workflow code bundled once (Temporal's webpack bundler) so a
 *   worker started from dist loads it instead of bundling (`runtime/workflow-bundle.ts`). It is
 *   rebuilt only when a file it was built from, or the recipe that builds it, changed (their hashes
 *   are kept beside it).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as esbuild } from 'esbuild';
import { bundleWorkflowsFrom } from '../runtime/workflow-bundle.js';

/** The folders that make up the shipped program (tests, bench and scripts stay TypeScript). */
export const SHIPPED_LAYERS = ['base', 'core', 'config', 'adapters', 'workspace', 'activities', 'workflows', 'runtime', 'cli', 'server'] as const;

const ROOT = resolve(import.meta.dirname, '..');
const BUNDLE_FILE = 'workflow-bundle.js';
const BUNDLE_INPUTS_FILE = 'workflow-bundle.inputs.json';
/** How the bundle is built (its webpack settings): a change to it rebuilds the bundle too. */
const BUNDLE_RECIPE = join(ROOT, 'runtime', 'workflow-bundle.ts');

export interface BuildResult {
  /** Where the output went. */
  distDir: string;
  /** JavaScript files rewritten because their text changed (0 on a no-op build). */
  written: number;
  /** Outputs removed because their source is gone. */
  removed: number;
  /** Whether the workflow bundle was rebuilt or its inputs were unchanged. */
  bundle: 'built' | 'unchanged';
}

export async function build(options: { root?: string; log?: (line: string) => void } = {}): Promise<BuildResult> {
  const root = options.root ?? ROOT;
  const distDir = join(root, 'dist');
  const sources = (await Promise.all(SHIPPED_LAYERS.map((layer) => listFiles(join(root, layer))))).flat().filter(isModuleSource);
  const result = await esbuild({
    entryPoints: sources,
    outdir: distDir,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'warning',
  });
  let written = 0;
  const expected = new Set<string>();
  for (const file of result.outputFiles) {
    expected.add(file.path);
    const current = await readFile(file.path, 'utf8').catch(() => undefined);
    if (current === file.text) continue;
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.text);
    written += 1;
  }
  let removed = 0;
  for (const file of await listFiles(distDir)) {
    if (file.endsWith('.js') && !expected.has(file) && relative(distDir, file) !== BUNDLE_FILE) {
      await rm(file);
      removed += 1;
    }
  }
  const bundle = await ensureWorkflowBundle(distDir);
  options.log?.(`dist: ${written} file(s) written, ${removed} removed, workflow bundle ${bundle}`);
  return { distDir, written, removed, bundle };
}

/** Rebuild `dist/workflow-bundle.js` unless every file it was built from is unchanged. */
async function ensureWorkflowBundle(distDir: string): Promise<'built' | 'unchanged'> {
  const bundlePath = join(distDir, BUNDLE_FILE);
  const inputsPath = join(distDir, BUNDLE_INPUTS_FILE);
  const recorded = await readFile(inputsPath, 'utf8').then((t) => JSON.parse(t) as Record<string, string>, () => undefined);
  if (recorded?.[BUNDLE_RECIPE] && existsSync(bundlePath) && (await unchanged(recorded))) return 'unchanged';
  const { code } = await bundleWorkflowsFrom(join(distDir, 'workflows', 'index.js'));
  await writeFile(bundlePath, code);
  await writeFile(inputsPath, `${JSON.stringify(await hashInputs([...bundleSources(code), BUNDLE_RECIPE]), null, 1)}\n`);
  return 'built';
}

/** The files webpack put in the bundle, from its inline source map. */
function bundleSources(code: string): string[] {
  const match = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,(\S+)/.exec(code);
  if (!match) throw new Error('the workflow bundle has no inline source map to read its inputs from');
  const map = JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8')) as { sources: string[] };
  return map.sources.filter((s) => !s.startsWith('ignored|') && existsSync(s));
}

async function hashInputs(files: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) out[f] = createHash('sha256').update(await readFile(f)).digest('hex');
  return out;
}

async function unchanged(recorded: Record<string, string>): Promise<boolean> {
  const now = await hashInputs(Object.keys(recorded).filter((f) => existsSync(f)));
  return Object.entries(recorded).every(([file, hash]) => now[file] === hash);
}

function isModuleSource(file: string): boolean {
  return file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = Date.now();
  await build({ log: (line) => process.stdout.write(`${line} (${Date.now() - started} ms)\n`) });
}
