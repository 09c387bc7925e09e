/**
 * The GitHub fake's in-memory data: repositories, labels, issues (pull requests are issues with a
 * `pull` part, as on GitHub), comments and Projects v2 boards, plus the REST JSON they serialize to.
 * Every serialized body is checked against the OpenAPI response schema by the server.
 */

export interface FakeLabel {
  id: number;
  node_id: string;
  name: string;
  color: string;
  description: string | null;
}

export interface FakeComment {
  id: number;
  node_id: string;
  body: string;
  author: string;
  created_at: string;
  updated_at: string;
}

/** Review and check state of a pull request, in GitHub's GraphQL spelling. */
export interface FakePull {
  head: string;
  base: string;
  draft: boolean;
  merged: boolean;
  /** Issue numbers this PR closes (`Fixes #N` / the Development sidebar). */
  closes: number[];
  reviewDecision: 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null;
  checks: 'SUCCESS' | 'FAILURE' | 'PENDING' | 'ERROR' | 'EXPECTED' | null;
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
}

export interface FakeIssue {
  repo: FakeRepo;
  number: number;
  id: number;
  node_id: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  /** Label names as attached (their spelling lives on the repository label). */
  labels: string[];
  assignee: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  comments: FakeComment[];
  pull: FakePull | null;
  /** Open issues blocking this one (GitHub's issue dependencies); serialized as `issue_dependencies_summary`. */
  blocked_by: number | null;
}

export interface FakeRepo {
  owner: string;
  name: string;
  full: string;
  id: number;
  node_id: string;
  labels: Map<string, FakeLabel>;
  issues: Map<number, FakeIssue>;
  nextNumber: number;
}

export interface FakeProjectOption {
  id: string;
  name: string;
}

export interface FakeProjectItem {
  id: string;
  issue: FakeIssue;
  optionId: string | null;
  archived: boolean;
}

export interface FakeProject {
  owner: string;
  number: number;
  id: string;
  title: string;
  field: { id: string; name: string; options: FakeProjectOption[] };
  items: FakeProjectItem[];
}

/** What a test may set when seeding an issue or a pull request. */
export interface IssueSeed {
  title?: string;
  body?: string | null;
  state?: 'open' | 'closed';
  labels?: string[];
  assignee?: string | null;
  created_at?: string;
  updated_at?: string;
  blocked_by?: number;
}

export interface PullSeed extends IssueSeed {
  head: string;
  base?: string;
  draft?: boolean;
  merged?: boolean;
  closes?: number[];
  reviewDecision?: FakePull['reviewDecision'];
  checks?: FakePull['checks'];
  mergeable?: FakePull['mergeable'];
}

const SEED_EPOCH = Date.parse('2026-01-01T00:00:00Z');

/** GitHub timestamps: UTC, second precision. */
export function githubTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class GithubStore {
  readonly repos = new Map<string, FakeRepo>();
  readonly projects: FakeProject[] = [];
  private nextId = 1000;

  constructor(readonly baseUrl: string) {}

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  nodeId(prefix: string): string {
    return `${prefix}_kw${this.id().toString(36).padStart(6, '0')}`;
  }

  /** The repository `owner/name`, created on first use. Lookups are case-insensitive, as on GitHub. */
  repo(full: string): FakeRepo {
    const key = full.toLowerCase();
    let repo = this.repos.get(key);
    if (!repo) {
      const [owner, name] = full.split('/');
      if (!owner || !name) throw new Error(`fake: repository must be owner/name, got ${full}`);
      repo = { owner, name, full, id: this.id(), node_id: this.nodeId('R'), labels: new Map(), issues: new Map(), nextNumber: 1 };
      this.repos.set(key, repo);
    }
    return repo;
  }

  findRepo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  /** The repository label `name` (case-insensitive), created like GitHub does when a missing label is added. */
  label(repo: FakeRepo, name: string): FakeLabel {
    const key = name.toLowerCase();
    let label = repo.labels.get(key);
    if (!label) {
      label = { id: this.id(), node_id: this.nodeId('LA'), name, color: 'ededed', description: null };
      repo.labels.set(key, label);
    }
    return label;
  }

  addIssue(repoFull: string, seed: IssueSeed = {}, pull: FakePull | null = null): FakeIssue {
    const repo = this.repo(repoFull);
    const number = repo.nextNumber;
    repo.nextNumber += 1;
    const created = seed.created_at ?? githubTime(SEED_EPOCH + number * 60_000);
    const issue: FakeIssue = {
      repo,
      number,
      id: this.id(),
      node_id: this.nodeId(pull ? 'PR' : 'I'),
      title: seed.title ?? `Issue ${number}`,
      body: seed.body === undefined ? `Body of ${number}` : seed.body,
      state: seed.state ?? 'open',
      state_reason: seed.state === 'closed' ? 'completed' : null,
      labels: [],
      assignee: seed.assignee ?? null,
      created_at: created,
      updated_at: seed.updated_at ?? created,
      closed_at: seed.state === 'closed' ? created : null,
      comments: [],
      pull,
      blocked_by: seed.blocked_by ?? null,
    };
    for (const name of seed.labels ?? []) this.attachLabel(issue, name);
    repo.issues.set(number, issue);
    return issue;
  }

  addPullRequest(repoFull: string, seed: PullSeed): FakeIssue {
    return this.addIssue(repoFull, seed, {
      head: seed.head,
      base: seed.base ?? 'main',
      draft: seed.draft ?? false,
      merged: seed.merged ?? false,
      closes: seed.closes ?? [],
      reviewDecision: seed.reviewDecision ?? null,
      checks: seed.checks ?? null,
      mergeable: seed.mergeable ?? 'MERGEABLE',
    });
  }

  /** Attach a label (creating it on the repository when needed); true when it was not attached yet. */
  attachLabel(issue: FakeIssue, name: string): boolean {
    const label = this.label(issue.repo, name);
    if (issue.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) return false;
    issue.labels.push(label.name);
    return true;
  }

  touch(issue: FakeIssue): void {
    issue.updated_at = githubTime();
  }

  setState(issue: FakeIssue, state: 'open' | 'closed', reason?: FakeIssue['state_reason']): void {
    if (issue.state === state) return;
    issue.state = state;
    issue.closed_at = state === 'closed' ? githubTime() : null;
    issue.state_reason = state === 'closed' ? (reason ?? 'completed') : 'reopened';
  }

  findComment(repo: FakeRepo, commentId: number): { issue: FakeIssue; comment: FakeComment } | null {
    for (const issue of repo.issues.values()) {
      const comment = issue.comments.find((c) => c.id === commentId);
      if (comment) return { issue, comment };
    }
    return null;
  }

  addComment(issue: FakeIssue, body: string, author = 'baton-bot'): FakeComment {
    const now = githubTime();
    const comment: FakeComment = { id: this.id(), node_id: this.nodeId('IC'), body, author, created_at: now, updated_at: now };
    issue.comments.push(comment);
    return comment;
  }

  // ---------------------------------------------------------------- REST JSON

  /** The web page of an issue or pull request (the fake serves no web pages; the shape is GitHub's). */
  htmlUrl(issue: FakeIssue): string {
    return `https://github.com/${issue.repo.full}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`;
  }

  userJson(login: string): Record<string, unknown> {
    const api = `${this.baseUrl}/users/${login}`;
    return {
      login,
      id: 1,
      node_id: 'U_kgDOAAAAAQ',
      avatar_url: `${this.baseUrl}/avatars/${login}`,
      gravatar_id: '',
      url: api,
      html_url: `${this.baseUrl}/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: 'User',
      site_admin: false,
    };
  }

  labelJson(repo: FakeRepo, name: string): Record<string, unknown> {
    const label = this.label(repo, name);
    return {
      id: label.id,
      node_id: label.node_id,
      url: `${this.baseUrl}/repos/${repo.full}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      description: label.description,
      color: label.color,
      default: false,
    };
  }

  issueJson(issue: FakeIssue): Record<string, unknown> {
    const repoApi = `${this.baseUrl}/repos/${issue.repo.full}`;
    const api = `${repoApi}/issues/${issue.number}`;
    const html = this.htmlUrl(issue);
    const assignee = issue.assignee ? this.userJson(issue.assignee) : null;
    return {
      id: issue.id,
      node_id: issue.node_id,
      url: api,
      repository_url: repoApi,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: html,
      number: issue.number,
      state: issue.state,
      state_reason: issue.state_reason,
      title: issue.title,
      body: issue.body,
      user: this.userJson('octocat'),
      labels: issue.labels.map((name) => this.labelJson(issue.repo, name)),
      assignee,
      assignees: assignee ? [assignee] : [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: issue.comments.length,
      closed_at: issue.closed_at,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      author_association: 'MEMBER',
      ...(issue.blocked_by === null
        ? {}
        : { issue_dependencies_summary: { blocked_by: issue.blocked_by, blocking: 0, total_blocked_by: issue.blocked_by, total_blocking: 0 } }),
      ...(issue.pull
        ? {
            pull_request: {
              url: `${repoApi}/pulls/${issue.number}`,
              html_url: html,
              diff_url: `${html}.diff`,
              patch_url: `${html}.patch`,
              merged_at: issue.pull.merged ? issue.updated_at : null,
            },
          }
        : {}),
    };
  }

  commentJson(issue: FakeIssue, comment: FakeComment): Record<string, unknown> {
    const repoApi = `${this.baseUrl}/repos/${issue.repo.full}`;
    return {
      id: comment.id,
      node_id: comment.node_id,
      url: `${repoApi}/issues/comments/${comment.id}`,
      html_url: `${this.htmlUrl(issue)}#issuecomment-${comment.id}`,
      issue_url: `${repoApi}/issues/${issue.number}`,
      body: comment.body,
      user: this.userJson(comment.author),
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      author_association: 'MEMBER',
    };
  }
}
