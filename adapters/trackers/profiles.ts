/**
 * What each tracker kind accepts under `tracker.provider`, its documented defaults and its secrets.
 * The config layer builds its schema from these profiles, so the core never names a provider.
 * Sandbox-safe (zod only): the JSON Schema generator and workflows may import it.
 */
import { z } from 'zod';

export interface TrackerSecret {
  /** Key under `provider` that holds the secret (a literal or `$VAR`). */
  key: string;
  /** Environment variable read when the key is omitted (an adapter-local fallback, SPEC §6.1). */
  env?: string;
  /** When false, a missing value is allowed (for example a webhook secret). */
  required: boolean;
}

export interface TrackerProfile {
  kind: string;
  title: string;
  providerSchema: z.ZodObject;
  defaultActiveStates?: readonly string[];
  defaultTerminalStates?: readonly string[];
  secrets: readonly TrackerSecret[];
  /** Provider keys that are local filesystem paths: `~` and `$VAR` expand, relative to the config file. */
  pathKeys?: readonly string[];
}

const SYMPHONY_TERMINAL = ['Closed', 'Cancelled', 'Canceled', 'Duplicate', 'Done'] as const;
const SYMPHONY_ACTIVE = ['Todo', 'In Progress'] as const;

const fileProfile: TrackerProfile = {
  kind: 'file',
  title: 'A folder of Markdown issues with YAML front matter (the embedded default)',
  providerSchema: z.looseObject({
    dir: z.string().min(1).default('./issues').describe('Folder of `*.md` issues, relative to the config file'),
  }),
  defaultActiveStates: SYMPHONY_ACTIVE,
  defaultTerminalStates: SYMPHONY_TERMINAL,
  secrets: [],
  pathKeys: ['dir'],
};

const memoryProfile: TrackerProfile = {
  kind: 'memory',
  title: 'In-process tracker for tests',
  providerSchema: z.looseObject({
    store: z.string().min(1).default('default').describe('Name of the in-process store shared with tests'),
  }),
  defaultActiveStates: SYMPHONY_ACTIVE,
  defaultTerminalStates: SYMPHONY_TERMINAL,
  secrets: [],
};

/** `tracker.provider` of a `linear` tracker. */
export const LinearProviderSchema = z.looseObject({
  endpoint: z.string().url().default('https://api.linear.app/graphql'),
  api_key: z.string().optional().describe('Linear API key; `$VAR` or omitted to read LINEAR_API_KEY'),
  project_slug: z.string().min(1).describe('Project slug id (the part of the project URL after the name)'),
  assignee: z.string().optional().describe('User id, or `me`; only issues assigned to it dispatch'),
  webhook_secret: z.string().optional().describe('Signing secret of the Linear webhook; `$VAR` recommended'),
  page_size: z.number().int().min(1).max(250).default(50).describe('Issues per page of a state query (Linear allows up to 250)'),
  timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout'),
});

const linearProfile: TrackerProfile = {
  kind: 'linear',
  title: 'Linear (GraphQL through @linear/sdk)',
  providerSchema: LinearProviderSchema,
  defaultActiveStates: SYMPHONY_ACTIVE,
  defaultTerminalStates: SYMPHONY_TERMINAL,
  secrets: [
    { key: 'api_key', env: 'LINEAR_API_KEY', required: true },
    { key: 'webhook_secret', required: false },
  ],
};

const repoName = () => z.string().trim().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'use `owner/name`');

/** `tracker.provider` of a `github` tracker (documented in spec/adapters/github.md). */
export const GithubProviderSchema = z
  .looseObject({
    repo: z.union([repoName(), z.array(repoName()).min(1)]).describe('`owner/name`, or a list of them'),
    token: z.string().optional().describe('GitHub token; `$VAR` or omitted to read GITHUB_TOKEN'),
    api_url: z.string().url().default('https://api.github.com').describe('REST base URL; GraphQL is `<api_url>/graphql` (GHES: `https://host/api/v3`)'),
    state_source: z
      .enum(['labels', 'issue_state', 'project'])
      .default('labels')
      .describe('Where the Baton state comes from: a label prefix, open/closed, or a Projects v2 field'),
    state_label_prefix: z.string().min(1).default('baton:').describe('labels: a label `<prefix><state>` sets the state'),
    default_state: z.string().trim().min(1).default('open').describe('labels: the state of an open issue without a state label'),
    project: z
      .object({
        owner: z.string().min(1).describe('Organization or user login that owns the project'),
        number: z.number().int().positive().describe('Project number (from its URL)'),
        field: z.string().min(1).default('Status').describe('Single-select field holding the state'),
      })
      .optional()
      .describe('project: the Projects v2 board whose field holds the state'),
    webhook_secret: z.string().optional().describe('Secret of the repository or organization webhook; `$VAR` recommended'),
    write_interval_ms: z.number().int().nonnegative().default(1_000).describe('Minimum gap between writes (GitHub asks for ≥ 1 s to avoid secondary limits); 0 turns pacing off'),
    timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout'),
  })
  .refine((p) => p.state_source !== 'project' || p.project !== undefined, {
    message: '`state_source: project` needs `project: {owner, number}`',
    path: ['project'],
  });

const githubProfile: TrackerProfile = {
  kind: 'github',
  title: 'GitHub Issues (REST and GraphQL through octokit)',
  providerSchema: GithubProviderSchema,
  defaultTerminalStates: ['closed'],
  secrets: [
    { key: 'token', env: 'GITHUB_TOKEN', required: true },
    { key: 'webhook_secret', required: false },
  ],
};

/** `tracker.provider` of a `jira` tracker. */
export const JiraProviderSchema = z
  .looseObject({
    base_url: z.string().url().describe('https://<site>.atlassian.net'),
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

const jiraProfile: TrackerProfile = {
  kind: 'jira',
  title: 'Jira Cloud (REST v3 through jira.js)',
  providerSchema: JiraProviderSchema,
  secrets: [
    { key: 'email', env: 'JIRA_EMAIL', required: true },
    { key: 'api_token', env: 'JIRA_API_TOKEN', required: true },
    { key: 'webhook_secret', required: false },
  ],
};

export const trackerProfiles = {
  file: fileProfile,
  memory: memoryProfile,
  linear: linearProfile,
  github: githubProfile,
  jira: jiraProfile,
} as const satisfies Record<string, TrackerProfile>;

export type TrackerKind = keyof typeof trackerProfiles;
export const trackerKinds = Object.keys(trackerProfiles) as TrackerKind[];

export function trackerProfile(kind: string): TrackerProfile | undefined {
  return (trackerProfiles as Record<string, TrackerProfile>)[kind];
}
