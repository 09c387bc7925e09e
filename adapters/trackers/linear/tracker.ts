/**
 * The `linear` tracker adapter (profile: spec/adapters/linear.md). Reads are one tailored GraphQL
 * query per page; a poll costs ONE request whatever the number of issues in flight. Writes resolve
 * state and label names per team (cached), and keep one progress comment found by a hidden marker.
 */
import { z } from 'zod';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeLabels, normalizeState, type Issue } from '../../../core/issue.js';
import type { TrackerConfig } from '../../../config/schema.js';
import type { Logger } from '../../../base/logger.js';
import type { AgentToolResult, AgentToolSpec, IssueKey, PollResult, PullRequestLink, TrackerAdapter, TrackerContext } from '../types.js';
import { joinIdReads } from '../joined-id-reads.js';
import { LinearApi } from './client.js';
import { candidateFilter, CursorTrail, inflightFilter } from './filters.js';
import { normalizeLinearIssue, type LinearNormalizeContext } from './normalize.js';
import {
  ATTACHMENT_CREATE_MUTATION,
  COMMENT_CREATE_MUTATION,
  COMMENT_UPDATE_MUTATION,
  ISSUE_TEAM_QUERY,
  ISSUE_UPDATE_MUTATION,
  LABEL_CREATE_MUTATION,
  POLL_QUERY,
  PROGRESS_COMMENT_QUERY,
  TEAM_LABELS_QUERY,
  TEAM_STATES_QUERY,
} from './queries.js';
import { parseLinearSettings, type LinearSettings } from './settings.js';
import { executeLinearTool, LINEAR_TOOL_SPECS } from './tools.js';

/** Hidden in rendered Markdown; how Baton finds the one comment it owns on an issue. */
export const PROGRESS_MARKER = '<!-- baton:progress -->';
/** Linear's largest page. */
const MAX_PAGE = 250;

const PageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable().optional() });
const ConnectionSchema = z.object({ nodes: z.array(z.unknown()), pageInfo: PageInfoSchema });
const PollDataSchema = z.object({
  candidates: ConnectionSchema.optional(),
  inflight: ConnectionSchema.optional(),
  viewer: z.object({ id: z.string().min(1) }).optional(),
});
const NamedConnectionSchema = z.object({
  nodes: z.array(z.looseObject({ id: z.string(), name: z.string() })),
  pageInfo: PageInfoSchema,
});
type NamedNode = z.output<typeof NamedConnectionSchema>['nodes'][number];
const MutationResultSchema = z.object({ success: z.boolean() });

function malformed(what: string, error: z.ZodError): BatonError {
  return new BatonError(ErrorCategory.trackerResponse, `Linear's answer to ${what} has an unexpected shape: ${z.prettifyError(error)}`);
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw malformed(what, parsed.error);
  return parsed.data;
}

interface PollPlan {
  states: readonly string[];
  ids: readonly string[];
}

/** Build a `linear` tracker from a resolved config (secrets already substituted). */
export function createLinearTracker(config: TrackerConfig, ctx: TrackerContext): LinearTracker {
  return new LinearTracker(config, ctx);
}

export class LinearTracker implements TrackerAdapter {
  readonly kind = 'linear';
  private readonly settings: LinearSettings;
  private readonly api: LinearApi;
  private readonly logger: Logger;
  private viewerId: string | null = null;
  private readonly teamStates = new Map<string, Map<string, string>>();
  private readonly teamLabels = new Map<string, Map<string, string>>();

  constructor(
    private readonly config: TrackerConfig,
    ctx: TrackerContext,
  ) {
    this.settings = parseLinearSettings(config);
    this.api = new LinearApi(this.settings);
    this.logger = ctx.logger.child({ tracker: config.name, tracker_kind: 'linear' });
  }

  // ------------------------------------------------------------------ reads

  async fetchIssuesByStates(states: readonly string[]): Promise<Issue[]> {
    if (states.length === 0) return [];
    return (await this.read({ states, ids: [] })).candidates;
  }

  /** Re-reads by id that arrive together share one query (joined-id-reads.ts). */
  private readonly readByIds = joinIdReads(async (ids) => (await this.read({ states: [], ids })).inflight);

  async fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]> {
    return this.readByIds(ids);
  }

  async poll(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult> {
    const ids = [...new Set(inflightIds)];
    if (activeStates.length === 0 && ids.length === 0) return { candidates: [], inflight: [] };
    const result = await this.read({ states: activeStates, ids });
    const candidateIds = new Set(result.candidates.map((issue) => issue.id));
    return { candidates: result.candidates, inflight: result.inflight.filter((issue) => !candidateIds.has(issue.id)) };
  }

  /** Pages both sides of the poll query until each is exhausted; one request per page. */
  private async read(plan: PollPlan): Promise<PollResult> {
    const { projectSlug, pageSize } = this.settings;
    const wantViewer = this.settings.assignee === 'me' && this.viewerId === null;
    const candidateTrail = new CursorTrail('issues by state');
    const inflightTrail = new CursorTrail('issues by id');
    let candidateAfter: string | null = null;
    let inflightAfter: string | null = null;
    let candidatesLeft = plan.states.length > 0;
    let inflightLeft = plan.ids.length > 0;
    const candidateNodes: unknown[] = [];
    const inflightNodes: unknown[] = [];
    let first = true;
    while (candidatesLeft || inflightLeft) {
      const variables = {
        candidateFilter: candidatesLeft ? candidateFilter(projectSlug, plan.states) : {},
        candidateFirst: pageSize,
        candidateAfter,
        withCandidates: candidatesLeft,
        inflightFilter: inflightLeft ? inflightFilter(projectSlug, plan.ids) : {},
        // All in-flight snapshots fit one page up to Linear's maximum page size.
        inflightFirst: Math.min(Math.max(plan.ids.length, 1), MAX_PAGE),
        inflightAfter,
        withInflight: inflightLeft,
        withViewer: first && wantViewer,
      };
      const raw = await this.api.request<unknown>(POLL_QUERY, variables, 'polling issues');
      const data = parseOrThrow(PollDataSchema, raw, 'the issue poll');
      if (variables.withViewer) {
        if (!data.viewer) throw new BatonError(ErrorCategory.trackerResponse, 'Linear did not return the viewer needed for `assignee: me`');
        this.viewerId = data.viewer.id;
      }
      if (candidatesLeft) {
        if (!data.candidates) throw new BatonError(ErrorCategory.trackerResponse, 'Linear omitted the candidate issues from the poll answer');
        candidateNodes.push(...data.candidates.nodes);
        candidateAfter = candidateTrail.next(data.candidates.pageInfo);
        candidatesLeft = candidateAfter !== null;
      }
      if (inflightLeft) {
        if (!data.inflight) throw new BatonError(ErrorCategory.trackerResponse, 'Linear omitted the in-flight issues from the poll answer');
        inflightNodes.push(...data.inflight.nodes);
        inflightAfter = inflightTrail.next(data.inflight.pageInfo);
        inflightLeft = inflightAfter !== null;
      }
      first = false;
    }
    return { candidates: this.normalizeCandidates(candidateNodes, plan.states), inflight: this.normalizeRefresh(inflightNodes, plan.ids) };
  }

  private normalizeContext(): LinearNormalizeContext {
    const assignee = this.settings.assignee;
    return { terminalStates: this.settings.terminalStates, assigneeId: assignee === 'me' ? this.viewerId : assignee };
  }

  /** State lists drop malformed records (never safe to dispatch) and say so (SPEC §11.1). */
  private normalizeCandidates(nodes: unknown[], states: readonly string[]): Issue[] {
    const wanted = new Set(states.map(normalizeState));
    const ctx = this.normalizeContext();
    const seen = new Set<string>();
    const issues: Issue[] = [];
    for (const node of nodes) {
      const result = normalizeLinearIssue(node, ctx);
      if (!result.ok) {
        this.logger.warn({ issue_id: result.id, reason: result.reason }, `skipping malformed Linear issue ${result.id ?? '(no id)'}: ${result.reason}`);
        continue;
      }
      if (seen.has(result.issue.id) || !wanted.has(normalizeState(result.issue.state))) continue;
      seen.add(result.issue.id);
      issues.push(result.issue);
    }
    return issues;
  }

  /** An id refresh fails on a malformed requested record: omitting it would read as "gone". */
  private normalizeRefresh(nodes: unknown[], ids: readonly string[]): Issue[] {
    const requested = new Set(ids);
    const ctx = this.normalizeContext();
    const byId = new Map<string, Issue>();
    for (const node of nodes) {
      const result = normalizeLinearIssue(node, ctx);
      if (!result.ok) {
        throw new BatonError(
          ErrorCategory.trackerResponse,
          `Linear returned a malformed record for requested issue ${result.id ?? '(no id)'}: ${result.reason}`,
          { details: { issue_id: result.id } },
        );
      }
      if (requested.has(result.issue.id)) byId.set(result.issue.id, result.issue);
    }
    return [...byId.values()];
  }

  // ------------------------------------------------------------------ writes

  async moveToState(issue: Issue, state: string): Promise<void> {
    const teamId = await this.teamOf(issue);
    const stateId = await this.lookupName(this.teamStates, teamId, state, () => this.loadStates(teamId));
    if (!stateId) {
      const known = [...(this.teamStates.get(teamId)?.keys() ?? [])].join(', ');
      throw new BatonError(
        ErrorCategory.invalidTrackerConfig,
        `Linear team of ${issue.identifier} has no workflow state "${state}" (it has: ${known}); fix the state name in the stage's on_success.move_to or create the state in Linear`,
        { retryable: false },
      );
    }
    await this.updateIssue(issue, { stateId }, `moving ${issue.identifier} to ${state}`);
  }

  async addLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const { teamId, found } = await this.labelIds(issue, labels);
    const ids: string[] = [];
    for (const [name, id] of found) ids.push(id ?? (await this.createLabel(teamId, labels.find((l) => normalizeState(l) === name) ?? name)));
    if (ids.length) await this.updateIssue(issue, { addedLabelIds: ids }, `adding labels to ${issue.identifier}`);
  }

  async removeLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const { found } = await this.labelIds(issue, labels);
    const ids = [...found.values()].filter((id): id is string => id !== undefined);
    if (ids.length) await this.updateIssue(issue, { removedLabelIds: ids }, `removing labels from ${issue.identifier}`);
  }

  /** Normalized label name → its id among the issue team's labels (undefined: no such label). */
  private async labelIds(issue: Issue, labels: readonly string[]): Promise<{ teamId: string; found: Map<string, string | undefined> }> {
    const found = new Map<string, string | undefined>();
    const names = normalizeLabels(labels);
    if (names.length === 0) return { teamId: '', found };
    const teamId = await this.teamOf(issue);
    for (const name of names) found.set(name, await this.lookupName(this.teamLabels, teamId, name, () => this.loadLabels(teamId)));
    return { teamId, found };
  }

  async upsertProgressComment(issue: Issue, body: string): Promise<void> {
    const text = `${body.trimEnd()}\n\n${PROGRESS_MARKER}`;
    const raw = await this.api.request<unknown>(
      PROGRESS_COMMENT_QUERY,
      { filter: { issue: { id: { eq: issue.id } }, body: { contains: PROGRESS_MARKER } } },
      `finding Baton's comment on ${issue.identifier}`,
    );
    const found = parseOrThrow(z.object({ comments: z.object({ nodes: z.array(z.object({ id: z.string(), body: z.string() })) }) }), raw, 'the comment lookup');
    const existing = found.comments.nodes[0];
    if (existing?.body === text) return;
    const action = `writing Baton's comment on ${issue.identifier}`;
    const payload = existing
      ? (await this.api.request<Record<string, unknown> | null>(COMMENT_UPDATE_MUTATION, { id: existing.id, input: { body: text } }, action))?.commentUpdate
      : (await this.api.request<Record<string, unknown> | null>(COMMENT_CREATE_MUTATION, { input: { issueId: issue.id, body: text } }, action))?.commentCreate;
    this.requireSuccess(payload, action);
  }

  /** An attachment on the issue: Linear's own place for a pull request (one per URL). */
  async linkPullRequest(issue: IssueKey, link: PullRequestLink): Promise<void> {
    const action = `linking ${link.title} from ${issue.identifier}`;
    const input = { issueId: issue.id, url: link.url, title: link.title, subtitle: 'Pull request followed by Baton' };
    const result = await this.api.request<{ attachmentCreate?: unknown }>(ATTACHMENT_CREATE_MUTATION, { input }, action);
    this.requireSuccess(result?.attachmentCreate, action);
  }

  private async updateIssue(issue: Issue, input: Record<string, unknown>, action: string): Promise<void> {
    const result = await this.api.request<{ issueUpdate?: unknown }>(ISSUE_UPDATE_MUTATION, { id: issue.id, input }, action);
    this.requireSuccess(result?.issueUpdate, action);
  }

  private requireSuccess(payload: unknown, action: string): void {
    const parsed = MutationResultSchema.safeParse(payload);
    if (!parsed.success) throw malformed(action, parsed.error);
    if (!parsed.data.success) throw new BatonError(ErrorCategory.trackerResponse, `Linear reported failure while ${action}`);
  }

  /** The issue's team id, from `native_ref` when Baton read the issue itself, else one lookup. */
  private async teamOf(issue: Issue): Promise<string> {
    const fromRef = issue.native_ref?.team_id;
    if (typeof fromRef === 'string' && fromRef) return fromRef;
    const raw = await this.api.request<unknown>(ISSUE_TEAM_QUERY, { id: issue.id }, `reading the team of ${issue.identifier}`);
    return parseOrThrow(z.object({ issue: z.object({ team: z.object({ id: z.string() }) }) }), raw, 'the team lookup').issue.team.id;
  }

  /** Name → id through a per-team cache; a miss reloads once (the name may be new). */
  private async lookupName(
    cache: Map<string, Map<string, string>>,
    teamId: string,
    name: string,
    load: () => Promise<Map<string, string>>,
  ): Promise<string | undefined> {
    const key = normalizeState(name);
    const cached = cache.get(teamId)?.get(key);
    if (cached) return cached;
    const fresh = await load();
    cache.set(teamId, fresh);
    return fresh.get(key);
  }

  private async loadStates(teamId: string): Promise<Map<string, string>> {
    return this.loadNamed(TEAM_STATES_QUERY, 'workflowStates', { team: { id: { eq: teamId } } }, 'reading workflow states');
  }

  /** Team labels and workspace labels (team null); a team label wins over a same-named workspace one. */
  private async loadLabels(teamId: string): Promise<Map<string, string>> {
    const filter = { or: [{ team: { id: { eq: teamId } } }, { team: { null: true } }] };
    const nodes = await this.pageNamed(TEAM_LABELS_QUERY, 'issueLabels', filter, 'reading labels');
    const byName = new Map<string, string>();
    const ordered = [...nodes].sort((a, b) => Number(Boolean(a.team)) - Number(Boolean(b.team)));
    for (const node of ordered) byName.set(normalizeState(node.name), node.id);
    return byName;
  }

  private async loadNamed(query: string, field: string, filter: unknown, action: string): Promise<Map<string, string>> {
    const nodes = await this.pageNamed(query, field, filter, action);
    return new Map(nodes.map((node) => [normalizeState(node.name), node.id]));
  }

  private async pageNamed(query: string, field: string, filter: unknown, action: string): Promise<NamedNode[]> {
    const trail = new CursorTrail(field);
    const all: NamedNode[] = [];
    let after: string | null = null;
    do {
      const raw: unknown = await this.api.request<unknown>(query, { filter, after }, action);
      const connection = parseOrThrow(z.object({ [field]: NamedConnectionSchema }), raw, action)[field]!;
      all.push(...connection.nodes);
      after = trail.next(connection.pageInfo);
    } while (after);
    return all;
  }

  private async createLabel(teamId: string, name: string): Promise<string> {
    const action = `creating label "${name}"`;
    const raw = await this.api.request<unknown>(LABEL_CREATE_MUTATION, { input: { name, teamId } }, action);
    const created = parseOrThrow(z.object({ issueLabelCreate: z.object({ success: z.boolean(), issueLabel: z.object({ id: z.string() }) }) }), raw, action);
    this.teamLabels.get(teamId)?.set(normalizeState(name), created.issueLabelCreate.issueLabel.id);
    return created.issueLabelCreate.issueLabel.id;
  }

  // ------------------------------------------------------------------ agent tools

  agentTools(): AgentToolSpec[] {
    return LINEAR_TOOL_SPECS;
  }

  executeAgentTool(name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
    return executeLinearTool({ api: this.api, projectSlug: this.settings.projectSlug }, name, args, issue);
  }

  secretEnvNames(): string[] {
    return [...this.config.secret_env];
  }
}
