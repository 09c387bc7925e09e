/**
 * `baton doctor` and the stage preflight for the `command` backend: does the program the command
 * starts resolve in the login shell it will run in, and does the script it hands an interpreter
 * (`bash agents/plan.sh`, `node ./agent.mjs`) exist? The command is read, never run: a preflight
 * that executed it (or anything after a `;`) would do the agent's work, or damage, before the
 * stage starts. Words are parsed with shell-quote and `$VARS` expanded from the stage's
 * environment, so the check sees what bash will see.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'shell-quote';
import { oneLine } from '../../core/errors.js';
import { failed, passed, type PreflightFinding } from '../../core/preflight.js';
import { runShell } from '../../base/shell.js';

/** What the first simple command of a command line starts: its program and the script it runs. */
export interface CommandStart {
  program: string;
  /** The script an interpreter is given as its first operand, as written (relative to the cwd). */
  script?: string;
}

/** Programs whose first operand is a script file to run. */
const INTERPRETER = /^(?:ba|da|z)?sh$|^node(?:js)?$|^python[0-9.]*$|^ruby$|^perl$|^php$|^deno$|^bun$|^tsx$|^ts-node$/;
/** Options after which an interpreter runs code or a module, not a file. */
const INLINE_CODE = new Set(['-c', '-e', '-m', '-p', '--eval', '--print', 'run', 'eval']);
/** Words that run the next word as the program. */
const WRAPPERS = new Set(['exec', 'env', 'command', 'nohup', 'time']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The program and script the command line starts with, or undefined when its first word is not a
 * plain word (a subshell, a `{ …; }` group, a glob): those are left for the run itself to judge.
 */
export function commandStart(command: string, env: NodeJS.ProcessEnv): CommandStart | undefined {
  const words: string[] = [];
  for (const token of parse(command, (key) => env[key] ?? '')) {
    if (typeof token !== 'string') break; // an operator, comment or glob ends the first simple command
    words.push(token);
  }
  let i = 0;
  const skippable = (word: string, previous: string | undefined) =>
    ASSIGNMENT.test(word) || WRAPPERS.has(path.basename(word)) || (previous !== undefined && path.basename(previous) === 'env' && word.startsWith('-'));
  while (i < words.length && skippable(words[i]!, words[i - 1])) i += 1;
  const program = words[i];
  if (!program || program === '(' || program === '{') return undefined;
  if (!INTERPRETER.test(path.basename(program))) return { program };
  for (const word of words.slice(i + 1)) {
    if (INLINE_CODE.has(word)) return { program };
    if (word.startsWith('-')) continue;
    return { program, script: word };
  }
  return { program };
}

/** Resolves the command's program in `bash -lc` (the stage's shell) and checks its script exists. */
export async function commandPreflight(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<PreflightFinding> {
  const start = commandStart(command, env);
  if (!start) return passed(`not checked: \`${oneLine(command, 60)}\` does not start with a plain program`);
  // The program goes in through the environment: nothing of the command is evaluated.
  const result = await runShell('command -v -- "$BATON_DOCTOR_PROGRAM"', { cwd, env: { ...env, BATON_DOCTOR_PROGRAM: start.program }, timeoutMs: 15_000 });
  const resolved = result.stdout.trim().split('\n').at(-1);
  if (result.exitCode !== 0 || !resolved) {
    return failed('command', `\`${start.program}\` is not found on the PATH of bash -lc`, `install it, or put its full path in the command (\`${oneLine(command, 80)}\`)`);
  }
  const script = start.script ? path.resolve(cwd, start.script.replace(/^~(?=\/)/, env.HOME ?? '~')) : undefined;
  if (start.script && script && !existsSync(script)) {
    return failed('command', `the script \`${start.script}\` does not exist (looked for ${script})`, `create it, or correct the path in the command (\`${oneLine(command, 80)}\`)`);
  }
  return passed(`\`${resolved}\` found${start.script ? `, script ${start.script} exists` : ''}`, { program: resolved, ...(start.script ? { script: start.script } : {}) });
}
