/**
 * `state_source: project`: the Baton state is a Projects v2 single-select field (GraphQL only).
 * The board's id, field and options are read once and re-read when a move names an option the
 * cached list lacks (someone added it on GitHub).
 */
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState } from '../../../core/issue.js';
import type { GithubClient } from '../../github/client.js';
import { malformedResponse } from '../../github/errors.js';
import { recordFromGraphql, type GithubRecord } from './normalize.js';
import { ADD_PROJECT_ITEM_MUTATION, issuesByNumberQuery, PROJECT_ITEMS_QUERY, PROJECT_QUERY, SET_PROJECT_FIELD_MUTATION } from './queries.js';
import { findRepo, type GithubSettings, type RepoRef } from './settings.js';
import { NO_STATUS } from './states.js';

interface Board {
  id: string;
  fieldId: string;
  options: Array<{ id: string; name: string }>;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

/** Issues per by-number query: 50 aliases keep a request well inside GitHub's node limits. */
const BATCH = 50;

export class ProjectBoard {
  private board: Board | null = null;

  constructor(
    private readonly client: GithubClient,
    private readonly settings: GithubSettings & { project: NonNullable<GithubSettings['project']> },
  ) {}

  private get where(): string {
    const p = this.settings.project;
    return `project ${p.owner}#${p.number}`;
  }

  private async load(): Promise<Board> {
    const p = this.settings.project;
    const data = await this.client.graphql<Json>(PROJECT_QUERY, { owner: p.owner, number: p.number, field: p.field }, `read ${this.where}`, true);
    const project = obj(obj(data.repositoryOwner)?.projectV2);
    if (!project) {
      throw new BatonError(ErrorCategory.invalidTrackerConfig, `tracker \`${this.settings.trackerName}\`: ${this.where} was not found; check provider.project and that the token may read projects`, {
        retryable: false,
      });
    }
    const field = obj(project.field);
    if (!field || typeof field.id !== 'string' || !Array.isArray(field.options)) {
      throw new BatonError(
        ErrorCategory.invalidTrackerConfig,
        `tracker \`${this.settings.trackerName}\`: ${this.where} has no single-select field \`${p.field}\`; set provider.project.field to the field holding the state`,
        { retryable: false },
      );
    }
    const options = (field.options as unknown[]).map(obj).filter((o): o is Json => typeof o?.id === 'string' && typeof o?.name === 'string');
    this.board = { id: String(project.id), fieldId: field.id, options: options.map((o) => ({ id: String(o.id), name: String(o.name) })) };
    return this.board;
  }

  private async current(): Promise<Board> {
    return this.board ?? this.load();
  }

  /** Every item of the board whose content is an issue or pull request of a configured repository. */
  async records(): Promise<GithubRecord[]> {
    const p = this.settings.project;
    const records: GithubRecord[] = [];
    const cursors = new Set<string>();
    let after: string | null = null;
    for (let page = 1; ; page += 1) {
      const data: Json = await this.client.graphql<Json>(PROJECT_ITEMS_QUERY, { owner: p.owner, number: p.number, field: p.field, after }, `list items of ${this.where} (page ${page})`);
      const items = obj(obj(obj(data.repositoryOwner)?.projectV2)?.items);
      if (!items || !Array.isArray(items.nodes)) throw malformedResponse(`list items of ${this.where}`, `page ${page} has no items`);
      for (const node of items.nodes) {
        const item = obj(node);
        const content = obj(item?.content);
        const nwo = obj(content?.repository)?.nameWithOwner;
        if (!item || !content || typeof nwo !== 'string') continue; // draft items and redacted content
        const [owner, name] = nwo.split('/');
        const repo = findRepo(this.settings, owner ?? '', name ?? '');
        if (!repo) continue;
        const value = obj(item.fieldValueByName);
        records.push(
          recordFromGraphql(content, repo, {
            id: String(item.id),
            status: typeof value?.name === 'string' ? value.name : null,
            archived: item.isArchived === true,
          }),
        );
      }
      const info = obj(items.pageInfo);
      if (info?.hasNextPage !== true) break;
      const cursor = info.endCursor;
      if (typeof cursor !== 'string' || cursors.has(cursor)) {
        throw new BatonError(ErrorCategory.trackerPagination, `GitHub pagination of ${this.where} stalled at page ${page} (missing or repeated endCursor); the list was not used`, {
          retryable: true,
        });
      }
      cursors.add(cursor);
      after = cursor;
    }
    return records;
  }

  /**
   * The given issues with their item on this board; an issue GitHub does not know, or that is not on
   * the board, is absent (no longer in scope).
   */
  async recordsByNumber(issues: ReadonlyArray<{ repo: RepoRef; number: number }>): Promise<GithubRecord[]> {
    const board = await this.current();
    const out: GithubRecord[] = [];
    for (let start = 0; start < issues.length; start += BATCH) {
      const batch = issues.slice(start, start + BATCH);
      const variables: Record<string, unknown> = { field: this.settings.project.field };
      batch.forEach((issue, i) => {
        variables[`o${i}`] = issue.repo.owner;
        variables[`r${i}`] = issue.repo.name;
        variables[`n${i}`] = issue.number;
      });
      const data = await this.client.graphql<Json>(issuesByNumberQuery(batch.length), variables, `read ${batch.length} issue(s) of ${this.where}`, true);
      batch.forEach((issue, i) => {
        const node = obj(obj(data[`i${i}`])?.issue);
        if (!node) return;
        const items = (obj(node.projectItems)?.nodes as unknown[] | undefined) ?? [];
        const item = items.map(obj).find((it) => obj(it?.project)?.id === board.id);
        if (!item) return;
        const value = obj(item.fieldValueByName);
        out.push(
          recordFromGraphql(node, issue.repo, {
            id: String(item.id),
            status: typeof value?.name === 'string' ? value.name : null,
            archived: item.isArchived === true,
          }),
        );
      });
    }
    return out;
  }

  /** Set the field to the option named `state` (case-insensitive), adding the issue to the board if needed. */
  async move(issue: { nodeId: string | null; itemId: string | null; label: string }, state: string): Promise<void> {
    let board = await this.current();
    const find = (b: Board) => b.options.find((o) => normalizeState(o.name) === normalizeState(state));
    let option = find(board);
    if (!option) {
      board = await this.load();
      option = find(board);
    }
    if (!option) {
      throw new BatonError(
        ErrorCategory.invalidTrackerConfig,
        `tracker \`${this.settings.trackerName}\`: field \`${this.settings.project.field}\` of ${this.where} has no option \`${state}\` (options: ${board.options.map((o) => o.name).join(', ') || 'none'}); add it on GitHub or change the stage's move_to`,
        { retryable: false },
      );
    }
    let itemId = issue.itemId;
    if (!itemId) {
      if (!issue.nodeId) throw malformedResponse(`move ${issue.label}`, 'the issue has no node id to add it to the board');
      const added = await this.client.graphqlWrite<Json>(ADD_PROJECT_ITEM_MUTATION, { project: board.id, content: issue.nodeId }, `add ${issue.label} to ${this.where}`);
      const id = obj(obj(added.addProjectV2ItemById)?.item)?.id;
      if (typeof id !== 'string') throw malformedResponse(`add ${issue.label} to ${this.where}`, 'no item id in the answer');
      itemId = id;
    }
    await this.client.graphqlWrite(SET_PROJECT_FIELD_MUTATION, { project: board.id, item: itemId, field: board.fieldId, option: option.id }, `move ${issue.label} to ${state} on ${this.where}`);
  }
}

/** The state a board item reports. */
export function projectState(record: GithubRecord): string {
  return record.projectItem?.status ?? NO_STATUS;
}
