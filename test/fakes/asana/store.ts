/**
 * The Asana fake's data: one workspace, projects with ordered sections, tasks (section membership,
 * tags, dependencies, completion), workspace tags and stories (comments plus the system stories
 * Asana writes for section moves, tags and completion). Renders resources the way Asana does for
 * `opt_fields`: `gid` always, then exactly the requested (dotted) fields.
 */

export interface FakeSection {
  gid: string;
  name: string;
}

export interface FakeStory {
  gid: string;
  text: string;
  resource_subtype: string;
  type: 'comment' | 'system';
  createdBy: string;
  created_at: string;
}

export interface FakeTask {
  gid: string;
  name: string;
  notes: string;
  completed: boolean;
  completed_at: string | null;
  projectGid: string;
  sectionGid: string;
  /** Tag gids. */
  tags: string[];
  /** Gids of tasks this one depends on ("waiting on"). */
  dependencies: string[];
  assigneeGid: string | null;
  created_at: string;
  /** Bumped once per change (tests may watch it to see every write's effect). */
  modified_at: string;
  stories: FakeStory[];
}

export interface FakeProject {
  gid: string;
  name: string;
  sections: FakeSection[];
}

export interface TaskSeed {
  name?: string;
  notes?: string;
  section?: string;
  tags?: string[];
  completed?: boolean;
}

type Json = Record<string, unknown>;

export class AsanaStore {
  readonly workspaceGid: string;
  readonly botGid: string;
  readonly personGid: string;
  readonly projects = new Map<string, FakeProject>();
  readonly tasks = new Map<string, FakeTask>();
  readonly tags = new Map<string, { gid: string; name: string }>();
  private seq = 1_200_000_000_000_000;
  private clock = Date.parse('2026-01-05T09:00:00.000Z');

  constructor(readonly appUrl: string) {
    this.workspaceGid = this.gid();
    this.botGid = this.gid();
    this.personGid = this.gid();
  }

  gid(): string {
    this.seq += 1;
    return String(this.seq);
  }

  /** The store's present (ms) without advancing it: its clock may run ahead of Date.now(). */
  current(): number {
    return Math.max(this.clock, Date.now());
  }

  now(): string {
    this.clock = Math.max(this.clock + 1, Date.now());
    return new Date(this.clock).toISOString();
  }

  addProject(name: string, sections: readonly string[]): FakeProject {
    const project: FakeProject = { gid: this.gid(), name, sections: sections.map((s) => ({ gid: this.gid(), name: s })) };
    this.projects.set(project.gid, project);
    return project;
  }

  tagNamed(name: string): { gid: string; name: string } {
    const found = [...this.tags.values()].find((t) => t.name === name);
    if (found) return found;
    const tag = { gid: this.gid(), name };
    this.tags.set(tag.gid, tag);
    return tag;
  }

  addTask(project: FakeProject, seed: TaskSeed = {}): FakeTask {
    const section = project.sections.find((s) => s.name === (seed.section ?? project.sections[0]!.name));
    if (!section) throw new Error(`fake: project has no section ${seed.section}`);
    const at = this.now();
    const task: FakeTask = {
      gid: this.gid(),
      name: seed.name ?? 'A task',
      notes: seed.notes ?? '',
      completed: seed.completed ?? false,
      completed_at: seed.completed ? at : null,
      projectGid: project.gid,
      sectionGid: section.gid,
      tags: (seed.tags ?? []).map((n) => this.tagNamed(n).gid),
      dependencies: [],
      assigneeGid: null,
      created_at: at,
      modified_at: at,
      stories: [],
    };
    this.tasks.set(task.gid, task);
    return task;
  }

  story(task: FakeTask, text: string, subtype: string, by: string): FakeStory {
    const story: FakeStory = { gid: this.gid(), text, resource_subtype: subtype, type: subtype === 'comment_added' ? 'comment' : 'system', createdBy: by, created_at: this.now() };
    task.stories.push(story);
    return story;
  }

  findStory(gid: string): { task: FakeTask; story: FakeStory } | null {
    for (const task of this.tasks.values()) {
      const story = task.stories.find((s) => s.gid === gid);
      if (story) return { task, story };
    }
    return null;
  }

  sectionOf(task: FakeTask): FakeSection {
    return this.projects.get(task.projectGid)!.sections.find((s) => s.gid === task.sectionGid)!;
  }

  /** A change as Asana applies it, with its system story; `modified_at` bumped last, once. */
  change(task: FakeTask, by: string, edit: { sectionGid?: string; completed?: boolean; addTag?: string; removeTag?: string; name?: string; notes?: string }): void {
    if (edit.sectionGid && edit.sectionGid !== task.sectionGid) {
      const from = this.sectionOf(task).name;
      task.sectionGid = edit.sectionGid;
      this.story(task, `moved this task from "${from}" to "${this.sectionOf(task).name}" in ${this.projects.get(task.projectGid)!.name}`, 'section_changed', by);
    }
    if (edit.completed !== undefined && edit.completed !== task.completed) {
      task.completed = edit.completed;
      task.completed_at = edit.completed ? this.now() : null;
      this.story(task, edit.completed ? 'marked this task complete' : 'marked incomplete', edit.completed ? 'marked_complete' : 'marked_incomplete', by);
    }
    if (edit.addTag && !task.tags.includes(edit.addTag)) {
      task.tags = [...task.tags, edit.addTag];
      this.story(task, `added to ${this.tags.get(edit.addTag)!.name}`, 'added_to_tag', by);
    }
    if (edit.removeTag && task.tags.includes(edit.removeTag)) {
      task.tags = task.tags.filter((t) => t !== edit.removeTag);
      this.story(task, `removed from ${this.tags.get(edit.removeTag)!.name}`, 'removed_from_tag', by);
    }
    if (edit.name !== undefined) task.name = edit.name;
    if (edit.notes !== undefined) task.notes = edit.notes;
    task.modified_at = this.now();
  }

  private user(gid: string): Json {
    return { gid, resource_type: 'user', name: gid === this.botGid ? 'Baton Bot' : 'A Person' };
  }

  /** Every field the fake knows of a task, as Asana's full representation. */
  taskJson(task: FakeTask): Json {
    const project = this.projects.get(task.projectGid)!;
    const section = this.sectionOf(task);
    return {
      gid: task.gid,
      resource_type: 'task',
      name: task.name,
      resource_subtype: 'default_task',
      notes: task.notes,
      completed: task.completed,
      completed_at: task.completed_at,
      created_at: task.created_at,
      modified_at: task.modified_at,
      assignee: task.assigneeGid ? this.user(task.assigneeGid) : null,
      tags: task.tags.map((gid) => ({ gid, resource_type: 'tag', name: this.tags.get(gid)!.name })),
      memberships: [{ project: { gid: project.gid, resource_type: 'project', name: project.name }, section: { gid: section.gid, resource_type: 'section', name: section.name } }],
      projects: [{ gid: project.gid, resource_type: 'project', name: project.name }],
      dependencies: task.dependencies.map((gid) => {
        const dep = this.tasks.get(gid)!;
        return { gid, resource_type: 'task', name: dep.name, completed: dep.completed };
      }),
      workspace: { gid: this.workspaceGid, resource_type: 'workspace', name: 'Acme' },
      permalink_url: `${this.appUrl}/0/${project.gid}/${task.gid}`,
    };
  }

  storyJson(story: FakeStory): Json {
    return { gid: story.gid, resource_type: 'story', created_at: story.created_at, created_by: this.user(story.createdBy), resource_subtype: story.resource_subtype, text: story.text, type: story.type, is_editable: story.type === 'comment' };
  }
}

/** `obj` cut to `fields` (dotted paths, through arrays), `gid` always kept; no fields → `compact`. */
export function pickFields(obj: Json, fields: readonly string[] | null, compact: readonly string[]): Json {
  const paths = fields ?? compact;
  const out: Json = { gid: obj.gid };
  for (const path of paths) assignPath(out, obj, path.split('.'));
  return out;
}

function assignPath(target: Json, source: Json, segments: string[]): void {
  const [head, ...rest] = segments;
  if (!head || !(head in source)) return;
  const value = source[head];
  if (rest.length === 0 || value === null || typeof value !== 'object') {
    target[head] = value;
    return;
  }
  if (Array.isArray(value)) {
    const existing = (Array.isArray(target[head]) ? target[head] : value.map((v) => ({ gid: (v as Json).gid }))) as Json[];
    value.forEach((v, i) => assignPath(existing[i]!, v as Json, rest));
    target[head] = existing;
    return;
  }
  const existing = (target[head] && typeof target[head] === 'object' ? target[head] : { gid: (value as Json).gid }) as Json;
  assignPath(existing, value as Json, rest);
  target[head] = existing;
}
