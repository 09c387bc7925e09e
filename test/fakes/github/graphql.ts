/**
 * The GitHub fake's `/graphql`: every query is parsed and validated against GitHub's public schema
 * (`@octokit/graphql-schema`), then executed over the in-memory store. Resolvers exist for what
 * Baton asks (Projects v2 boards and items, issues, pull requests with review and check state);
 * a field without one resolves to null, so a test sees it rather than a made-up value.
 */
import {
  buildClientSchema,
  execute,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import type { FakeIssue, FakeProject, FakeProjectItem, FakeRepo, GithubStore } from './store.js';

let schema: Promise<GraphQLSchema> | null = null;

/** GitHub's public schema, loaded on the first `/graphql` request (the package parses 5 MB of JSON on import). */
function githubSchema(): Promise<GraphQLSchema> {
  schema ??= import('@octokit/graphql-schema').then((m) => buildClientSchema(m.schema.json as unknown as IntrospectionQuery));
  return schema;
}

/** GitHub reports a missing object as an error with `type: NOT_FOUND` beside a null field. */
class NotFound extends Error {}

interface PageArgs {
  first?: number;
  after?: string;
  last?: number;
}

function connection<T>(all: T[], args: PageArgs) {
  const start = args.after ? Number(Buffer.from(args.after, 'base64').toString('utf8').split(':')[1]) + 1 : 0;
  let slice = all.slice(start);
  if (args.first !== undefined) slice = slice.slice(0, args.first);
  if (args.last !== undefined) slice = slice.slice(-args.last);
  const offset = all.indexOf(slice[0] as T);
  const cursor = (i: number) => Buffer.from(`cursor:${i}`).toString('base64');
  const end = offset + slice.length - 1;
  return {
    nodes: slice,
    edges: slice.map((node, i) => ({ node, cursor: cursor(offset + i) })),
    totalCount: all.length,
    pageInfo: {
      hasNextPage: slice.length > 0 && end < all.length - 1,
      hasPreviousPage: offset > 0,
      startCursor: slice.length ? cursor(offset) : null,
      endCursor: slice.length ? cursor(end) : null,
    },
  };
}

function resolvers(store: GithubStore) {
  const repoNode = (repo: FakeRepo) => ({
    __typename: 'Repository',
    id: repo.node_id,
    name: repo.name,
    nameWithOwner: repo.full,
    url: `https://github.com/${repo.full}`,
    issue: ({ number }: { number: number }) => {
      const issue = repo.issues.get(number);
      if (!issue || issue.pull) throw new NotFound(`Could not resolve to an Issue with the number of ${number}.`);
      return issueNode(issue);
    },
    pullRequests: (args: PageArgs & { headRefName?: string; states?: string[] }) =>
      connection(
        [...repo.issues.values()]
          .filter((i) => i.pull && (args.headRefName === undefined || i.pull.head === args.headRefName))
          .filter((i) => !args.states || args.states.includes(pullState(i)))
          .map(issueNode),
        args,
      ),
  });

  const pullState = (issue: FakeIssue) => (issue.pull?.merged ? 'MERGED' : issue.state.toUpperCase());

  const issueNode = (issue: FakeIssue): Record<string, unknown> => {
    const rollup = issue.pull?.checks ? { __typename: 'StatusCheckRollup', id: `SCR_${issue.node_id}`, state: issue.pull.checks } : null;
    return {
      __typename: issue.pull ? 'PullRequest' : 'Issue',
      id: issue.node_id,
      number: issue.number,
      title: issue.title,
      body: issue.body ?? '',
      state: issue.pull ? pullState(issue) : issue.state.toUpperCase(),
      url: store.htmlUrl(issue),
      createdAt: issue.created_at,
      updatedAt: issue.updated_at,
      closed: issue.state === 'closed',
      repository: () => repoNode(issue.repo),
      labels: (args: PageArgs) =>
        connection(
          issue.labels.map((name) => {
            const label = store.label(issue.repo, name);
            return { __typename: 'Label', id: label.node_id, name: label.name, color: label.color };
          }),
          args,
        ),
      assignees: (args: PageArgs) =>
        connection(issue.assignee ? [{ __typename: 'User', id: 'U_kgDOAAAAAQ', login: issue.assignee }] : [], args),
      projectItems: (args: PageArgs & { includeArchived?: boolean }) =>
        connection(
          store.projects.flatMap((p) =>
            p.items.filter((item) => item.issue === issue && (args.includeArchived !== false || !item.archived)).map((item) => itemNode(p, item)),
          ),
          args,
        ),
      closedByPullRequestsReferences: (args: PageArgs & { includeClosedPrs?: boolean }) =>
        connection(
          [...issue.repo.issues.values()]
            .filter((pr) => pr.pull?.closes.includes(issue.number))
            .filter((pr) => args.includeClosedPrs === true || pr.state === 'open')
            .map(issueNode),
          args,
        ),
      ...(issue.pull
        ? {
            headRefName: issue.pull.head,
            baseRefName: issue.pull.base,
            isDraft: issue.pull.draft,
            merged: issue.pull.merged,
            mergeable: issue.pull.mergeable,
            reviewDecision: issue.pull.reviewDecision,
            statusCheckRollup: rollup,
            commits: (args: PageArgs) =>
              connection([{ __typename: 'PullRequestCommit', id: `PRC_${issue.node_id}`, commit: { __typename: 'Commit', statusCheckRollup: rollup } }], args),
          }
        : {}),
    };
  };

  const fieldNode = (project: FakeProject) => ({
    __typename: 'ProjectV2SingleSelectField',
    id: project.field.id,
    name: project.field.name,
    dataType: 'SINGLE_SELECT',
    options: ({ names }: { names?: string[] }) =>
      project.field.options
        .filter((o) => !names || names.includes(o.name))
        .map((o) => ({ __typename: 'ProjectV2SingleSelectFieldOption', id: o.id, name: o.name, nameHTML: o.name })),
  });

  const itemNode = (project: FakeProject, item: FakeProjectItem) => ({
    __typename: 'ProjectV2Item',
    id: item.id,
    isArchived: item.archived,
    type: item.issue.pull ? 'PULL_REQUEST' : 'ISSUE',
    project: () => projectNode(project),
    content: () => issueNode(item.issue),
    fieldValueByName: ({ name }: { name: string }) => {
      if (name !== project.field.name || item.optionId === null) return null;
      const option = project.field.options.find((o) => o.id === item.optionId);
      return option
        ? { __typename: 'ProjectV2ItemFieldSingleSelectValue', id: `PVTFSV_${item.id}`, name: option.name, optionId: option.id, field: fieldNode(project) }
        : null;
    },
  });

  const projectNode = (project: FakeProject) => ({
    __typename: 'ProjectV2',
    id: project.id,
    number: project.number,
    title: project.title,
    closed: false,
    field: ({ name }: { name: string }) => (name === project.field.name ? fieldNode(project) : null),
    items: (args: PageArgs) => connection(project.items.map((item) => itemNode(project, item)), args),
  });

  const owner = (login: string) => ({
    __typename: 'Organization',
    id: `O_${login}`,
    login,
    projectV2: ({ number }: { number: number }) => {
      const project = store.projects.find((p) => p.owner.toLowerCase() === login.toLowerCase() && p.number === number);
      if (!project) throw new NotFound(`Could not resolve to a ProjectV2 with the number ${number}.`);
      return projectNode(project);
    },
  });

  const findProject = (id: string) => {
    const project = store.projects.find((p) => p.id === id);
    if (!project) throw new NotFound(`Could not resolve to a node with the global id of '${id}'`);
    return project;
  };

  return {
    repository: ({ owner: login, name }: { owner: string; name: string }) => {
      const repo = store.findRepo(login, name);
      if (!repo) throw new NotFound(`Could not resolve to a Repository with the name '${login}/${name}'.`);
      return repoNode(repo);
    },
    repositoryOwner: ({ login }: { login: string }) => owner(login),
    organization: ({ login }: { login: string }) => owner(login),
    node: ({ id }: { id: string }) => {
      const project = store.projects.find((p) => p.id === id);
      if (project) return projectNode(project);
      for (const p of store.projects) {
        const item = p.items.find((i) => i.id === id);
        if (item) return itemNode(p, item);
      }
      throw new NotFound(`Could not resolve to a node with the global id of '${id}'`);
    },
    updateProjectV2ItemFieldValue: ({ input }: { input: { projectId: string; itemId: string; fieldId: string; value: { singleSelectOptionId?: string } } }) => {
      const project = findProject(input.projectId);
      const item = project.items.find((i) => i.id === input.itemId);
      if (!item) throw new NotFound(`Could not resolve to ProjectV2Item with the id '${input.itemId}'`);
      if (input.fieldId !== project.field.id) throw new NotFound(`Could not resolve to a field with the id '${input.fieldId}'`);
      const optionId = input.value.singleSelectOptionId;
      if (!optionId || !project.field.options.some((o) => o.id === optionId)) {
        throw new Error(`The single select option Id does not belong to the field`);
      }
      item.optionId = optionId;
      return { clientMutationId: null, projectV2Item: itemNode(project, item) };
    },
    addProjectV2ItemById: ({ input }: { input: { projectId: string; contentId: string } }) => {
      const project = findProject(input.projectId);
      let item = project.items.find((i) => i.issue.node_id === input.contentId);
      if (!item) {
        const issue = [...store.repos.values()].flatMap((r) => [...r.issues.values()]).find((i) => i.node_id === input.contentId);
        if (!issue) throw new NotFound(`Could not resolve to a node with the global id of '${input.contentId}'`);
        item = { id: store.nodeId('PVTI'), issue, optionId: null, archived: false };
        project.items.push(item);
      }
      return { clientMutationId: null, item: itemNode(project, item) };
    },
  };
}

export interface GraphqlOutcome {
  body: { data?: unknown; errors?: unknown[] };
  /** Client mistakes (syntax, validation) a test should hear about. */
  problems: string[];
}

/** Run one `/graphql` request body against the store. */
export async function runGraphql(store: GithubStore, body: unknown): Promise<GraphqlOutcome> {
  const request = (body ?? {}) as { query?: unknown; variables?: unknown };
  if (typeof request.query !== 'string') {
    return { body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }, problems: ['graphql: no query'] };
  }
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (err) {
    const message = (err as Error).message;
    return { body: { errors: [{ message }] }, problems: [`graphql: ${message}`] };
  }
  const github = await githubSchema();
  const validationErrors = validate(github, document);
  if (validationErrors.length) {
    const errors = validationErrors.map((e) => ({ message: e.message, locations: e.locations }));
    return { body: { errors }, problems: errors.map((e) => `graphql: ${e.message}`) };
  }
  const result = await execute({
    schema: github,
    document,
    rootValue: resolvers(store),
    variableValues: (request.variables ?? {}) as Record<string, unknown>,
  });
  const errors = result.errors?.map((e: GraphQLError) => ({
    ...(e.originalError instanceof NotFound ? { type: 'NOT_FOUND' } : {}),
    message: e.message,
    path: e.path,
    locations: e.locations,
  }));
  // Variable coercion failures are client bugs too.
  const problems = result.errors?.filter((e) => !(e.originalError instanceof NotFound) && !e.path).map((e) => `graphql: ${e.message}`) ?? [];
  return { body: { data: result.data ?? null, ...(errors ? { errors } : {}) }, problems };
}
