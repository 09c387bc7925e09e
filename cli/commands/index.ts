/** Every CLI command, in the order `baton --help` lists them. */
import type { Command } from 'commander';
import { registerDoctor } from './doctor.js';
import { registerInit } from './init.js';
import { registerOperatorCommands } from './operator.js';
import { registerRefresh } from './refresh.js';
import { registerStart } from './start.js';
import { registerStatus } from './status.js';
import { registerValidate } from './validate.js';
import { registerWorker } from './worker.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerInit, registerStart, registerWorker, registerStatus, registerOperatorCommands, registerRefresh, registerValidate, registerDoctor];
