/**
 * `progress_comment` (spec/SPEC.md §4.1, §4.3): whether successful stages keep Baton's progress
 * comment on the issue, as the workflows see it in their config view. A Symphony WORKFLOW.md
 * (no `stages`) makes no tracker writes of its own unless it opts in; a baton-flavored file keeps
 * the comment unless it opts out. The run through the pipeline is test/pipeline/progress-comment.test.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { toConfigView } from '../../config/view.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { tempTree } from './helpers.js';

const tracker = 'tracker:\n  kind: memory\n';
const stages = 'stages:\n  - name: plan\n    states: [Todo]\n';

describe('progress_comment', () => {
  it.each([
    ['a Symphony WORKFLOW.md', 'WORKFLOW.md', `---\n${tracker}---\nWork.\n`, false],
    ['a Symphony WORKFLOW.md that opts in', 'WORKFLOW.md', `---\n${tracker}progress_comment: true\n---\nWork.\n`, true],
    ['a WORKFLOW.md with stages', 'WORKFLOW.md', `---\n${tracker}${stages}---\nWork.\n`, true],
    ['a baton.yaml', 'baton.yaml', tracker, true],
    ['a baton.yaml that opts out', 'baton.yaml', `${tracker}progress_comment: false\n`, false],
  ])('baton §4.3 %s → progress comment %s', (_name, file, text, expected) => {
    const dir = tempTree({ [file]: text });
    const { config } = loadConfig(path.join(dir, file), { trackerProfiles, env: {} });
    expect(toConfigView(config, 'h').progressComment).toBe(expected);
  });
});
