/**
 * The `jira` tracker adapter (profile: spec/adapters/jira.md). Reads are ONE JQL query on the
 * enhanced search (`/rest/api/3/search/jql`, `nextPageToken` paging, explicit fields): a poll asks
 * for `status in (active) OR id in (in flight)` at once. Writes use transitions (looked up by target
 * state), label edits, and one ADF progress comment found through a hidden issue property.
 */
import { z } from 'zod';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeLabels, normalizeState, type Issue } from '../../../core/issue.js';
import type { TrackerConfig } from '../../../config/schema.js';
import type { Logger } from '../../../base/logger.js';
import type { AgentToolResult, AgentToolSpec, IssueKey, PollResult, PullRequestLink, TrackerAdapter, TrackerContext } from '../types.js';
import { joinIdReads } from '../joined-id-reads.js';
import { textToAdf } from './adf.js';
import { JiraApi } from './client.js';
import { buildReadJql } from './jql.js';
import { ISSUE_FIELDS, normalizeJiraIssue, type JiraNormalizeContext } from './normalize.js';
import { parseJiraSettings, type JiraSettings } from './settings.js';
import { executeJiraTool, JIRA_TOOL_SPECS } from './tools.js';

/** Issue property (hidden from people) that remembers which comment is Baton's. */
export const PROGRESS_PROPERTY = 'baton.progress';

const SearchPageSchema = z.object({
  issues: z.array(z.unknown()),
  isLast: z.boolean().optional(),
  nextPageToken: z.string().nullish(),
});
const TransitionsSchema = z.object({
  transitions: z.array(z.object({ id: z.string(), name: z.string().optional(), to: z.object({ name: z.string() }).optional() })),
});
const LabelsSchema = z.object({ fields: z.object({ labels: z.array(z.string()).nullish() }) });
const ProgressPropertySchema = z.object({ value: z.object({ commentId: z.string() }) });
const CreatedCommentSchema = z.object({ id: z.string() });

/** Messages Jira sends when a JQL names an issue that no longer exists (deleted, or no permission). */
const GONE_ISSUE = [/An issue with key '([^']+)' does not exist for field/, /The issue key '([^']+)' for field '[^']+' is invalid/];

function goneIssues(body: unknown): string[] {
  const messages = (body as { errorMessages?: unknown } | null)?.errorMessages;
  if (!Array.isArray(messages) || messages.length === 0) return [];
  const gone: string[] = [];
  for (const message of messages) {
    const value = GONE_ISSUE.map((re) => re.exec(String(message))?.[1]).find(Boolean);
    if (!value) return []; // some other JQL problem: not ours to repair
    gone.push(value);
  }
  return gone;
}

function malformed(what: string, error: z.ZodError): BatonError {
  return new BatonError(ErrorCategory.trackerResponse, `Jira's answer to ${what} has an unexpected shape: ${z.prettifyError(error)}`);
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw malformed(what, parsed.error);
  return parsed.data;
}

/** Build a `jira` tracker from a resolved config (secrets already substituted). */
export function createJiraTracker(config: TrackerConfig, ctx: TrackerContext): JiraTracker {
  return new JiraTracker(config, ctx);
}

export class JiraTracker implements TrackerAdapter {
  readonly kind = 'jira';
  private readonly settings: JiraSettings;
  private readonly api: JiraApi;
  private readonly logger: Logger;

  constructor(
    private readonly config: TrackerConfig,
    ctx: TrackerContext,
  ) {
    this.settings = parseJiraSettings(config);
    this.logger = ctx.logger.child({ tracker: config.name, tracker_kind: 'jira' });
    this.api = new JiraApi(this.settings);
  }

  // ------------------------------------------------------------------ reads

  async fetchIssuesByStates(states: readonly string[]): Promise<Issue[]> {
    if (states.length === 0) return [];
    return (await this.read(states, [])).candidates;
  }

  /** Re-reads by id that arrive together share one search (joined-id-reads.ts). */
  private readonly readByIds = joinIdReads(async (ids) => (await this.read([], ids)).inflight);

  async fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]> {
    return this.readByIds(ids);
  }

  async poll(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult> {
    const ids = [...new Set(inflightIds)];
    if (activeStates.length === 0 && ids.length === 0) return { candidates: [], inflight: [] };
    const result = await this.read(activeStates, ids);
    const candidateIds = new Set(result.candidates.map((issue) => issue.id));
    return { candidates: result.candidates, inflight: result.inflight.filter((issue) => !candidateIds.has(issue.id)) };
  }

  /**
   * One JQL for both questions. If Jira refuses it because a requested issue no longer exists,
   * those ids are gone (omitted, SPEC §11.1) and the query runs once more without them.
   */
  private async read(states: readonly string[], requestedIds: readonly string[]): Promise<PollResult> {
    let ids = [...requestedIds];
    for (;;) {
      if (states.length === 0 && ids.length === 0) return { candidates: [], inflight: [] };
      const result = await this.search(buildReadJql(this.settings, states, ids));
      if (result.ok) return this.split(result.issues, states, ids);
      const gone = new Set(result.gone);
      const remaining = ids.filter((id) => !gone.has(id));
      if (remaining.length === ids.length) throw result.error;
      this.logger.info({ gone: [...gone] }, `Jira reports ${gone.size} in-flight issue(s) no longer exist; refreshing the rest`);
      ids = remaining;
    }
  }

  /** Pages one JQL with `nextPageToken`; refuses a missing or repeated token. */
  private async search(jql: string): Promise<{ ok: true; issues: unknown[] } | { ok: false; gone: string[]; error: BatonError }> {
    const issues: unknown[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    for (;;) {
      const page = await this.api.attempt('searching issues', (jira) =>
        jira.searchJql({ jql, fields: ISSUE_FIELDS, maxResults: this.settings.pageSize, nextPageToken: token }),
      );
      if (!page.ok) {
        const gone = page.status === 400 && token === undefined ? goneIssues(page.body) : [];
        if (gone.length) return { ok: false, gone, error: page.error };
        throw page.error;
      }
      const data = parseOrThrow(SearchPageSchema, page.value, 'the issue search');
      issues.push(...data.issues);
      const next = data.nextPageToken ?? undefined;
      if (data.isLast === true || (data.isLast === undefined && !next)) return { ok: true, issues };
      if (!next) {
        throw new BatonError(ErrorCategory.trackerPagination, 'Jira said more issues follow (isLast: false) but sent no nextPageToken; the result would be incomplete, so this tick is skipped');
      }
      if (seen.has(next)) {
        throw new BatonError(ErrorCategory.trackerPagination, 'Jira sent the same nextPageToken twice; stopping instead of looping, this tick is skipped');
      }
      seen.add(next);
      token = next;
    }
  }

  private normalizeContext(): JiraNormalizeContext {
    return { baseUrl: this.settings.baseUrl, terminalStates: this.settings.terminalStates };
  }

  /**
   * Candidates are the records in the requested states; in-flight snapshots the requested ids.
   * A malformed candidate is dropped and logged; a malformed requested record fails the read.
   */
  private split(raw: unknown[], states: readonly string[], ids: readonly string[]): PollResult {
    const wantedStates = new Set(states.map(normalizeState));
    const wantedIds = new Set(ids);
    const ctx = this.normalizeContext();
    const candidates: Issue[] = [];
    const inflight = new Map<string, Issue>();
    const seen = new Set<string>();
    for (const record of raw) {
      const result = normalizeJiraIssue(record, ctx);
      if (!result.ok) {
        const key = (record as { key?: unknown } | null)?.key;
        const requested = result.id === null ? wantedIds.size > 0 : wantedIds.has(result.id) || (typeof key === 'string' && wantedIds.has(key));
        if (requested) {
          throw new BatonError(ErrorCategory.trackerResponse, `Jira returned a malformed record for requested issue ${result.id ?? '(no id)'}: ${result.reason}`, {
            details: { issue_id: result.id },
          });
        }
        this.logger.warn({ issue_id: result.id, reason: result.reason }, `skipping malformed Jira issue ${result.id ?? '(no id)'}: ${result.reason}`);
        continue;
      }
      const issue = result.issue;
      if (seen.has(issue.id)) continue;
      seen.add(issue.id);
      if (wantedStates.has(normalizeState(issue.state))) candidates.push(issue);
      if (wantedIds.has(issue.id) || wantedIds.has(issue.identifier)) inflight.set(issue.id, issue);
    }
    return { candidates, inflight: [...inflight.values()] };
  }

  // ------------------------------------------------------------------ writes

  async moveToState(issue: Issue, state: string): Promise<void> {
    const target = normalizeState(state);
    const key = this.issueRef(issue);
    const raw = await this.api.call(`reading transitions of ${issue.identifier}`, (jira) => jira.getTransitions(key));
    const { transitions } = parseOrThrow(TransitionsSchema, raw, 'the transitions lookup');
    const byTarget = transitions.find((t) => t.to && normalizeState(t.to.name) === target) ?? transitions.find((t) => t.name && normalizeState(t.name) === target);
    if (!byTarget) {
      if (normalizeState(issue.state) === target) return;
      const offered = transitions.map((t) => `${t.name ?? t.id} → ${t.to?.name ?? '?'}`).join(', ') || 'none';
      throw new BatonError(
        ErrorCategory.invalidTrackerConfig,
        `Jira offers no transition of ${issue.identifier} to "${state}" from its current status (offered: ${offered}); fix the stage's on_success.move_to or the Jira workflow`,
        { retryable: false },
      );
    }
    await this.api.call(`moving ${issue.identifier} to ${state}`, (jira) => jira.doTransition(key, byTarget.id));
  }

  async addLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    await this.editLabels(issue, labels, 'add');
  }

  async removeLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    await this.editLabels(issue, labels, 'remove');
  }

  /**
   * Jira labels are case-sensitive and cannot hold spaces. Baton compares lower-cased, so it reads
   * the current spelling first: adding skips a label present in any case, removing removes every
   * spelling of it.
   */
  private async editLabels(issue: Issue, labels: readonly string[], op: 'add' | 'remove'): Promise<void> {
    const wanted = normalizeLabels(labels);
    if (wanted.length === 0) return;
    const spaced = labels.find((l) => /\s/.test(l.trim()));
    if (spaced !== undefined) {
      throw new BatonError(ErrorCategory.invalidTrackerConfig, `Jira labels cannot contain spaces ("${spaced}"); use a dash or underscore in the stage's labels`, {
        retryable: false,
      });
    }
    const key = this.issueRef(issue);
    const raw = await this.api.call(`reading labels of ${issue.identifier}`, (jira) => jira.getIssue(key, ['labels']));
    const current = parseOrThrow(LabelsSchema, raw, 'the labels lookup').fields.labels ?? [];
    const currentNorm = new Set(current.map((l) => l.trim().toLowerCase()));
    const operations =
      op === 'add'
        ? wanted.filter((l) => !currentNorm.has(l)).map((l) => ({ add: labels.find((given) => given.trim().toLowerCase() === l)!.trim() }))
        : current.filter((l) => wanted.includes(l.trim().toLowerCase())).map((l) => ({ remove: l }));
    if (operations.length === 0) return;
    await this.api.call(`${op === 'add' ? 'adding labels to' : 'removing labels from'} ${issue.identifier}`, (jira) =>
      jira.editIssue(key, { update: { labels: operations } }),
    );
  }

  async upsertProgressComment(issue: Issue, body: string): Promise<void> {
    const key = this.issueRef(issue);
    const doc = textToAdf(body);
    const property = await this.api.attempt(`reading Baton's comment marker on ${issue.identifier}`, (jira) =>
      jira.getIssueProperty(key, PROGRESS_PROPERTY),
    );
    if (!property.ok && property.status !== 404) throw property.error;
    const marker = property.ok ? ProgressPropertySchema.safeParse(property.value) : undefined;
    if (marker?.success) {
      const updated = await this.api.attempt(`updating Baton's comment on ${issue.identifier}`, (jira) =>
        jira.updateComment(key, marker.data.value.commentId, doc),
      );
      if (updated.ok) return;
      // Someone deleted Baton's comment: write a new one below.
      if (updated.status !== 404) throw updated.error;
    }
    const created = await this.api.call(`writing Baton's comment on ${issue.identifier}`, (jira) => jira.addComment(key, doc));
    const { id } = parseOrThrow(CreatedCommentSchema, created, 'the new comment');
    await this.api.call(`marking Baton's comment on ${issue.identifier}`, (jira) =>
      jira.setIssueProperty(key, PROGRESS_PROPERTY, { commentId: id }),
    );
  }

  /** A remote link, keyed by the pull request's URL as `globalId` so linking again updates it. */
  async linkPullRequest(issue: IssueKey, link: PullRequestLink): Promise<void> {
    await this.api.call(`linking ${link.title} from ${issue.identifier}`, (jira) =>
      jira.createOrUpdateRemoteIssueLink(this.issueRef(issue), { globalId: link.url, relationship: 'pull request', object: { url: link.url, title: link.title } }),
    );
  }

  /** Jira accepts the numeric id or the key wherever an issue is named. */
  private issueRef(issue: IssueKey): string {
    return issue.id || issue.identifier;
  }

  // ------------------------------------------------------------------ agent tools

  agentTools(): AgentToolSpec[] {
    return JIRA_TOOL_SPECS;
  }

  executeAgentTool(name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
    return executeJiraTool({ api: this.api, projectKey: this.settings.projectKey, normalize: this.normalizeContext() }, name, args, issue);
  }

  secretEnvNames(): string[] {
    return [...this.config.secret_env];
  }
}
