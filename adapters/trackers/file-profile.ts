/**
 * The `file` tracker's profile: what `tracker.provider` accepts (spec/adapters/file.md). Zod only,
 * so the config layer and the JSON Schema generator can use it without loading the adapter.
 */
import { z } from 'zod';
import { SYMPHONY_ACTIVE_STATES, SYMPHONY_TERMINAL_STATES, type TrackerProfile } from '../../config/tracker-profiles.js';

export const fileProfile: TrackerProfile = {
  kind: 'file',
  title: 'A folder of Markdown issues with YAML front matter (the embedded default)',
  providerSchema: z.looseObject({
    dir: z.string().min(1).default('./issues').describe('Folder of `*.md` issues, relative to the config file'),
    watch: z
      .boolean()
      .default(true)
      .describe('Poll at once when a new issue file appears in the folder (inotify); the interval poll still finds everything else'),
  }),
  defaultActiveStates: SYMPHONY_ACTIVE_STATES,
  defaultTerminalStates: SYMPHONY_TERMINAL_STATES,
  secrets: [],
  pathKeys: ['dir'],
  watches: true,
};
