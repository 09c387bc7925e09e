/** A schema-validating local GitHub API for tests (REST issues, labels, comments, pull requests, checks, statuses, merges; `/graphql`). */
export { startGithubFake, type FaultSpec, type GithubFake, type GithubFakeOptions, type GithubFault, type RecordedRequest } from './server.js';
export type { FakeIssue, FakeProject, IssueSeed, PullSeed } from './store.js';
export { PullRequestWorld, type FakeCheckRun, type FakeMerge, type FakeReview, type FakeStatus } from './pulls.js';
export { BareRepoGit, MemoryGit, type FakeGit } from './git.js';
