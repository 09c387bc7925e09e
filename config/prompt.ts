/**
 * Prompt templates (SPEC §5.4, §12): strict Liquid, so an unknown variable or filter fails the
 * render instead of silently producing an empty string. Variables: `issue` (every normalized Issue
 * field), `attempt` (null on the first run, then 1, 2, …), `stage`, and in stage prompts `pr` (null
 * until the issue has a pull request) and `repository` (null without a `repository:` block).
 */
import { Liquid, type Template } from 'liquidjs';
import { BatonError, ErrorCategory } from '../core/errors.js';
import type { Issue } from '../core/issue.js';

// One locale for every host, so an issue's prompt reads the same whichever worker renders it (`date`
// with %A, %B, %a, %b). Left empty, liquidjs asks Intl for the host's locale when the engine is built,
// which maps ~6 MiB of ICU data into every Baton process at start-up.
const engine = new Liquid({ strictVariables: true, strictFilters: true, ownPropertyOnly: true, locale: 'en-US' });

/** What a stage template sees as `stage`. */
export interface StageVars {
  name: string;
  states: string[];
  /** 1-based turn within the session. */
  turn?: number;
  max_turns?: number;
}

/** Template variables. Extra keys are passed through (for example `retry_kind`). */
export interface PromptVars {
  issue: Issue | Record<string, unknown>;
  /** null or absent on the first run; an integer on a retry or continuation (SPEC §12.3). */
  attempt?: number | null;
  stage?: StageVars;
  [name: string]: unknown;
}

/** Where in the template an error is, when the engine knows. */
export interface TemplatePosition {
  line: number;
  column: number;
}

/** The template line and column of a liquidjs error, if it carries a token. */
export function templateErrorPosition(err: unknown): TemplatePosition | undefined {
  const token = (err as { token?: { getPosition?: () => [number, number] } }).token;
  const pos = token?.getPosition?.();
  return pos ? { line: pos[0], column: pos[1] } : undefined;
}

function bareMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/, line:\d+, col:\d+$/, '');
}

const cache = new Map<string, Template[]>();
const CACHE_LIMIT = 64;

/**
 * Parses a template (cached by text). Throws BatonError `template_parse_error` with
 * `details.line`/`details.column` (1-based, within the template) on a syntax error or unknown filter.
 */
export function parsePromptTemplate(template: string): Template[] {
  const hit = cache.get(template);
  if (hit) return hit;
  let parsed: Template[];
  try {
    parsed = engine.parse(template);
  } catch (err) {
    const pos = templateErrorPosition(err);
    const where = pos ? ` at template line ${pos.line}, column ${pos.column}` : '';
    throw new BatonError(
      ErrorCategory.templateParseError,
      `prompt template does not parse${where}: ${bareMessage(err)}; fix the Liquid syntax (filters must be standard Liquid filters)`,
      { retryable: false, cause: err, details: { ...pos } },
    );
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(template, parsed);
  return parsed;
}

/** Plain JSON-shaped data: string keys, nested arrays and maps kept, dates as ISO strings. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/**
 * Renders a template with strict variables and filters. Throws `template_parse_error` for a bad
 * template and `template_render_error` for an unknown variable (or any other render failure).
 */
export function renderPrompt(template: string, vars: PromptVars): string {
  const parsed = parsePromptTemplate(template);
  const scope: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(vars)) scope[name] = plain(value);
  scope.attempt = vars.attempt ?? null;
  try {
    return engine.renderSync(parsed, scope) as string;
  } catch (err) {
    const pos = templateErrorPosition(err);
    const where = pos ? ` at template line ${pos.line}, column ${pos.column}` : '';
    throw new BatonError(
      ErrorCategory.templateRenderError,
      `prompt template failed to render${where}: ${bareMessage(err)}; use only \`issue.<field>\`, \`attempt\`, \`stage.<field>\`, and with a repository \`pr.<field>\` and \`repository.<field>\``,
      { retryable: false, cause: err, details: { ...pos } },
    );
  }
}
