/**
 * The `github` tracker: issues of one or more repositories, selected by `required_labels`, with the
 * Baton state read from labels, open/closed, or a Projects v2 field (`states.ts`). Reads use
 * conditional requests, so a poll that finds nothing changed is answered 304 and costs no rate
 * limit. Profile: spec/adapters/github.md.
 */
import type { TrackerConfig } from '../../../config/schema.js';
import { BatonError, ErrorCategory, isBatonError } from '../../../core/errors.js';
import { normalizeState, type Issue } from '../../../core/issue.js';
import type { Logger } from '../../../base/logger.js';
import type { AgentToolResult, AgentToolSpec, PollResult, TrackerAdapter, TrackerContext } from '../types.js';
import { GithubClient } from '../../github/client.js';
import { malformedResponse } from '../../github/errors.js';
import { normalizeRecord, parseIssueId, rawLabelNames, recordFromRest, type GithubRecord, type Normalized } from './normalize.js';
import { findProgressComment, progressBody } from './progress-comment.js';
import { ProjectBoard, projectState } from './project-board.js';
import { pullRequestStatus, type PullRequestStatus } from './pull-requests.js';
import { findRepo, githubSettings, type GithubSettings, type RepoRef } from './settings.js';
import { CLOSED, issueStateFilter, OPEN, planStateMove, stateFromLabels } from './states.js';
import {
  apiQuery,
  CommentArgs,
  GithubApiArgs,
  githubToolSpecs,
  parseArgs,
  PrStatusArgs,
  rejectApiPath,
  toolError,
  toolResult,
  unsupportedTool,
} from './tools.js';

/** Issues re-read at once by id: GitHub asks for few concurrent requests (secondary limits). */
const READ_CONCURRENCY = 4;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface IssueRef {
  repo: RepoRef;
  number: number;
}

export class GithubTracker implements TrackerAdapter {
  readonly kind = 'github';
  readonly client: GithubClient;
  private readonly board: ProjectBoard | null;
  private readonly progressComments = new Map<string, number>();

  constructor(
    readonly settings: GithubSettings,
    private readonly logger: Logger,
  ) {
    this.client = new GithubClient({
      token: settings.token,
      apiUrl: settings.apiUrl,
      timeoutMs: settings.timeoutMs,
      writeIntervalMs: settings.writeIntervalMs,
      logger,
    });
    this.board = settings.stateSource === 'project' && settings.project ? new ProjectBoard(this.client, { ...settings, project: settings.project }) : null;
  }

  // ---------------------------------------------------------------- reads

  private stateOf(record: GithubRecord): string | null {
    if (record.open === null) return null;
    switch (this.settings.stateSource) {
      case 'project':
        return projectState(record);
      case 'issue_state':
        return record.open ? OPEN : CLOSED;
      case 'labels':
        return stateFromLabels(rawLabelNames(record), record.open, this.settings);
    }
  }

  private normalize(record: GithubRecord): Normalized {
    return normalizeRecord(record, this.stateOf(record), this.settings);
  }

  /** Every in-scope record that can be in one of `states` (filtering by state happens after normalization). */
  private async listRecords(states: readonly string[]): Promise<GithubRecord[]> {
    if (this.board) return this.board.records();
    const filter = issueStateFilter(states, this.settings);
    const labels = this.settings.requiredLabels.filter(Boolean).map(encodeURIComponent).join(',');
    const records: GithubRecord[] = [];
    for (const repo of this.settings.repos) {
      const url = `/repos/${repo.owner}/${repo.name}/issues?state=${filter}${labels ? `&labels=${labels}` : ''}&sort=created&direction=asc&per_page=100`;
      const items = await this.client.paginate<Record<string, unknown>>(url, `list issues of ${repo.full}`, (item) =>
        typeof item.number === 'number' ? `#${item.number}` : undefined,
      );
      for (const item of items) records.push(recordFromRest(item, repo));
    }
    return records;
  }

  /** Normalize a listing, dropping (and logging) malformed records; their ids are returned too. */
  private keepValid(records: readonly GithubRecord[]): { issues: Issue[]; malformed: Map<string, string> } {
    const issues: Issue[] = [];
    const malformed = new Map<string, string>();
    for (const record of records) {
      const result = this.normalize(record);
      if (result.ok) {
        issues.push(result.issue);
        continue;
      }
      if (result.id) malformed.set(result.id, result.reason);
      this.logger.warn({ tracker: this.settings.trackerName, issue_id: result.id, reason: result.reason }, 'github: dropped a malformed issue from a state list');
    }
    return { issues, malformed };
  }

  async fetchIssuesByStates(states: readonly string[]): Promise<Issue[]> {
    if (states.length === 0) return [];
    const wanted = new Set(states.map(normalizeState));
    return this.keepValid(await this.listRecords(states)).issues.filter((i) => wanted.has(normalizeState(i.state)));
  }

  private refsOf(ids: readonly string[]): IssueRef[] {
    const refs = new Map<string, IssueRef>();
    for (const id of ids) {
      const parsed = parseIssueId(id);
      const repo = parsed ? findRepo(this.settings, parsed.owner, parsed.name) : undefined;
      if (!parsed || !repo) {
        this.logger.debug({ tracker: this.settings.trackerName, issue_id: id }, 'github: id outside this tracker; treated as not visible');
        continue;
      }
      refs.set(`${repo.full.toLowerCase()}#${parsed.number}`, { repo, number: parsed.number });
    }
    return [...refs.values()];
  }

  /** Re-read one issue by REST (conditional: unchanged costs nothing); null when it is gone or moved away. */
  private async readRecord(ref: IssueRef): Promise<GithubRecord | null> {
    const path = `/repos/${ref.repo.owner}/${ref.repo.name}/issues/${ref.number}`;
    let data: unknown;
    try {
      data = (await this.client.get(path, `read ${ref.repo.full}#${ref.number}`)).data;
    } catch (err) {
      const status = isBatonError(err) ? err.details?.status : undefined;
      if (status === 404 || status === 410) return null;
      throw err;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw malformedResponse(`read ${ref.repo.full}#${ref.number}`, 'not a JSON object');
    // A transferred issue redirects to its new repository: no longer in this tracker's scope.
    const repoUrl = (data as { repository_url?: unknown }).repository_url;
    if (typeof repoUrl === 'string' && !repoUrl.toLowerCase().endsWith(`/repos/${ref.repo.full.toLowerCase()}`)) return null;
    return recordFromRest(data, ref.repo);
  }

  private strict(records: readonly GithubRecord[]): Issue[] {
    return records.map((record) => {
      const result = this.normalize(record);
      if (result.ok) return result.issue;
      throw new BatonError(ErrorCategory.trackerResponse, `GitHub issue ${result.id ?? '(unknown)'} cannot be used: ${result.reason}; fix it on GitHub (the refresh was not used)`, {
        retryable: true,
        details: { issue_id: result.id },
      });
    });
  }

  async fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]> {
    if (ids.length === 0) return [];
    const refs = this.refsOf(ids);
    if (refs.length === 0) return [];
    if (this.board) return this.strict(await this.board.recordsByNumber(refs));
    const records = await mapLimit(refs, READ_CONCURRENCY, (ref) => this.readRecord(ref));
    return this.strict(records.filter((r): r is GithubRecord => r !== null));
  }

  /**
   * One listing serves both halves: candidates are its issues in `activeStates`, and in-flight issues
   * found in it (in other states) need no request of their own. Only in-flight ids the listing lacks
   * are re-read by id (REST; a project board already lists its whole scope).
   */
  async poll(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult> {
    const before = { ...this.client.stats };
    const wanted = new Set(activeStates.map(normalizeState));
    const listed = activeStates.length === 0 && inflightIds.length === 0 ? { issues: [], malformed: new Map<string, string>() } : this.keepValid(await this.listRecords(activeStates));
    const candidates = listed.issues.filter((i) => wanted.has(normalizeState(i.state)));
    const byId = new Map(listed.issues.map((i) => [i.id, i]));
    const inflight: Issue[] = [];
    const missing: string[] = [];
    for (const id of new Set(inflightIds)) {
      const reason = listed.malformed.get(id);
      if (reason) {
        throw new BatonError(ErrorCategory.trackerResponse, `GitHub issue ${id} cannot be used: ${reason}; fix it on GitHub (the refresh was not used)`, {
          retryable: true,
          details: { issue_id: id },
        });
      }
      const issue = byId.get(id);
      if (issue && wanted.has(normalizeState(issue.state))) continue;
      if (issue) inflight.push(issue);
      else missing.push(id);
    }
    if (missing.length && !this.board) inflight.push(...(await this.fetchIssuesByIds(missing)));
    const s = this.client.stats;
    this.logger.debug(
      {
        tracker: this.settings.trackerName,
        candidates: candidates.length,
        inflight: inflight.length,
        requests: s.requests - before.requests,
        not_modified: s.notModified - before.notModified,
        graphql: s.graphql - before.graphql,
        rate_limit_remaining: s.coreRemaining,
      },
      'github: poll',
    );
    return { candidates, inflight, requests: s.requests - before.requests, rateLimitRemaining: s.coreRemaining ?? null };
  }

  // ---------------------------------------------------------------- writes

  private refOf(issue: Issue): IssueRef {
    const parsed = parseIssueId(issue.id);
    const repo = parsed ? findRepo(this.settings, parsed.owner, parsed.name) : undefined;
    if (!parsed || !repo) {
      throw new BatonError(ErrorCategory.invalidTrackerConfig, `issue ${issue.identifier} (${issue.id}) does not belong to GitHub tracker \`${this.settings.trackerName}\``, {
        retryable: false,
      });
    }
    return { repo, number: parsed.number };
  }

  private issuePath(ref: IssueRef): string {
    return `/repos/${ref.repo.owner}/${ref.repo.name}/issues/${ref.number}`;
  }

  async moveToState(issue: Issue, state: string): Promise<void> {
    const ref = this.refOf(issue);
    const label = `${ref.repo.full}#${ref.number}`;
    if (this.board) {
      const native = issue.native_ref ?? {};
      await this.board.move(
        {
          nodeId: typeof native.node_id === 'string' ? native.node_id : null,
          itemId: typeof native.project_item_id === 'string' ? native.project_item_id : null,
          label,
        },
        state,
      );
      return;
    }
    const current = await this.readRecord(ref);
    if (!current || current.open === null) throw new BatonError(ErrorCategory.trackerStatus, `GitHub issue ${label} is gone; it cannot move to ${state}`, { retryable: false });
    const plan = planStateMove({ labels: rawLabelNames(current), open: current.open }, state, this.settings);
    const path = this.issuePath(ref);
    // Add, then close or reopen, then remove: every state a poll can read in between is either
    // the one being left or the one being entered, never a third one.
    if (plan.addLabel) await this.client.write('POST', `${path}/labels`, { labels: [plan.addLabel] }, `label ${label} ${plan.addLabel}`);
    if (plan.setOpen !== null) {
      await this.client.write(
        'PATCH',
        path,
        plan.setOpen ? { state: 'open' } : { state: 'closed', state_reason: 'completed' },
        `${plan.setOpen ? 'reopen' : 'close'} ${label}`,
      );
    }
    for (const name of plan.removeLabels) await this.removeLabel(ref, name);
  }

  private async removeLabel(ref: IssueRef, name: string): Promise<void> {
    try {
      await this.client.write('DELETE', `${this.issuePath(ref)}/labels/${encodeURIComponent(name)}`, undefined, `remove label ${name} from ${ref.repo.full}#${ref.number}`);
    } catch (err) {
      // Already gone: the end state is what was asked for.
      if (isBatonError(err) && err.details?.status === 404) return;
      throw err;
    }
  }

  async addLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const names = labels.map((l) => l.trim()).filter(Boolean);
    if (names.length === 0) return;
    const ref = this.refOf(issue);
    await this.client.write('POST', `${this.issuePath(ref)}/labels`, { labels: names }, `label ${ref.repo.full}#${ref.number}`);
  }

  async removeLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const ref = this.refOf(issue);
    for (const name of labels.map((l) => l.trim()).filter(Boolean)) await this.removeLabel(ref, name);
  }

  async upsertProgressComment(issue: Issue, body: string): Promise<void> {
    const ref = this.refOf(issue);
    const label = `${ref.repo.full}#${ref.number}`;
    const text = progressBody(body);
    const commentsPath = `/repos/${ref.repo.owner}/${ref.repo.name}/issues/comments`;
    let id = this.progressComments.get(issue.id) ?? null;
    if (id === null) {
      const comments = await this.client.paginate<Record<string, unknown>>(`${this.issuePath(ref)}/comments?per_page=100`, `list comments of ${label}`, (c) =>
        String(c.id),
      );
      id = findProgressComment(comments);
    }
    if (id !== null) {
      try {
        await this.client.write('PATCH', `${commentsPath}/${id}`, { body: text }, `update the progress comment on ${label}`);
        this.progressComments.set(issue.id, id);
        return;
      } catch (err) {
        if (!(isBatonError(err) && err.details?.status === 404)) throw err;
        this.progressComments.delete(issue.id);
      }
    }
    const created = await this.client.write<{ id?: unknown }>('POST', `${this.issuePath(ref)}/comments`, { body: text }, `comment on ${label}`);
    if (typeof created.data.id === 'number') this.progressComments.set(issue.id, created.data.id);
  }

  // ---------------------------------------------------------------- pull requests and tools

  /** Pull requests linked to `issue` (closing it, or with head `branch`), with review and check state. */
  async pullRequestStatus(issue: Issue, branch: string | null = issue.branch_name): Promise<PullRequestStatus[]> {
    const ref = this.refOf(issue);
    return pullRequestStatus(this.client, { owner: ref.repo.owner, repo: ref.repo.name, number: ref.number }, branch);
  }

  agentTools(): AgentToolSpec[] {
    return githubToolSpecs(this.settings.repos);
  }

  async executeAgentTool(name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
    try {
      switch (name) {
        case 'github_api': {
          const parsed = parseArgs(GithubApiArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const { method, path, params, body } = parsed.value;
          const rejected = rejectApiPath(path, this.settings.repos);
          if (rejected) return toolError(`github_api: ${rejected}`);
          const query = apiQuery(params);
          if (!query.ok) return toolError(`github_api: ${query.reason}`);
          if (method === 'GET' && body !== undefined) return toolError('github_api: a GET takes no body; pass query parameters in `params`');
          const response = await this.client.raw(method, `${path}${query.query}`, body);
          return toolResult(response.status >= 200 && response.status < 300, { status: response.status, body: response.data ?? null });
        }
        case 'github_pr_status': {
          const parsed = parseArgs(PrStatusArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const pulls = await this.pullRequestStatus(issue, parsed.value.branch ?? issue.branch_name);
          return toolResult(true, { issue: issue.identifier, pull_requests: pulls });
        }
        case 'github_comment': {
          const parsed = parseArgs(CommentArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const ref = this.refOf(issue);
          const created = await this.client.write<{ id?: number; html_url?: string }>(
            'POST',
            `${this.issuePath(ref)}/comments`,
            { body: parsed.value.body },
            `comment on ${ref.repo.full}#${ref.number}`,
          );
          return toolResult(true, { id: created.data.id ?? null, url: created.data.html_url ?? null });
        }
        default:
          return unsupportedTool(name);
      }
    } catch (err) {
      if (isBatonError(err)) return toolError(err.message, { category: err.category, ...(err.retryAfterMs ? { retry_after_ms: err.retryAfterMs } : {}) });
      throw err;
    }
  }

  secretEnvNames(): string[] {
    return [...this.settings.secretEnv];
  }
}

/** Registry factory (`adapters/trackers/index.ts`). */
export function createGithubTracker(config: TrackerConfig, ctx: TrackerContext): GithubTracker {
  return new GithubTracker(githubSettings(config), ctx.logger);
}
