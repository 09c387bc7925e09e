/**
 * Host-bound activities: which host takes an issue's workspace, and removing that workspace when
 * the issue is terminal. `claimWorkspaceHost` runs on the shared queue, so whichever worker picks
 * it up becomes the issue's host; everything else for the issue then runs on that host's queue.
 */
import { removeWorkspace, workspaceSettingsFromConfig } from './workspace.js';
import type { BatonRuntime } from './runtime.js';

export function createHostActivities(rt: BatonRuntime) {
  return {
    async claimWorkspaceHost(): Promise<{ queue: string }> {
      return { queue: rt.hostQueue };
    },

    async removeIssueWorkspace(input: { configPath: string; identifier: string }): Promise<{ removed: boolean; path: string }> {
      const { config } = rt.config(input.configPath);
      const settings = workspaceSettingsFromConfig(config);
      return removeWorkspace({
        root: settings.root,
        identifier: input.identifier,
        hooks: settings.hooks,
        hookTimeoutMs: settings.hookTimeoutMs,
        env: rt.env,
        secretEnvNames: settings.secretEnvNames,
        logger: rt.logger.child({ issue_identifier: input.identifier }),
      });
    },
  };
}
