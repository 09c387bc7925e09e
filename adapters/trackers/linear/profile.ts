/**
 * The `linear` tracker's profile: what `tracker.provider` accepts (spec/adapters/linear.md), its
 * defaults and secrets. Zod only (no @linear/sdk), so the config layer and the JSON Schema
 * generator can use it without loading the adapter.
 */
import { z } from 'zod';
import { SYMPHONY_ACTIVE_STATES, SYMPHONY_TERMINAL_STATES, type TrackerProfile } from '../../../config/tracker-profiles.js';

/** `tracker.provider` of a `linear` tracker. */
export const LinearProviderSchema = z.looseObject({
  endpoint: z.string().url().default('https://api.linear.app/graphql'),
  api_key: z.string().optional().describe('Linear API key; `$VAR` or omitted to read LINEAR_API_KEY'),
  project_slug: z.string().min(1).describe('Project slug id (the part of the project URL after the name)'),
  assignee: z.string().optional().describe('User id, or `me`; only issues assigned to it dispatch; `$VAR` or omitted to read LINEAR_ASSIGNEE'),
  webhook_secret: z.string().optional().describe('Signing secret of the Linear webhook; `$VAR` recommended'),
  page_size: z.number().int().min(1).max(250).default(50).describe('Issues per page of a state query (Linear allows up to 250)'),
  timeout_ms: z.number().int().positive().default(30_000).describe('Per-request timeout'),
});

export const linearProfile: TrackerProfile = {
  kind: 'linear',
  title: 'Linear (GraphQL through @linear/sdk)',
  providerSchema: LinearProviderSchema,
  defaultActiveStates: SYMPHONY_ACTIVE_STATES,
  defaultTerminalStates: SYMPHONY_TERMINAL_STATES,
  secrets: [
    { key: 'api_key', env: 'LINEAR_API_KEY', required: true },
    { key: 'webhook_secret', required: false },
  ],
  envSettings: [{ key: 'assignee', env: 'LINEAR_ASSIGNEE', required: false }],
};
