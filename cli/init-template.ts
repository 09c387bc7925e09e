/**
 * What `baton init` writes, as text: a commented `baton.yaml`, one prompt file per stage and, for
 * the file tracker, one example issue. Pure (no I/O): `cli/commands/init.ts` asks the questions
 * and writes the files; the tests check that what this produces validates.
 */

/** One tracker key `baton init` asks for. */
export interface InitField {
  /** The provider key it fills. */
  key: string;
  question: string;
  /** The default answer: a placeholder to edit later. */
  example: string;
}

/** Tracker kinds `baton init` can set up, with the keys it asks for. */
export const INIT_TRACKERS: Record<'file' | 'linear' | 'github' | 'jira', { title: string; fields: readonly InitField[] }> = {
  file: { title: 'a folder of Markdown issues (no account needed)', fields: [] },
  linear: { title: 'Linear', fields: [{ key: 'project_slug', question: 'Linear project slug (from the project URL)', example: 'my-project-1234abcd' }] },
  github: { title: 'GitHub issues', fields: [{ key: 'repo', question: 'GitHub repository (owner/name)', example: 'my-org/my-repo' }] },
  jira: {
    title: 'Jira',
    fields: [
      { key: 'base_url', question: 'Jira site URL', example: 'https://my-site.atlassian.net' },
      { key: 'project', question: 'Jira project key', example: 'ENG' },
    ],
  },
};
export type InitTracker = keyof typeof INIT_TRACKERS;

export const INIT_AGENTS = {
  codex: 'the Codex app-server (ships with Baton; needs a Codex login or OPENAI_API_KEY)',
  openai: 'the OpenAI Responses API loop (needs OPENAI_API_KEY)',
  command: 'any command-line agent; the prompt arrives on stdin (a placeholder that saves the prompt)',
} as const;
export type InitAgent = keyof typeof INIT_AGENTS;

export const INIT_PRESETS = {
  symphony: 'one stage, `run`, as in Symphony: Todo → Done',
  'plan-implement-review-merge': 'plan → implement → review (waits for `baton approve`) → merge → Done',
} as const;
export type InitPreset = keyof typeof INIT_PRESETS;

export interface InitAnswers {
  name: string;
  tracker: InitTracker;
  /** Tracker key fields, by provider key (`repo`, `project_slug`, …). */
  fields: Record<string, string>;
  agent: InitAgent;
  preset: InitPreset;
  /** What goes after `$schema=` on the first line. */
  schemaRef: string;
}

interface StagePlan {
  name: string;
  states: string[];
  moveTo: string;
  prompt: string;
  gate?: boolean;
}

/** The stages of a preset, with the prompt each starts from. */
export function presetStages(preset: InitPreset): StagePlan[] {
  if (preset === 'symphony') {
    return [{ name: 'run', states: ['Todo', 'In Progress'], moveTo: 'Done', prompt: 'You are working on {{ issue.identifier }}: {{ issue.title }}.\n\n{{ issue.description }}\n\nMake the change in this workspace and say what you did.' }];
  }
  return [
    { name: 'plan', states: ['Todo'], moveTo: 'In Progress', prompt: 'Plan the work for {{ issue.identifier }}: {{ issue.title }}.\n\n{{ issue.description }}\n\nWrite the plan to PLAN.md; change no code yet.' },
    { name: 'implement', states: ['In Progress'], moveTo: 'In Review', prompt: 'Implement the plan in PLAN.md for {{ issue.identifier }}.\n{% if attempt %}This is attempt {{ attempt }}: continue from what is in the workspace.{% endif %}' },
    { name: 'review', states: ['In Review'], moveTo: 'Merging', gate: true, prompt: 'Review the change for {{ issue.identifier }} against PLAN.md and list what must change before it merges.' },
    { name: 'merge', states: ['Merging'], moveTo: 'Done', prompt: 'Merge the reviewed change for {{ issue.identifier }}.' },
  ];
}

/** Every file `baton init` writes, by path relative to the target folder. */
export function initFiles(answers: InitAnswers): Record<string, string> {
  const stages = presetStages(answers.preset);
  const files: Record<string, string> = { 'baton.yaml': configText(answers, stages) };
  for (const stage of stages) files[`prompts/${stage.name}.md`] = `${stage.prompt}\n`;
  if (answers.tracker === 'file') files['issues/EXAMPLE-1.md'] = exampleIssue();
  return files;
}

function configText(a: InitAnswers, stages: StagePlan[]): string {
  const activeStates = [...new Set(stages.flatMap((s) => s.states))];
  return [
    `# yaml-language-server: $schema=${a.schemaRef}`,
    '#',
    `# Baton deployment \`${a.name}\`, written by \`baton init\`. Check it with \`baton validate\`, run it with`,
    '# `baton start`. Every key is described in spec/SPEC.md of the baton-temporal package; your editor',
    '# completes and checks this file through the schema on the first line.',
    `name: ${a.name}`,
    '',
    '# `embedded` runs a local Temporal dev server (its SQLite file and the workspaces live in .baton/).',
    '# For a cluster or Temporal Cloud: address: <host>:7233, namespace, and tls / api_key.',
    'temporal:',
    '  address: embedded',
    '',
    ...trackerSection(a, activeStates),
    '',
    `polling:\n  interval_ms: ${a.tracker === 'file' ? 2000 : 30000}`,
    '',
    '# Each issue gets its own folder under the root.',
    'workspace:',
    '  root: .baton/workspaces',
    '',
    ...agentSection(a.agent),
    '',
    '# The stages an issue goes through: the tracker state picks the stage; on success Baton moves the',
    '# issue on. State names must match your tracker’s.',
    'stages:',
    ...stages.flatMap((s) => [
      `  - name: ${s.name}`,
      `    states: [${s.states.join(', ')}]`,
      `    prompt_file: prompts/${s.name}.md`,
      ...(s.gate ? ['    # Waits for an operator: `baton approve <identifier>` (or `baton reject` to send it back).', '    gate:', '      wait_for: approval', '      on_reject: implement'] : []),
      '    on_success:',
      `      move_to: ${s.moveTo}`,
    ]),
    '',
  ].join('\n');
}

function trackerSection(a: InitAnswers, activeStates: string[]): string[] {
  const provider: Record<InitTracker, string[]> = {
    file: ['      dir: ./issues'],
    linear: [`      project_slug: ${a.fields.project_slug}`, '      api_key: $LINEAR_API_KEY'],
    github: [`      repo: ${a.fields.repo}`, '      token: $GITHUB_TOKEN'],
    jira: [`      base_url: ${a.fields.base_url}`, `      project: ${a.fields.project}`, '      email: $JIRA_EMAIL', '      api_token: $JIRA_API_TOKEN'],
  };
  return [
    '# Where the work comes from. Only issues carrying every `required_labels` label are picked up.',
    'trackers:',
    `  - kind: ${a.tracker}`,
    '    provider:',
    ...provider[a.tracker],
    '    required_labels: [agent]',
    `    active_states: [${activeStates.join(', ')}]`,
    '    terminal_states: [Done, Cancelled]',
  ];
}

function agentSection(agent: InitAgent): string[] {
  const head = ['# The coding agent each stage runs (a stage may override it under `agent:`).', 'agent:', `  backend: ${agent}`, '  max_concurrent_agents: 2'];
  if (agent === 'codex') {
    return [...head, 'codex:', '  # Codex asks before escalating; `never` auto-approves inside its sandbox.', '  thread_sandbox: workspace-write'];
  }
  if (agent === 'openai') return [...head, 'openai:', '  api_key: $OPENAI_API_KEY'];
  return [
    ...head,
    'command:',
    '  # Runs with `bash -lc` in the issue workspace; the prompt arrives on stdin; exit 0 is success.',
    '  # A placeholder that saves the prompt: replace it with your agent, e.g. `claude -p`.',
    '  command: cat > PROMPT.md && echo "saved the prompt for $BATON_ISSUE_IDENTIFIER to PROMPT.md"',
  ];
}

function exampleIssue(): string {
  return [
    '---',
    'id: example-1',
    'identifier: EXAMPLE-1',
    'title: Say hello in the README',
    'state: Todo',
    'labels: [agent]',
    'priority: 2',
    '---',
    'Add a README.md that greets new contributors.',
    '',
  ].join('\n');
}
