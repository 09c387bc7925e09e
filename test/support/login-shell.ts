/**
 * Preflight for the suite: hooks, the command backend and the openai shell tool all run through
 * `bash -lc` (Symphony §9.4), so every one of them pays this machine's login profile. A profile
 * that stalls (a stale pyenv rehash lock makes each login shell wait 60 s) turns into dozens of
 * unrelated-looking timeouts forty minutes later; this check names the cause in the first second.
 */
import { spawnSync } from 'node:child_process';

/** A login shell slower than this is broken, not loaded: an idle one starts in ~0.1 s. */
const LIMIT_MS = 20_000;

/** Throws an actionable error when `bash -lc true` stalls or fails; returns its start-up time. */
export function checkLoginShell(): number {
  const started = Date.now();
  const result = spawnSync('bash', ['-lc', 'true'], { encoding: 'utf8', timeout: LIMIT_MS, env: process.env });
  const elapsed = Date.now() - started;
  const stderr = (result.stderr ?? '').trim();
  if (result.error || result.status !== 0 || elapsed >= LIMIT_MS) {
    const why = result.error ? String(result.error.message) : `exit ${result.status}`;
    throw new Error(
      [
        `\`bash -lc true\` took ${(elapsed / 1000).toFixed(1)} s (${why}); Baton runs hooks and shell tools with \`bash -lc\`, so every such test would stall.`,
        stderr ? `Its stderr: ${stderr.slice(0, 600)}` : 'It printed nothing on stderr.',
        'Fix the login profile (~/.profile, ~/.bashrc, /etc/profile.d), e.g. remove a stale ~/.pyenv/shims/.pyenv-shim lock, then rerun.',
      ].join('\n'),
    );
  }
  return elapsed;
}
