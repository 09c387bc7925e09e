/** A schema-validating local GitHub API for tests (REST issues/labels/comments and `/graphql`). */
export { startGithubFake, type FaultSpec, type GithubFake, type GithubFakeOptions, type GithubFault, type RecordedRequest } from './server.js';
export type { FakeIssue, FakeProject, IssueSeed, PullSeed } from './store.js';
