/**
 * Host-bound cleanup: removing an issue's workspace on the host that holds it, at the path
 * recorded when it was created (a later `workspace.root` edit must not leave it behind). It runs
 * `before_remove`, so it heartbeats while the hook runs: a lost task or a dead host is noticed in
 * seconds, not at the end of a long timeout.
 */
import { heartbeat } from '@temporalio/activity';
import type { RemoveWorkspaceInput } from '../core/protocol.js';
import { removeWorkspace, workspaceSettingsFromConfig } from '../workspace/workspace.js';
import type { BatonRuntime } from './runtime.js';

export function createHostActivities(rt: BatonRuntime) {
  return {
    async removeIssueWorkspace(input: RemoveWorkspaceInput): Promise<{ removed: boolean; path: string }> {
      const { config } = rt.config();
      const settings = workspaceSettingsFromConfig(config);
      const beat = setInterval(() => heartbeat(), 1_000);
      heartbeat();
      try {
        return await removeWorkspace({
          root: settings.root,
          recordedPath: input.path,
          identifier: input.identifier,
          hooks: settings.hooks,
          hookTimeoutMs: settings.hookTimeoutMs,
          env: rt.env,
          secretEnvNames: settings.secretEnvNames,
          logger: rt.logger.child({ issue_identifier: input.identifier }),
        });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
