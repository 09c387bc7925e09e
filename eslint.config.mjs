// ESLint: the guard rails a type checker does not give. `npm test` runs it (test/lint.test.ts).
//
// - Promises: a floating promise or an `await` of a non-promise is an error everywhere.
// - Determinism: workflow and core code (replayed by Temporal) may not import Node built-ins or
//   any module that does I/O.
// - Layering: each folder may import only the layers below it (ARCHITECTURE.md):
//     base → core → config → workspace → adapters → activities → workflows → runtime → server → cli
//   with workflows importing activities for their types only, and core importing nothing but core.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
/** Modules that do I/O or need Node: never in code Temporal replays. */
const ioModules = ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing', 'pino', 'pino-pretty', 'octokit', '@linear/sdk', 'jira.js', 'openai', '@gitbeaker/rest', 'yaml', 'liquidjs'];

const folder = (name) => [`**/${name}/**`, `../${name}/*`, `../../${name}/*`, `../../../${name}/*`];

/** `no-restricted-imports` for a layer that must not reach the given folders. */
function layer(files, forbidden, extra = {}) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          ...(extra.paths ? { paths: extra.paths } : {}),
          patterns: [
            ...forbidden.map((name) => ({
              group: folder(name),
              message: `${files[0].split('/')[0]}/ may not import ${name}/: see the layering in eslint.config.mjs`,
              ...(extra.typeOnly?.includes(name) ? { allowTypeImports: true } : {}),
            })),
            ...(extra.patterns ?? []),
          ],
        },
      ],
    },
  };
}

const sandbox = {
  paths: [...nodeBuiltins, ...ioModules].map((name) => ({ name, message: 'workflow and core code is replayed by Temporal: no I/O, no Node built-ins' })),
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.baton/**', 'adapters/agents/codex/protocol/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  layer(['base/**/*.ts'], ['core', 'config', 'workspace', 'adapters', 'activities', 'workflows', 'runtime', 'server', 'cli']),
  layer(['core/**/*.ts'], ['base', 'config', 'workspace', 'adapters', 'activities', 'workflows', 'runtime', 'server', 'cli'], sandbox),
  layer(['config/**/*.ts'], ['workspace', 'adapters', 'activities', 'workflows', 'runtime', 'server', 'cli']),
  layer(['workspace/**/*.ts'], ['adapters', 'activities', 'workflows', 'runtime', 'server', 'cli']),
  layer(['adapters/**/*.ts'], ['activities', 'workflows', 'runtime', 'server', 'cli']),
  layer(['activities/**/*.ts'], ['workflows', 'runtime', 'server', 'cli']),
  layer(['workflows/**/*.ts'], ['base', 'config', 'workspace', 'adapters', 'activities', 'runtime', 'server', 'cli'], { ...sandbox, typeOnly: ['activities'] }),
  layer(['runtime/**/*.ts'], ['cli']),
  layer(['server/**/*.ts'], ['cli']),
);
