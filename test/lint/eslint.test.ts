/**
 * ESLint as part of `npm test` (so `.ci/run` checks it): floating promises, awaits of
 * non-promises, `any`, sandbox-safe workflow and core code, and the layering between folders
 * (eslint.config.mjs). One test per rule family, so a failure says which guard rail broke and where.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { scaled } from '../helpers/time.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The product's own code; tests and fixtures are checked by the type checker and their own runs. */
const SOURCES = ['base', 'core', 'config', 'workspace', 'adapters', 'activities', 'workflows', 'runtime', 'server', 'cli', 'bench', 'scripts'];

interface Problem {
  rule: string;
  where: string;
  message: string;
}

let problems: Problem[] = [];
beforeAll(async () => {
  const eslint = new ESLint({ cwd: root });
  const results = await eslint.lintFiles(SOURCES);
  problems = results.flatMap((r) =>
    r.messages.map((m) => ({ rule: m.ruleId ?? 'parse', where: `${path.relative(root, r.filePath)}:${m.line}:${m.column}`, message: m.message })),
  );
}, scaled(300_000));

const of = (...rules: string[]) => problems.filter((p) => rules.includes(p.rule)).map((p) => `${p.where} ${p.message}`);

describe('eslint', () => {
  it('parses every source file', () => {
    expect(of('parse')).toEqual([]);
  });

  it('has no floating promise and no await of a non-promise', () => {
    expect(of('@typescript-eslint/no-floating-promises', '@typescript-eslint/await-thenable')).toEqual([]);
  });

  it('has no `any`', () => {
    expect(of('@typescript-eslint/no-explicit-any')).toEqual([]);
  });

  it('keeps the layering and the workflow sandbox (no Node built-ins or I/O in workflows/ and core/)', () => {
    expect(of('@typescript-eslint/no-restricted-imports')).toEqual([]);
  });

  it('reports nothing else', () => {
    const known = ['parse', '@typescript-eslint/no-floating-promises', '@typescript-eslint/await-thenable', '@typescript-eslint/no-explicit-any', '@typescript-eslint/no-restricted-imports'];
    expect(problems.filter((p) => !known.includes(p.rule))).toEqual([]);
  });
});
