/** The GitLab fake: a local REST v4 server checked against GitLab's documented fields (see schemas.ts). */
export { startGitlabFake, type GitlabFake, type GitlabFakeOptions, type GitlabFaultSpec, type GitlabRecordedRequest } from './server.js';
export { GitlabStore, type FakeIssue as FakeGitlabIssue, type FakeNote as FakeGitlabNote, type IssueSeed as GitlabIssueSeed } from './store.js';
