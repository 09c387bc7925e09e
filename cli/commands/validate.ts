/**
 * `baton validate [file]`: checks a baton.yaml or WORKFLOW.md. Prints the effective config as YAML
 * (secrets masked) and any warnings, exit 0; or every diagnostic as `file:line:col: error: key:
 * message` with a `fix:` line, exit 1. `--strict` also fails on warnings; `--json` is for machines.
 */
import { relative, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import type { Diagnostic } from '../../config/index.js';
import { ExitError, runCommand } from '../runner.js';

interface ValidateOptions {
  json?: boolean;
  strict?: boolean;
}

/** A path relative to the working directory when it lies below it: short, and still clickable. */
function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

async function validate(file: string | undefined, opts: ValidateOptions): Promise<void> {
  // Loaded on use (zod, yaml, liquid), so other commands and `--help` stay quick.
  const [{ ConfigError, configHash, findDefaultConfigPath, formatDiagnostic, loadConfig, maskSecrets }, { stringify }, { trackerProfiles }] = await Promise.all([
    import('../../config/index.js'),
    import('yaml'),
    import('../../adapters/trackers/index.js'),
  ]);
  const printDiagnostics = (diagnostics: readonly Diagnostic[]) => {
    for (const d of diagnostics) process.stderr.write(`${formatDiagnostic({ ...d, file: shortPath(d.file) })}\n`);
  };
  let path = '';
  try {
    path = findDefaultConfigPath(process.cwd(), file);
    const { config, warnings } = loadConfig(path, { trackerProfiles });
    const failed = Boolean(opts.strict) && warnings.length > 0;
    const masked = maskSecrets(config, trackerProfiles);
    if (opts.json) {
      const out = { ok: !failed, file: path, hash: configHash(config), config: masked, errors: [], warnings };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      process.stdout.write(stringify(masked, { lineWidth: 0 }));
      printDiagnostics(warnings);
      const summary = `${config.trackers.length} tracker(s), ${config.stages.length} stage(s): ${config.stages.map((s) => s.name).join(', ')}`;
      const tail = warnings.length ? `, ${warnings.length} warning(s)${failed ? ' (--strict: failing)' : ''}` : '';
      process.stderr.write(`${failed ? 'warnings' : 'ok'}: ${shortPath(path)}: ${summary}${tail}\n`);
    }
    if (failed) throw new ExitError(1);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (opts.json) {
      const out = { ok: false, file: path || err.diagnostics[0]?.file, category: err.category, errors: err.errors, warnings: err.diagnostics.filter((d) => d.severity === 'warning') };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      printDiagnostics(err.diagnostics);
      const n = err.errors.length;
      process.stderr.write(`invalid: ${n} error${n === 1 ? '' : 's'} (${err.category})\n`);
    }
    throw new ExitError(1);
  }
}

/** Adds `baton validate [file] [--json] [--strict]` to the program. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a config file: print the effective config (secrets masked), or every error with file:line:col and a fix')
    .argument('[file]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .option('--json', 'print {ok, file, hash, config, errors, warnings} as JSON')
    .option('--strict', 'exit 1 when there are warnings (unknown keys, ignored values)')
    .action(runCommand((file: string | undefined, opts: ValidateOptions) => validate(file, opts)));
}
