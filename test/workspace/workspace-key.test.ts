import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_WORKSPACE_KEY_LENGTH, sha256Hex, workspaceKey } from '../../core/workspace-key.js';

const SAFE_KEY = /^[A-Za-z0-9._-]+$/;

describe('workspaceKey', () => {
  it.each([
    // Vectors shared with Symphony's Elixir implementation, so its workspaces are reused.
    ['MT-101', 'MT-101'],
    ['MT 1', 'MT_1--af891961915a9d2f'],
    ['ABC/123', 'ABC_123--e40e9a389ac15baf'],
    ['proj#7', 'proj_7--3cec2ac41d156f8f'],
    ['a.b_c-D9', 'a.b_c-D9'],
    ['...', '...'],
  ])('§17.2 identifier %j keeps a deterministic key %j', (identifier, key) => {
    expect(workspaceKey(identifier)).toBe(key);
    expect(workspaceKey(identifier)).toBe(workspaceKey(identifier));
  });

  it.each([[null], [undefined], [''], ['   ']])('§17.2 a missing or blank identifier %j becomes `issue`', (identifier) => {
    expect(workspaceKey(identifier)).toBe('issue');
  });

  it.each([
    ['.', /^_--[0-9a-f]{16}$/],
    ['..', /^__--[0-9a-f]{16}$/],
    ['../etc', /^\.\._etc--[0-9a-f]{16}$/],
    ['a/../../b', /^a_\.\._\.\._b--[0-9a-f]{16}$/],
  ])('§17.2 path-like identifier %j cannot name the root, its parent or a nested path', (identifier, shape) => {
    const key = workspaceKey(identifier);
    expect(key).toMatch(shape);
    expect(key).toMatch(SAFE_KEY);
    expect(['.', '..']).not.toContain(key);
  });

  it('§17.2 distinct identifiers that sanitize to the same text get distinct keys', () => {
    const families = [
      ['ABC/123', 'ABC_123', 'ABC 123', 'ABC:123', 'ABC\\123', 'ABC\n123'],
      ['é', 'ü', '_', '😀', '\uD800'],
      ['.', '_', '..', '__'],
    ];
    for (const family of families) {
      const keys = family.map(workspaceKey);
      expect(new Set(keys).size, family.join(' ')).toBe(family.length);
      for (const key of keys) expect(key).toMatch(SAFE_KEY);
    }
  });

  it('§17.2 over-long identifiers are cut and hashed, keeping distinct usable directory names', () => {
    const a = `${'x'.repeat(300)}a`;
    const b = `${'x'.repeat(300)}b`;
    expect(workspaceKey(a)).not.toBe(workspaceKey(b));
    for (const key of [workspaceKey(a), workspaceKey(b)]) {
      expect(key.length).toBeLessThanOrEqual(MAX_WORKSPACE_KEY_LENGTH);
      expect(key).toMatch(/--[0-9a-f]{16}$/);
    }
    const fits = 'y'.repeat(MAX_WORKSPACE_KEY_LENGTH);
    expect(workspaceKey(fits)).toBe(fits);
  });
});

describe('sha256Hex (pure, for the sandbox)', () => {
  it.each([
    [''],
    ['abc'],
    ['x'.repeat(55)], // padding fits in one block
    ['x'.repeat(56)], // padding spills into a second block
    ['x'.repeat(64)],
    ['y'.repeat(1000)],
    ['é😀中 mixed UTF-8'],
    ['\uD800 lone surrogate'],
  ])('matches node:crypto for %j', (text) => {
    const expected = createHash('sha256').update(text).digest('hex');
    expect(sha256Hex(text)).toBe(expected);
  });
});
