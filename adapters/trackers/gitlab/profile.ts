/**
 * The `gitlab` tracker's profile: what `tracker.provider` accepts (spec/adapters/gitlab.md) and its
 * secrets. Zod only (no GitLab client), so the config layer and the JSON Schema generator can use
 * it without loading @gitbeaker. The keys Symphony's GitLab adapter reads (`project_path`,
 * `api_url`, `api_key` with the `GITLAB_PAT` fallback, `opened`/`closed` states) mean the same here.
 */
import { z } from 'zod';
import type { TrackerProfile } from '../../../config/tracker-profiles.js';

/** GitLab's own word for an issue that is not closed (the REST `state` value). */
export const GITLAB_OPENED = 'opened';
export const GITLAB_CLOSED = 'closed';

/** `tracker.provider` of a `gitlab` tracker. */
export const GitlabProviderSchema = z.looseObject({
  project_path: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe('Project path (`group/subgroup/project`) or numeric id; omitted: GITLAB_PROJECT_PATH'),
  api_url: z.string().url().default('https://gitlab.com/api/v4').describe('REST base URL ending in /api/v4 (self-managed: https://host/api/v4)'),
  api_key: z.string().optional().describe('Personal, project or group access token; `$VAR` or omitted to read GITLAB_PAT'),
  state_source: z
    .enum(['labels', 'issue_state'])
    .default('labels')
    .describe('labels: a scoped label `<prefix><state>` (open issues without one report default_state); issue_state: opened/closed only'),
  state_label_prefix: z.string().min(1).default('workflow::').describe('labels: the scope of state labels (`workflow::In Progress`)'),
  default_state: z.string().trim().min(1).default(GITLAB_OPENED).describe('labels: the state of an open issue without a state label'),
  blockers: z
    .boolean()
    .default(false)
    .describe('Read "is blocked by" issue links (GitLab Premium) of candidates not yet in flight: one extra request per such issue per poll'),
  page_size: z.number().int().min(1).max(100).default(100).describe('Issues per page (GitLab allows at most 100)'),
  timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout'),
  webhook_secret: z.string().optional().describe('Secret token of the project webhook (sent as X-Gitlab-Token); `$VAR` recommended'),
});

export const gitlabProfile: TrackerProfile = {
  kind: 'gitlab',
  title: 'GitLab issues of one project (REST v4 through @gitbeaker/rest)',
  providerSchema: GitlabProviderSchema,
  defaultActiveStates: [GITLAB_OPENED],
  defaultTerminalStates: [GITLAB_CLOSED],
  secrets: [
    { key: 'api_key', env: 'GITLAB_PAT', required: true },
    { key: 'webhook_secret', required: false },
  ],
  envSettings: [{ key: 'project_path', env: 'GITLAB_PROJECT_PATH', required: true }],
};
