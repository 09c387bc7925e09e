/**
 * The GraphQL documents the adapter sends. Each one is validated against GitHub's public schema by
 * the test fake, so a typo here fails a test instead of a poll.
 */

/**
 * Issue fields Baton normalizes, for an `Issue` and a `PullRequest` (they share no interface for all
 * of them). `state` is selected per type: IssueState and PullRequestState may not share a response key.
 */
const CONTENT_FIELDS = `
  id number title body url createdAt updatedAt
  repository { nameWithOwner }
  labels(first: 100) { nodes { name } }
  assignees(first: 1) { nodes { login } }`;

export const ISSUE_FIELDS = `
  __typename
  ... on Issue { ${CONTENT_FIELDS} state }
  ... on PullRequest { ${CONTENT_FIELDS} pullState: state }`;

/** Project id, and the single-select field with its options. */
export const PROJECT_QUERY = `
query BatonProject($owner: String!, $number: Int!, $field: String!) {
  repositoryOwner(login: $owner) {
    ... on ProjectV2Owner {
      projectV2(number: $number) {
        id
        field(name: $field) {
          ... on ProjectV2SingleSelectField { id name options { id name } }
        }
      }
    }
  }
}`;

/** One page of the board's items with their state field and content. */
export const PROJECT_ITEMS_QUERY = `
query BatonProjectItems($owner: String!, $number: Int!, $field: String!, $after: String) {
  repositoryOwner(login: $owner) {
    ... on ProjectV2Owner {
      projectV2(number: $number) {
        items(first: 100, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id
            isArchived
            fieldValueByName(name: $field) {
              ... on ProjectV2ItemFieldSingleSelectValue { name optionId }
            }
            content { ${ISSUE_FIELDS} }
          }
        }
      }
    }
  }
}`;

/**
 * Several issues by number in one request (aliases `i0`, `i1`, …), with their project items.
 * Variables: `$o<n>`, `$r<n>`, `$n<n>` per issue and `$field`.
 */
export function issuesByNumberQuery(count: number): string {
  const vars = ['$field: String!'];
  const parts: string[] = [];
  for (let i = 0; i < count; i += 1) {
    vars.push(`$o${i}: String!`, `$r${i}: String!`, `$n${i}: Int!`);
    parts.push(`
  i${i}: repository(owner: $o${i}, name: $r${i}) {
    issue(number: $n${i}) {
      ${CONTENT_FIELDS}
      state
      __typename
      projectItems(first: 20) {
        nodes {
          id
          isArchived
          project { id }
          fieldValueByName(name: $field) { ... on ProjectV2ItemFieldSingleSelectValue { name optionId } }
        }
      }
    }
  }`);
  }
  return `query BatonIssuesByNumber(${vars.join(', ')}) {${parts.join('')}\n}`;
}

export const SET_PROJECT_FIELD_MUTATION = `
mutation BatonSetProjectField($project: ID!, $item: ID!, $field: ID!, $option: String!) {
  updateProjectV2ItemFieldValue(input: { projectId: $project, itemId: $item, fieldId: $field, value: { singleSelectOptionId: $option } }) {
    projectV2Item { id }
  }
}`;

export const ADD_PROJECT_ITEM_MUTATION = `
mutation BatonAddProjectItem($project: ID!, $content: ID!) {
  addProjectV2ItemById(input: { projectId: $project, contentId: $content }) {
    item { id }
  }
}`;

const PULL_FIELDS = `
  number title url state isDraft headRefName baseRefName reviewDecision mergeable
  commits(last: 1) { nodes { commit { statusCheckRollup { state } } } }`;

/** Pull requests that close the issue, and those whose head branch is `$branch`. */
export const PULL_REQUESTS_QUERY = `
query BatonPullRequests($owner: String!, $name: String!, $number: Int!, $branch: String!, $byBranch: Boolean!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      closedByPullRequestsReferences(first: 10, includeClosedPrs: true) { nodes { ${PULL_FIELDS} } }
    }
    pullRequests(headRefName: $branch, first: 10) @include(if: $byBranch) { nodes { ${PULL_FIELDS} } }
  }
}`;
