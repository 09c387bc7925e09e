/**
 * The config activity: workflows learn the effective config (as a secret-free view) through it,
 * and only when its hash changed. A broken edit answers with the error; the caller keeps the last
 * good view (SPEC §6.2).
 */
import type { LoadConfigResult } from '../core/protocol.js';
import { toConfigView } from '../config/view.js';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import type { BatonRuntime } from './runtime.js';

export function createConfigActivities(rt: BatonRuntime) {
  return {
    async loadConfigView(input: { configPath: string; knownHash: string | null }): Promise<LoadConfigResult> {
      let snap;
      try {
        snap = rt.store(input.configPath).current();
      } catch (err) {
        return { hash: null, error: describeConfigError(err) };
      }
      const error = snap.lastError ? describeConfigError(snap.lastError) : null;
      if (snap.hash === input.knownHash) return { hash: snap.hash, error };
      return { hash: snap.hash, view: toConfigView(snap.config, snap.hash), error };
    },
  };
}

/** Every diagnostic on one line each, as `file:line:col: key: message`. */
function describeConfigError(err: unknown): string {
  if (err instanceof ConfigError) return err.errors.map((d) => formatDiagnostic(d)).join('\n');
  return err instanceof Error ? err.message : String(err);
}
