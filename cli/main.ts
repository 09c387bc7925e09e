#!/usr/bin/env node
/**
 * `baton`: the command-line entry point. Each command lives in `cli/commands/<name>.ts` and
 * registers itself on the program; errors are reported by `cli/runner.ts`.
 */
import { Command } from 'commander';
import { commands } from './commands/index.js';

const program = new Command()
  .name('baton')
  .description('Durable, supervised coding-agent runs for issue-tracker work, on Temporal')
  .version('0.1.0')
  .showHelpAfterError();

for (const register of commands) register(program);

await program.parseAsync(process.argv);
