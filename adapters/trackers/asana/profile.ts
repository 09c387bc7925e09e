/**
 * The `asana` tracker's profile: what `tracker.provider` accepts (spec/adapters/asana.md) and its
 * secrets. Zod only. The keys Symphony's Asana adapter reads (`project_gid`, `endpoint`, `api_key`
 * with the `ASANA_PAT` fallback, section names as states) mean the same here.
 */
import { z } from 'zod';
import type { TrackerProfile } from '../../../config/tracker-profiles.js';

/** `tracker.provider` of an `asana` tracker. */
export const AsanaProviderSchema = z.looseObject({
  project_gid: z.string().trim().regex(/^\d+$/, 'an Asana gid: the digits in the project URL').describe('The project whose tasks Baton works on; its sections are the states'),
  endpoint: z.string().url().default('https://app.asana.com/api/1.0').describe('REST base URL'),
  api_key: z.string().optional().describe('Personal access token (or OAuth token); `$VAR` or omitted to read ASANA_PAT'),
  complete_on_terminal: z
    .boolean()
    .default(true)
    .describe('Moving a task into a terminal section also marks it complete (and moving it out marks it incomplete)'),
  page_size: z.number().int().min(1).max(100).default(100).describe('Tasks per page (Asana allows at most 100)'),
  timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout'),
  webhook_secret: z.string().optional().describe("The X-Hook-Secret from Asana's answer to POST /webhooks; `$VAR` recommended"),
});

export const asanaProfile: TrackerProfile = {
  kind: 'asana',
  title: 'Asana tasks of one project, sections as states (REST 1.0)',
  providerSchema: AsanaProviderSchema,
  secrets: [
    { key: 'api_key', env: 'ASANA_PAT', required: true },
    { key: 'webhook_secret', required: false },
  ],
};
