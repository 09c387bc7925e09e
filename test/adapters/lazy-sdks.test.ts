/**
 * Provider adapters and their SDKs load only when a tracker of their kind is configured (issue 8
 * §3; the registry's dynamic import). Real child processes load what `baton start` loads plus one
 * tracker and report every module they resolved (bench/sdk-load.ts). The file scenario loads no
 * provider adapter module (only the zod-only profiles, on purpose) and no SDK; each other scenario
 * is a control that shows the recorder sees exactly the adapter and SDK that were configured.
 */
import { describe, expect, it } from 'vitest';
import { adapterKindOf, isProviderSdk, sampleScenario, type Scenario } from '../../bench/sdk-load.js';

describe('provider adapters and SDKs are loaded on use', () => {
  it.each<{ scenario: Scenario; adapters: string[]; sdk: RegExp | null }>([
    { scenario: 'file', adapters: [], sdk: null },
    { scenario: 'linear', adapters: ['linear'], sdk: /^@linear\/sdk$/ },
    { scenario: 'gitlab', adapters: ['gitlab'], sdk: /^@gitbeaker\// },
    { scenario: 'asana', adapters: ['asana'], sdk: null },
  ])('a process with a $scenario tracker loads adapters $adapters and only its own SDK', async ({ scenario, adapters, sdk }) => {
    const sample = await sampleScenario(scenario);
    expect(sample.adapters).toEqual(adapters);
    if (sdk === null) expect(sample.sdks).toEqual([]);
    else {
      expect(sample.sdks.length).toBeGreaterThan(0);
      expect(sample.sdks.filter((s) => !sdk.test(s))).toEqual([]);
    }
  });

  it.each([
    ['@linear/sdk', true],
    ['@octokit/core', true],
    ['octokit', true],
    ['@gitbeaker/rest', true],
    ['jira.js/version3', true],
    ['openai/resources/responses/responses', true],
    ['@linear/sdk/webhooks', false],
    ['openapi-types', false],
    ['zod', false],
  ])('%s counts as a provider SDK: %s', (specifier, expected) => {
    expect(isProviderSdk(specifier)).toBe(expected);
  });

  it.each([
    ['file:///repo/adapters/trackers/gitlab/client.ts', 'gitlab'],
    ['file:///repo/adapters/trackers/gitlab/profile.ts', null],
    ['file:///repo/adapters/trackers/file.ts', null],
    ['file:///repo/adapters/trackers/index.ts', null],
  ])('%s is an adapter module of %s', (url, kind) => {
    expect(adapterKindOf(url)).toBe(kind);
  });
});
