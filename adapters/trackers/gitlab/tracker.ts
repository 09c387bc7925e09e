/**
 * The `gitlab` tracker: issues of one GitLab project, selected by `required_labels`, with the Baton
 * state read from scoped labels or opened/closed (`states.ts`). A poll is ONE listing of the open
 * (or closed) issues carrying the required labels; in-flight issues it lacks (closed, unlabelled,
 * moved) are re-read together in one `iids[]` request. Writes are single issue updates plus one
 * progress note edited in place. Profile: spec/adapters/gitlab.md.
 */
import type { TrackerConfig } from '../../../config/schema.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState, type BlockerRef, type Issue } from '../../../core/issue.js';
import type { Logger } from '../../../base/logger.js';
import type { AgentToolResult, AgentToolSpec, PollResult, TrackerAdapter, TrackerContext } from '../types.js';
import { joinIdReads } from '../joined-id-reads.js';
import { GitlabClient, nextPage } from './client.js';
import { malformedResponse } from './errors.js';
import { blockersFromLinks, GitlabLinkSchema, normalizeGitlabIssue, type GitlabIssue, type Normalized } from './normalize.js';
import { gitlabSettings, type GitlabSettings } from './settings.js';
import { gitlabState, listStateFilter, planStateMove } from './states.js';
import { parseArgs, toolError, toolFailure, toolResult, unsupportedTool } from '../tool-results.js';
import { apiQuery, CommentArgs, GetIssueArgs, GitlabApiArgs, GITLAB_TOOL_NAMES, gitlabToolSpecs, rejectApiPath } from './tools.js';

/** Marks Baton's progress note; GitLab renders nothing for an HTML comment. */
export const PROGRESS_MARKER = '<!-- baton:progress -->';
/** More pages than this in one listing is a pagination fault, not a project. */
const MAX_PAGES = 1_000;

/** The listing filters Baton sends (a subset of gitbeaker's `AllIssuesOptions`). */
type Query = { state: 'opened' | 'closed' | 'all'; labels?: string; iids?: number[]; orderBy?: 'created_at'; sort?: 'asc' };

export class GitlabTracker implements TrackerAdapter {
  readonly kind = 'gitlab';
  readonly client: GitlabClient;
  private readonly progressNotes = new Map<string, number>();
  /** Required labels as the project spells them (GitLab's `labels` filter is case-sensitive). */
  private requiredSpelling: Promise<string[]> | null = null;
  /** The project's numeric id, learnt from any issue read (lets tools accept `/projects/<id>`). */
  private projectId: number | null = null;

  constructor(
    readonly settings: GitlabSettings,
    private readonly logger: Logger,
  ) {
    this.client = new GitlabClient(settings);
  }

  // ---------------------------------------------------------------- reads

  private stateOf = (g: GitlabIssue): string => gitlabState(g.labels, g.state === 'opened', this.settings);

  private normalize(raw: unknown, blockers?: BlockerRef[]): Normalized {
    const result = normalizeGitlabIssue(raw, this.stateOf, { projectPath: this.settings.projectPath, blockers });
    if (result.ok) this.projectId ??= result.raw.project_id;
    return result;
  }

  /** Every issue of one query, page by page, refusing duplicates and pages that do not advance. */
  private async list(query: Query, operation: string): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<number>();
    let page: number | null = 1;
    while (page !== null) {
      if (page > MAX_PAGES) throw new BatonError(ErrorCategory.trackerPagination, `GitLab kept paging past ${MAX_PAGES} pages while trying to ${operation}; the list was not used`);
      const current: number = page;
      const answer = await this.client.call(`${operation} (page ${current})`, () =>
        this.client.issues.all({ projectId: this.settings.projectPath, ...query, perPage: this.settings.pageSize, page: current, showExpanded: true }),
      );
      const { data, paginationInfo } = answer;
      if (!Array.isArray(data)) throw malformedResponse(operation, `page ${current} is not a JSON array`);
      for (const item of data) {
        const iid = (item as { iid?: unknown } | null)?.iid;
        if (typeof iid === 'number' && seen.has(iid)) {
          throw new BatonError(ErrorCategory.trackerPagination, `GitLab returned #${iid} twice across pages while trying to ${operation} (the list changed under the read); the list was not used`);
        }
        if (typeof iid === 'number') seen.add(iid);
        items.push(item);
      }
      page = nextPage(current, paginationInfo.next === null ? undefined : String(paginationInfo.next), operation);
    }
    return items;
  }

  /** Resolve each required label to the spelling the project uses, once per adapter. */
  private required(): Promise<string[]> {
    this.requiredSpelling ??= Promise.all(
      this.settings.requiredLabels.map(async (label) => {
        const found = await this.client.call(`look up label ${label}`, () =>
          // One page: a name search returns few labels, and gitbeaker follows `Link` pages unchecked.
          this.client.labels.all(this.settings.projectPath, { search: label, includeAncestorGroups: true, perPage: 100, page: 1 }),
        );
        const names = (Array.isArray(found) ? found : []).map((l) => (l as { name?: unknown }).name).filter((n): n is string => typeof n === 'string');
        return names.find((n) => n.toLowerCase() === label) ?? label;
      }),
    ).catch((err: unknown) => {
      this.requiredSpelling = null;
      throw err;
    });
    return this.requiredSpelling;
  }

  private async listCandidates(states: readonly string[]): Promise<unknown[]> {
    const labels = await this.required();
    const query: Query = { state: listStateFilter(states, this.settings), orderBy: 'created_at', sort: 'asc' };
    if (labels.length) query.labels = labels.join(',');
    return this.list(query, `list issues of ${this.settings.projectPath}`);
  }

  /** Normalize a listing, dropping (and logging) malformed records; their ids are returned too. */
  private keepValid(records: readonly unknown[], blockers: Map<string, BlockerRef[]> = new Map()): { issues: Issue[]; malformed: Map<string, string> } {
    const issues: Issue[] = [];
    const malformed = new Map<string, string>();
    for (const record of records) {
      const iid = (record as { iid?: unknown } | null)?.iid;
      const result = this.normalize(record, typeof iid === 'number' ? blockers.get(String(iid)) : undefined);
      if (result.ok) {
        issues.push(result.issue);
        continue;
      }
      if (result.id) malformed.set(result.id, result.reason);
      this.logger.warn({ tracker: this.settings.trackerName, issue_id: result.id, reason: result.reason }, `gitlab: dropped malformed issue ${result.id ?? '(no iid)'}: ${result.reason}`);
    }
    return { issues, malformed };
  }

  /** `blockers: true`: "is blocked by" links of the given issues, one request each. */
  private async blockersOf(iids: readonly string[]): Promise<Map<string, BlockerRef[]>> {
    const out = new Map<string, BlockerRef[]>();
    if (!this.settings.blockers) return out;
    for (const iid of iids) {
      const links = await this.client.call(`read links of GL-${iid}`, () => this.client.links.all(this.settings.projectPath, Number(iid)));
      const parsed = (Array.isArray(links) ? links : []).map((l) => GitlabLinkSchema.safeParse(l)).flatMap((r) => (r.success ? [r.data] : []));
      out.set(iid, blockersFromLinks(parsed, this.projectId ?? -1));
    }
    return out;
  }

  async fetchIssuesByStates(states: readonly string[]): Promise<Issue[]> {
    if (states.length === 0) return [];
    return (await this.poll(states, [])).candidates;
  }

  private iidsOf(ids: readonly string[]): number[] {
    const out = new Set<number>();
    for (const id of ids) {
      if (/^[1-9]\d*$/.test(id.trim())) out.add(Number(id.trim()));
      else this.logger.debug({ tracker: this.settings.trackerName, issue_id: id }, 'gitlab: id is not an iid of this project; treated as not visible');
    }
    return [...out];
  }

  /** Issues by iid in ONE request per 100 (any state, any labels); ids GitLab does not return are gone. */
  private async readByIids(iids: readonly number[]): Promise<unknown[]> {
    const records: unknown[] = [];
    for (let i = 0; i < iids.length; i += 100) {
      const chunk = iids.slice(i, i + 100);
      records.push(...(await this.list({ iids: chunk, state: 'all' }, `read ${chunk.length} issue(s) of ${this.settings.projectPath} by iid`)));
    }
    return records;
  }

  private strict(records: readonly unknown[]): Issue[] {
    return records.map((record) => {
      const result = this.normalize(record);
      if (result.ok) return result.issue;
      throw new BatonError(ErrorCategory.trackerResponse, `GitLab issue ${result.id ?? '(no iid)'} cannot be used: ${result.reason}; fix it on GitLab (the refresh was not used)`, {
        details: { issue_id: result.id },
      });
    });
  }

  /** Re-reads by id that arrive together share one listing by iid (joined-id-reads.ts). */
  private readonly readByIds = joinIdReads(async (ids) => {
    const iids = this.iidsOf(ids);
    return iids.length === 0 ? [] : this.strict(await this.readByIids(iids));
  });

  async fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]> {
    return this.readByIds(ids);
  }

  /**
   * One listing serves both halves: candidates are its issues in `activeStates`, and in-flight
   * issues found in it need no request of their own. In-flight iids it lacks are re-read together.
   */
  async poll(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult> {
    const before = this.client.stats.requests;
    if (activeStates.length === 0 && inflightIds.length === 0) return { candidates: [], inflight: [] };
    const wanted = new Set(activeStates.map(normalizeState));
    const inflightSet = new Set(inflightIds);
    const records = activeStates.length ? await this.listCandidates(activeStates) : [];
    const projectId = (records[0] as { project_id?: unknown } | undefined)?.project_id;
    if (typeof projectId === 'number') this.projectId ??= projectId;
    const fresh = records.filter((r) => {
      const iid = (r as { iid?: unknown } | null)?.iid;
      return typeof iid === 'number' && !inflightSet.has(String(iid));
    });
    const blockers = await this.blockersOf(fresh.map((r) => String((r as { iid: number }).iid)));
    const listed = this.keepValid(records, blockers);
    const candidates = listed.issues.filter((i) => wanted.has(normalizeState(i.state)));
    const byId = new Map(listed.issues.map((i) => [i.id, i]));
    const inflight: Issue[] = [];
    const missing: string[] = [];
    for (const id of inflightSet) {
      const reason = listed.malformed.get(id);
      if (reason) throw new BatonError(ErrorCategory.trackerResponse, `GitLab issue ${id} cannot be used: ${reason}; fix it on GitLab (the refresh was not used)`, { details: { issue_id: id } });
      const issue = byId.get(id);
      if (issue && wanted.has(normalizeState(issue.state))) continue;
      if (issue) inflight.push(issue);
      else missing.push(id);
    }
    if (missing.length) inflight.push(...(await this.fetchIssuesByIds(missing)));
    this.logger.debug(
      {
        tracker: this.settings.trackerName,
        candidates: candidates.length,
        inflight: inflight.length,
        requests: this.client.stats.requests - before,
        rate_limit_remaining: this.client.stats.rateLimitRemaining,
      },
      'gitlab: poll',
    );
    return { candidates, inflight, requests: this.client.stats.requests - before, rateLimitRemaining: this.client.stats.rateLimitRemaining };
  }

  // ---------------------------------------------------------------- writes

  private iidOf(issue: Issue): number {
    const [iid] = this.iidsOf([issue.id]);
    if (iid === undefined) {
      throw new BatonError(ErrorCategory.invalidTrackerConfig, `issue ${issue.identifier} (${issue.id}) does not belong to GitLab tracker \`${this.settings.trackerName}\``, { retryable: false });
    }
    return iid;
  }

  /** The issue as GitLab has it now (labels in GitLab's spelling), or an error when it is gone. */
  private async current(issue: Issue, purpose: string): Promise<GitlabIssue> {
    const iid = this.iidOf(issue);
    const raw = await this.client.callOrGone(`read GL-${iid} to ${purpose}`, () => this.client.issues.show(iid, { projectId: this.settings.projectPath }));
    if (raw === null) throw new BatonError(ErrorCategory.trackerStatus, `GitLab issue GL-${iid} is gone; cannot ${purpose}`, { retryable: false });
    const result = this.normalize(raw);
    if (!result.ok) throw malformedResponse(`read GL-${iid}`, result.reason);
    return result.raw;
  }

  private async edit(iid: number, change: { addLabels?: string[]; removeLabels?: string[]; stateEvent?: 'close' | 'reopen' | null }, operation: string): Promise<void> {
    const body: Record<string, string> = {};
    if (change.addLabels?.length) body.addLabels = change.addLabels.join(',');
    if (change.removeLabels?.length) body.removeLabels = change.removeLabels.join(',');
    if (change.stateEvent) body.stateEvent = change.stateEvent;
    if (Object.keys(body).length === 0) return;
    await this.client.call(operation, () => this.client.issues.edit(this.settings.projectPath, iid, body));
  }

  async moveToState(issue: Issue, state: string): Promise<void> {
    const now = await this.current(issue, `move it to ${state}`);
    const plan = planStateMove({ labels: now.labels, open: now.state === 'opened' }, state, this.settings);
    await this.edit(now.iid, plan, `move GL-${now.iid} to ${state}`);
  }

  async addLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const names = labels.map((l) => l.trim()).filter(Boolean);
    if (names.length === 0) return;
    const now = await this.current(issue, 'label it');
    const have = new Set(now.labels.map((l) => l.toLowerCase()));
    await this.edit(now.iid, { addLabels: names.filter((n) => !have.has(n.toLowerCase())) }, `label GL-${now.iid}`);
  }

  async removeLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const wanted = new Set(labels.map((l) => l.trim().toLowerCase()).filter(Boolean));
    if (wanted.size === 0) return;
    const now = await this.current(issue, 'unlabel it');
    await this.edit(now.iid, { removeLabels: now.labels.filter((l) => wanted.has(l.toLowerCase())) }, `unlabel GL-${now.iid}`);
  }

  /** The id of Baton's note on an issue (the oldest carrying the marker), or null. */
  private async findProgressNote(iid: number): Promise<number | null> {
    for (let page: number | null = 1; page !== null; ) {
      const current: number = page;
      const answer = await this.client.call(`list notes of GL-${iid}`, () =>
        this.client.notes.all(this.settings.projectPath, iid, { sort: 'asc', orderBy: 'created_at', perPage: 100, page: current, showExpanded: true }),
      );
      const { data, paginationInfo } = answer;
      for (const note of Array.isArray(data) ? data : []) {
        const n = note as { id?: unknown; body?: unknown; system?: unknown };
        if (n.system !== true && typeof n.id === 'number' && typeof n.body === 'string' && n.body.trimStart().startsWith(PROGRESS_MARKER)) return n.id;
      }
      page = nextPage(current, paginationInfo.next === null ? undefined : String(paginationInfo.next), `the notes of GL-${iid}`);
    }
    return null;
  }

  async upsertProgressComment(issue: Issue, body: string): Promise<void> {
    const iid = this.iidOf(issue);
    const text = `${PROGRESS_MARKER}\n${body}`;
    const id = this.progressNotes.get(issue.id) ?? (await this.findProgressNote(iid));
    if (id !== null) {
      const updated = await this.client.callOrGone(`update the progress note on GL-${iid}`, () => this.client.notes.edit(this.settings.projectPath, iid, id, { body: text }));
      if (updated !== null) {
        this.progressNotes.set(issue.id, id);
        return;
      }
      // Someone deleted Baton's note: write a new one.
      this.progressNotes.delete(issue.id);
    }
    const created = await this.client.call(`comment on GL-${iid}`, () => this.client.notes.create(this.settings.projectPath, iid, text));
    const newId = (created as { id?: unknown }).id;
    if (typeof newId === 'number') this.progressNotes.set(issue.id, newId);
  }

  // ---------------------------------------------------------------- tools

  agentTools(): AgentToolSpec[] {
    return gitlabToolSpecs(this.settings.projectPath);
  }

  async executeAgentTool(name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
    try {
      switch (name) {
        case 'gitlab_api': {
          const parsed = parseArgs(GitlabApiArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const { method, path, query, body } = parsed.value;
          const rejected = rejectApiPath(path, { path: this.settings.projectPath, id: this.projectId ?? numericRef(issue) });
          if (rejected) return toolError(`gitlab_api: ${rejected}`);
          if (method === 'GET' && body !== undefined) return toolError('gitlab_api: a GET takes no body; pass query parameters in `query`');
          const answer = await this.client.raw(method, path, apiQuery(query), body);
          return toolResult(answer.status >= 200 && answer.status < 300, { status: answer.status, body: answer.body });
        }
        case 'gitlab_get_issue': {
          const parsed = parseArgs(GetIssueArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const iid = parsed.value.iid ?? this.iidOf(issue);
          const [found] = await this.fetchIssuesByIds([String(iid)]);
          if (!found) return toolError(`gitlab_get_issue: GL-${iid} is not an issue of ${this.settings.projectPath}`);
          const notes = await this.client.call(`list notes of GL-${iid}`, () => this.client.notes.all(this.settings.projectPath, iid, { sort: 'asc', orderBy: 'created_at', perPage: 100 }));
          const comments = (Array.isArray(notes) ? notes : [])
            .map((n) => n as { id?: number; body?: string; system?: boolean; author?: { username?: string }; created_at?: string })
            .filter((n) => n.system !== true)
            .map((n) => ({ id: n.id ?? null, author: n.author?.username ?? null, created_at: n.created_at ?? null, body: n.body ?? '' }));
          return toolResult(true, { issue: found, comments });
        }
        case 'gitlab_comment': {
          const parsed = parseArgs(CommentArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const iid = this.iidOf(issue);
          const created = (await this.client.call(`comment on GL-${iid}`, () => this.client.notes.create(this.settings.projectPath, iid, parsed.value.body))) as { id?: number };
          return toolResult(true, { id: created.id ?? null });
        }
        default:
          return unsupportedTool(name, GITLAB_TOOL_NAMES);
      }
    } catch (err) {
      if (err instanceof BatonError) return toolFailure(err);
      throw err;
    }
  }

  secretEnvNames(): string[] {
    // Symphony strips GITLAB_ACCESS_TOKEN as well: a common name for the same kind of secret.
    return [...new Set([...this.settings.secretEnv, 'GITLAB_ACCESS_TOKEN'])];
  }
}

function numericRef(issue: Issue): number | null {
  const id = issue.native_ref?.project_id;
  return typeof id === 'number' ? id : null;
}

/** Registry factory (`adapters/trackers/index.ts`). */
export function createGitlabTracker(config: TrackerConfig, ctx: TrackerContext): GitlabTracker {
  return new GitlabTracker(gitlabSettings(config, ctx.env), ctx.logger.child({ tracker: config.name, tracker_kind: 'gitlab' }));
}
