import { describe, expect, it } from 'vitest';
import { editDistance, suggestKey } from '../../config/diagnostics.js';
import { expandPath, parseEnvReference, resolveSecret, type SecretResolution } from '../../config/resolve-env.js';

describe('§6.1 secret resolution table', () => {
  it.each<[string, string | undefined, Record<string, string>, Partial<SecretResolution>]>([
    ['omitted → fallback', undefined, { FB: 'f' }, { value: 'f', source: 'fallback', envNames: ['FB'] }],
    ['omitted, fallback unset → missing', undefined, {}, { source: 'missing', envNames: ['FB'] }],
    ['omitted, fallback empty → missing', undefined, { FB: '' }, { source: 'missing' }],
    ['$NAME set', '$K', { K: 'k', FB: 'f' }, { value: 'k', source: 'reference', envNames: ['K', 'FB'] }],
    ['$NAME unset → fallback', '$K', { FB: 'f' }, { value: 'f', source: 'fallback', envNames: ['K', 'FB'] }],
    ['§5.3.1 $NAME empty → missing (no fallback)', '$K', { K: '', FB: 'f' }, { source: 'missing', envNames: ['K', 'FB'] }],
    ['$FALLBACK itself is named once', '$FB', { FB: 'f' }, { value: 'f', envNames: ['FB'] }],
    ['empty literal → missing', '', { FB: 'f' }, { source: 'missing' }],
    ['literal', 'abc', { FB: 'f' }, { value: 'abc', source: 'literal' }],
    ['illegal name', '$1x', { FB: 'f' }, { source: 'missing', invalidReference: '1x' }],
  ])('%s', (_name, value, env, expected) => {
    expect(resolveSecret(value, 'FB', env)).toMatchObject(expected);
  });

  it.each([
    ['$A_1', { name: 'A_1', valid: true }],
    ['${A_1}', { name: 'A_1', valid: true }],
    ['$a-b', { name: 'a-b', valid: false }],
    ['plain', null],
  ])('§6.1 parseEnvReference(%s)', (value, expected) => {
    expect(parseEnvReference(value)).toEqual(expected);
  });
});

describe('§6.1 path expansion table', () => {
  const options = { env: { ROOT: '/srv', TILDE: '~/t', EMPTY: '' }, baseDir: '/cfg', home: '/home/u' };
  it.each([
    ['relative', 'ws', { path: '/cfg/ws' }],
    ['dot-dot', '../ws', { path: '/ws' }],
    ['absolute', '/a/b/', { path: '/a/b' }],
    ['~', '~', { path: '/home/u' }],
    ['~/x', '~/x', { path: '/home/u/x' }],
    ['~user is not expanded', '~user/x', { path: '/cfg/~user/x' }],
    ['$VAR', '$ROOT', { path: '/srv', envName: 'ROOT' }],
    ['$VAR with ~', '$TILDE', { path: '/home/u/t', envName: 'TILDE' }],
    ['$VAR empty', '$EMPTY', { envName: 'EMPTY' }],
    ['$VAR unset', '$NOPE', { envName: 'NOPE' }],
    ['a $ inside is literal', 'a$ROOT', { path: '/cfg/a$ROOT' }],
  ])('%s', (_name, value, expected) => {
    expect(expandPath(value, options)).toEqual(expected);
  });
});

describe('baton §3.5 key suggestions', () => {
  it.each([
    ['intervl_ms', ['interval_ms', 'timeout_ms'], 'interval_ms'],
    ['Interval_MS', ['interval_ms'], 'interval_ms'],
    ['projet_slug', ['project_slug', 'api_key'], 'project_slug'],
    ['pollng', ['polling', 'prompt', 'hooks'], 'polling'],
    ['something_else', ['interval_ms'], undefined],
    ['x', [], undefined],
  ])('suggestKey(%s)', (key, known, expected) => {
    expect(suggestKey(key, known)).toBe(expected);
  });

  it('editDistance counts insertions, deletions and substitutions', () => {
    expect([editDistance('kitten', 'sitting'), editDistance('', 'abc'), editDistance('same', 'same')]).toEqual([3, 3, 0]);
  });
});
