/**
 * `repository:` blocks (top level, or per tracker): secrets resolved from the environment
 * (in-process only), each tracker given the block that applies to it, and the cross-checks that
 * tie PR gates and merges to a repository (spec/SPEC.md §4.10). A tracker's repository secrets join
 * its `secret_env`, so hooks and agents never see them.
 */
import { ErrorCategory } from '../core/errors.js';
import { normalizeState } from '../core/issue.js';
import type { ParsedConfig, RepositoryConfig, ResolvedStage } from './schema.js';
import { resolveSecret, type Env } from './resolve-env.js';
import type { Reporter } from './reporter.js';
import type { TrackerDraft } from './trackers.js';
import type { CodeHostProfileRegistry, RepositoryCommon } from './code-host-profiles.js';

type Path = (string | number)[];
/** One block with its secrets resolved, or null when a required one is missing (reported). */
function resolveBlock(block: RepositoryCommon, path: Path, ctx: RepositoryContext): RepositoryConfig | null {
  const { env, reporter } = ctx;
  const profile = ctx.codeHosts?.get(block.kind);
  if (!profile) return null;
  const resolved: Record<string, unknown> = { ...block };
  const secretEnv = new Set<string>();
  let ok = true;
  for (const secret of profile.secrets) {
    const written = resolved[secret.key];
    const keyPath = [...path, secret.key];
    const result = resolveSecret(typeof written === 'string' ? written : undefined, secret.env, env);
    result.envNames.forEach((n) => secretEnv.add(n));
    if (result.invalidReference !== undefined) {
      reporter.error(ErrorCategory.invalidConfig, keyPath, `\`$${result.invalidReference}\` is not a valid environment variable reference`, 'write `$NAME` where NAME matches ^[A-Za-z_][A-Za-z0-9_]*$');
      ok = false;
      continue;
    }
    if (result.source === 'literal') {
      reporter.warn(keyPath, 'holds a literal secret; anyone who can read this file (including the agent, if it is in the repository) can read it', `write \`${secret.key}: $${secret.env ?? 'NAME'}\` and set that variable in Baton's environment`);
    }
    if (result.value !== undefined) {
      resolved[secret.key] = result.value;
      continue;
    }
    delete resolved[secret.key];
    if (!secret.required) continue;
    const fallback = secret.env ? ` (omitted, it is read from ${secret.env})` : '';
    reporter.error(
      ErrorCategory.invalidConfig,
      written === undefined ? path : keyPath,
      `the repository ${block.repo} has no \`${secret.key}\`${fallback}: the variable is not set or empty`,
      `set ${typeof written === 'string' && written.startsWith('$') ? written.replace(/^\$\{?|\}$/g, '') : (secret.env ?? 'the variable')} in Baton's environment`,
    );
    ok = false;
  }
  return ok ? { ...(resolved as RepositoryCommon), secret_env: [...secretEnv] } : null;
}

export interface RepositoryContext {
  reporter: Reporter;
  env: Env;
  codeHosts: CodeHostProfileRegistry | undefined;
}

/**
 * Resolve the top-level block and each tracker's own, attach the applicable one to every tracker,
 * and check the stages that need one. Returns the top-level block.
 */
export function resolveRepositories(parsed: ParsedConfig, trackers: TrackerDraft[], stages: readonly { stage: ResolvedStage; path: Path }[], ctx: RepositoryContext): RepositoryConfig | null {
  const top = parsed.repository ? resolveBlock(parsed.repository, ['repository'], ctx) : null;
  const listed = parsed.tracker ? [parsed.tracker] : (parsed.trackers ?? []);
  // Trackers whose block is there but unusable: its own error says enough.
  const broken = new Set<string>();
  trackers.forEach((draft, i) => {
    const own = listed.length === trackers.length ? listed[i]?.repository : undefined;
    const repository = own ? resolveBlock(own, [...draft.path, 'repository'], ctx) : top;
    if (!repository) {
      if (own ?? parsed.repository) broken.add(draft.config.name);
      return;
    }
    draft.config.repository = repository;
    draft.config.secret_env = [...new Set([...draft.config.secret_env, ...repository.secret_env])];
  });
  checkPullRequestStages(stages, trackers.filter((t) => !broken.has(t.config.name)), ctx.reporter, parsed.repository !== undefined || listed.some((t) => t.repository !== undefined));
  return top;
}

/** PR gates and merges need a repository for every tracker that routes them; PR keys need a PR gate. */
function checkPullRequestStages(stages: readonly { stage: ResolvedStage; path: Path }[], trackers: TrackerDraft[], reporter: Reporter, anyBlock: boolean): void {
  const names = stages.map((s) => s.stage.name);
  for (const { stage, path } of stages) {
    const gate = stage.gate;
    const prGate = gate?.wait_for === 'checks' || gate?.wait_for === 'review';
    const merges = stage.on_success.merge_pull_request !== undefined;
    if (gate && !prGate) {
      for (const key of ['required_checks', 'required_approvals', 'require_checks', 'on_closed'] as const) {
        if (gate[key] !== undefined) reporter.warn([...path, 'gate', key], `is ignored: it applies to \`wait_for: checks\` and \`wait_for: review\` gates`, `remove \`${key}\`, or make this a PR gate`);
      }
    }
    if (gate?.wait_for === 'checks' && gate.required_approvals !== undefined) reporter.warn([...path, 'gate', 'required_approvals'], 'is ignored by a checks gate', 'use it on a `wait_for: review` gate');
    if (gate?.on_closed !== undefined && !names.includes(gate.on_closed)) {
      reporter.error(ErrorCategory.invalidConfig, [...path, 'gate', 'on_closed'], `names no stage: \`${gate.on_closed}\``, `use one of: ${names.join(', ')}`);
    }
    if (merges && !stage.on_success.move_to) {
      reporter.error(ErrorCategory.invalidConfig, [...path, 'on_success', 'merge_pull_request'], 'a merge needs `on_success.move_to`: after the merge the issue moves there, and the stage never runs again', 'add `move_to: <state after the merge>` (for example Done)');
    }
    if (!prGate && !merges) continue;
    const what = prGate ? `\`wait_for: ${gate?.wait_for}\`` : '`on_success.merge_pull_request`';
    const where = prGate ? [...path, 'gate', 'wait_for'] : [...path, 'on_success', 'merge_pull_request'];
    if (!anyBlock) {
      reporter.error(ErrorCategory.invalidConfig, where, `${what} needs a code host, and no \`repository:\` is configured`, 'add a top-level `repository: { kind: github, repo: owner/name, token: $GITHUB_TOKEN }`');
      continue;
    }
    const states = new Set(stage.states.map(normalizeState));
    for (const t of trackers) {
      if (t.config.repository || !t.config.active_states.some((s) => states.has(normalizeState(s)))) continue;
      reporter.error(ErrorCategory.invalidConfig, where, `${what} needs a code host, and tracker \`${t.config.name}\` routes stage \`${stage.name}\` without a \`repository\``, `add \`repository:\` to that tracker, or a top-level \`repository:\``);
    }
  }
}
