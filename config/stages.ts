/**
 * Stage resolution: which stages a file defines (its own, Baton's four defaults, or Symphony's one
 * `run` stage), each stage's prompt template text, its merged agent policy, and the cross-checks
 * that tie stages, gates and tracker states together.
 */
import { readFileSync } from 'node:fs';
import { ErrorCategory } from '../core/errors.js';
import { normalizeState } from '../core/issue.js';
import { DEFAULT_PROMPT, DEFAULT_STAGES, StageSchema, type ParsedConfig, type ResolvedStage, type StageConfig } from './schema.js';
import { parsePromptTemplate } from './prompt.js';
import { expandPath, type Env } from './resolve-env.js';
import type { Reporter } from './reporter.js';
import type { TrackerDraft } from './trackers.js';
import { dedupeStates } from './trackers.js';

type Path = (string | number)[];

/** What stage resolution needs besides the parsed document and trackers. */
export interface StageContext {
  reporter: Reporter;
  env: Env;
  baseDir: string;
  home?: string;
  flavor: 'baton' | 'symphony';
  /** The trimmed WORKFLOW.md body and its first line (Markdown files only). */
  body?: { text: string; line: number };
  /** Every file read besides the config file (prompt files), for reload stamps. */
  files: string[];
}

/** Where a template came from: for locating parse errors. */
interface TemplateSource {
  text: string;
  /** Source path of the key that holds it (inline or prompt_file), or [] for the body. */
  path: Path;
  /** A prompt file's absolute path and line 1, or the body's first line. */
  file?: string;
  firstLine?: number;
}

/** The stage definitions the file asks for, with their source paths. */
function stageDefinitions(parsed: ParsedConfig, trackers: TrackerDraft[], ctx: StageContext): { stage: StageConfig; path: Path }[] {
  if (parsed.stages) return parsed.stages.map((stage, i) => ({ stage, path: ['stages', i] }));
  if (ctx.flavor === 'baton') return DEFAULT_STAGES.map((s) => ({ stage: StageSchema.parse(s), path: ['stages'] }));
  const states = dedupeStates(trackers.flatMap((t) => t.config.active_states));
  if (states.length === 0) return [];
  return [{ stage: StageSchema.parse({ name: 'run', states }), path: [] }];
}

/** Reads and checks a template; reports a parse error at its place in the file. */
function checkTemplate(source: TemplateSource, ctx: StageContext): void {
  try {
    parsePromptTemplate(source.text);
  } catch (err) {
    const details = (err as { details?: { line?: number; column?: number } }).details ?? {};
    const message = err instanceof Error ? err.message : String(err);
    const line = details.line === undefined ? undefined : (source.firstLine ?? ctx.reporter.map.locate(source.path, { content: true }).line) + details.line - 1;
    const file = source.file ?? ctx.reporter.map.file;
    ctx.reporter.error(
      ErrorCategory.templateParseError,
      source.path,
      message.replace(/; fix the Liquid syntax.*$/, ''),
      'fix the Liquid syntax; filters must be standard Liquid filters and tags must be closed',
      line === undefined ? {} : { at: { file, line, column: details.column ?? 1 } },
    );
  }
}

/**
 * The template named by a `prompt`/`prompt_file` pair at `path`, or undefined when neither is set.
 * Both set, or an unreadable file, is an error.
 */
function promptAt(holder: { prompt?: string; prompt_file?: string }, path: Path, ctx: StageContext): TemplateSource | null | undefined {
  if (holder.prompt !== undefined && holder.prompt_file !== undefined) {
    ctx.reporter.error(ErrorCategory.invalidConfig, [...path, 'prompt_file'], 'both `prompt` and `prompt_file` are set', 'keep one of them', { key: true });
    return null;
  }
  if (holder.prompt !== undefined) return { text: holder.prompt, path: [...path, 'prompt'] };
  if (holder.prompt_file === undefined) return undefined;
  const keyPath = [...path, 'prompt_file'];
  const expanded = expandPath(holder.prompt_file, ctx);
  if (!expanded.path) {
    ctx.reporter.error(ErrorCategory.invalidConfig, keyPath, `\`${holder.prompt_file}\` names an environment variable that is not set`, 'set it, or write the path itself');
    return null;
  }
  try {
    const text = readFileSync(expanded.path, 'utf8');
    ctx.files.push(expanded.path);
    return { text, path: keyPath, file: expanded.path, firstLine: 1 };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    ctx.reporter.error(ErrorCategory.invalidConfig, keyPath, `cannot read prompt file ${expanded.path} (${reason})`, `create the file, or fix the path (relative paths resolve against ${ctx.baseDir})`);
    return null;
  }
}

function topLevelPrompt(parsed: ParsedConfig, ctx: StageContext): TemplateSource {
  const explicit = promptAt(parsed, [], ctx);
  if (explicit && ctx.body?.text) {
    ctx.reporter.error(ErrorCategory.invalidConfig, explicit.path, 'the WORKFLOW.md body and a top-level prompt are both set', 'keep the prompt in one place: the body, or `prompt`/`prompt_file`', { key: true });
  }
  if (explicit) return explicit;
  if (ctx.body?.text) return { text: ctx.body.text, path: [], firstLine: ctx.body.line };
  return { text: DEFAULT_PROMPT, path: [] };
}

function policyFor(stage: StageConfig, parsed: ParsedConfig, path: Path, ctx: StageContext): ResolvedStage['policy'] {
  const o = stage.agent;
  const backend = o.backend ?? parsed.agent.backend;
  const section = backend === 'command' ? parsed.command : backend === 'openai' ? parsed.openai : parsed.codex;
  const policy: ResolvedStage['policy'] = {
    backend,
    max_turns: o.max_turns ?? parsed.agent.max_turns,
    turn_timeout_ms: o.turn_timeout_ms ?? section.turn_timeout_ms,
    stall_timeout_ms: o.stall_timeout_ms ?? section.stall_timeout_ms,
  };
  if (o.max_concurrent !== undefined) policy.max_concurrent = o.max_concurrent;
  if (backend === 'command') {
    const command = o.command ?? parsed.command.command;
    if (command) policy.command = command;
    else {
      ctx.reporter.error(
        ErrorCategory.invalidConfig,
        o.backend ? [...path, 'agent', 'backend'] : ['agent', 'backend'],
        `stage \`${stage.name}\` uses the \`command\` backend but no command is set`,
        `set \`command.command\` (for every stage) or \`stages[].agent.command\``,
      );
    }
  } else if (o.command !== undefined) {
    ctx.reporter.warn([...path, 'agent', 'command'], `is ignored: stage \`${stage.name}\` uses the \`${backend}\` backend`, 'set `agent.backend: command` on this stage, or remove `command`');
  }
  if (backend === 'openai') policy.model = o.model ?? parsed.openai.model;
  else if (o.model !== undefined) policy.model = o.model;
  return policy;
}

/** Cross-checks between stages: names, routing, gates. */
function checkStages(stages: { stage: StageConfig; path: Path }[], ctx: StageContext): void {
  const { reporter } = ctx;
  const names = new Set<string>();
  const routed = new Map<string, string>();
  const allNames = stages.map((s) => s.stage.name);
  for (const { stage, path } of stages) {
    if (names.has(stage.name)) {
      reporter.error(ErrorCategory.invalidConfig, [...path, 'name'], `stage name \`${stage.name}\` is used twice`, 'give every stage its own name');
    }
    names.add(stage.name);
    stage.states.forEach((state, j) => {
      const key = normalizeState(state);
      const owner = routed.get(key);
      if (owner !== undefined && owner !== stage.name) {
        reporter.error(ErrorCategory.invalidConfig, [...path, 'states', j], `state \`${state}\` is already routed to stage \`${owner}\``, 'route each tracker state to one stage only');
      }
      routed.set(key, owner ?? stage.name);
    });
    const gate = stage.gate;
    if (!gate) continue;
    if (gate.on_reject !== undefined && !allNames.includes(gate.on_reject)) {
      reporter.error(ErrorCategory.invalidConfig, [...path, 'gate', 'on_reject'], `names no stage: \`${gate.on_reject}\``, `use one of: ${allNames.join(', ')}`);
    }
    if (gate.wait_for === 'label' && !gate.label) {
      reporter.error(ErrorCategory.invalidConfig, [...path, 'gate', 'label'], '`wait_for: label` needs the approving label', 'add `label: <label that approves>` to the gate');
    }
    if (gate.wait_for === 'state' && !gate.state) {
      reporter.error(ErrorCategory.invalidConfig, [...path, 'gate', 'state'], '`wait_for: state` needs the approving tracker state', 'add `state: <state that approves>` to the gate');
    }
  }
}

/** Every stage state must be an active state of some tracker; every explicit active state should reach a stage. */
function checkRouting(stages: { stage: StageConfig; path: Path }[], trackers: TrackerDraft[], ctx: StageContext): void {
  const active = new Set(trackers.flatMap((t) => t.config.active_states.map(normalizeState)));
  const routed = new Set(stages.flatMap((s) => s.stage.states.map(normalizeState)));
  const where = trackers.length === 1 ? `${trackers[0]!.path.join('.')}.active_states` : 'any tracker’s active_states';
  for (const { stage, path } of stages) {
    stage.states.forEach((state, j) => {
      if (active.has(normalizeState(state))) return;
      const defaults = path.length < 2;
      ctx.reporter.error(
        ErrorCategory.invalidConfig,
        defaults ? path : [...path, 'states', j],
        `${defaults ? 'default ' : ''}stage \`${stage.name}\` routes state \`${state}\`, which is not in ${where}`,
        defaults ? `add \`${state}\` to active_states, or define \`stages:\`` : `add \`${state}\` to active_states, or remove it from this stage`,
      );
    });
  }
  for (const tracker of trackers) {
    if (!tracker.activeExplicit) continue;
    tracker.config.active_states.forEach((state, k) => {
      if (routed.has(normalizeState(state))) return;
      ctx.reporter.warn([...tracker.path, 'active_states', k], `no stage handles state \`${state}\`, so issues in it will wait`, 'add it to a stage’s `states`, or remove it from active_states');
    });
  }
}

/**
 * Builds the resolved stages. For a baton.yaml, trackers without explicit active states take the
 * union of the stage states (so the default stages work with any tracker).
 */
export function resolveStages(parsed: ParsedConfig, trackers: TrackerDraft[], ctx: StageContext): ResolvedStage[] {
  const defs = stageDefinitions(parsed, trackers, ctx);
  if (ctx.flavor === 'baton') {
    const union = dedupeStates(defs.flatMap((d) => d.stage.states));
    for (const t of trackers) if (!t.activeExplicit) t.config.active_states = union;
  }
  checkStages(defs, ctx);
  // Without a usable tracker every state would look unrouted: the tracker error says enough.
  if (trackers.length > 0) checkRouting(defs, trackers, ctx);
  const fallback = topLevelPrompt(parsed, ctx);
  const checked = new Set<string>();
  const check = (source: TemplateSource): void => {
    const key = JSON.stringify([source.file, source.path, source.text]);
    if (checked.has(key)) return;
    checked.add(key);
    checkTemplate(source, ctx);
  };
  return defs.map(({ stage, path }) => {
    const own = path.length >= 2 ? promptAt(stage, path, ctx) : undefined;
    const source = own ?? fallback;
    check(source);
    if (stage.on_success.comment !== undefined) check({ text: stage.on_success.comment, path: [...path, 'on_success', 'comment'] });
    return { ...stage, prompt_template: source.text, policy: policyFor(stage, parsed, path, ctx) };
  });
}
