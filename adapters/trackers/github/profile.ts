/**
 * The `github` tracker's profile: what `tracker.provider` accepts (spec/adapters/github.md), its
 * defaults and secrets. Zod only (no octokit), so the config layer and the JSON Schema generator
 * can use it without loading the adapter.
 */
import { z } from 'zod';
import type { TrackerProfile } from '../../../config/tracker-profiles.js';

const repoName = () => z.string().trim().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'use `owner/name`');

/** `tracker.provider` of a `github` tracker (documented in spec/adapters/github.md). */
export const GithubProviderSchema = z
  .looseObject({
    repo: z
      .union([repoName(), z.array(repoName()).min(1)])
      .optional()
      .describe('`owner/name`, or a list of them; `$VAR` or omitted to read GITHUB_REPO (required in one of them)'),
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

export const githubProfile: TrackerProfile = {
  kind: 'github',
  title: 'GitHub Issues (REST and GraphQL through octokit)',
  providerSchema: GithubProviderSchema,
  defaultTerminalStates: ['closed'],
  secrets: [
    { key: 'token', env: 'GITHUB_TOKEN', required: true },
    { key: 'webhook_secret', required: false },
  ],
  envSettings: [{ key: 'repo', env: 'GITHUB_REPO', required: true }],
};
