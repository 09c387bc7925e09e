/**
 * Every GraphQL document the Linear adapter sends. One tailored selection per need instead of the
 * SDK's lazy models: a poll is ONE request whatever the number of issues in flight, because
 * candidates and in-flight snapshots are two aliased `issues` connections of the same query.
 * The test fake validates each document against Linear's schema rebuilt from @linear/sdk.
 */

/** Page size of nested lists (labels, blockers); issues rarely carry more. */
export const NESTED_PAGE_SIZE = 50;

/** Everything normalization needs, in one selection (no follow-up loads). */
export const ISSUE_FIELDS = /* GraphQL */ `
fragment BatonIssue on Issue {
  id
  identifier
  title
  description
  priority
  branchName
  url
  createdAt
  updatedAt
  state { name type }
  team { id key }
  project { id slugId }
  assignee { id }
  labels(first: ${NESTED_PAGE_SIZE}) { nodes { name } }
  inverseRelations(first: ${NESTED_PAGE_SIZE}) { nodes { type issue { id identifier state { name type } } } }
}`;

/**
 * Candidates by state and snapshots by id, each paged on its own cursor; `@include` drops a side
 * once it is exhausted, and the viewer rides along when `assignee: me` needs its id.
 */
export const POLL_QUERY = /* GraphQL */ `
query BatonPoll(
  $candidateFilter: IssueFilter!, $candidateFirst: Int!, $candidateAfter: String, $withCandidates: Boolean!,
  $inflightFilter: IssueFilter!, $inflightFirst: Int!, $inflightAfter: String, $withInflight: Boolean!,
  $withViewer: Boolean!
) {
  candidates: issues(filter: $candidateFilter, first: $candidateFirst, after: $candidateAfter) @include(if: $withCandidates) {
    nodes { ...BatonIssue }
    pageInfo { hasNextPage endCursor }
  }
  inflight: issues(filter: $inflightFilter, first: $inflightFirst, after: $inflightAfter) @include(if: $withInflight) {
    nodes { ...BatonIssue }
    pageInfo { hasNextPage endCursor }
  }
  viewer @include(if: $withViewer) { id }
}
${ISSUE_FIELDS}`;

export const ISSUE_TEAM_QUERY = /* GraphQL */ `
query BatonIssueTeam($id: String!) {
  issue(id: $id) { id team { id key } }
}`;

export const TEAM_STATES_QUERY = /* GraphQL */ `
query BatonTeamStates($filter: WorkflowStateFilter!, $after: String) {
  workflowStates(filter: $filter, first: 250, after: $after) {
    nodes { id name type }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const TEAM_LABELS_QUERY = /* GraphQL */ `
query BatonTeamLabels($filter: IssueLabelFilter!, $after: String) {
  issueLabels(filter: $filter, first: 250, after: $after) {
    nodes { id name team { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const ISSUE_UPDATE_MUTATION = /* GraphQL */ `
mutation BatonIssueUpdate($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success issue { id } }
}`;

export const LABEL_CREATE_MUTATION = /* GraphQL */ `
mutation BatonLabelCreate($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name team { id } } }
}`;

export const PROGRESS_COMMENT_QUERY = /* GraphQL */ `
query BatonProgressComment($filter: CommentFilter!) {
  comments(filter: $filter, first: 10) { nodes { id body } }
}`;

export const COMMENT_CREATE_MUTATION = /* GraphQL */ `
mutation BatonCommentCreate($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id url } }
}`;

/** The issue's link to its pull request; Linear updates the attachment with the same issue and URL. */
export const ATTACHMENT_CREATE_MUTATION = /* GraphQL */ `
mutation BatonAttachmentCreate($input: AttachmentCreateInput!) {
  attachmentCreate(input: $input) { success attachment { id } }
}`;

export const COMMENT_UPDATE_MUTATION = /* GraphQL */ `
mutation BatonCommentUpdate($id: String!, $input: CommentUpdateInput!) {
  commentUpdate(id: $id, input: $input) { success comment { id } }
}`;

/** The agent's `linear_get_issue`: the issue plus its recent discussion. */
export const TOOL_ISSUE_QUERY = /* GraphQL */ `
query BatonToolIssue($id: String!) {
  issue(id: $id) {
    ...BatonIssue
    comments(first: 50) { nodes { id body createdAt user { id name } } }
  }
}
${ISSUE_FIELDS}`;
