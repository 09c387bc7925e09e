/**
 * `baton init [dir]`: writes a commented `baton.yaml`, `prompts/` (one file per stage) and, for the
 * file tracker, `issues/` with an example issue. It asks for what the flags leave open (tracker and
 * its key fields, agent backend, stages preset); `--yes` takes the defaults instead, and so does a
 * run without a terminal for anything that has one. It never overwrites a file without `--force`,
 * and ends by printing the next command to run.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline/promises';
import type { Command } from 'commander';
import { installedSchemaPath } from '../../base/package-info.js';
import { BatonError, ErrorCategory } from '../../core/errors.js';
import { INIT_AGENTS, INIT_PRESETS, INIT_TRACKERS, initFiles, type InitAnswers, type InitTracker } from '../init-template.js';
import { runCommand } from '../runner.js';

interface InitOptions {
  yes?: boolean;
  force?: boolean;
  name?: string;
  tracker?: string;
  agent?: string;
  stages?: string;
  /** Tracker key fields given as flags. */
  projectSlug?: string;
  repo?: string;
  jiraUrl?: string;
  jiraProject?: string;
}

/** Which flag fills which tracker field. */
const FIELD_FLAGS: Record<string, keyof InitOptions> = { project_slug: 'projectSlug', repo: 'repo', base_url: 'jiraUrl', project: 'jiraProject' };

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented baton.yaml, prompts/ and (file tracker) an example issue into a folder')
    .argument('[dir]', 'the folder to write into (default: the current one)')
    .option('-y, --yes', 'take the defaults for everything the flags leave open; ask nothing')
    .option('--force', 'overwrite files that already exist')
    .option('--name <name>', 'deployment name (default: the folder’s name)')
    .option('--tracker <kind>', `where issues come from: ${Object.keys(INIT_TRACKERS).join(', ')} (default: file)`)
    .option('--agent <backend>', `${Object.keys(INIT_AGENTS).join(', ')} (default: command with the file tracker, else codex)`)
    .option('--stages <preset>', `${Object.keys(INIT_PRESETS).join(', ')} (default: symphony)`)
    .option('--project-slug <slug>', 'linear: the project slug')
    .option('--repo <owner/name>', 'github: the repository')
    .option('--jira-url <url>', 'jira: the site URL')
    .option('--jira-project <key>', 'jira: the project key')
    .action(
      runCommand(async (dir: string | undefined, opts: InitOptions) => {
        const target = path.resolve(dir ?? '.');
        const ask = opts.yes || !process.stdin.isTTY ? undefined : createInterface({ input: process.stdin, output: process.stdout });
        let answers: InitAnswers;
        try {
          answers = await collectAnswers(target, opts, ask);
        } finally {
          ask?.close();
        }
        const files = initFiles(answers);
        const existing = Object.keys(files).filter((f) => existsSync(path.join(target, f)));
        if (existing.length > 0 && !opts.force) {
          throw new BatonError(ErrorCategory.usage, `not overwriting ${existing.join(', ')} in ${target}; pass --force to replace them, or init another folder`);
        }
        for (const [file, text] of Object.entries(files)) {
          await mkdir(path.dirname(path.join(target, file)), { recursive: true });
          await writeFile(path.join(target, file), text);
          process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(target, file)) || file}\n`);
        }
        process.stdout.write(nextSteps(program, target, answers));
      }),
    );
}

async function collectAnswers(target: string, opts: InitOptions, ask: Interface | undefined): Promise<InitAnswers> {
  const tracker = await choose('Tracker', INIT_TRACKERS, opts.tracker, 'file', ask, (t) => t.title);
  const fields: Record<string, string> = {};
  for (const field of INIT_TRACKERS[tracker].fields) {
    const given = opts[FIELD_FLAGS[field.key]!];
    fields[field.key] = typeof given === 'string' ? given : await question(`${field.question}`, field.example, ask);
  }
  const agent = await choose('Agent backend', INIT_AGENTS, opts.agent, tracker === 'file' ? 'command' : 'codex', ask, (t) => t);
  const preset = await choose('Stages', INIT_PRESETS, opts.stages, 'symphony', ask, (t) => t);
  const fallbackName = path.basename(target).replace(/[^A-Za-z0-9._-]/g, '-') || 'baton';
  const name = opts.name ?? (await question('Deployment name', fallbackName, ask));
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new BatonError(ErrorCategory.usage, `deployment name \`${name}\`: use letters, digits, \`.\`, \`_\` or \`-\``);
  return { name, tracker, fields, agent, preset, schemaRef: schemaRef(target) };
}

/** One of `choices`: the flag's value, else the answer to a numbered question, else the default. */
async function choose<K extends string, V>(
  label: string,
  choices: Record<K, V>,
  flag: string | undefined,
  fallback: K,
  ask: Interface | undefined,
  describe: (v: V) => string,
): Promise<K> {
  const keys = Object.keys(choices) as K[];
  const pick = (value: string): K | undefined => keys.find((k) => k === value.trim()) ?? keys[Number(value.trim()) - 1];
  if (flag !== undefined) {
    const chosen = keys.find((k) => k === flag);
    if (!chosen) throw new BatonError(ErrorCategory.usage, `${label.toLowerCase()} \`${flag}\` is not one of: ${keys.join(', ')}`);
    return chosen;
  }
  if (!ask) return fallback;
  const menu = keys.map((k, i) => `  ${i + 1}. ${k}: ${describe(choices[k])}`).join('\n');
  for (;;) {
    const answer = await ask.question(`${label}:\n${menu}\nChoose [${fallback}]: `);
    if (answer.trim() === '') return fallback;
    const chosen = pick(answer);
    if (chosen) return chosen;
    process.stdout.write(`Please answer with a number or a name: ${keys.join(', ')}\n`);
  }
}

async function question(label: string, fallback: string, ask: Interface | undefined): Promise<string> {
  if (!ask) return fallback;
  const answer = (await ask.question(`${label} [${fallback}]: `)).trim();
  return answer || fallback;
}

/**
 * The schema reference for the first line: relative when the installed package lies under the
 * target folder (a project-local install), else the installed file's absolute path.
 */
function schemaRef(target: string): string {
  const schema = installedSchemaPath();
  const relative = path.relative(target, schema);
  return relative.startsWith('..') || path.isAbsolute(relative) ? schema : `./${relative.split(path.sep).join('/')}`;
}

function nextSteps(program: Command, target: string, answers: InitAnswers): string {
  const where = path.relative(process.cwd(), target);
  const cd = where ? `cd ${where} && ` : '';
  const check = program.commands.some((c) => c.name() === 'doctor') ? 'baton doctor' : 'baton validate';
  const secrets: Record<InitTracker, string> = { file: '', linear: 'LINEAR_API_KEY', github: 'GITHUB_TOKEN', jira: 'JIRA_EMAIL and JIRA_API_TOKEN' };
  const lines = ['', `Next: ${cd}${check}`];
  if (secrets[answers.tracker]) lines.push(`(export ${secrets[answers.tracker]} first)`);
  lines.push(`Then: baton start${answers.tracker === 'file' ? '  (issues/EXAMPLE-1.md is the example issue)' : ''}`, '');
  return lines.join('\n');
}

