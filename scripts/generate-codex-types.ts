/**
 * Regenerates `adapters/agents/codex/protocol/` from the installed Codex binary:
 * `codex app-server generate-ts --experimental`, run with a throw-away CODEX_HOME and TMPDIR (even
 * `--version` writes helper files into CODEX_HOME), then relative imports get the `.js` extensions
 * that NodeNext resolution requires. `npm run codex:types` after upgrading @openai/codex.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { nativeCodexBinary } from '../adapters/agents/codex/locate-binary.js';

const run = promisify(execFile);

/** Where the committed protocol types live. */
export const PROTOCOL_DIR = fileURLToPath(new URL('../adapters/agents/codex/protocol/', import.meta.url));

/** Every file below `dir`, as paths relative to it, sorted. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Add `.js` (or `/index.js` for a folder) to every relative module specifier of one file. */
async function withJsExtensions(source: string, fileDir: string): Promise<string> {
  const specifiers = new Set<string>();
  for (const match of source.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) specifiers.add(match[1]!);
  let result = source;
  for (const spec of specifiers) {
    if (spec.endsWith('.js')) continue;
    const target = (await isDirectory(path.join(fileDir, spec))) ? `${spec}/index.js` : `${spec}.js`;
    result = result.split(`from "${spec}"`).join(`from "${target}"`);
  }
  return result;
}

/**
 * Generate the protocol types of `bin` (default: the project's native binary) into `outDir`,
 * replacing what was there.
 */
export async function generateCodexTypes(outDir: string, options: { bin?: string } = {}): Promise<void> {
  const bin = options.bin ?? process.env.CODEX_BIN ?? nativeCodexBinary();
  if (!bin) throw new Error('No codex binary found: run `npm install` (it ships with @openai/codex) or set CODEX_BIN.');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'baton-codex-types-'));
  try {
    const home = path.join(scratch, 'home');
    const tmp = path.join(scratch, 'tmp');
    const raw = path.join(scratch, 'out');
    await Promise.all([mkdir(home), mkdir(tmp)]);
    await run(bin, ['app-server', 'generate-ts', '--experimental', '--out', raw], {
      env: { ...process.env, CODEX_HOME: home, TMPDIR: tmp, RUST_LOG: 'error' },
      maxBuffer: 16 * 1024 * 1024,
    });
    await rm(outDir, { recursive: true, force: true });
    for (const rel of await listFiles(raw)) {
      const source = await readFile(path.join(raw, rel), 'utf8');
      const target = path.join(outDir, rel);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, rel.endsWith('.ts') ? await withJsExtensions(source, path.dirname(path.join(raw, rel))) : source);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : PROTOCOL_DIR;
  generateCodexTypes(out).then(
    async () => console.log(`codex protocol types written to ${path.relative(process.cwd(), out) || out} (${(await listFiles(out)).length} files)`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
