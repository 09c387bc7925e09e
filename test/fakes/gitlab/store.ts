/**
 * The GitLab fake's data: one group, projects, issues with labels, notes (system notes for label
 * and state changes, as GitLab writes them), labels and "blocks" links. Renders the documented
 * response objects (schemas.ts). Tests change issues through `update`, which bumps `updated_at`
 * the way a person's edit does.
 */
import type { z } from 'zod';
import type { IssueLinkResponse, IssueResponse, LabelResponse, NoteResponse, UserBasic } from './schemas.js';

export interface FakeUser {
  id: number;
  username: string;
  name: string;
}

export interface FakeNote {
  id: number;
  body: string;
  system: boolean;
  authorId: number;
  created_at: string;
  updated_at: string;
}

export interface FakeIssue {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string | null;
  state: 'opened' | 'closed';
  labels: string[];
  assigneeIds: number[];
  authorId: number;
  created_at: string;
  /** Bumped once per change (tests may watch it to see every write's effect). */
  updated_at: string;
  closed_at: string | null;
  closedById: number | null;
  notes: FakeNote[];
  /** `is_blocked_by` links: iids of issues (same project) that block this one. */
  blockedBy: number[];
}

export interface FakeProject {
  id: number;
  path: string;
  issues: Map<number, FakeIssue>;
  labels: Map<string, { id: number; name: string; color: string }>;
  nextIid: number;
}

export interface IssueSeed {
  title?: string;
  description?: string | null;
  state?: 'opened' | 'closed';
  labels?: string[];
  assignee?: FakeUser;
}

/** GitLab writes timestamps as UTC with milliseconds. */
function stamp(ms: number): string {
  return new Date(ms).toISOString();
}

export class GitlabStore {
  readonly projects = new Map<number, FakeProject>();
  readonly bot: FakeUser = { id: 101, username: 'baton-bot', name: 'Baton Bot' };
  readonly person: FakeUser = { id: 102, username: 'reviewer', name: 'A Reviewer' };
  private seq = 1000;
  private clock = Date.parse('2026-01-05T09:00:00.000Z');

  constructor(readonly url: string) {}

  private nextId(): number {
    this.seq += 1;
    return this.seq;
  }

  /** A strictly increasing instant: every change is ordered, even within one millisecond. */
  now(): string {
    this.clock = Math.max(this.clock + 1, Date.now());
    return stamp(this.clock);
  }

  addProject(path: string): FakeProject {
    const project: FakeProject = { id: this.nextId(), path, issues: new Map(), labels: new Map(), nextIid: 1 };
    this.projects.set(project.id, project);
    return project;
  }

  /** The project an API `:id` names: its numeric id or its URL-decoded path (case-insensitive). */
  findProject(ref: string): FakeProject | undefined {
    if (/^\d+$/.test(ref)) return this.projects.get(Number(ref));
    return [...this.projects.values()].find((p) => p.path.toLowerCase() === ref.toLowerCase());
  }

  ensureLabel(project: FakeProject, name: string): { id: number; name: string; color: string } {
    const existing = [...project.labels.values()].find((l) => l.name === name);
    if (existing) return existing;
    const label = { id: this.nextId(), name, color: '#6699cc' };
    project.labels.set(name, label);
    return label;
  }

  addIssue(project: FakeProject, seed: IssueSeed = {}): FakeIssue {
    const at = this.now();
    const issue: FakeIssue = {
      id: this.nextId(),
      iid: project.nextIid++,
      projectId: project.id,
      title: seed.title ?? `Issue ${project.nextIid - 1}`,
      description: seed.description === undefined ? 'Details.' : seed.description,
      state: seed.state ?? 'opened',
      labels: [...(seed.labels ?? [])],
      assigneeIds: seed.assignee ? [seed.assignee.id] : [],
      authorId: this.person.id,
      created_at: at,
      updated_at: at,
      closed_at: seed.state === 'closed' ? at : null,
      closedById: seed.state === 'closed' ? this.person.id : null,
      notes: [],
      blockedBy: [],
    };
    for (const l of issue.labels) this.ensureLabel(project, l);
    project.issues.set(issue.iid, issue);
    return issue;
  }

  addNote(issue: FakeIssue, body: string, authorId: number, system = false): FakeNote {
    const at = this.now();
    const note: FakeNote = { id: this.nextId(), body, system, authorId, created_at: at, updated_at: at };
    issue.notes.push(note);
    return note;
  }

  /**
   * Apply a label/state change as GitLab does: the new label set and state in one update, one
   * system note per kind of change, `updated_at` bumped once (last, after every field is set).
   */
  apply(issue: FakeIssue, change: { labels?: string[]; state?: 'opened' | 'closed'; title?: string; description?: string }, actorId: number): boolean {
    const project = this.projects.get(issue.projectId)!;
    const notes: string[] = [];
    let changed = false;
    if (change.title !== undefined && change.title !== issue.title) {
      notes.push(`changed title from **${issue.title}** to **${change.title}**`);
      issue.title = change.title;
      changed = true;
    }
    if (change.description !== undefined && change.description !== issue.description) {
      notes.push('changed the description');
      issue.description = change.description;
      changed = true;
    }
    if (change.labels) {
      const added = change.labels.filter((l) => !issue.labels.includes(l));
      const removed = issue.labels.filter((l) => !change.labels!.includes(l));
      if (added.length || removed.length) {
        for (const l of added) this.ensureLabel(project, l);
        const ref = (names: string[]) => names.map((n) => `~"${n}"`).join(' ');
        notes.push([added.length ? `added ${ref(added)}` : '', removed.length ? `removed ${ref(removed)}` : ''].filter(Boolean).join(' and ') + ` label${added.length + removed.length > 1 ? 's' : ''}`);
        issue.labels = change.labels;
        changed = true;
      }
    }
    if (change.state && change.state !== issue.state) {
      notes.push(change.state === 'closed' ? 'closed' : 'reopened');
      issue.closed_at = change.state === 'closed' ? this.now() : null;
      issue.closedById = change.state === 'closed' ? actorId : null;
      issue.state = change.state;
      changed = true;
    }
    for (const body of notes) this.addNote(issue, body, actorId, true);
    if (changed) issue.updated_at = this.now();
    return changed;
  }

  user(id: number): FakeUser {
    return [this.bot, this.person].find((u) => u.id === id) ?? { id, username: `user${id}`, name: `User ${id}` };
  }

  userJson(id: number): z.input<typeof UserBasic> {
    const u = this.user(id);
    return { id: u.id, username: u.username, name: u.name, state: 'active', locked: false, avatar_url: null, web_url: `${this.url}/${u.username}` };
  }

  issueJson(issue: FakeIssue): z.input<typeof IssueResponse> {
    const project = this.projects.get(issue.projectId)!;
    const base = `${this.url}/api/v4/projects/${project.id}/issues/${issue.iid}`;
    const assignees = issue.assigneeIds.map((id) => this.userJson(id));
    return {
      id: issue.id,
      iid: issue.iid,
      project_id: project.id,
      title: issue.title,
      description: issue.description,
      state: issue.state,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      closed_by: issue.closedById === null ? null : this.userJson(issue.closedById),
      labels: [...issue.labels],
      milestone: null,
      assignees,
      assignee: assignees[0] ?? null,
      author: this.userJson(issue.authorId),
      type: 'ISSUE',
      issue_type: 'issue',
      user_notes_count: issue.notes.filter((n) => !n.system).length,
      merge_requests_count: 0,
      upvotes: 0,
      downvotes: 0,
      due_date: null,
      confidential: false,
      discussion_locked: null,
      web_url: `${this.url}/${project.path}/-/issues/${issue.iid}`,
      references: { short: `#${issue.iid}`, relative: `#${issue.iid}`, full: `${project.path}#${issue.iid}` },
      time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
      task_completion_status: { count: 0, completed_count: 0 },
      has_tasks: false,
      _links: { self: base, notes: `${base}/notes`, award_emoji: `${base}/award_emoji`, project: `${this.url}/api/v4/projects/${project.id}`, closed_as_duplicate_of: null },
      moved_to_id: null,
      service_desk_reply_to: null,
      subscribed: false,
    };
  }

  noteJson(issue: FakeIssue, note: FakeNote): z.input<typeof NoteResponse> {
    return {
      id: note.id,
      type: null,
      body: note.body,
      author: this.userJson(note.authorId),
      created_at: note.created_at,
      updated_at: note.updated_at,
      system: note.system,
      noteable_id: issue.id,
      noteable_type: 'Issue',
      project_id: issue.projectId,
      noteable_iid: issue.iid,
      resolvable: false,
      confidential: false,
      internal: false,
    };
  }

  labelJson(project: FakeProject, label: { id: number; name: string; color: string }): z.input<typeof LabelResponse> {
    const issues = [...project.issues.values()].filter((i) => i.labels.includes(label.name));
    return {
      id: label.id,
      name: label.name,
      color: label.color,
      text_color: '#FFFFFF',
      description: null,
      description_html: '',
      open_issues_count: issues.filter((i) => i.state === 'opened').length,
      closed_issues_count: issues.filter((i) => i.state === 'closed').length,
      open_merge_requests_count: 0,
      subscribed: false,
      priority: null,
      is_project_label: true,
    };
  }

  linkJson(issue: FakeIssue, blocker: FakeIssue): z.input<typeof IssueLinkResponse> {
    return { ...this.issueJson(blocker), issue_link_id: blocker.id * 1000 + issue.iid, link_type: 'is_blocked_by', link_created_at: issue.created_at, link_updated_at: issue.created_at };
  }
}
