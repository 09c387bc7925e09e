/** The pull request body open_pull_request sends: the agent's text, then the line naming the issue. */
import { describe, expect, it } from 'vitest';
import { pullRequestBody } from '../../adapters/code-hosts/tools.js';

const URL = 'https://linear.app/acme/issue/ENG-1/fix-math';

describe('pullRequestBody', () => {
  it.each([
    ['no body, with a URL', undefined, { identifier: 'ENG-1', url: URL }, `For ENG-1: ${URL}`],
    ['no body, without a URL', undefined, { identifier: 'ENG-1', url: null }, 'For ENG-1.'],
    ['a blank body', '  \n', { identifier: 'ENG-1', url: URL }, `For ENG-1: ${URL}`],
    ['the agent’s body gets the line', 'Fixes math.\n', { identifier: 'ENG-1', url: URL }, `Fixes math.\n\nFor ENG-1: ${URL}`],
    ['a body that links the issue already', `Fixes math, see ${URL}.`, { identifier: 'ENG-1', url: URL }, `Fixes math, see ${URL}.`],
    ['a body naming the identifier only, with a URL known', 'Fixes ENG-1.', { identifier: 'ENG-1', url: URL }, `Fixes ENG-1.\n\nFor ENG-1: ${URL}`],
    ['a body naming the identifier, no URL known', 'Fixes ENG-1.', { identifier: 'ENG-1', url: null }, 'Fixes ENG-1.'],
  ])('%s', (_name, body, issue, expected) => {
    expect(pullRequestBody(body, issue)).toBe(expected);
  });
});
