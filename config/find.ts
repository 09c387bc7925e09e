/**
 * Which file to load when none is named (SPEC §5.1, §17.7): `./baton.yaml`, else `./WORKFLOW.md`.
 * An explicit path always wins and is never searched for.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCategory } from '../core/errors.js';
import { ConfigError, Severity } from './diagnostics.js';

/** File names looked for, in order. */
export const DEFAULT_CONFIG_FILES = ['baton.yaml', 'WORKFLOW.md'] as const;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The config path to use: `explicit` (resolved, whether or not it exists: the loader reports a
 * missing file), else the first default file present in `cwd`. Throws `ConfigError`
 * (`missing_workflow_file`) when there is neither.
 */
export function findDefaultConfigPath(cwd: string = process.cwd(), explicit?: string): string {
  if (explicit !== undefined) return resolve(cwd, explicit);
  for (const name of DEFAULT_CONFIG_FILES) {
    const candidate = join(resolve(cwd), name);
    if (isFile(candidate)) return candidate;
  }
  throw new ConfigError([
    {
      severity: Severity.error,
      category: ErrorCategory.missingWorkflowFile,
      file: join(resolve(cwd), DEFAULT_CONFIG_FILES[0]),
      path: '',
      message: `no ${DEFAULT_CONFIG_FILES.join(' or ')} in ${resolve(cwd)}`,
      hint: 'pass the config file path, or create a baton.yaml (or a Symphony WORKFLOW.md) here',
    },
  ]);
}
