/**
 * The `jira` tracker's profile: what `tracker.provider` accepts (spec/adapters/jira.md) and its
 * secrets. Zod only (no Jira client), so the config layer and the JSON Schema generator can use it
 * without loading the adapter.
 */
import { z } from 'zod';
import type { TrackerProfile } from '../../../config/tracker-profiles.js';

/** `tracker.provider` of a `jira` tracker. */
export const JiraProviderSchema = z
  .looseObject({
    base_url: z.string().url().optional().describe('https://<site>.atlassian.net; `$VAR` or omitted to read JIRA_BASE_URL (required in one of them)'),
    email: z.string().optional().describe('Account email for basic auth; `$VAR` or omitted to read JIRA_EMAIL'),
    api_token: z.string().optional().describe('API token; `$VAR` or omitted to read JIRA_API_TOKEN'),
    project: z.string().min(1).optional().describe('Project key, for example `ENG`'),
    project_key: z.string().min(1).optional().describe('Alias of `project` (the Symphony reference spelling)'),
    jql: z.string().optional().describe('Extra JQL ANDed to the generated query (no ORDER BY)'),
    page_size: z.number().int().min(1).max(100).default(100).describe('Issues per search page (Jira returns at most 100 with fields)'),
    timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout'),
    webhook_secret: z.string().optional(),
  })
  .refine((p) => Boolean(p.project ?? p.project_key), { message: 'set `project` to the project key, for example ENG', path: ['project'] });

export const jiraProfile: TrackerProfile = {
  kind: 'jira',
  title: 'Jira Cloud (REST v3)',
  providerSchema: JiraProviderSchema,
  secrets: [
    { key: 'email', env: 'JIRA_EMAIL', required: true },
    { key: 'api_token', env: 'JIRA_API_TOKEN', required: true },
    { key: 'webhook_secret', required: false },
  ],
  envSettings: [{ key: 'base_url', env: 'JIRA_BASE_URL', required: true }],
};
