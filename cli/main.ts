#!/usr/bin/env node
/**
 * `baton`: the command-line entry point. Each command lives in `cli/commands/<name>.ts` and
 * registers itself on the program; errors are reported by `cli/runner.ts`.
 */
import { Command } from 'commander';
import { packageInfo } from '../base/package-info.js';
import { commands } from './commands/index.js';
import { LOG_ENVIRONMENT_HELP } from './process-logger.js';

const program = new Command()
  .name('baton')
  .description('Durable, supervised coding-agent runs for issue-tracker work, on Temporal')
  .version(packageInfo().version)
  .showHelpAfterError()
  .addHelpText('after', `\n${LOG_ENVIRONMENT_HELP}`);

for (const register of commands) register(program);

await program.parseAsync(process.argv);
// A failed command may leave an SDK connection attempt behind that retries until its own timeout;
// the error is already reported, so do not wait for it.
if (process.exitCode) process.exit();
