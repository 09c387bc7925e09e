/**
 * The file tracker's folder watch (adapters/trackers/file-watch.ts): which names and events count
 * as a new issue (table), and, on a real folder with inotify, that a dropped issue file nudges
 * once per burst while Baton's own atomic writes, edits of known files, temp and README files do
 * not, that `provider.watch: false` turns it off, and that a missing folder is logged and left to
 * the poll.
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRESH_MS, NewIssueFiles, isIssueFileName } from '../../adapters/trackers/file-watch.js';
import { createFileTracker } from '../../adapters/trackers/file.js';
import type { TrackerConfig } from '../../config/schema.js';
import { pause, pollUntil } from '../helpers/time.js';

describe('isIssueFileName', () => {
  it.each([
    ['W-1.md', true],
    ['notes about W-2.md', true],
    ['.W-1.md.tmp-1a2b', false],
    ['.hidden.md', false],
    ['README.md', false],
    ['readme.md', false],
    ['W-1.txt', false],
    ['W-1.md~', false],
  ])('%s → %s', (name, expected) => {
    expect(isIssueFileName(name)).toBe(expected);
  });
});

describe('NewIssueFiles', () => {
  // Each row: the names known when the watch started, then events [name, ms], and which of them nudge.
  it.each([
    ['a new file nudges', ['A.md'], [['B.md', 0]], [true]],
    ['a known file (Baton rewrote it by rename) does not', ['A.md'], [['A.md', 0]], [false]],
    ['a new file still being written nudges while fresh', [], [['B.md', 0], ['B.md', 10], ['B.md', FRESH_MS - 1]], [true, true, true]],
    ['a new file edited after it is no longer fresh does not', [], [['B.md', 0], ['B.md', FRESH_MS]], [true, false]],
    ['temp files, README and unnamed events never do', [], [['.B.md.tmp-1', 0], ['README.md', 0], [null, 0]], [false, false, false]],
  ] as Array<[string, string[], Array<[string | null, number]>, boolean[]]>)('%s', (_what, known, events, expected) => {
    const files = new NewIssueFiles(known);
    expect(events.map(([name, at]) => files.event(name, at))).toEqual(expected);
  });
});

describe('FileTracker.watch on a real folder', () => {
  let dir: string;
  let warnings: string[];
  let stop: () => void = () => undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'baton-file-watch-'));
    warnings = [];
  });
  afterEach(() => stop());

  function tracker(provider: Record<string, unknown> = {}) {
    const config: TrackerConfig = { name: 'files', kind: 'file', provider: { dir, ...provider }, required_labels: [], active_states: ['Todo'], terminal_states: ['Done'], secret_env: [] };
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    return createFileTracker(config, { logger, env: {} });
  }

  const issueText = (id: string) => `---\nidentifier: ${id}\ntitle: ${id}\nstate: Todo\n---\nbody\n`;

  it('a burst of dropped issue files nudges, once per burst', async () => {
    await writeFile(path.join(dir, 'W-1.md'), issueText('W-1'));
    let nudges = 0;
    stop = tracker().watch(() => (nudges += 1));
    for (const id of ['W-2', 'W-3', 'W-4']) await writeFile(path.join(dir, `${id}.md`), issueText(id));
    expect(await pollUntil(() => nudges > 0, 5_000)).toBe(true);
    await pause(300);
    // Three files written back to back fall in one debounce window on an idle machine; a busy one
    // may split them, but never into more nudges than files.
    expect(nudges).toBeGreaterThanOrEqual(1);
    expect(nudges).toBeLessThanOrEqual(3);
  });

  it('Baton rewriting a known issue (atomic rename) and a README appearing do not nudge', async () => {
    await writeFile(path.join(dir, 'W-1.md'), issueText('W-1'));
    const t = tracker();
    let nudges = 0;
    stop = t.watch(() => (nudges += 1));
    const [w1] = await t.fetchIssuesByIds(['W-1']);
    await t.writeBatch(w1!, { removeLabels: [], addLabels: ['built'], progress: 'plan: succeeded', moveTo: 'In Progress' });
    await writeFile(path.join(dir, 'README.md'), 'about this folder\n');
    // Control: a new issue file afterwards does nudge, so the watch was live all along.
    await pause(500);
    expect(nudges).toBe(0);
    await writeFile(path.join(dir, 'W-5.md'), issueText('W-5'));
    expect(await pollUntil(() => nudges > 0, 5_000)).toBe(true);
  });

  it('provider.watch: false watches nothing', async () => {
    let nudges = 0;
    stop = tracker({ watch: false }).watch(() => (nudges += 1));
    await writeFile(path.join(dir, 'W-9.md'), issueText('W-9'));
    await pause(500);
    expect(nudges).toBe(0);
  });

  it('a folder that does not exist is logged once and left to the poll', async () => {
    const missing = path.join(dir, 'not-yet');
    const config: TrackerConfig = { name: 'files', kind: 'file', provider: { dir: missing }, required_labels: [], active_states: ['Todo'], terminal_states: ['Done'], secret_env: [] };
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    stop = createFileTracker(config, { logger, env: {} }).watch(() => undefined);
    await mkdir(missing);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cannot watch the issues folder; new issues are found by the next poll');
    expect(warnings[0]).toContain(missing);
  });
});
