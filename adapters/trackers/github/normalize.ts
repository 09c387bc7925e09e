/**
 * GitHub issues (REST or GraphQL shape) → the normalized Issue (SPEC §4.1.1, §11.3). Pure.
 *
 * - `id` is `owner/repo#number` (configured spelling): stable, and enough to re-read the issue.
 * - `identifier` is `GH-<number>` with one repository, `owner/repo#<number>` with several.
 * - `priority` comes from a label, read as every label-only tracker reads it (../label-priority.ts):
 *   `priority:1`..`priority:4`, `p1`..`p4` (also `priority: 2`, `P-3`, `priority::2`), or
 *   `priority:urgent|high|medium|low` → 1..4; the most urgent wins; otherwise null.
 * - `dispatchable` is false for pull requests, archived project items, and issues GitHub reports
 *   as blocked by open issues (`issue_dependencies_summary.blocked_by > 0`).
 */
import { normalizeLabels, normalizeTimestamp, type Issue } from '../../../core/issue.js';
import { IssueSchema } from '../../../core/issue-schema.js';
import { priorityFromLabels } from '../label-priority.js';
import type { GithubSettings, RepoRef } from './settings.js';

/** One provider issue as read, before normalization; unknown-typed where GitHub's data is trusted only after checks. */
export interface GithubRecord {
  repo: RepoRef;
  number: unknown;
  nodeId: unknown;
  title: unknown;
  body: unknown;
  /** null when the record's state is neither open nor closed. */
  open: boolean | null;
  url: unknown;
  createdAt: unknown;
  updatedAt: unknown;
  /** Label names, or label objects with a `name`. */
  labels: unknown[];
  assignee: unknown;
  isPullRequest: boolean;
  blockedByCount: number | null;
  /** `project` source: this issue's item on the configured board. */
  projectItem?: { id: string; status: string | null; archived: boolean };
}

export type Normalized = { ok: true; issue: Issue } | { ok: false; id: string | null; reason: string };

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

function openFrom(state: unknown): boolean | null {
  if (typeof state !== 'string') return null;
  const s = state.toLowerCase();
  return s === 'open' ? true : s === 'closed' || s === 'merged' ? false : null;
}

/** A REST `issue` object (`GET /repos/{o}/{r}/issues[/{n}]`). */
export function recordFromRest(json: unknown, repo: RepoRef): GithubRecord {
  const j = obj(json) ?? {};
  const summary = obj(j.issue_dependencies_summary);
  return {
    repo,
    number: j.number,
    nodeId: j.node_id,
    title: j.title,
    body: j.body,
    open: openFrom(j.state),
    url: j.html_url,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
    labels: Array.isArray(j.labels) ? j.labels : [],
    assignee: obj(j.assignee)?.login,
    isPullRequest: j.pull_request !== undefined && j.pull_request !== null,
    blockedByCount: typeof summary?.blocked_by === 'number' ? summary.blocked_by : null,
  };
}

/** A GraphQL `Issue` or `PullRequest` node selected with `ISSUE_FIELDS` (a PR's state is aliased `pullState`). */
export function recordFromGraphql(node: unknown, repo: RepoRef, projectItem?: GithubRecord['projectItem']): GithubRecord {
  const j = obj(node) ?? {};
  const labels = (obj(j.labels)?.nodes as unknown[] | undefined) ?? [];
  const assignees = (obj(j.assignees)?.nodes as unknown[] | undefined) ?? [];
  return {
    repo,
    number: j.number,
    nodeId: j.id,
    title: j.title,
    body: j.body,
    open: openFrom(j.state ?? j.pullState),
    url: j.url,
    createdAt: j.createdAt,
    updatedAt: j.updatedAt,
    labels,
    assignee: obj(assignees[0])?.login,
    isPullRequest: j.__typename === 'PullRequest',
    blockedByCount: null,
    ...(projectItem ? { projectItem } : {}),
  };
}

/** The dispatch id of issue `number` in `repo`. */
export function issueId(repo: RepoRef, number: number): string {
  return `${repo.full}#${number}`;
}

/** `owner/repo#number` → its parts; null for anything else. */
export function parseIssueId(id: string): { owner: string; name: string; number: number } | null {
  const m = /^([^/\s#]+)\/([^/\s#]+)#(\d+)$/.exec(id.trim());
  return m ? { owner: m[1]!, name: m[2]!, number: Number(m[3]) } : null;
}

function labelNames(labels: unknown[]): string[] {
  const names: string[] = [];
  for (const label of labels) {
    if (typeof label === 'string') names.push(label);
    else if (typeof obj(label)?.name === 'string') names.push(obj(label)!.name as string);
  }
  return names;
}

/** Label names as GitHub spells them (unusable entries dropped): for state labels and writes. */
export function rawLabelNames(record: GithubRecord): string[] {
  return labelNames(record.labels).filter((l) => l.trim());
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value : null;
}

/**
 * Normalize one record. `state` is derived by the caller from the state source; a record without a
 * usable number, title or state is malformed (SPEC §11.1), anything optional falls back to null.
 */
export function normalizeRecord(
  record: GithubRecord,
  state: string | null,
  settings: Pick<GithubSettings, 'repos'>,
): Normalized {
  const number = typeof record.number === 'number' && Number.isInteger(record.number) && record.number > 0 ? record.number : null;
  const id = number === null ? null : issueId(record.repo, number);
  if (number === null) return { ok: false, id, reason: 'no usable issue number' };
  if (typeof record.title !== 'string' || !record.title.trim()) return { ok: false, id, reason: 'empty title' };
  if (record.open === null) return { ok: false, id, reason: 'state is neither open nor closed' };
  if (state === null || !state.trim()) return { ok: false, id, reason: 'no state' };

  const names = rawLabelNames(record);
  const nodeId = optionalText(record.nodeId);
  const issue: Issue = {
    id: id!,
    identifier: settings.repos.length === 1 ? `GH-${number}` : id!,
    title: record.title.trim(),
    description: optionalText(record.body),
    priority: priorityFromLabels(names),
    state,
    branch_name: null,
    url: optionalText(record.url),
    assignee_id: optionalText(record.assignee),
    labels: normalizeLabels(names),
    blocked_by: [],
    dispatchable: !record.isPullRequest && !(record.projectItem?.archived ?? false) && !((record.blockedByCount ?? 0) > 0),
    created_at: normalizeTimestamp(record.createdAt),
    updated_at: normalizeTimestamp(record.updatedAt),
    native_ref: {
      owner: record.repo.owner,
      repo: record.repo.name,
      number,
      node_id: nodeId,
      is_pull_request: record.isPullRequest,
      ...(record.projectItem ? { project_item_id: record.projectItem.id } : {}),
    },
  };
  const checked = IssueSchema.safeParse(issue);
  return checked.success ? { ok: true, issue: checked.data } : { ok: false, id, reason: checked.error.issues[0]?.message ?? 'invalid' };
}
