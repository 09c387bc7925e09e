/**
 * The `memory` tracker's profile (spec/adapters/memory.md). Zod only, so the config layer and the
 * JSON Schema generator can use it without loading the adapter.
 */
import { z } from 'zod';
import { SYMPHONY_ACTIVE_STATES, SYMPHONY_TERMINAL_STATES, type TrackerProfile } from '../../config/tracker-profiles.js';

export const memoryProfile: TrackerProfile = {
  kind: 'memory',
  title: 'In-process tracker for tests',
  providerSchema: z.looseObject({
    store: z.string().min(1).default('default').describe('Name of the in-process store shared with tests'),
  }),
  defaultActiveStates: SYMPHONY_ACTIVE_STATES,
  defaultTerminalStates: SYMPHONY_TERMINAL_STATES,
  secrets: [],
};
