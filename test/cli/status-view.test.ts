/** The `baton status` table's last column: the error or reason, retry, gate and pull request of each issue. */
import { describe, expect, it } from 'vitest';
import { formatIssueTable } from '../../cli/status-view.js';
import { BatonIssueSchema, type BatonIssue } from '../../server/contract.js';

const NOW = new Date('2026-12-02T10:00:00Z');

function issue(patch: Partial<BatonIssue>): BatonIssue {
  return BatonIssueSchema.parse({
    identifier: 'ENG-1', issue_id: 'i1', workflow_id: 'w1', tracker: 'local', title: 'Fix math', stage: 'ship', state: 'In Review', status: 'gated',
    attempt: 1, last_error: null, reason: null, retry_due_at: null, gate: null, pending_approval: null, stage_runtime_seconds: null, session_id: null,
    tokens: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, history: [], reworks: {}, workspace_host: null,
    started_at: NOW.toISOString(), updated_at: NOW.toISOString(), temporal_url: null, tracker_url: null, pull_request: null, actions: [],
    ...patch,
  });
}

const pr = (state: 'open' | 'merged' | null) => ({ repo: 'acme/app', number: 12, url: 'https://github.com/acme/app/pull/12', state, summary: null, merged: state === 'merged' });

describe('formatIssueTable: LAST ERROR / WHY', () => {
  it.each([
    ['nothing to say', {}, / - *$/],
    ['the reason', { reason: 'waiting at the ship gate: no checks reported on abc1234 yet' }, /no checks reported on abc1234 yet/],
    ['the error wins over the reason', { last_error: 'agent_stalled: no output for 300 s', reason: 'retrying' }, /agent_stalled: no output for 300 s/],
    ['the pull request and its state', { reason: 'waiting for checks', pull_request: pr('open') }, /waiting for checks · PR acme\/app#12 open/],
    ['a merged pull request', { status: 'done', pull_request: pr('merged') }, /PR acme\/app#12 merged/],
    ['a pull request not read yet', { pull_request: pr(null) }, /PR acme\/app#12 *$/],
  ])('%s', (_name, patch, expected) => {
    const [, row] = formatIssueTable([issue(patch)], NOW, 400).split('\n');
    expect(row).toMatch(expected);
  });
});
