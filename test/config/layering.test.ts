/**
 * Layering guard until ESLint's `no-restricted-imports` holds it (issue 8 §6): scans every import
 * (static, `export … from`, side-effect and dynamic `import()`) of the source folders below with
 * TypeScript's own pre-processor and fails when a module reaches a folder its layer must not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

/** Which top-level folder may not import which (the why is in each layer's module headers). */
const RULES: readonly { layer: string; forbidden: readonly string[]; why: string }[] = [
  { layer: 'config', forbidden: ['adapters'], why: 'adapters hand their profiles in (config/tracker-profiles.ts)' },
  { layer: 'adapters', forbidden: ['workflows', 'activities'], why: 'adapters are libraries the activities call' },
];

/** Relative import specifiers of a TypeScript source, dynamic imports included. */
function importSpecifiers(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'));
}

/** The top-level folder a relative specifier in `file` lands in (null outside the repository). */
function targetFolder(file: string, specifier: string): string | null {
  const target = relative(root, resolve(dirname(file), specifier));
  if (target.startsWith('..')) return null;
  return target.split(sep)[0] ?? null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Every `file → specifier` of `layer` that lands in a forbidden folder. */
function violations(layer: string, forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(join(root, layer))) {
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const folder = targetFolder(file, spec);
      if (folder && forbidden.includes(folder)) out.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  return out;
}

describe('layering (issue 8 §6)', () => {
  it.each(RULES.map((r) => [`${r.layer}/ never imports ${r.forbidden.join('/ or ')}/: ${r.why}`, r] as const))('%s', (_title, rule) => {
    expect(violations(rule.layer, rule.forbidden)).toEqual([]);
  });

  it.each([
    { source: "import { x } from '../adapters/trackers/index.js';", specs: ['../adapters/trackers/index.js'] },
    { source: "import type { T } from './schema.js';", specs: ['./schema.js'] },
    { source: "export { y } from '../adapters/a.js';", specs: ['../adapters/a.js'] },
    { source: "import '../adapters/side-effect.js';", specs: ['../adapters/side-effect.js'] },
    { source: "const m = await import('../adapters/lazy.js');", specs: ['../adapters/lazy.js'] },
    { source: "import { z } from 'zod';", specs: [] },
  ])('the scanner sees $specs in `$source`', ({ source, specs }) => {
    expect(importSpecifiers(source)).toEqual(specs);
  });

  it('a config module importing adapters/ is reported as reaching `adapters`', () => {
    expect(targetFolder(join(root, 'config', 'trackers.ts'), '../adapters/trackers/index.js')).toBe('adapters');
    expect(targetFolder(join(root, 'config', 'trackers.ts'), './tracker-profiles.js')).toBe('config');
  });
});
