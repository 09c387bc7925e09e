/**
 * The GitHub fake's pull requests over REST: open, list by head, read, merge (with branch
 * protection's 405, a moved head's 409, and `sha` checks), reviews and their inline comments,
 * replies, check runs and commit statuses of a commit, job logs (a 302 to the log text, as GitHub
 * answers), and ref deletion. Branch heads come from a FakeGit (a real bare repository in pipeline
 * tests). Every body here is validated against @octokit/openapi by the server.
 *
 * Tests play CI and reviewers through `PullRequestWorld` (check runs, statuses, reviews,
 * protection); Baton only ever reaches the fake over HTTP.
 */
import type { FakeGit, MergeMethod } from './git.js';
import { MergeConflict, MemoryGit } from './git.js';
import { HttpError, onlyParams, paginate, type Handler, type HandlerContext } from './http.js';
import { githubTime, type FakeIssue, type FakeRepo, type GithubStore } from './store.js';

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';

export interface FakeReviewComment {
  id: number;
  node_id: string;
  review_id: number | null;
  path: string;
  line: number;
  body: string;
  commit_id: string;
  user: string;
  in_reply_to: number | null;
  created_at: string;
}

export interface FakeReview {
  id: number;
  node_id: string;
  user: string;
  state: ReviewState;
  body: string;
  commit_id: string;
  submitted_at: string;
}

export interface FakeCheckRun {
  id: number;
  node_id: string;
  name: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** `github-actions` runs have job logs. */
  app: 'github-actions' | 'external-ci';
  log: string | null;
  started_at: string;
  completed_at: string | null;
}

export interface FakeStatus {
  id: number;
  node_id: string;
  sha: string;
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  description: string | null;
  target_url: string | null;
  created_at: string;
  updated_at: string;
}

/** Branch protection on the base branch, as the merge endpoint enforces it. */
export interface FakeProtection {
  requiredApprovals: number;
  requiredChecks: string[];
}

export interface FakeMerge {
  number: number;
  method: MergeMethod;
  sha: string;
  at: string;
}

/** A pull request's REST side (the issue part lives in FakeIssue). */
export interface FakePullRest {
  headSha: string;
  merged_at: string | null;
  merge_commit_sha: string | null;
  reviews: FakeReview[];
  comments: FakeReviewComment[];
}

/** The code side of one repository: branches, CI results, protection and merges. */
export interface RepoCode {
  git: FakeGit;
  checkRuns: FakeCheckRun[];
  statuses: FakeStatus[];
  protection: FakeProtection | null;
  /** A refusal every merge gets until cleared (a reason GitHub would give with 405). */
  refusal: string | null;
  merges: FakeMerge[];
  rest: Map<number, FakePullRest>;
}

const MERGEABLE_STATES = new Set(['clean', 'blocked', 'unstable', 'dirty', 'unknown']);

export class PullRequestWorld {
  private readonly code = new Map<string, RepoCode>();
  /** Called after a merge is done and before its answer is sent (crash tests kill Baton here). */
  onMerge: ((merge: FakeMerge) => void) | null = null;

  constructor(private readonly store: GithubStore) {}

  /** The code side of `repo`, created with an in-memory git unless `git` is given the first time. */
  repo(full: string, git?: FakeGit): RepoCode {
    const key = full.toLowerCase();
    let code = this.code.get(key);
    if (!code) {
      this.store.repo(full);
      code = { git: git ?? new MemoryGit(), checkRuns: [], statuses: [], protection: null, refusal: null, merges: [], rest: new Map() };
      this.code.set(key, code);
    } else if (git) code.git = git;
    return code;
  }

  pull(full: string, number: number): { issue: FakeIssue; rest: FakePullRest } {
    const issue = this.store.repo(full).issues.get(number);
    const rest = this.repo(full).rest.get(number);
    if (!issue?.pull || !rest) throw new Error(`fake: no pull request ${full}#${number}`);
    return { issue, rest };
  }

  /** Every pull request of `repo`, oldest first. */
  pulls(full: string): FakeIssue[] {
    return [...this.store.repo(full).issues.values()].filter((i) => i.pull && this.repo(full).rest.has(i.number));
  }

  /** The PR's head commit now: the branch tip while the branch exists, else the last one seen. */
  headOf(issue: FakeIssue): string {
    const rest = this.repo(issue.repo.full).rest.get(issue.number)!;
    if (!issue.pull!.merged && issue.state === 'open') {
      const tip = this.repo(issue.repo.full).git.head(issue.pull!.head);
      if (tip) rest.headSha = tip;
    }
    return rest.headSha;
  }

  addCheckRun(full: string, run: { sha: string; name: string; status?: FakeCheckRun['status']; conclusion?: FakeCheckRun['conclusion']; title?: string; summary?: string; text?: string; log?: string; app?: FakeCheckRun['app'] }): FakeCheckRun {
    const now = githubTime();
    const status = run.status ?? (run.conclusion ? 'completed' : 'in_progress');
    const check: FakeCheckRun = {
      id: this.store.id(),
      node_id: this.store.nodeId('CR'),
      name: run.name,
      head_sha: run.sha,
      status,
      conclusion: status === 'completed' ? (run.conclusion ?? 'success') : null,
      output: { title: run.title ?? null, summary: run.summary ?? null, text: run.text ?? null },
      app: run.app ?? 'github-actions',
      log: run.log ?? null,
      started_at: now,
      completed_at: status === 'completed' ? now : null,
    };
    this.repo(full).checkRuns.push(check);
    return check;
  }

  completeCheckRun(check: FakeCheckRun, conclusion: NonNullable<FakeCheckRun['conclusion']>, output: Partial<FakeCheckRun['output']> & { log?: string } = {}): void {
    check.status = 'completed';
    check.conclusion = conclusion;
    check.completed_at = githubTime();
    check.output = { ...check.output, ...('title' in output ? { title: output.title ?? null } : {}), ...('summary' in output ? { summary: output.summary ?? null } : {}), ...('text' in output ? { text: output.text ?? null } : {}) };
    if (output.log !== undefined) check.log = output.log;
  }

  setStatus(full: string, sha: string, context: string, state: FakeStatus['state'], description: string | null = null): FakeStatus {
    const now = githubTime();
    const status: FakeStatus = { id: this.store.id(), node_id: this.store.nodeId('SC'), sha, context, state, description, target_url: null, created_at: now, updated_at: now };
    this.repo(full).statuses.push(status);
    return status;
  }

  addReview(full: string, number: number, review: { user: string; state: ReviewState; body?: string; commit?: string; comments?: Array<{ path: string; line: number; body: string }> }): FakeReview {
    const { issue, rest } = this.pull(full, number);
    const commit = review.commit ?? this.headOf(issue);
    const now = githubTime();
    const added: FakeReview = { id: this.store.id(), node_id: this.store.nodeId('PRR'), user: review.user, state: review.state, body: review.body ?? '', commit_id: commit, submitted_at: now };
    rest.reviews.push(added);
    for (const c of review.comments ?? []) {
      rest.comments.push({ id: this.store.id(), node_id: this.store.nodeId('PRRC'), review_id: added.id, path: c.path, line: c.line, body: c.body, commit_id: commit, user: review.user, in_reply_to: null, created_at: now });
    }
    this.store.touch(issue);
    return added;
  }

  protect(full: string, protection: FakeProtection | null): void {
    this.repo(full).protection = protection;
  }

  // ---------------------------------------------------------------- behaviour

  /** Why branch protection refuses merging `issue` now, in GitHub's words; null when it allows it. */
  refusal(issue: FakeIssue): string | null {
    const code = this.repo(issue.repo.full);
    if (code.refusal) return code.refusal;
    const p = code.protection;
    if (!p) return null;
    const head = this.headOf(issue);
    const latest = latestReviews(code.rest.get(issue.number)!.reviews);
    const approvals = latest.filter((r) => r.state === 'APPROVED').length;
    if (latest.some((r) => r.state === 'CHANGES_REQUESTED')) return 'Changes have been requested.';
    if (approvals < p.requiredApprovals) return `At least ${p.requiredApprovals} approving review${p.requiredApprovals === 1 ? ' is' : 's are'} required by reviewers with write access.`;
    for (const name of p.requiredChecks) {
      const run = latestChecks(code.checkRuns, head).find((c) => c.name === name);
      const status = latestStatuses(code.statuses, head).find((s) => s.context === name);
      const green = (run && run.status === 'completed' && ['success', 'neutral', 'skipped'].includes(run.conclusion ?? '')) || status?.state === 'success';
      if (!green) return `Required status check "${name}" is expected.`;
    }
    return null;
  }

  private mergeableState(issue: FakeIssue): string {
    if (issue.pull!.merged || issue.state === 'closed') return 'unknown';
    return this.refusal(issue) ? 'blocked' : 'clean';
  }

  // ---------------------------------------------------------------- REST JSON

  private repoJson(repo: FakeRepo, minimal = false): Record<string, unknown> {
    const api = `${this.store.baseUrl}/repos/${repo.full}`;
    const urls = Object.fromEntries(
      ['archive', 'assignees', 'blobs', 'branches', 'collaborators', 'comments', 'commits', 'compare', 'contents', 'contributors', 'deployments', 'downloads', 'events', 'forks', 'git_commits', 'git_refs', 'git_tags', 'hooks', 'issue_comment', 'issue_events', 'issues', 'keys', 'labels', 'languages', 'merges', 'milestones', 'notifications', 'pulls', 'releases', 'stargazers', 'statuses', 'subscribers', 'subscription', 'tags', 'teams', 'trees'].map((name) => [`${name}_url`, `${api}/${name.replace(/_/g, '/')}`]),
    );
    const base = { ...urls, id: repo.id, node_id: repo.node_id, name: repo.name, full_name: repo.full, owner: this.store.userJson(repo.owner), private: false, html_url: `https://github.com/${repo.full}`, description: null, fork: false, url: api };
    if (minimal) return base;
    return {
      ...base,
      clone_url: `https://github.com/${repo.full}.git`,
      git_url: `git://github.com/${repo.full}.git`,
      ssh_url: `git@github.com:${repo.full}.git`,
      svn_url: `https://github.com/${repo.full}`,
      mirror_url: null,
      homepage: null,
      language: null,
      default_branch: 'main',
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 1,
      open_issues: 0,
      open_issues_count: 0,
      has_downloads: true,
      has_issues: true,
      has_projects: true,
      has_wiki: false,
      has_pages: false,
      archived: false,
      disabled: false,
      license: null,
      // Fixed times: a repository that changes every second would defeat the ETags.
      pushed_at: '2026-01-01T00:00:00Z',
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    };
  }

  private linkJson(href: string): { href: string } {
    return { href };
  }

  pullJson(issue: FakeIssue, simple = false): Record<string, unknown> {
    const repo = issue.repo;
    const code = this.repo(repo.full);
    const rest = code.rest.get(issue.number)!;
    const api = `${this.store.baseUrl}/repos/${repo.full}`;
    const self = `${api}/pulls/${issue.number}`;
    const html = this.store.htmlUrl(issue);
    const head = this.headOf(issue);
    const side = (ref: string, sha: string) => ({ label: `${repo.owner}:${ref}`, ref, sha, user: this.store.userJson(repo.owner), repo: this.repoJson(repo) });
    const baseSha = code.git.head(issue.pull!.base) ?? head;
    const body: Record<string, unknown> = {
      url: self,
      id: issue.id,
      node_id: issue.node_id,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${issue.number}`,
      commits_url: `${self}/commits`,
      review_comments_url: `${self}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${issue.number}/comments`,
      statuses_url: `${api}/statuses/${head}`,
      number: issue.number,
      state: issue.state,
      locked: false,
      title: issue.title,
      user: this.store.userJson('baton-bot'),
      body: issue.body,
      labels: issue.labels.map((name) => this.store.labelJson(repo, name)),
      milestone: null,
      active_lock_reason: null,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      merged_at: rest.merged_at,
      merge_commit_sha: rest.merge_commit_sha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: side(issue.pull!.head, head),
      base: side(issue.pull!.base, baseSha),
      _links: {
        self: this.linkJson(self),
        html: this.linkJson(html),
        issue: this.linkJson(`${api}/issues/${issue.number}`),
        comments: this.linkJson(`${api}/issues/${issue.number}/comments`),
        review_comments: this.linkJson(`${self}/comments`),
        review_comment: this.linkJson(`${api}/pulls/comments{/number}`),
        commits: this.linkJson(`${self}/commits`),
        statuses: this.linkJson(`${api}/statuses/${head}`),
      },
      author_association: 'MEMBER',
      auto_merge: null,
      draft: issue.pull!.draft,
    };
    if (simple) return body;
    const state = this.mergeableState(issue);
    if (!MERGEABLE_STATES.has(state)) throw new Error(`fake: mergeable_state ${state}`);
    return {
      ...body,
      merged: issue.pull!.merged,
      mergeable: issue.pull!.merged || issue.state === 'closed' ? null : true,
      rebaseable: null,
      mergeable_state: state,
      merged_by: issue.pull!.merged ? this.store.userJson('baton-bot') : null,
      comments: issue.comments.length,
      review_comments: rest.comments.length,
      maintainer_can_modify: false,
      commits: 1,
      additions: 1,
      deletions: 0,
      changed_files: 1,
    };
  }

  private reviewJson(issue: FakeIssue, review: FakeReview): Record<string, unknown> {
    const self = `${this.store.baseUrl}/repos/${issue.repo.full}/pulls/${issue.number}`;
    const html = `${this.store.htmlUrl(issue)}#pullrequestreview-${review.id}`;
    return {
      id: review.id,
      node_id: review.node_id,
      user: this.store.userJson(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: self,
      _links: { html: { href: html }, pull_request: { href: self } },
      submitted_at: review.submitted_at,
      commit_id: review.commit_id,
      author_association: 'MEMBER',
    };
  }

  private reviewCommentJson(issue: FakeIssue, comment: FakeReviewComment): Record<string, unknown> {
    const api = `${this.store.baseUrl}/repos/${issue.repo.full}`;
    const url = `${api}/pulls/comments/${comment.id}`;
    const html = `${this.store.htmlUrl(issue)}#discussion_r${comment.id}`;
    const pr = `${api}/pulls/${issue.number}`;
    return {
      url,
      id: comment.id,
      node_id: comment.node_id,
      pull_request_review_id: comment.review_id,
      diff_hunk: '@@ -1 +1 @@',
      path: comment.path,
      position: comment.line,
      original_position: comment.line,
      line: comment.line,
      commit_id: comment.commit_id,
      original_commit_id: comment.commit_id,
      user: this.store.userJson(comment.user),
      body: comment.body,
      created_at: comment.created_at,
      updated_at: comment.created_at,
      html_url: html,
      pull_request_url: pr,
      author_association: 'MEMBER',
      ...(comment.in_reply_to ? { in_reply_to_id: comment.in_reply_to } : {}),
      _links: { self: { href: url }, html: { href: html }, pull_request: { href: pr } },
    };
  }

  private checkRunJson(repo: FakeRepo, run: FakeCheckRun): Record<string, unknown> {
    const api = `${this.store.baseUrl}/repos/${repo.full}`;
    const pulls = this.pulls(repo.full).filter((i) => i.state === 'open' && this.headOf(i) === run.head_sha);
    return {
      id: run.id,
      node_id: run.node_id,
      head_sha: run.head_sha,
      external_id: null,
      url: `${api}/check-runs/${run.id}`,
      html_url: `https://github.com/${repo.full}/runs/${run.id}`,
      details_url: `https://github.com/${repo.full}/actions/runs/${run.id}/job/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at,
      completed_at: run.completed_at,
      output: { ...run.output, annotations_count: 0, annotations_url: `${api}/check-runs/${run.id}/annotations` },
      name: run.name,
      check_suite: { id: run.id + 1 },
      app: {
        id: run.app === 'github-actions' ? 15368 : 99,
        slug: run.app,
        node_id: 'MDM6QXBwMTUzNjg=',
        owner: this.store.userJson('github'),
        name: run.app === 'github-actions' ? 'GitHub Actions' : 'External CI',
        description: null,
        external_url: 'https://help.github.com/en/actions',
        html_url: `https://github.com/apps/${run.app}`,
        created_at: '2018-07-30T09:30:17Z',
        updated_at: '2019-12-10T19:04:12Z',
        permissions: { checks: 'write', metadata: 'read' },
        events: [],
      },
      pull_requests: pulls.map((i) => ({
        id: i.id,
        number: i.number,
        url: `${api}/pulls/${i.number}`,
        head: { ref: i.pull!.head, sha: this.headOf(i), repo: { id: repo.id, url: api, name: repo.name } },
        base: { ref: i.pull!.base, sha: this.repo(repo.full).git.head(i.pull!.base) ?? run.head_sha, repo: { id: repo.id, url: api, name: repo.name } },
      })),
    };
  }

  private combinedStatusJson(repo: FakeRepo, sha: string): Record<string, unknown> {
    const statuses = latestStatuses(this.repo(repo.full).statuses, sha);
    const api = `${this.store.baseUrl}/repos/${repo.full}`;
    const state = statuses.some((s) => s.state === 'failure' || s.state === 'error') ? 'failure' : statuses.some((s) => s.state === 'pending') || statuses.length === 0 ? 'pending' : 'success';
    return {
      state,
      sha,
      total_count: statuses.length,
      statuses: statuses.map((s) => ({ id: s.id, node_id: s.node_id, url: `${api}/statuses/${sha}`, avatar_url: null, state: s.state, description: s.description, target_url: s.target_url, context: s.context, created_at: s.created_at, updated_at: s.updated_at })),
      repository: this.repoJson(repo, true),
      commit_url: `${api}/commits/${sha}`,
      url: `${api}/commits/${sha}/status`,
    };
  }

  // ---------------------------------------------------------------- handlers

  handlers(): Record<string, Handler> {
    const repoOf = (ctx: HandlerContext): FakeRepo => {
      const repo = this.store.findRepo(String(ctx.params.owner), String(ctx.params.repo));
      if (!repo) throw new HttpError(404, 'Not Found');
      return repo;
    };
    const pullOf = (ctx: HandlerContext): { issue: FakeIssue; rest: FakePullRest } => {
      const repo = repoOf(ctx);
      const issue = repo.issues.get(Number(ctx.params.pull_number));
      const rest = this.repo(repo.full).rest.get(Number(ctx.params.pull_number));
      if (!issue?.pull || !rest) throw new HttpError(404, 'Not Found');
      return { issue, rest };
    };
    return {
      'pulls/list': (ctx) => {
        onlyParams(ctx, ['state', 'head', 'base', 'per_page', 'page']);
        const repo = repoOf(ctx);
        const state = String(ctx.query.state ?? 'open');
        const head = typeof ctx.query.head === 'string' ? ctx.query.head : null;
        const matching = this.pulls(repo.full)
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => !head || head === `${repo.owner}:${i.pull!.head}` || head === i.pull!.head)
          .sort((a, b) => b.number - a.number);
        const { page, link } = paginate(matching, ctx);
        return { status: 200, body: page.map((i) => this.pullJson(i, true)), link };
      },
      'pulls/get': (ctx) => ({ status: 200, body: this.pullJson(pullOf(ctx).issue) }),
      'pulls/create': (ctx) => {
        const repo = repoOf(ctx);
        const body = ctx.body as { title?: string; head?: string; base?: string; body?: string; draft?: boolean };
        const head = String(body.head ?? '').replace(/^[^:]+:/, '');
        const code = this.repo(repo.full);
        const sha = code.git.head(head);
        if (!body.title || !sha || !code.git.head(body.base ?? '')) {
          return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'invalid', field: sha ? 'base' : 'head' }], documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request', status: '422' } };
        }
        if (this.pulls(repo.full).some((i) => i.state === 'open' && i.pull!.head === head)) {
          return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` }], documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request', status: '422' } };
        }
        const issue = this.store.addPullRequest(repo.full, { title: body.title, body: body.body ?? null, head, base: body.base, draft: body.draft ?? false, created_at: githubTime(), updated_at: githubTime() });
        code.rest.set(issue.number, { headSha: sha, merged_at: null, merge_commit_sha: null, reviews: [], comments: [] });
        return { status: 201, body: this.pullJson(issue) };
      },
      'pulls/merge': (ctx) => this.merge(pullOf(ctx).issue, (ctx.body ?? {}) as { merge_method?: MergeMethod; sha?: string; commit_title?: string }),
      'pulls/list-reviews': (ctx) => {
        onlyParams(ctx, ['per_page', 'page']);
        const { issue, rest } = pullOf(ctx);
        const { page, link } = paginate(rest.reviews, ctx);
        return { status: 200, body: page.map((r) => this.reviewJson(issue, r)), link };
      },
      'pulls/list-comments-for-review': (ctx) => {
        onlyParams(ctx, ['per_page', 'page']);
        const { issue, rest } = pullOf(ctx);
        const id = Number(ctx.params.review_id);
        if (!rest.reviews.some((r) => r.id === id)) throw new HttpError(404, 'Not Found');
        const { page, link } = paginate(rest.comments.filter((c) => c.review_id === id), ctx);
        return { status: 200, body: page.map((c) => this.reviewCommentJson(issue, c)), link };
      },
      'pulls/create-reply-for-review-comment': (ctx) => {
        const { issue, rest } = pullOf(ctx);
        const parent = rest.comments.find((c) => c.id === Number(ctx.params.comment_id));
        if (!parent) throw new HttpError(404, 'Not Found');
        const reply: FakeReviewComment = { ...parent, id: this.store.id(), node_id: this.store.nodeId('PRRC'), review_id: null, body: String((ctx.body as { body: string }).body), user: 'baton-bot', in_reply_to: parent.id, created_at: githubTime() };
        rest.comments.push(reply);
        return { status: 201, body: this.reviewCommentJson(issue, reply) };
      },
      'checks/list-for-ref': (ctx) => {
        onlyParams(ctx, ['per_page', 'page', 'filter']);
        const repo = repoOf(ctx);
        const sha = this.resolveRef(repo, String(ctx.params.ref));
        const all = this.repo(repo.full).checkRuns.filter((c) => c.head_sha === sha);
        const runs = ctx.query.filter === 'all' ? all : latestChecks(all, sha);
        const { page, link } = paginate(runs, ctx);
        return { status: 200, body: { total_count: runs.length, check_runs: page.map((c) => this.checkRunJson(repo, c)) }, link };
      },
      'repos/get-combined-status-for-ref': (ctx) => {
        onlyParams(ctx, ['per_page', 'page']);
        const repo = repoOf(ctx);
        return { status: 200, body: this.combinedStatusJson(repo, this.resolveRef(repo, String(ctx.params.ref))) };
      },
      'actions/download-job-logs-for-workflow-run': (ctx) => {
        const repo = repoOf(ctx);
        const run = this.repo(repo.full).checkRuns.find((c) => c.id === Number(ctx.params.job_id) && c.app === 'github-actions');
        if (!run) throw new HttpError(404, 'Not Found');
        return { status: 302, body: undefined, headers: { location: `${this.store.baseUrl}/_fake/job-logs/${repo.full}/${run.id}?token=signed` } };
      },
      'git/delete-ref': (ctx) => {
        const repo = repoOf(ctx);
        const ref = String(ctx.params.ref);
        if (!ref.startsWith('heads/') || !this.repo(repo.full).git.deleteBranch(ref.slice('heads/'.length))) {
          return { status: 422, body: { message: 'Reference does not exist', documentation_url: 'https://docs.github.com/rest/git/refs#delete-a-reference', status: '422' } };
        }
        return { status: 204, body: undefined };
      },
    };
  }

  /** The log text behind a job-log redirect (GitHub serves it from blob storage). */
  jobLog(repoFull: string, id: number): string | null {
    return this.repo(repoFull).checkRuns.find((c) => c.id === id)?.log ?? null;
  }

  private resolveRef(repo: FakeRepo, ref: string): string {
    return this.repo(repo.full).git.head(ref.replace(/^heads\//, '')) ?? ref;
  }

  private merge(issue: FakeIssue, body: { merge_method?: MergeMethod; sha?: string; commit_title?: string }): { status: number; body: unknown } {
    const docs = 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request';
    const code = this.repo(issue.repo.full);
    const rest = code.rest.get(issue.number)!;
    if (issue.pull!.merged || issue.state === 'closed') return { status: 405, body: { message: 'Pull Request is not mergeable', documentation_url: docs, status: '405' } };
    const head = this.headOf(issue);
    if (body.sha && body.sha !== head) return { status: 409, body: { message: 'Head branch was modified. Review and try the merge again.', documentation_url: docs, status: '409' } };
    const refusal = this.refusal(issue);
    if (refusal) return { status: 405, body: { message: refusal, documentation_url: docs, status: '405' } };
    const method = body.merge_method ?? 'merge';
    let sha: string;
    try {
      sha = code.git.merge(issue.pull!.base, issue.pull!.head, method, body.commit_title ?? `${issue.title} (#${issue.number})`);
    } catch (err) {
      if (err instanceof MergeConflict) return { status: 405, body: { message: 'Pull Request is not mergeable', documentation_url: docs, status: '405' } };
      throw err;
    }
    const at = githubTime();
    issue.pull!.merged = true;
    rest.merged_at = at;
    rest.merge_commit_sha = sha;
    this.store.setState(issue, 'closed');
    this.store.touch(issue);
    const merge: FakeMerge = { number: issue.number, method, sha, at };
    code.merges.push(merge);
    this.onMerge?.(merge);
    return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  }
}

/** A reviewer's latest deciding review (COMMENTED reviews decide nothing), as GitHub counts them. */
export function latestReviews(reviews: readonly FakeReview[]): FakeReview[] {
  const byUser = new Map<string, FakeReview>();
  for (const r of reviews) if (r.state !== 'COMMENTED') byUser.set(r.user, r);
  return [...byUser.values()];
}

/** `filter=latest`: the newest run of each check name on `sha`. */
function latestChecks(runs: readonly FakeCheckRun[], sha: string): FakeCheckRun[] {
  const byName = new Map<string, FakeCheckRun>();
  for (const r of runs) if (r.head_sha === sha) byName.set(r.name, r);
  return [...byName.values()];
}

function latestStatuses(statuses: readonly FakeStatus[], sha: string): FakeStatus[] {
  const byContext = new Map<string, FakeStatus>();
  for (const s of statuses) if (s.sha === sha) byContext.set(s.context, s);
  return [...byContext.values()];
}
