import { statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, ConfigStore, configHash, loadConfig, maskSecrets, type ConfigSnapshot } from '../../config/index.js';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { configError, tempTree } from './helpers.js';
import { scaled } from '../helpers/time.js';

const workflow = (interval: number, body = 'Work on {{ issue.identifier }}.') => `---\ntracker:\n  kind: memory\npolling:\n  interval_ms: ${interval}\n---\n${body}\n`;

/** A store over a fresh WORKFLOW.md, with its callbacks and log lines recorded. */
function setup(text = workflow(1000)) {
  const dir = tempTree({ 'WORKFLOW.md': text });
  const file = join(dir, 'WORKFLOW.md');
  const logs: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const reloads: ConfigSnapshot[] = [];
  const errors: ConfigError[] = [];
  const store = new ConfigStore(file, { env: {}, logger, onReload: (s) => reloads.push(s), onError: (e) => errors.push(e), trackerProfiles });
  return { dir, file, store, logs, reloads, errors };
}

describe('§6.2 dynamic reload (ConfigStore)', () => {
  it('§17.1 workflow file changes are detected and re-applied without restart', () => {
    const { file, store, reloads } = setup();
    const first = store.current();
    expect(first.config.polling.interval_ms).toBe(1000);
    expect(first.version).toBe(1);
    writeFileSync(file, workflow(2000, 'New prompt for {{ issue.title }}.'));
    const next = store.current();
    expect(next.config.polling.interval_ms).toBe(2000);
    expect(next.config.stages[0]!.prompt_template).toBe('New prompt for {{ issue.title }}.');
    expect(next.version).toBe(2);
    expect(next.hash).not.toBe(first.hash);
    expect(reloads).toHaveLength(1);
    expect(store.current()).toBe(next);
  });

  it('§6.2 an edit that keeps size and mtime is still detected (content hash in the stamp)', () => {
    const { file, store } = setup(workflow(1000));
    const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    utimesSync(file, second, second);
    expect(store.current().config.polling.interval_ms).toBe(1000);
    const before = statSync(file);
    writeFileSync(file, workflow(9000));
    utimesSync(file, second, second);
    expect(statSync(file)).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs });
    expect(store.current().config.polling.interval_ms).toBe(9000);
  });

  it('§17.1 invalid reload keeps last known good configuration and emits an operator-visible error', () => {
    const { file, store, errors, logs } = setup();
    const good = store.current();
    writeFileSync(file, '---\ntracker:\n  kind: memory\npolling: [unclosed\n---\n');
    const snap = store.current();
    expect(snap.config).toBe(good.config);
    expect(snap.hash).toBe(good.hash);
    expect(snap.lastError).toBeInstanceOf(ConfigError);
    expect(snap.lastError!.category).toBe('workflow_parse_error');
    expect(errors).toHaveLength(1);
    expect(logs.some((l) => l.level >= 50 && /keeping the last known good/.test(l.msg))).toBe(true);
    // The same broken content is not re-parsed or re-reported.
    store.current();
    expect(errors).toHaveLength(1);
    // A fix clears the error and applies the new config.
    writeFileSync(file, workflow(3000));
    const fixed = store.current();
    expect(fixed.lastError).toBeNull();
    expect(fixed.config.polling.interval_ms).toBe(3000);
  });

  it('§6.2 a schema-invalid edit and a deleted file also keep the last good config', () => {
    const { file, store } = setup();
    const good = store.current().config;
    writeFileSync(file, workflow(-5));
    expect(store.current()).toMatchObject({ config: good, lastError: { category: 'invalid_config' } });
    unlinkSync(file);
    expect(store.current()).toMatchObject({ config: good, lastError: { category: 'missing_workflow_file' } });
  });

  it('§6.2 a change to a prompt file reloads too', () => {
    const dir = tempTree({
      'baton.yaml': 'tracker:\n  kind: memory\nstages:\n  - {name: a, states: [Todo], prompt_file: a.md}\n',
      'a.md': 'first {{ issue.title }}',
    });
    const store = new ConfigStore(join(dir, 'baton.yaml'), { env: {}, trackerProfiles });
    expect(store.current().config.stages[0]!.prompt_template).toBe('first {{ issue.title }}');
    writeFileSync(join(dir, 'a.md'), 'second {{ issue.title }}');
    expect(store.current().config.stages[0]!.prompt_template).toBe('second {{ issue.title }}');
  });

  it('§6.2 watch() applies edits without anyone calling current()', async () => {
    const { file, store, reloads } = setup();
    store.watch(10);
    try {
      writeFileSync(file, workflow(4000));
      await vi.waitFor(() => expect(reloads).toHaveLength(1), { timeout: scaled(5_000), interval: 10 });
      expect(reloads[0]!.config.polling.interval_ms).toBe(4000);
    } finally {
      store.stop();
    }
  });

  it('§6.3 an invalid file at startup throws', () => {
    const dir = tempTree({ 'WORKFLOW.md': '---\n- a list\n---\n' });
    const err = configError(() => new ConfigStore(join(dir, 'WORKFLOW.md'), { env: {}, trackerProfiles }));
    expect(err.category).toBe('workflow_front_matter_not_a_map');
  });
});

describe('configHash and maskSecrets (baton §3.2, §7)', () => {
  const linear = 'tracker:\n  kind: linear\n  provider:\n    project_slug: p\n    api_key: $KEY\n    webhook_secret: $HOOK\n';

  it('baton §7 the hash ignores key order and changes with any value', () => {
    const a = tempTree({ 'baton.yaml': 'tracker:\n  kind: memory\npolling:\n  interval_ms: 5\nname: x\n' });
    const b = tempTree({ 'baton.yaml': 'name: x\npolling:\n  interval_ms: 5\ntracker:\n  kind: memory\n' });
    const ca = loadConfig(join(a, 'baton.yaml'), { trackerProfiles }).config;
    const cb = { ...loadConfig(join(b, 'baton.yaml'), { trackerProfiles }).config, source: ca.source, base_dir: ca.base_dir };
    cb.temporal.embedded.db_file = ca.temporal.embedded.db_file;
    expect(configHash(cb)).toBe(configHash(ca));
    expect(configHash({ ...cb, polling: { interval_ms: 6 } })).not.toBe(configHash(ca));
  });

  it('baton §7 a rotated secret changes the hash', () => {
    const dir = tempTree({ 'baton.yaml': linear });
    const one = loadConfig(join(dir, 'baton.yaml'), { env: { KEY: 'one' }, trackerProfiles }).config;
    const two = loadConfig(join(dir, 'baton.yaml'), { env: { KEY: 'two' }, trackerProfiles }).config;
    expect(configHash(one)).not.toBe(configHash(two));
  });

  it('§15.3 maskSecrets hides every secret value and leaves the original intact', () => {
    const dir = tempTree({ 'baton.yaml': `${linear}openai:\n  api_key: sk-literal\n` });
    const { config } = loadConfig(join(dir, 'baton.yaml'), { env: { KEY: 'lin_secret', HOOK: 'whsec' }, trackerProfiles });
    const masked = maskSecrets(config, trackerProfiles);
    expect(masked.trackers[0]!.provider).toMatchObject({ api_key: '***', webhook_secret: '***', project_slug: 'p' });
    expect(masked.openai.api_key).toBe('***');
    const text = JSON.stringify(masked);
    for (const secret of ['lin_secret', 'whsec', 'sk-literal']) expect(text).not.toContain(secret);
    expect(config.trackers[0]!.provider.api_key).toBe('lin_secret');
  });
});
