/**
 * The Jira fake's in-memory site: one or more projects, a workflow (statuses with categories and
 * global transitions), issues with labels, priority and "Blocks" links, comments (ADF bodies) and
 * issue properties. Renders issues the way the REST v3 API does, with only the requested fields.
 */

export interface StatusRow {
  id: string;
  name: string;
  /** `new`, `indeterminate` or `done`. */
  category: 'new' | 'indeterminate' | 'done';
}
export interface TransitionRow {
  id: string;
  name: string;
  toStatusId: string;
  /** Statuses it is available from; empty: a global transition (any status but its target). */
  from: string[];
}
export interface JiraUserRow {
  accountId: string;
  displayName: string;
  emailAddress: string;
}
export interface AdfDoc {
  type: 'doc';
  version: number;
  content: Array<Record<string, unknown>>;
}
export interface JiraIssueRow {
  id: string;
  key: string;
  projectKey: string;
  summary: string;
  description: AdfDoc | null;
  statusId: string;
  labels: string[];
  assigneeId: string | null;
  /** Jira's default scheme: 1 Highest .. 5 Lowest. */
  priorityId: string | null;
  created: string;
  updated: string;
}
export interface LinkRow {
  id: string;
  /** The blocking issue (`A blocks B`). */
  blockerId: string;
  blockedId: string;
}
export interface CommentRow {
  id: string;
  issueId: string;
  authorId: string;
  body: AdfDoc;
  created: string;
  updated: string;
}

export interface JiraIssueSpec {
  summary?: string;
  description?: string | AdfDoc | null;
  status?: string;
  project?: string;
  labels?: string[];
  assignee?: string | null;
  priority?: string | null;
  created?: string;
}

const CATEGORY = {
  new: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, key: 'done', name: 'Done', colorName: 'green' },
} as const;

const PRIORITIES: Record<string, string> = { '1': 'Highest', '2': 'High', '3': 'Medium', '4': 'Low', '5': 'Lowest' };

/** Jira's own timestamp spelling (offset without a colon), which clients must parse. */
export function jiraTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** A one-paragraph ADF document. */
export function adfText(text: string): AdfDoc {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

export class JiraFakeStore {
  readonly baseUrl: string;
  readonly statuses = new Map<string, StatusRow>();
  readonly transitions: TransitionRow[] = [];
  readonly users = new Map<string, JiraUserRow>();
  readonly projects = new Map<string, { id: string; key: string; name: string }>();
  readonly issues = new Map<string, JiraIssueRow>();
  readonly links: LinkRow[] = [];
  readonly comments = new Map<string, CommentRow>();
  readonly properties = new Map<string, Map<string, unknown>>();
  /** Remote issue links by issue id, each keyed by its globalId (Jira updates a link posted again with the same one). */
  readonly remoteLinks = new Map<string, Map<string, { id: number; url: string; title: string; relationship: string | null }>>();
  readonly selfId: string;
  readonly defaultProject: string;
  private nextId = 10000;
  private clock = Date.parse('2026-01-01T00:00:00.000Z');

  constructor(baseUrl: string, options: { project?: string } = {}) {
    this.baseUrl = baseUrl;
    this.defaultProject = options.project ?? 'ENG';
    this.selfId = this.addUser('Baton Bot', 'bot@example.com').accountId;
    this.addUser('Ada Lovelace', 'ada@example.com');
    this.addProject(this.defaultProject, 'Engineering');
    const statuses: Array<[string, StatusRow['category'], string]> = [
      ['To Do', 'new', 'Reopen'],
      ['In Progress', 'indeterminate', 'Start work'],
      ['In Review', 'indeterminate', 'Request review'],
      ['Done', 'done', 'Finish'],
      ["Won't Do", 'done', 'Drop'],
    ];
    for (const [name, category, transition] of statuses) {
      const status = { id: String(this.nextId++), name, category };
      this.statuses.set(status.id, status);
      this.transitions.push({ id: String(this.transitions.length * 10 + 11), name: transition, toStatusId: status.id, from: [] });
    }
  }

  private id(): string {
    return String(this.nextId++);
  }

  now(): string {
    this.clock += 1000;
    return jiraTime(this.clock);
  }

  addUser(displayName: string, emailAddress: string): JiraUserRow {
    const row = { accountId: `5b10ac8d82e05b22cc7d${String(this.users.size).padStart(4, '0')}`, displayName, emailAddress };
    this.users.set(row.accountId, row);
    return row;
  }

  addProject(key: string, name: string): void {
    this.projects.set(key, { id: this.id(), key, name });
  }

  statusByName(name: string): StatusRow {
    const status = [...this.statuses.values()].find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!status) throw new Error(`Jira fake: no status ${name}`);
    return status;
  }

  addIssue(spec: JiraIssueSpec = {}): JiraIssueRow {
    const projectKey = spec.project ?? this.defaultProject;
    if (!this.projects.has(projectKey)) throw new Error(`Jira fake: no project ${projectKey}`);
    const number = [...this.issues.values()].filter((i) => i.projectKey === projectKey).length + 1;
    const key = `${projectKey}-${number}`;
    const created = spec.created ?? this.now();
    const description = spec.description === undefined ? adfText(`Description of ${key}`) : typeof spec.description === 'string' ? adfText(spec.description) : spec.description;
    const row: JiraIssueRow = {
      id: this.id(),
      key,
      projectKey,
      summary: spec.summary ?? `Issue ${key}`,
      description,
      statusId: this.statusByName(spec.status ?? 'To Do').id,
      labels: [...(spec.labels ?? [])],
      assigneeId: spec.assignee === 'self' ? this.selfId : (spec.assignee ?? null),
      priorityId: spec.priority === undefined ? '3' : spec.priority,
      created,
      updated: created,
    };
    this.issues.set(row.id, row);
    return row;
  }

  /** `blocker` blocks `blocked`: `blocked` shows it as an inward "is blocked by" link. */
  addBlocker(blockerId: string, blockedId: string): LinkRow {
    const row = { id: this.id(), blockerId, blockedId };
    this.links.push(row);
    return row;
  }

  findIssue(idOrKey: string): JiraIssueRow | undefined {
    return this.issues.get(idOrKey) ?? [...this.issues.values()].find((i) => i.key.toLowerCase() === idOrKey.toLowerCase());
  }

  mustFind(idOrKey: string): JiraIssueRow {
    const row = this.findIssue(idOrKey);
    if (!row) throw new Error(`Jira fake: no issue ${idOrKey}`);
    return row;
  }

  /** Raw edits the API would never make (malformed or odd data for normalization tests). */
  patchIssue(idOrKey: string, patch: Partial<JiraIssueRow>): JiraIssueRow {
    return Object.assign(this.mustFind(idOrKey), patch);
  }

  setStatus(idOrKey: string, name: string): void {
    const row = this.mustFind(idOrKey);
    row.statusId = this.statusByName(name).id;
    row.updated = this.now();
  }

  /** Transitions offered to an issue in its current status. */
  availableTransitions(row: JiraIssueRow): TransitionRow[] {
    return this.transitions.filter((t) => t.toStatusId !== row.statusId && (t.from.length === 0 || t.from.includes(row.statusId)));
  }

  addComment(issueId: string, body: AdfDoc, authorId = this.selfId): CommentRow {
    const at = this.now();
    const row = { id: this.id(), issueId, authorId, body, created: at, updated: at };
    this.comments.set(row.id, row);
    return row;
  }

  /** What a test asserts on. */
  snapshot(idOrKey: string) {
    const row = this.mustFind(idOrKey);
    return {
      id: row.id,
      key: row.key,
      status: this.statuses.get(row.statusId)!.name,
      labels: [...row.labels],
      comments: [...this.comments.values()].filter((c) => c.issueId === row.id).map((c) => ({ id: c.id, body: c.body, authorId: c.authorId })),
      properties: Object.fromEntries(this.properties.get(row.id) ?? []),
      updated: row.updated,
    };
  }

  // ------------------------------------------------------------------ REST renderings

  user(accountId: string | null): Record<string, unknown> | null {
    const row = accountId ? this.users.get(accountId) : undefined;
    if (!row) return null;
    return { ...row, accountType: 'atlassian', active: true, self: `${this.baseUrl}/rest/api/3/user?accountId=${row.accountId}`, timeZone: 'UTC' };
  }

  status(id: string): Record<string, unknown> {
    const row = this.statuses.get(id)!;
    const category = CATEGORY[row.category];
    return {
      id: row.id,
      name: row.name,
      description: '',
      iconUrl: `${this.baseUrl}/images/icons/status_generic.gif`,
      self: `${this.baseUrl}/rest/api/3/status/${row.id}`,
      statusCategory: { ...category, self: `${this.baseUrl}/rest/api/3/statuscategory/${category.id}` },
    };
  }

  private linked(id: string): Record<string, unknown> {
    const row = this.issues.get(id)!;
    return {
      id: row.id,
      key: row.key,
      self: `${this.baseUrl}/rest/api/3/issue/${row.id}`,
      fields: { summary: row.summary, status: this.status(row.statusId), priority: this.priority(row.priorityId) ?? undefined },
    };
  }

  private priority(id: string | null): Record<string, unknown> | null {
    if (!id) return null;
    return { id, name: PRIORITIES[id] ?? `Priority ${id}`, self: `${this.baseUrl}/rest/api/3/priority/${id}`, iconUrl: `${this.baseUrl}/images/icons/priorities/${id}.svg` };
  }

  private issueLinks(row: JiraIssueRow): Array<Record<string, unknown>> {
    const type = { id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks', self: `${this.baseUrl}/rest/api/3/issueLinkType/10000` };
    const out: Array<Record<string, unknown>> = [];
    for (const link of this.links) {
      const self = `${this.baseUrl}/rest/api/3/issueLink/${link.id}`;
      if (link.blockedId === row.id && this.issues.has(link.blockerId)) out.push({ id: link.id, self, type, inwardIssue: this.linked(link.blockerId) });
      if (link.blockerId === row.id && this.issues.has(link.blockedId)) out.push({ id: link.id, self, type, outwardIssue: this.linked(link.blockedId) });
    }
    return out;
  }

  /** Every field the fake models, by Jira field id. */
  private allFields(row: JiraIssueRow): Record<string, unknown> {
    const project = this.projects.get(row.projectKey)!;
    return {
      summary: row.summary,
      description: row.description,
      status: this.status(row.statusId),
      labels: [...row.labels],
      assignee: this.user(row.assigneeId),
      priority: this.priority(row.priorityId),
      created: row.created,
      updated: row.updated,
      issuelinks: this.issueLinks(row),
      project: { id: project.id, key: project.key, name: project.name, self: `${this.baseUrl}/rest/api/3/project/${project.id}` },
      comment: (() => {
        const comments = [...this.comments.values()].filter((c) => c.issueId === row.id).map((c) => this.comment(c));
        return { comments, maxResults: comments.length, total: comments.length, startAt: 0 };
      })(),
    };
  }

  /** An issue as REST v3 returns it; `fields` as requested (`*all`, `*navigable`, names, `-name`). */
  render(row: JiraIssueRow, fields: readonly string[] | undefined): Record<string, unknown> {
    const all = this.allFields(row);
    const base = { id: row.id, key: row.key, self: `${this.baseUrl}/rest/api/3/issue/${row.id}` };
    const wanted = (fields ?? ['id']).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
    const everything = wanted.some((f) => f === '*all' || f === '*navigable');
    const picked: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(all)) {
      if ((everything || wanted.includes(name)) && !wanted.includes(`-${name}`)) picked[name] = value;
    }
    const onlyId = !everything && wanted.every((f) => f === 'id' || f === 'key');
    return onlyId ? base : { ...base, fields: picked };
  }

  comment(row: CommentRow): Record<string, unknown> {
    return {
      id: row.id,
      self: `${this.baseUrl}/rest/api/3/issue/${row.issueId}/comment/${row.id}`,
      author: this.user(row.authorId),
      updateAuthor: this.user(row.authorId),
      body: row.body,
      created: row.created,
      updated: row.updated,
      jsdPublic: true,
    };
  }
}
