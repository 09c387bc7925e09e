/**
 * What a preflight check finds (`baton doctor`, and `baton start` before it dispatches): a verdict
 * with a one-line cause and a fix a person can act on, plus facts worth showing (versions,
 * account, rate-limit headroom). Adapters return a `PreflightFinding`; runtime/preflight.ts turns
 * findings into the report. Sandbox-safe (types and pure helpers only).
 */

export type PreflightFacts = Record<string, string | number | boolean | null>;

export interface PreflightFinding {
  ok: boolean;
  /** What was checked and found, in a few words (`codex-cli 0.169.0 answers; account: api key`). */
  summary: string;
  /** Why it failed, in one line (only when not ok). */
  cause?: string;
  /** What to do about it (only when not ok). */
  fix?: string;
  /** Something worth knowing that does not fail the check. */
  warning?: string;
  facts?: PreflightFacts;
}

export function passed(summary: string, facts?: PreflightFacts, warning?: string): PreflightFinding {
  return { ok: true, summary, ...(facts ? { facts } : {}), ...(warning ? { warning } : {}) };
}

export function failed(summary: string, cause: string, fix: string, facts?: PreflightFacts): PreflightFinding {
  return { ok: false, summary, cause, fix, ...(facts ? { facts } : {}) };
}
