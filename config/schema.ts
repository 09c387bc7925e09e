/**
 * The `baton.yaml` format: the single source of truth for Baton's configuration.
 * TypeScript types and `spec/baton.schema.json` are both generated from these zod schemas.
 * Keys and defaults follow Symphony's front matter (SPEC §5.3, §6.4); Baton's own keys are
 * `name`, `temporal`, `trackers`, `stages`, `prompt`, `command`, `openai` and the extra `agent.*` fields.
 * Sandbox-safe (zod only).
 */
import { z } from 'zod';
import { trackerProfiles, type TrackerProfile } from '../adapters/trackers/profiles.js';

const posInt = () => z.number().int().positive();
const nonBlank = () => z.string().trim().min(1);
const stateList = () => z.array(nonBlank());
const hookScript = () => z.string().nullable().optional();

// ---------------------------------------------------------------- trackers

const trackerCommon = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, `.`, `_` or `-`')
    .optional()
    .describe('Name of this tracker in workflow ids and statuses (default: the kind)'),
  required_labels: z
    .array(z.string())
    .default([])
    .describe('An issue must carry every one of these labels (case-insensitive) to dispatch or continue'),
  active_states: stateList()
    .optional()
    .describe('Tracker states Baton works on (default: the adapter profile, or every stage state)'),
  terminal_states: stateList().optional().describe('Tracker states that end an issue and remove its workspace'),
  // Symphony's legacy flat Linear aliases, merged into `provider` when absent there.
  endpoint: z.string().optional().describe('Legacy alias of provider.endpoint (Linear)'),
  api_key: z.string().optional().describe('Legacy alias of provider.api_key (Linear)'),
  project_slug: z.string().optional().describe('Legacy alias of provider.project_slug (Linear)'),
  assignee: z.string().optional().describe('Legacy alias of provider.assignee (Linear)'),
};

function trackerVariant(profile: TrackerProfile) {
  return z.object({
    kind: z.literal(profile.kind).describe(profile.title),
    // prefault, not default: an omitted provider is parsed as `{}`, so its own defaults apply and
    // its required keys are reported.
    provider: profile.providerSchema.prefault({}),
    ...trackerCommon,
  });
}

const profiles = Object.values(trackerProfiles) as TrackerProfile[];
export const TrackerSchema = z.discriminatedUnion(
  'kind',
  profiles.map(trackerVariant) as unknown as [ReturnType<typeof trackerVariant>, ...ReturnType<typeof trackerVariant>[]],
);
export type TrackerInput = z.input<typeof TrackerSchema>;

// ---------------------------------------------------------------- agent backends

export const AgentBackendSchema = z
  .enum(['codex', 'command', 'openai', 'none'])
  .describe('`codex` app-server (default), `command` (any CLI), `openai` (Responses API), `none` (no agent: a gate-only stage)');
export type AgentBackend = z.infer<typeof AgentBackendSchema>;

export const AgentSchema = z.object({
  backend: AgentBackendSchema.default('codex'),
  max_concurrent_agents: posInt().default(10),
  max_turns: posInt().default(20).describe('Turns per agent session'),
  max_retry_backoff_ms: posInt().default(300_000),
  max_concurrent_agents_by_state: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('state → positive integer; keys compare trimmed and lower-cased, invalid entries are ignored with a warning'),
  retry_base_ms: posInt().default(10_000).describe('Baton: first failure backoff; doubles per attempt'),
  continuation_delay_ms: z.number().int().nonnegative().default(1_000).describe('Baton: pause before re-checking an issue after a clean stage exit'),
  heartbeat_timeout_ms: posInt().default(30_000).describe('Baton: a worker silent this long is presumed dead and the stage retried'),
});

export const CodexSchema = z.object({
  command: nonBlank().default('codex app-server').describe('Shell command run with `bash -lc` in the workspace'),
  approval_policy: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .describe('Codex AskForApproval; `never` auto-approves. Default: reject sandbox approvals, rules and MCP elicitations'),
  thread_sandbox: z.string().default('workspace-write'),
  turn_sandbox_policy: z.record(z.string(), z.unknown()).optional(),
  turn_timeout_ms: posInt().default(3_600_000).describe('Silence timeout for a turn'),
  read_timeout_ms: posInt().default(5_000),
  stall_timeout_ms: z.number().int().default(300_000).describe('<= 0 disables stall detection'),
});

export const CommandAgentSchema = z.object({
  command: nonBlank().optional().describe('Shell command run with `bash -lc` in the workspace; the prompt arrives on stdin'),
  turn_timeout_ms: posInt().default(3_600_000),
  stall_timeout_ms: z.number().int().default(300_000).describe('No output for this long kills the agent; <= 0 disables'),
});

export const OpenAIAgentSchema = z.object({
  model: nonBlank().default('gpt-5.5'),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
  base_url: z.string().optional().describe('Default: $OPENAI_BASE_URL, else the OpenAI API'),
  api_key: z.string().default('$OPENAI_API_KEY'),
  turn_timeout_ms: posInt().default(3_600_000),
  stall_timeout_ms: z.number().int().default(300_000),
});

// ---------------------------------------------------------------- stages

export const StageAgentSchema = z
  .object({
    backend: AgentBackendSchema.optional(),
    command: nonBlank().optional().describe('Command backend: this stage’s command'),
    model: nonBlank().optional().describe('openai backend: this stage’s model'),
    max_turns: posInt().optional(),
    turn_timeout_ms: posInt().optional(),
    stall_timeout_ms: z.number().int().optional(),
    max_concurrent: posInt().optional().describe('At most this many agents in this stage at once'),
  })
  .describe('Agent policy overrides for this stage');

export const OnSuccessSchema = z
  .object({
    move_to: nonBlank().optional().describe('Tracker state to move the issue to'),
    add_labels: z.array(nonBlank()).default([]),
    remove_labels: z.array(nonBlank()).default([]),
    comment: z.string().optional().describe('Liquid template appended to Baton’s progress comment'),
  })
  .describe('Tracker writes after the stage succeeds (and its gate, if any, approves)');

export const GateSchema = z
  .object({
    wait_for: z.enum(['approval', 'label', 'state']).default('approval').describe('What approves: an operator, a label, or a tracker state'),
    label: nonBlank().optional().describe('wait_for: label — the approving label'),
    state: nonBlank().optional().describe('wait_for: state — the approving tracker state'),
    reject_label: nonBlank().optional().describe('A label that rejects (operators can always `baton reject`)'),
    on_reject: nonBlank().optional().describe('Stage a rejection routes back to (default: this stage)'),
    max_rework: z.number().int().nonnegative().default(3).describe('Rejections allowed before the issue stops for an operator'),
  })
  .describe('Wait after the agent for an approval; a rejection routes back');

export const StageSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'use lower-case letters, digits, `_` or `-`, starting with a letter'),
  states: stateList().min(1).describe('Tracker states routed to this stage'),
  prompt: z.string().optional().describe('Strict Liquid template with `issue`, `attempt`, `stage`'),
  prompt_file: z.string().optional().describe('Path of the prompt template, relative to the config file'),
  agent: StageAgentSchema.default({}),
  on_success: OnSuccessSchema.default({ add_labels: [], remove_labels: [] }),
  gate: GateSchema.optional(),
});

// ---------------------------------------------------------------- runtime

export const TemporalSchema = z.object({
  address: z
    .string()
    .default('embedded')
    .describe('`embedded` starts a local dev server; otherwise host:port of a Temporal frontend'),
  namespace: nonBlank().default('default'),
  task_queue: nonBlank().default('baton'),
  embedded: z
    .object({
      db_file: z.string().default('.baton/temporal.sqlite').describe('SQLite file, relative to the config file'),
      ip: z.string().default('127.0.0.1'),
      port: z.number().int().nonnegative().default(7233).describe('0 picks a free port'),
      ui_port: z.number().int().nonnegative().default(8233),
    })
    .default({ db_file: '.baton/temporal.sqlite', ip: '127.0.0.1', port: 7233, ui_port: 8233 }),
});

export const ServerSchema = z.object({
  port: z.number().int().nonnegative().optional().describe('HTTP dashboard, API and webhooks; off when unset'),
  host: z.string().default('127.0.0.1'),
});

// ---------------------------------------------------------------- document

export const BatonConfigSchema = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, `.`, `_` or `-`')
    .default('baton')
    .describe('Deployment name; names the orchestrator workflow'),
  temporal: TemporalSchema.default(() => TemporalSchema.parse({})),
  tracker: TrackerSchema.optional().describe('Symphony: one tracker (becomes a one-element `trackers`)'),
  trackers: z.array(TrackerSchema).min(1).optional().describe('Every tracker this deployment watches'),
  polling: z.object({ interval_ms: posInt().default(30_000) }).default({ interval_ms: 30_000 }),
  workspace: z
    .object({ root: z.string().optional().describe('Default: <system temp>/baton_workspaces; `~` and `$VAR` expand') })
    .default({}),
  hooks: z
    .object({
      after_create: hookScript(),
      before_run: hookScript(),
      after_run: hookScript(),
      before_remove: hookScript(),
      timeout_ms: posInt().default(60_000),
    })
    .default({ timeout_ms: 60_000 }),
  agent: AgentSchema.default(() => AgentSchema.parse({})),
  codex: CodexSchema.default(() => CodexSchema.parse({})),
  command: CommandAgentSchema.default(() => CommandAgentSchema.parse({})),
  openai: OpenAIAgentSchema.default(() => OpenAIAgentSchema.parse({})),
  server: ServerSchema.default({ host: '127.0.0.1' }),
  prompt: z.string().optional().describe('Default prompt for stages without their own (a WORKFLOW.md body)'),
  prompt_file: z.string().optional(),
  stages: z.array(StageSchema).min(1).optional().describe('Default: plan, implement, review, merge'),
});

/** What the YAML author writes. */
export type BatonConfigInput = z.input<typeof BatonConfigSchema>;
/** After zod defaults, before Baton's normalization. */
export type ParsedConfig = z.output<typeof BatonConfigSchema>;

export type StageConfig = z.output<typeof StageSchema>;
export type GateConfig = z.output<typeof GateSchema>;
export type OnSuccessConfig = z.output<typeof OnSuccessSchema>;
export type AgentConfig = z.output<typeof AgentSchema>;
export type CodexConfig = z.output<typeof CodexSchema>;
export type CommandAgentConfig = z.output<typeof CommandAgentSchema>;
export type OpenAIAgentConfig = z.output<typeof OpenAIAgentSchema>;
export type TemporalConfig = z.output<typeof TemporalSchema>;

/** A tracker after normalization: named, states resolved, provider secrets resolved in-process only. */
export interface TrackerConfig {
  name: string;
  kind: string;
  provider: Record<string, unknown>;
  required_labels: string[];
  active_states: string[];
  terminal_states: string[];
  /** Environment variable names that hold this tracker's secrets (fallbacks and `$VAR` references). */
  secret_env: string[];
}

/** A stage after normalization: its prompt template text resolved and its policy merged. */
export interface ResolvedStage extends StageConfig {
  prompt_template: string;
  policy: {
    backend: AgentBackend;
    max_turns: number;
    turn_timeout_ms: number;
    stall_timeout_ms: number;
    max_concurrent?: number;
    command?: string;
    model?: string;
  };
}

/**
 * The effective configuration Baton runs on. Built by `config/load.ts` from a `baton.yaml` or a
 * Symphony `WORKFLOW.md`; every path is absolute and every default applied.
 */
export interface BatonConfig extends Omit<ParsedConfig, 'tracker' | 'trackers' | 'stages' | 'agent'> {
  /** Absolute path of the file this came from. */
  source: string;
  /** Directory relative paths resolve against. */
  base_dir: string;
  /** `baton` (a baton.yaml) or `symphony` (a WORKFLOW.md without stages). */
  flavor: 'baton' | 'symphony';
  trackers: TrackerConfig[];
  stages: ResolvedStage[];
  agent: Omit<AgentConfig, 'max_concurrent_agents_by_state'> & { max_concurrent_agents_by_state: Record<string, number> };
  workspace: { root: string };
}

/** Stages used when a baton.yaml names none (ARCHITECTURE: plan → implement → review → merge). */
export const DEFAULT_STAGES: z.input<typeof StageSchema>[] = [
  { name: 'plan', states: ['Todo'], on_success: { move_to: 'In Progress' } },
  { name: 'implement', states: ['In Progress'], on_success: { move_to: 'In Review' } },
  {
    name: 'review',
    states: ['In Review'],
    on_success: { move_to: 'Merging' },
    gate: { wait_for: 'approval', on_reject: 'implement', max_rework: 3 },
  },
  { name: 'merge', states: ['Merging'], on_success: { move_to: 'Done' } },
];

/** Symphony's default prompt when a WORKFLOW.md body is empty (SPEC §5.4). */
export const DEFAULT_PROMPT = `You are working on an issue from the configured tracker.

Identifier: {{ issue.identifier }}
Title: {{ issue.title }}

{% if issue.description %}{{ issue.description }}{% else %}No description provided.{% endif %}`;
