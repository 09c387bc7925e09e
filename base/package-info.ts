/**
 * This package's own `package.json` and root directory, found by walking up from this module:
 * the same code runs from the sources (`base/`) and from the build (`dist/base/`), one level apart.
 * Used for `baton --version`, the Codex client version and the schema `baton init` points at.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  /** The directory holding package.json. */
  root: string;
  name: string;
  version: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      // dist/ holds no package.json, so the first one up is the package's own.
      cached = { root: dir, name: pkg.name ?? 'baton-temporal', version: pkg.version ?? '0.0.0' };
      return cached;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The JSON Schema of baton.yaml shipped with the package (`spec/baton.schema.json`). */
export function installedSchemaPath(): string {
  return join(packageInfo().root, 'spec', 'baton.schema.json');
}
