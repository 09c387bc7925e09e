/** The one rule for where a tracker token may go (adapters/trackers/endpoint.ts), shared by Linear, Jira, GitLab and Asana. */
import { describe, expect, it } from 'vitest';
import { sendsTokenInClear } from '../../adapters/trackers/endpoint.js';

describe('sendsTokenInClear', () => {
  it.each([
    ['https://api.linear.app/graphql', false],
    ['https://acme.atlassian.net', false],
    ['http://localhost:4010/api/v4', false],
    ['http://127.0.0.1:4010', false],
    ['http://[::1]:4010', false],
    ['http://gitlab.example.com/api/v4', true],
    ['http://10.0.0.5:8080', true],
    ['ftp://localhost/x', true],
  ])('%s → %s', (url, expected) => {
    expect(sendsTokenInClear(new URL(url))).toBe(expected);
  });
});
