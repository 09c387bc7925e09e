/**
 * Finding a `codex` to run. The npm package's launcher (`node_modules/.bin/codex`) needs Node ≥ 22.15
 * to replace itself with the native binary; on Node 20 it stays alive as a ~44 MB parent, so Baton
 * resolves the native binary the package ships, and the launch script puts its directory on PATH
 * when the login shell finds no other `codex`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Rust target triple of the native build for this platform, as the npm package names it. */
export function codexTargetTriple(platform: string = process.platform, arch: string = process.arch): string | undefined {
  const table: Record<string, string> = {
    'linux/x64': 'x86_64-unknown-linux-musl',
    'android/x64': 'x86_64-unknown-linux-musl',
    'linux/arm64': 'aarch64-unknown-linux-musl',
    'android/arm64': 'aarch64-unknown-linux-musl',
    'darwin/x64': 'x86_64-apple-darwin',
    'darwin/arm64': 'aarch64-apple-darwin',
  };
  return table[`${platform}/${arch}`];
}

function platformPackage(triple: string): string {
  const os = triple.includes('linux') ? 'linux' : 'darwin';
  const cpu = triple.startsWith('x86_64') ? 'x64' : 'arm64';
  return `@openai/codex-${os}-${cpu}`;
}

/**
 * Absolute path of the native `codex` binary shipped by the project's `@openai/codex` dependency,
 * or undefined when the platform package is not installed.
 */
export function nativeCodexBinary(): string | undefined {
  const triple = codexTargetTriple();
  if (!triple) return undefined;
  const candidates: string[] = [];
  try {
    candidates.push(path.dirname(require.resolve(`${platformPackage(triple)}/package.json`)));
  } catch {
    // not hoisted: look beside the launcher package
  }
  try {
    const launcher = path.dirname(require.resolve('@openai/codex/package.json'));
    candidates.push(path.join(launcher, 'node_modules', ...platformPackage(triple).split('/')), launcher);
  } catch {
    // @openai/codex not installed
  }
  for (const root of candidates) {
    const bin = path.join(root, 'vendor', triple, 'bin', 'codex');
    if (existsSync(bin)) return bin;
  }
  return undefined;
}
