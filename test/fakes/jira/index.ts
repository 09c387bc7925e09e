/** The Jira fake: a schema-validating local Jira Cloud REST v3 server for adapter and pipeline tests. */
export { startJiraFake, type JiraFake, type JiraFakeOptions, type JiraFault, type JiraRecordedRequest } from './server.js';
export { JiraFakeStore, adfText, jiraTime, type JiraIssueSpec, type AdfDoc } from './store.js';
export { parseJql, matchesJql, namedIssues, JqlError } from './jql.js';
