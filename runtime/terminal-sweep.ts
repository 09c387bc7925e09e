/**
 * Symphony §8.6 startup cleanup, per host: when a worker starts, remove the workspaces on this
 * host whose issues are already terminal. Issue workflows clean up their own workspaces when they
 * see a terminal state; this catches issues that went terminal after Baton had released them.
 * Best effort: a tracker error is logged and startup continues.
 */
import { readdir } from 'node:fs/promises';
import { workspaceKey } from '../core/workspace-key.js';
import { removeWorkspace, workspaceSettingsFromConfig } from '../workspace/workspace.js';
import type { BatonRuntime } from '../activities/runtime.js';

export async function sweepTerminalWorkspaces(rt: BatonRuntime, configPath: string): Promise<number> {
  const { config } = rt.config(configPath);
  const settings = workspaceSettingsFromConfig(config);
  const present = new Set(await readdir(settings.root).catch(() => [] as string[]));
  if (present.size === 0) return 0;
  let removed = 0;
  for (const tracker of config.trackers) {
    try {
      const adapter = await rt.tracker(tracker.name, configPath);
      const terminal = await adapter.fetchIssuesByStates(tracker.terminal_states);
      for (const issue of terminal) {
        if (!present.has(workspaceKey(issue.identifier))) continue;
        const result = await removeWorkspace({
          root: settings.root,
          issue,
          hooks: settings.hooks,
          hookTimeoutMs: settings.hookTimeoutMs,
          env: rt.env,
          secretEnvNames: settings.secretEnvNames,
          logger: rt.logger,
        });
        if (result.removed) removed += 1;
      }
    } catch (err) {
      rt.logger.warn({ tracker: tracker.name, err: err instanceof Error ? err.message : String(err) }, 'terminal workspace sweep skipped for this tracker');
    }
  }
  return removed;
}
