/**
 * The Linear fake's in-memory workspace: teams, workflow states, labels, users, projects, issues,
 * relations and comments, plus the read views the GraphQL resolvers walk. Views expose each
 * schema field under its schema name; relations are getters, lists are arrays (the server turns
 * arrays into Relay connections), and fields the fake does not model are zero-filled by the server.
 */
import { randomUUID } from 'node:crypto';

export interface TeamRow {
  id: string;
  key: string;
  name: string;
}
export interface StateRow {
  id: string;
  teamId: string;
  name: string;
  /** triage, backlog, unstarted, started, completed, canceled, duplicate */
  type: string;
  position: number;
}
export interface LabelRow {
  id: string;
  name: string;
  /** null: a workspace label */
  teamId: string | null;
}
export interface UserRow {
  id: string;
  name: string;
  email: string;
}
export interface ProjectRow {
  id: string;
  name: string;
  slugId: string;
}
export interface IssueRow {
  id: string;
  teamId: string;
  projectId: string | null;
  number: number;
  identifier: string;
  title: string;
  description: string | null;
  /** Linear: 0 none, 1 urgent, 2 high, 3 medium, 4 low (a Float in the schema). */
  priority: number;
  stateId: string;
  assigneeId: string | null;
  labelIds: string[];
  branchName: string;
  createdAt: string;
  updatedAt: string;
}
export interface RelationRow {
  id: string;
  type: string;
  /** The blocking issue for `blocks`. */
  issueId: string;
  relatedIssueId: string;
  createdAt: string;
}
export interface CommentRow {
  id: string;
  issueId: string;
  userId: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}
/** An issue attachment (a link); Linear keeps one per issue and URL. */
export interface AttachmentRow {
  id: string;
  issueId: string;
  url: string;
  title: string;
  subtitle: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a test says about an issue; names are resolved against the workspace. */
export interface IssueSpec {
  id?: string;
  title?: string;
  description?: string | null;
  state?: string;
  team?: string;
  /** Project slug id; default: the default project; `null`: no project. */
  project?: string | null;
  priority?: number;
  labels?: string[];
  /** User id or `viewer`. */
  assignee?: string | null;
  branchName?: string;
  createdAt?: string;
  updatedAt?: string;
}

/** A snapshot of one issue as a test asserts on it. */
export interface IssueSnapshot {
  id: string;
  identifier: string;
  title: string;
  state: string;
  labels: string[];
  assigneeId: string | null;
  priority: number;
  projectSlug: string | null;
  comments: Array<{ id: string; body: string; userId: string }>;
  updatedAt: string;
}

const DEFAULT_STATES: Array<[string, string]> = [
  ['Backlog', 'backlog'],
  ['Todo', 'unstarted'],
  ['In Progress', 'started'],
  ['In Review', 'started'],
  ['Merging', 'started'],
  ['Done', 'completed'],
  ['Canceled', 'canceled'],
  ['Duplicate', 'duplicate'],
];

export class LinearFakeStore {
  readonly teams = new Map<string, TeamRow>();
  readonly states = new Map<string, StateRow>();
  readonly labels = new Map<string, LabelRow>();
  readonly users = new Map<string, UserRow>();
  readonly projects = new Map<string, ProjectRow>();
  readonly issues = new Map<string, IssueRow>();
  readonly relations: RelationRow[] = [];
  readonly comments = new Map<string, CommentRow>();
  readonly attachments = new Map<string, AttachmentRow>();
  readonly viewerId: string;
  readonly defaultTeamKey: string;
  readonly defaultProjectSlug: string;
  /** Monotonic clock so every write moves `updatedAt` forward, as Linear's does. */
  private clock = Date.parse('2026-01-01T00:00:00.000Z');
  private syncId = 1000;

  constructor(options: { teamKey?: string; projectSlug?: string } = {}) {
    this.defaultTeamKey = options.teamKey ?? 'ENG';
    this.defaultProjectSlug = options.projectSlug ?? 'baton0demo';
    this.viewerId = this.addUser('Baton Bot', 'bot@example.com').id;
    this.addUser('Ada Lovelace', 'ada@example.com');
    this.addTeam(this.defaultTeamKey, 'Engineering');
    this.addProject(this.defaultProjectSlug, 'Baton demo');
    this.addLabel('agent', null);
    this.addLabel('Bug', this.teamByKey(this.defaultTeamKey).id);
  }

  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  nextSyncId(): number {
    return ++this.syncId;
  }

  addUser(name: string, email: string): UserRow {
    const row = { id: randomUUID(), name, email };
    this.users.set(row.id, row);
    return row;
  }

  addTeam(key: string, name: string, states: Array<[string, string]> = DEFAULT_STATES): TeamRow {
    const team = { id: randomUUID(), key, name };
    this.teams.set(team.id, team);
    states.forEach(([stateName, type], position) => {
      const state = { id: randomUUID(), teamId: team.id, name: stateName, type, position };
      this.states.set(state.id, state);
    });
    return team;
  }

  addProject(slugId: string, name: string): ProjectRow {
    const row = { id: randomUUID(), slugId, name };
    this.projects.set(row.id, row);
    return row;
  }

  addLabel(name: string, teamId: string | null): LabelRow {
    const row = { id: randomUUID(), name, teamId };
    this.labels.set(row.id, row);
    return row;
  }

  teamByKey(key: string): TeamRow {
    const team = [...this.teams.values()].find((t) => t.key === key);
    if (!team) throw new Error(`Linear fake: no team ${key}`);
    return team;
  }

  projectBySlug(slug: string): ProjectRow {
    const project = [...this.projects.values()].find((p) => p.slugId === slug);
    if (!project) throw new Error(`Linear fake: no project ${slug}`);
    return project;
  }

  stateByName(teamId: string, name: string): StateRow {
    const state = [...this.states.values()].find((s) => s.teamId === teamId && s.name === name);
    if (!state) throw new Error(`Linear fake: no state ${name} in team ${teamId}`);
    return state;
  }

  /** A label visible to the team (team label first, then workspace label), created when missing. */
  labelByName(teamId: string, name: string): LabelRow {
    const labels = [...this.labels.values()];
    return (
      labels.find((l) => l.teamId === teamId && l.name === name) ??
      labels.find((l) => l.teamId === null && l.name === name) ??
      this.addLabel(name, teamId)
    );
  }

  /** Adds an issue the way Linear numbers it (`<TEAM>-<n>`). */
  addIssue(spec: IssueSpec = {}): IssueRow {
    const team = this.teamByKey(spec.team ?? this.defaultTeamKey);
    const number = [...this.issues.values()].filter((i) => i.teamId === team.id).length + 1;
    const identifier = `${team.key}-${number}`;
    const title = spec.title ?? `Issue ${identifier}`;
    const createdAt = spec.createdAt ?? this.now();
    const project = spec.project === null ? null : this.projectBySlug(spec.project ?? this.defaultProjectSlug);
    const assignee = spec.assignee === 'viewer' ? this.viewerId : (spec.assignee ?? null);
    const row: IssueRow = {
      id: spec.id ?? randomUUID(),
      teamId: team.id,
      projectId: project?.id ?? null,
      number,
      identifier,
      title,
      description: spec.description === undefined ? `Description of ${identifier}` : spec.description,
      priority: spec.priority ?? 0,
      stateId: this.stateByName(team.id, spec.state ?? 'Todo').id,
      assigneeId: assignee,
      labelIds: (spec.labels ?? []).map((name) => this.labelByName(team.id, name).id),
      branchName: spec.branchName ?? `bot/${identifier.toLowerCase()}`,
      createdAt,
      updatedAt: spec.updatedAt ?? createdAt,
    };
    this.issues.set(row.id, row);
    return row;
  }

  /** `blocker` blocks `blocked` (shows in `blocked.inverseRelations` with type `blocks`). */
  addBlocker(blockerId: string, blockedId: string): RelationRow {
    const row = { id: randomUUID(), type: 'blocks', issueId: blockerId, relatedIssueId: blockedId, createdAt: this.now() };
    this.relations.push(row);
    return row;
  }

  findIssue(idOrIdentifier: string): IssueRow | undefined {
    return this.issues.get(idOrIdentifier) ?? [...this.issues.values()].find((i) => i.identifier === idOrIdentifier);
  }

  /** Patch raw fields of an issue (for malformed or unusable data the schema still allows). */
  patchIssue(idOrIdentifier: string, patch: Partial<IssueRow>): IssueRow {
    const row = this.findIssue(idOrIdentifier);
    if (!row) throw new Error(`Linear fake: no issue ${idOrIdentifier}`);
    Object.assign(row, patch);
    return row;
  }

  setState(idOrIdentifier: string, stateName: string): void {
    const row = this.findIssue(idOrIdentifier);
    if (!row) throw new Error(`Linear fake: no issue ${idOrIdentifier}`);
    row.stateId = this.stateByName(row.teamId, stateName).id;
    row.updatedAt = this.now();
  }

  snapshot(idOrIdentifier: string): IssueSnapshot {
    const row = this.findIssue(idOrIdentifier);
    if (!row) throw new Error(`Linear fake: no issue ${idOrIdentifier}`);
    return {
      id: row.id,
      identifier: row.identifier,
      title: row.title,
      state: this.states.get(row.stateId)!.name,
      labels: row.labelIds.map((id) => this.labels.get(id)!.name),
      assigneeId: row.assigneeId,
      priority: row.priority,
      projectSlug: row.projectId ? this.projects.get(row.projectId)!.slugId : null,
      comments: [...this.comments.values()]
        .filter((c) => c.issueId === row.id)
        .map((c) => ({ id: c.id, body: c.body, userId: c.userId })),
      updatedAt: row.updatedAt,
    };
  }

  // ------------------------------------------------------------------ read views

  userView(id: string | null): Record<string, unknown> | null {
    const row = id ? this.users.get(id) : undefined;
    if (!row) return null;
    return { ...row, displayName: row.name, active: true, url: `https://linear.app/fake/profiles/${row.id}` };
  }

  teamView(id: string): Record<string, unknown> {
    const row = this.teams.get(id)!;
    const store = this;
    return {
      ...row,
      get states() {
        return [...store.states.values()].filter((s) => s.teamId === id).map((s) => store.stateView(s.id));
      },
      get labels() {
        return [...store.labels.values()].filter((l) => l.teamId === id).map((l) => store.labelView(l.id));
      },
    };
  }

  stateView(id: string): Record<string, unknown> {
    const row = this.states.get(id)!;
    const store = this;
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      position: row.position,
      color: '#bec2c8',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      get team() {
        return store.teamView(row.teamId);
      },
    };
  }

  labelView(id: string): Record<string, unknown> {
    const row = this.labels.get(id)!;
    const store = this;
    return {
      id: row.id,
      name: row.name,
      color: '#000000',
      isGroup: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      get team() {
        return row.teamId ? store.teamView(row.teamId) : null;
      },
    };
  }

  projectView(id: string | null): Record<string, unknown> | null {
    const row = id ? this.projects.get(id) : undefined;
    if (!row) return null;
    return { ...row, url: `https://linear.app/fake/project/${row.slugId}` };
  }

  relationView(row: RelationRow): Record<string, unknown> {
    const store = this;
    return {
      id: row.id,
      type: row.type,
      createdAt: row.createdAt,
      updatedAt: row.createdAt,
      get issue() {
        return store.issueView(row.issueId);
      },
      get relatedIssue() {
        return store.issueView(row.relatedIssueId);
      },
    };
  }

  attachmentView(id: string): Record<string, unknown> {
    const row = this.attachments.get(id)!;
    const store = this;
    return {
      id: row.id,
      url: row.url,
      title: row.title,
      subtitle: row.subtitle,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      get issue() {
        return store.issueView(row.issueId);
      },
    };
  }

  commentView(id: string): Record<string, unknown> {
    const row = this.comments.get(id)!;
    const store = this;
    return {
      id: row.id,
      body: row.body,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      url: `https://linear.app/fake/comment/${row.id}`,
      get issue() {
        return store.issueView(row.issueId);
      },
      get user() {
        return store.userView(row.userId);
      },
    };
  }

  issueView(id: string): Record<string, unknown> | null {
    const row = this.issues.get(id);
    if (!row) return null;
    const store = this;
    return {
      id: row.id,
      identifier: row.identifier,
      number: row.number,
      title: row.title,
      description: row.description,
      priority: row.priority,
      priorityLabel: ['No priority', 'Urgent', 'High', 'Medium', 'Low'][row.priority] ?? 'No priority',
      branchName: row.branchName,
      url: `https://linear.app/fake/issue/${row.identifier}`,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      labelIds: [...row.labelIds],
      get state() {
        return store.stateView(row.stateId);
      },
      get team() {
        return store.teamView(row.teamId);
      },
      get project() {
        return store.projectView(row.projectId);
      },
      get assignee() {
        return store.userView(row.assigneeId);
      },
      get labels() {
        return row.labelIds.map((labelId) => store.labelView(labelId));
      },
      get relations() {
        return store.relations.filter((r) => r.issueId === row.id).map((r) => store.relationView(r));
      },
      get inverseRelations() {
        return store.relations.filter((r) => r.relatedIssueId === row.id).map((r) => store.relationView(r));
      },
      get comments() {
        return [...store.comments.values()].filter((c) => c.issueId === row.id).map((c) => store.commentView(c.id));
      },
    };
  }
}
