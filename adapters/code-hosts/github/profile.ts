/**
 * What a `repository:` block of `kind: github` accepts (spec/adapters/github.md, "Code host"): the
 * keys every code host shares (config/code-host-profiles.ts) plus GitHub's credential, API URL,
 * webhook secret and pacing. Zod only: the config layer and the JSON Schema generator load it.
 */
import { z } from 'zod';
import { repositoryKeys, type CodeHostProfile } from '../../../config/code-host-profiles.js';

export const GithubRepositorySchema = z.object({
  ...repositoryKeys('github', 'GitHub pull requests (REST through octokit)', z.string().trim().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'use `owner/name`')),
  token: z.string().optional().describe('GitHub token; `$VAR` or omitted to read GITHUB_TOKEN. Never reaches an agent'),
  api_url: z.string().url().default('https://api.github.com').describe('REST base URL (GHES: `https://host/api/v3`)'),
  webhook_secret: z.string().optional().describe('Secret of the repository webhook (check_suite, check_run, status, pull_request, pull_request_review); `$VAR` recommended'),
  timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout'),
  write_interval_ms: z.number().int().nonnegative().default(1_000).describe('Minimum gap between writes (GitHub asks for ≥ 1 s); 0 turns pacing off'),
});
export type GithubRepository = z.output<typeof GithubRepositorySchema>;

export const githubRepositoryProfile: CodeHostProfile = {
  kind: 'github',
  title: 'GitHub pull requests (REST through octokit)',
  schema: GithubRepositorySchema,
  secrets: [
    { key: 'token', env: 'GITHUB_TOKEN', required: true },
    { key: 'webhook_secret', required: false },
  ],
};
