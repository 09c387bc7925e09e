/**
 * Real tracker smoke tests (SPEC §17.8), run by `npm run test:live` only. A tracker whose
 * variables are all set is read for real: candidates in its active states, one refreshed by id,
 * and — only when a test issue is named (`BATON_LIVE_<KIND>_ISSUE`) — Baton's one progress
 * comment upserted on that issue (updated in place on every run, so runs leave one comment, not
 * one each). A tracker whose variables are missing is reported as skipped, naming them.
 *
 * Credentials come only from the adapters' documented environment variables (LINEAR_API_KEY,
 * GITHUB_TOKEN, JIRA_API_TOKEN, GITLAB_PAT, ASANA_PAT, …), read by the config loader.
 */
import { describe, expect, it } from 'vitest';
import { IssueSchema } from '../../core/issue-schema.js';
import { createTracker } from '../../adapters/trackers/index.js';
import { silentLogger } from '../../base/logger.js';
import { listFromEnv, liveConfig, unset } from './live-env.js';

interface LiveTracker {
  kind: string;
  /** Every variable the smoke test needs (credentials first). */
  needs: string[];
  /** `tracker:` of the throw-away config: only non-secret keys, the rest from the environment. */
  tracker(): Record<string, unknown>;
}

const env = process.env;
const trackers: LiveTracker[] = [
  {
    kind: 'linear',
    needs: ['LINEAR_API_KEY', 'BATON_LIVE_LINEAR_PROJECT'],
    tracker: () => ({
      kind: 'linear',
      provider: { project_slug: env.BATON_LIVE_LINEAR_PROJECT, ...(env.BATON_LIVE_LINEAR_ENDPOINT ? { endpoint: env.BATON_LIVE_LINEAR_ENDPOINT } : {}) },
      active_states: listFromEnv('BATON_LIVE_LINEAR_STATES', ['Todo', 'In Progress']),
    }),
  },
  {
    kind: 'github',
    needs: ['GITHUB_TOKEN', 'GITHUB_REPO'],
    tracker: () => ({ kind: 'github', active_states: listFromEnv('BATON_LIVE_GITHUB_STATES', ['open']) }),
  },
  {
    kind: 'jira',
    needs: ['JIRA_BASE_URL', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'BATON_LIVE_JIRA_PROJECT'],
    tracker: () => ({ kind: 'jira', provider: { project: env.BATON_LIVE_JIRA_PROJECT }, active_states: listFromEnv('BATON_LIVE_JIRA_STATES', ['To Do', 'In Progress']), terminal_states: ['Done'] }),
  },
  {
    kind: 'gitlab',
    needs: ['GITLAB_PAT', 'GITLAB_PROJECT_PATH'],
    tracker: () => ({ kind: 'gitlab', ...(env.BATON_LIVE_GITLAB_API_URL ? { provider: { api_url: env.BATON_LIVE_GITLAB_API_URL } } : {}) }),
  },
  {
    kind: 'asana',
    needs: ['ASANA_PAT', 'BATON_LIVE_ASANA_PROJECT'],
    tracker: () => ({ kind: 'asana', provider: { project_gid: env.BATON_LIVE_ASANA_PROJECT }, active_states: listFromEnv('BATON_LIVE_ASANA_STATES', ['To do', 'Doing']), terminal_states: ['Done'] }),
  },
];

// `%s` prints the names in full (object rows' `$key` would be quoted and cut short).
const rows = trackers.map((t) => [t.kind, t.needs.join(', '), t] as const);

describe.each(rows)('%s (needs %s)', (_kind, _needs, t) => {
  it.skipIf(unset(t.needs).length > 0)('§17.8 a real tracker smoke test reads through credentials from the adapter’s documented variables', async () => {
    const { config } = liveConfig({ tracker: t.tracker() });
    const tc = config.trackers[0]!;
    const adapter = await createTracker(tc, { logger: silentLogger, env: process.env });
    try {
      const candidates = await adapter.fetchIssuesByStates(tc.active_states);
      for (const issue of candidates) expect(IssueSchema.safeParse(issue).success).toBe(true);
      if (candidates[0]) {
        const [again] = await adapter.fetchIssuesByIds([candidates[0].id]);
        expect(again?.identifier).toBe(candidates[0].identifier);
      }
      // A named test issue gets Baton's progress comment, edited in place on later runs.
      const testIssue = process.env[`BATON_LIVE_${t.kind.toUpperCase()}_ISSUE`]?.trim();
      if (testIssue) {
        const [issue] = await adapter.fetchIssuesByIds([testIssue]);
        expect(issue, `BATON_LIVE_${t.kind.toUpperCase()}_ISSUE=${testIssue} is not readable`).toBeDefined();
        await adapter.upsertProgressComment(issue!, `Baton live smoke test, ${new Date().toISOString()}: safe to ignore; this comment is updated in place.`);
      }
    } finally {
      await adapter.close?.();
    }
  });
});
