/**
 * Root resolvers of the Linear fake: the queries and mutations Baton's adapter and its agent tools
 * use, applied to the in-memory store exactly as the real API would (IDs or identifiers accepted,
 * `updatedAt` bumped on writes, `{ success, lastSyncId, <entity> }` payloads).
 */
import { GraphQLError } from 'graphql';
import type { AttachmentRow, CommentRow, LinearFakeStore } from './store.js';
import { randomUUID } from 'node:crypto';

type Args = Record<string, unknown>;

/** Linear's user-facing error shape: `extensions.type` is what @linear/sdk classifies on. */
export function inputError(message: string, code = 'INPUT_ERROR'): GraphQLError {
  return new GraphQLError(message, {
    extensions: { type: 'invalid input', code, userError: true, userPresentableMessage: message },
  });
}

function notFound(what: string): GraphQLError {
  return inputError(`Entity not found: ${what}`, 'ENTITY_NOT_FOUND');
}

/** Keys of an input object the fake applies; anything else is refused rather than silently ignored. */
function onlyKeys(input: Args, inputType: string, allowed: readonly string[]): void {
  for (const key of Object.keys(input)) {
    if (input[key] !== undefined && !allowed.includes(key)) {
      throw new GraphQLError(`The Linear fake does not implement ${inputType}.${key}; add it to test/fakes/linear/resolvers.ts`, {
        extensions: { type: 'graphql error', code: 'FAKE_UNSUPPORTED' },
      });
    }
  }
}

export function createRootResolvers(store: LinearFakeStore): Record<string, (args: Args) => unknown> {
  const issueOrThrow = (id: unknown) => {
    const row = typeof id === 'string' ? store.findIssue(id) : undefined;
    if (!row) throw notFound('Issue');
    return row;
  };
  const labelIdsFor = (teamId: string, ids: unknown): string[] => {
    const list = (ids as string[] | undefined) ?? [];
    for (const id of list) {
      const label = store.labels.get(id);
      if (!label) throw notFound('IssueLabel');
      if (label.teamId !== null && label.teamId !== teamId) throw inputError(`Label ${label.name} belongs to another team`);
    }
    return list;
  };
  const issuePayload = (id: string) => ({ success: true, lastSyncId: store.nextSyncId(), issue: store.issueView(id) });

  return {
    // ---------------------------------------------------------------- queries
    viewer: () => store.userView(store.viewerId),
    issues: () => [...store.issues.keys()].map((id) => store.issueView(id)),
    issue: ({ id }) => store.issueView(issueOrThrow(id).id),
    workflowStates: () => [...store.states.keys()].map((id) => store.stateView(id)),
    issueLabels: () => [...store.labels.keys()].map((id) => store.labelView(id)),
    comments: () => [...store.comments.keys()].map((id) => store.commentView(id)),
    comment: ({ id }) => {
      if (typeof id !== 'string' || !store.comments.has(id)) throw notFound('Comment');
      return store.commentView(id);
    },
    workflowState: ({ id }) => {
      if (typeof id !== 'string' || !store.states.has(id)) throw notFound('WorkflowState');
      return store.stateView(id);
    },
    issueLabel: ({ id }) => {
      if (typeof id !== 'string' || !store.labels.has(id)) throw notFound('IssueLabel');
      return store.labelView(id);
    },
    user: ({ id }) => {
      const user = typeof id === 'string' ? store.userView(id) : null;
      if (!user) throw notFound('User');
      return user;
    },
    project: ({ id }) => {
      const project = [...store.projects.values()].find((p) => p.id === id || p.slugId === id);
      if (!project) throw notFound('Project');
      return store.projectView(project.id);
    },
    teams: () => [...store.teams.keys()].map((id) => store.teamView(id)),
    team: ({ id }) => {
      const team = [...store.teams.values()].find((t) => t.id === id || t.key === id);
      if (!team) throw notFound('Team');
      return store.teamView(team.id);
    },
    users: () => [...store.users.keys()].map((id) => store.userView(id)),

    // ---------------------------------------------------------------- mutations
    issueUpdate: ({ id, input }) => {
      const row = issueOrThrow(id);
      const patch = (input ?? {}) as Args;
      onlyKeys(patch, 'IssueUpdateInput', [
        'stateId',
        'addedLabelIds',
        'removedLabelIds',
        'labelIds',
        'title',
        'description',
        'priority',
        'assigneeId',
      ]);
      if (typeof patch.stateId === 'string') {
        const state = store.states.get(patch.stateId);
        if (!state) throw notFound('WorkflowState');
        if (state.teamId !== row.teamId) throw inputError('The state does not belong to the issue’s team');
        row.stateId = state.id;
      }
      if (patch.labelIds !== undefined) row.labelIds = [...new Set(labelIdsFor(row.teamId, patch.labelIds))];
      if (patch.addedLabelIds !== undefined) {
        row.labelIds = [...new Set([...row.labelIds, ...labelIdsFor(row.teamId, patch.addedLabelIds)])];
      }
      if (patch.removedLabelIds !== undefined) {
        const removed = new Set(labelIdsFor(row.teamId, patch.removedLabelIds));
        row.labelIds = row.labelIds.filter((labelId) => !removed.has(labelId));
      }
      if (typeof patch.title === 'string') row.title = patch.title;
      if (patch.description !== undefined) row.description = (patch.description as string | null) ?? null;
      if (typeof patch.priority === 'number') row.priority = patch.priority;
      if (patch.assigneeId !== undefined) {
        if (patch.assigneeId !== null && !store.users.has(patch.assigneeId as string)) throw notFound('User');
        row.assigneeId = (patch.assigneeId as string | null) ?? null;
      }
      row.updatedAt = store.now();
      return issuePayload(row.id);
    },
    issueAddLabel: ({ id, labelId }) => {
      const row = issueOrThrow(id);
      labelIdsFor(row.teamId, [labelId]);
      if (!row.labelIds.includes(labelId as string)) row.labelIds.push(labelId as string);
      row.updatedAt = store.now();
      return issuePayload(row.id);
    },
    issueRemoveLabel: ({ id, labelId }) => {
      const row = issueOrThrow(id);
      row.labelIds = row.labelIds.filter((existing) => existing !== labelId);
      row.updatedAt = store.now();
      return issuePayload(row.id);
    },
    issueLabelCreate: ({ input }) => {
      const spec = (input ?? {}) as Args;
      onlyKeys(spec, 'IssueLabelCreateInput', ['name', 'teamId', 'color', 'description']);
      const teamId = (spec.teamId as string | undefined) ?? null;
      if (teamId && !store.teams.has(teamId)) throw notFound('Team');
      const name = String(spec.name ?? '').trim();
      if (!name) throw inputError('Label name must not be empty');
      const clash = [...store.labels.values()].find(
        (l) => l.name.toLowerCase() === name.toLowerCase() && (l.teamId === teamId || l.teamId === null),
      );
      if (clash) throw inputError(`A label named ${name} already exists`, 'DUPLICATE');
      const label = store.addLabel(name, teamId);
      return { success: true, lastSyncId: store.nextSyncId(), issueLabel: store.labelView(label.id) };
    },
    commentCreate: ({ input }) => {
      const spec = (input ?? {}) as Args;
      onlyKeys(spec, 'CommentCreateInput', ['issueId', 'body']);
      const row = issueOrThrow(spec.issueId);
      if (typeof spec.body !== 'string' || !spec.body.trim()) throw inputError('Comment body must not be empty');
      const at = store.now();
      const comment: CommentRow = { id: randomUUID(), issueId: row.id, userId: store.viewerId, body: spec.body, createdAt: at, updatedAt: at };
      store.comments.set(comment.id, comment);
      return { success: true, lastSyncId: store.nextSyncId(), comment: store.commentView(comment.id) };
    },
    // "Creates a new attachment, or updates existing if the same `url` and `issueId` is used."
    attachmentCreate: ({ input }) => {
      const spec = (input ?? {}) as Args;
      onlyKeys(spec, 'AttachmentCreateInput', ['issueId', 'url', 'title', 'subtitle']);
      const row = issueOrThrow(spec.issueId);
      if (typeof spec.url !== 'string' || !/^https?:\/\//.test(spec.url)) throw inputError('url must be a URL address');
      if (typeof spec.title !== 'string' || !spec.title.trim()) throw inputError('title should not be empty');
      const at = store.now();
      const subtitle = typeof spec.subtitle === 'string' ? spec.subtitle : null;
      let attachment = [...store.attachments.values()].find((a) => a.issueId === row.id && a.url === spec.url);
      if (attachment) Object.assign(attachment, { title: spec.title, subtitle, updatedAt: at });
      else {
        attachment = { id: randomUUID(), issueId: row.id, url: spec.url, title: spec.title, subtitle, createdAt: at, updatedAt: at } satisfies AttachmentRow;
        store.attachments.set(attachment.id, attachment);
      }
      return { success: true, lastSyncId: store.nextSyncId(), attachment: store.attachmentView(attachment.id) };
    },
    commentUpdate: ({ id, input }) => {
      const comment = typeof id === 'string' ? store.comments.get(id) : undefined;
      if (!comment) throw notFound('Comment');
      const spec = (input ?? {}) as Args;
      onlyKeys(spec, 'CommentUpdateInput', ['body']);
      if (comment.userId !== store.viewerId) throw inputError('You can only edit your own comments', 'FORBIDDEN');
      if (typeof spec.body === 'string') comment.body = spec.body;
      comment.updatedAt = store.now();
      return { success: true, lastSyncId: store.nextSyncId(), comment: store.commentView(comment.id) };
    },
  };
}
