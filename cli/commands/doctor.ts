/**
 * `baton doctor [config]`: can this config run on this host? One line per check, ✓ or ✗, each ✗
 * with its cause and a fix; `--json` prints the same report for machines. Exit 0 when every check
 * passes, 1 otherwise. The checks themselves live in runtime/preflight.ts (and `preflight()` of
 * each tracker and agent backend), so `baton start` runs the same ones.
 */
import type { Command } from 'commander';
import { ExitError, runCommand } from '../runner.js';
import type { CheckResult, PreflightReport } from '../../runtime/preflight.js';

interface DoctorOptions {
  json?: boolean;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check that a config can run here: config, Temporal, tracker credentials, agent backends, workspace root, bash')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md)')
    .option('--json', 'print the report as JSON ({ok, checks, trackers, backends, stages})')
    .action(runCommand((file: string | undefined, opts: DoctorOptions) => doctor(file, opts)));
}

/** One check as text: `✓ kind name: summary`, and for a failure its cause and fix below. */
export function formatCheck(check: CheckResult): string {
  const label = check.kind === check.name ? check.kind : `${check.kind} ${check.name}`;
  const lines = [`${check.ok ? '✓' : '✗'} ${label}: ${check.summary}`];
  if (!check.ok) {
    lines.push(`    cause: ${check.cause ?? 'unknown'}`);
    if (check.fix) lines.push(`    fix:   ${check.fix}`);
  }
  if (check.warning) lines.push(`    note:  ${check.warning}`);
  return lines.join('\n');
}

export function formatReport(report: PreflightReport): string {
  const failedCount = report.checks.filter((c) => !c.ok).length;
  const tail = failedCount ? `${failedCount} of ${report.checks.length} checks failed` : `all ${report.checks.length} checks passed`;
  return `${report.checks.map(formatCheck).join('\n')}\n\n${tail}`;
}

async function doctor(file: string | undefined, opts: DoctorOptions): Promise<void> {
  // Loaded on use: the checks reach for the Temporal client, every adapter and the agent backends.
  const [{ ConfigError, findDefaultConfigPath, loadConfig }, preflight, { trackerProfiles }] = await Promise.all([
    import('../../config/index.js'),
    import('../../runtime/preflight.js'),
    import('../../adapters/trackers/index.js'),
  ]);
  let report: PreflightReport;
  let source = '';
  try {
    source = findDefaultConfigPath(process.cwd(), file);
    const { config, warnings } = loadConfig(source, { trackerProfiles });
    report = await preflight.runPreflight(config, { warnings });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const checks = preflight.configFailed(err.diagnostics);
    report = { ok: false, checks, trackers: {}, backends: {}, stages: {} };
    for (const c of checks.filter((c) => c.kind === 'tracker')) report.trackers[c.name] = { status: 'failed', cause: c.cause, fix: c.fix };
  }
  process.stdout.write(opts.json ? `${JSON.stringify({ file: source || null, ...report }, null, 2)}\n` : `${formatReport(report)}\n`);
  if (!report.ok) throw new ExitError(1);
}
