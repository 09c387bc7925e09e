/**
 * The `asana` tracker: tasks of one Asana project, the section a task is in being its state
 * (spec/adapters/asana.md). A poll is ONE listing of the project's incomplete tasks with every
 * field Baton reads (`completed_since=now`, `opt_fields`); in-flight tasks it lacks (completed,
 * deleted, moved out) are re-read one by one. Moves go through `POST /sections/{gid}/addTask`
 * (plus `completed` at terminal sections), labels are tags, and Baton's progress comment is one
 * story edited in place.
 */
import type { TrackerConfig } from '../../../config/schema.js';
import { BatonError, ErrorCategory } from '../../../core/errors.js';
import { normalizeState, type Issue } from '../../../core/issue.js';
import type { Logger } from '../../../base/logger.js';
import { parseArgs, toolError, toolFailure, toolResult, unsupportedTool } from '../tool-results.js';
import type { AgentToolResult, AgentToolSpec, PollResult, TrackerAdapter, TrackerContext } from '../types.js';
import { AsanaClient } from './client.js';
import { normalizeAsanaTask, sectionIn, TASK_FIELDS, type AsanaTask } from './normalize.js';
import { asanaSettings, type AsanaSettings } from './settings.js';
import { ASANA_TOOL_NAMES, AsanaApiArgs, asanaToolSpecs, classifyApiPath, CommentArgs, GetTaskArgs } from './tools.js';

/** First line of Baton's progress comment: Asana comments are plain text, so the marker shows. */
export const PROGRESS_MARKER = '[baton:progress]';

type Named = { gid: string; name: string };

function named(items: unknown[]): Named[] {
  return items.flatMap((x) => {
    const v = x as { gid?: unknown; name?: unknown };
    return typeof v.gid === 'string' && typeof v.name === 'string' ? [{ gid: v.gid, name: v.name }] : [];
  });
}

export class AsanaTracker implements TrackerAdapter {
  readonly kind = 'asana';
  readonly client: AsanaClient;
  private sections: Named[] | null = null;
  private tags: Named[] | null = null;
  private workspaceGid: string | null = null;
  private readonly progressStories = new Map<string, string>();

  constructor(
    readonly settings: AsanaSettings,
    private readonly logger: Logger,
  ) {
    this.client = new AsanaClient(settings);
  }

  // ---------------------------------------------------------------- reads

  private hasRequiredLabels(issue: Issue): boolean {
    return this.settings.requiredLabels.every((l) => issue.labels.includes(l));
  }

  async fetchIssuesByStates(states: readonly string[]): Promise<Issue[]> {
    if (states.length === 0) return [];
    return (await this.poll(states, [])).candidates;
  }

  /** One task by gid; null when it is deleted, not visible, or no longer in the project. */
  private async readTask(gid: string): Promise<Issue | null> {
    const raw = await this.client.data('GET', `/tasks/${gid}`, `read task ${gid}`, { query: { opt_fields: TASK_FIELDS }, gone: true });
    if (raw === null) return null;
    const result = normalizeAsanaTask(raw, this.settings.projectGid);
    if (result.ok) return result.issue;
    if (result.outside) return null;
    throw new BatonError(ErrorCategory.trackerResponse, `Asana task ${gid} cannot be used: ${result.reason}; fix it in Asana (the refresh was not used)`, { details: { issue_id: gid } });
  }

  async fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]> {
    const gids = [...new Set(ids.filter((id) => /^\d+$/.test(id)))];
    const out: Issue[] = [];
    for (const gid of gids) {
      const issue = await this.readTask(gid);
      if (issue) out.push(issue);
    }
    return out;
  }

  /**
   * One listing of the project's incomplete tasks serves both halves; in-flight tasks it lacks
   * are re-read by gid (Asana has no multi-get outside its batch API).
   */
  async poll(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult> {
    if (activeStates.length === 0 && inflightIds.length === 0) return { candidates: [], inflight: [] };
    const before = this.client.stats.requests;
    const wanted = new Set(activeStates.map(normalizeState));
    const records = await this.client.list(`/projects/${this.settings.projectGid}/tasks`, `list tasks of project ${this.settings.projectGid}`, { completed_since: 'now', opt_fields: TASK_FIELDS }, this.settings.pageSize);
    const listed = new Map<string, Issue>();
    const malformed = new Map<string, string>();
    for (const record of records) {
      const result = normalizeAsanaTask(record, this.settings.projectGid);
      if (result.ok) listed.set(result.issue.id, result.issue);
      else {
        if (result.id) malformed.set(result.id, result.reason);
        this.logger.warn({ tracker: this.settings.trackerName, issue_id: result.id, reason: result.reason }, `asana: dropped malformed task ${result.id ?? '(no gid)'}: ${result.reason}`);
      }
    }
    const candidates = [...listed.values()].filter((i) => wanted.has(normalizeState(i.state)) && this.hasRequiredLabels(i));
    const inflight: Issue[] = [];
    const missing: string[] = [];
    for (const id of new Set(inflightIds)) {
      const reason = malformed.get(id);
      if (reason) throw new BatonError(ErrorCategory.trackerResponse, `Asana task ${id} cannot be used: ${reason}; fix it in Asana (the refresh was not used)`, { details: { issue_id: id } });
      const issue = listed.get(id);
      if (issue && candidates.includes(issue)) continue;
      if (issue) inflight.push(issue);
      else missing.push(id);
    }
    inflight.push(...(await this.fetchIssuesByIds(missing)));
    this.logger.debug({ tracker: this.settings.trackerName, candidates: candidates.length, inflight: inflight.length, requests: this.client.stats.requests - before }, 'asana: poll');
    return { candidates, inflight };
  }

  // ---------------------------------------------------------------- writes

  private async projectSections(refresh = false): Promise<Named[]> {
    if (!this.sections || refresh) {
      this.sections = named(await this.client.list(`/projects/${this.settings.projectGid}/sections`, 'list the project’s sections', { opt_fields: 'name' }, 100));
    }
    return this.sections;
  }

  private async sectionNamed(state: string): Promise<Named> {
    const find = (list: Named[]) => list.find((s) => normalizeState(s.name) === normalizeState(state));
    const found = find(await this.projectSections()) ?? find(await this.projectSections(true));
    if (found) return found;
    throw new BatonError(
      ErrorCategory.invalidTrackerConfig,
      `Asana project ${this.settings.projectGid} has no section "${state}" (sections: ${this.sections!.map((s) => s.name).join(', ') || 'none'}); add the section or fix the stage's move_to`,
      { retryable: false },
    );
  }

  /** The task's current fields (`name` and its memberships always, so it normalizes). */
  private async task(issue: Issue, fields: string, purpose: string): Promise<AsanaTask> {
    const raw = await this.client.data('GET', `/tasks/${issue.id}`, `read task ${issue.id} to ${purpose}`, {
      query: { opt_fields: `name,memberships.project.gid,memberships.section.gid,memberships.section.name,${fields}` },
    });
    const result = normalizeAsanaTask(raw, this.settings.projectGid);
    if (!result.ok) throw new BatonError(ErrorCategory.trackerStatus, `Asana task ${issue.id} cannot ${purpose}: ${result.reason}`, { retryable: false });
    return result.task;
  }

  private async setCompleted(gid: string, completed: boolean): Promise<void> {
    await this.client.data('PUT', `/tasks/${gid}`, `mark task ${gid} ${completed ? 'complete' : 'incomplete'}`, { body: { completed }, query: { opt_fields: 'completed' } });
  }

  /**
   * Into a terminal section: move, then complete. Out of one: un-complete, then move. A poll in
   * between reads either the state being left or the one being entered.
   */
  async moveToState(issue: Issue, state: string): Promise<void> {
    const target = await this.sectionNamed(state);
    const task = await this.task(issue, 'completed', `move it to ${state}`);
    const terminal = this.settings.terminalStates.has(normalizeState(state));
    const complete = this.settings.completeOnTerminal && task.completed !== terminal ? terminal : null;
    if (complete === false) await this.setCompleted(task.gid, false);
    if (sectionIn(task, this.settings.projectGid)?.gid !== target.gid) {
      await this.client.data('POST', `/sections/${target.gid}/addTask`, `move task ${task.gid} to ${state}`, { body: { task: task.gid } });
    }
    if (complete === true) await this.setCompleted(task.gid, true);
  }

  private async workspace(): Promise<string> {
    if (!this.workspaceGid) {
      const project = (await this.client.data('GET', `/projects/${this.settings.projectGid}`, 'read the project', { query: { opt_fields: 'workspace.gid' } })) as { workspace?: { gid?: unknown } };
      if (typeof project?.workspace?.gid !== 'string') throw new BatonError(ErrorCategory.trackerResponse, 'Asana did not say which workspace the project is in');
      this.workspaceGid = project.workspace.gid;
    }
    return this.workspaceGid;
  }

  /** The workspace tag named `name` (any case), created when there is none. */
  private async tagNamed(name: string): Promise<string> {
    const ws = await this.workspace();
    const find = () => this.tags?.find((t) => t.name.toLowerCase() === name.toLowerCase())?.gid;
    if (!find()) this.tags = named(await this.client.list(`/workspaces/${ws}/tags`, 'list the workspace’s tags', { opt_fields: 'name' }, 100));
    const found = find();
    if (found) return found;
    const created = (await this.client.data('POST', `/workspaces/${ws}/tags`, `create tag ${name}`, { body: { name }, query: { opt_fields: 'name' } })) as { gid?: unknown };
    if (typeof created?.gid !== 'string') throw new BatonError(ErrorCategory.trackerResponse, `Asana did not return the new tag ${name}`);
    this.tags = [...(this.tags ?? []), { gid: created.gid, name }];
    return created.gid;
  }

  async addLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const names = labels.map((l) => l.trim()).filter(Boolean);
    if (names.length === 0) return;
    const task = await this.task(issue, 'tags.name', 'tag it');
    const have = new Set(task.tags.map((t) => t.name.toLowerCase()));
    for (const name of names.filter((n) => !have.has(n.toLowerCase()))) {
      const tag = await this.tagNamed(name);
      await this.client.data('POST', `/tasks/${task.gid}/addTag`, `tag task ${task.gid} ${name}`, { body: { tag } });
    }
  }

  async removeLabels(issue: Issue, labels: readonly string[]): Promise<void> {
    const wanted = new Set(labels.map((l) => l.trim().toLowerCase()).filter(Boolean));
    if (wanted.size === 0) return;
    const task = await this.task(issue, 'tags.name', 'untag it');
    for (const tag of task.tags.filter((t) => t.gid && wanted.has(t.name.toLowerCase()))) {
      await this.client.data('POST', `/tasks/${task.gid}/removeTag`, `untag task ${task.gid} ${tag.name}`, { body: { tag: tag.gid } });
    }
  }

  private async findProgressStory(gid: string): Promise<string | null> {
    const stories = await this.client.list(`/tasks/${gid}/stories`, `list stories of task ${gid}`, { opt_fields: 'text,resource_subtype' }, 100);
    for (const s of stories) {
      const story = s as { gid?: unknown; text?: unknown; resource_subtype?: unknown };
      if (story.resource_subtype === 'comment_added' && typeof story.gid === 'string' && typeof story.text === 'string' && story.text.startsWith(PROGRESS_MARKER)) return story.gid;
    }
    return null;
  }

  async upsertProgressComment(issue: Issue, body: string): Promise<void> {
    const text = `${PROGRESS_MARKER}\n${body}`;
    const id = this.progressStories.get(issue.id) ?? (await this.findProgressStory(issue.id));
    if (id !== null) {
      const updated = await this.client.data('PUT', `/stories/${id}`, `update the progress comment on task ${issue.id}`, { body: { text }, query: { opt_fields: 'text' }, gone: true });
      if (updated !== null) {
        this.progressStories.set(issue.id, id);
        return;
      }
      this.progressStories.delete(issue.id);
    }
    const created = (await this.client.data('POST', `/tasks/${issue.id}/stories`, `comment on task ${issue.id}`, { body: { text }, query: { opt_fields: 'text' } })) as { gid?: unknown };
    if (typeof created?.gid === 'string') this.progressStories.set(issue.id, created.gid);
  }

  // ---------------------------------------------------------------- tools

  agentTools(): AgentToolSpec[] {
    return asanaToolSpecs(this.settings.projectGid);
  }

  async executeAgentTool(name: string, args: unknown, issue: Issue): Promise<AgentToolResult> {
    try {
      switch (name) {
        case 'asana_api': {
          const parsed = parseArgs(AsanaApiArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const { method, path, query, body } = parsed.value;
          const target = classifyApiPath(path, this.settings.projectGid);
          if (target.kind === 'refused') return toolError(`asana_api: ${target.reason}`);
          if (target.kind === 'task' && !(await this.readTask(target.gid))) return toolError(`asana_api: task ${target.gid} is not in project ${this.settings.projectGid} (or not found)`);
          if (method === 'GET' && body !== undefined) return toolError('asana_api: a GET takes no body; pass query parameters in `query`');
          const answer = await this.client.raw(method, path, query ?? {}, body);
          return toolResult(answer.status >= 200 && answer.status < 300, answer);
        }
        case 'asana_get_task': {
          const parsed = parseArgs(GetTaskArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const found = await this.readTask(parsed.value.gid ?? issue.id);
          if (!found) return toolError(`asana_get_task: task ${parsed.value.gid ?? issue.id} is not in project ${this.settings.projectGid}`);
          const stories = await this.client.list(`/tasks/${found.id}/stories`, `list stories of task ${found.id}`, { opt_fields: 'text,resource_subtype,created_at,created_by.name' }, 100);
          const comments = stories
            .map((s) => s as { gid?: string; text?: string; resource_subtype?: string; created_at?: string; created_by?: { name?: string } })
            .filter((s) => s.resource_subtype === 'comment_added')
            .map((s) => ({ gid: s.gid ?? null, author: s.created_by?.name ?? null, created_at: s.created_at ?? null, text: s.text ?? '' }));
          return toolResult(true, { issue: found, comments });
        }
        case 'asana_comment': {
          const parsed = parseArgs(CommentArgs, args, name);
          if (!parsed.ok) return parsed.result;
          const created = (await this.client.data('POST', `/tasks/${issue.id}/stories`, `comment on task ${issue.id}`, { body: { text: parsed.value.text }, query: { opt_fields: 'text' } })) as { gid?: string };
          return toolResult(true, { gid: created?.gid ?? null });
        }
        default:
          return unsupportedTool(name, ASANA_TOOL_NAMES);
      }
    } catch (err) {
      if (err instanceof BatonError) return toolFailure(err);
      throw err;
    }
  }

  secretEnvNames(): string[] {
    return [...this.settings.secretEnv];
  }
}

/** Registry factory (`adapters/trackers/index.ts`). */
export function createAsanaTracker(config: TrackerConfig, ctx: TrackerContext): AsanaTracker {
  return new AsanaTracker(asanaSettings(config), ctx.logger.child({ tracker: config.name, tracker_kind: 'asana' }));
}
