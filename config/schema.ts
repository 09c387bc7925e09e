/**
 * The `baton.yaml` format: the single source of truth for Baton's configuration.
 * TypeScript types and `spec/baton.schema.json` are both generated from these zod schemas.
 * Keys and defaults follow Symphony's front matter (SPEC §5.3, §6.4); Baton's own keys are
 * `name`, `temporal`, `trackers`, `stages`, `prompt`, `command`, `openai`, `repository` and the extra
 * `agent.*` fields. The tracker variants (and the code host kinds of `repository`) come from a
 * `TrackerProfileRegistry` the caller passes in (the config layer
 * never imports adapters; see tracker-profiles.ts), so the document schema is built by
 * `batonConfigSchema(registry)`. Sandbox-safe (zod only).
 */
import { z } from 'zod';
import type { TrackerProfile, TrackerProfileRegistry } from './tracker-profiles.js';
import { repositorySchema, type RepositoryCommon } from './code-host-profiles.js';

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

function trackerVariant(profile: TrackerProfile, repository: z.ZodType<RepositoryCommon>) {
  return z.object({
    kind: z.literal(profile.kind).describe(profile.title),
    // prefault, not default: an omitted provider is parsed as `{}`, so its own defaults apply and
    // its required keys are reported.
    provider: profile.providerSchema.prefault({}),
    ...trackerCommon,
    repository: repository.optional().describe('Where this tracker’s issues keep their code (overrides the top-level `repository`)'),
  });
}

type TrackerVariant = ReturnType<typeof trackerVariant>;

/** The `tracker` entry: one variant per registered kind, told apart by `kind`. */
function trackerSchema(registry: TrackerProfileRegistry, repository: z.ZodType<RepositoryCommon>) {
  const variants = registry.kinds.map((kind) => trackerVariant(registry.get(kind)!, repository));
  if (variants.length === 0) throw new Error('no tracker kind is registered: pass the adapters\' trackerProfiles');
  return z.discriminatedUnion('kind', variants as [TrackerVariant, ...TrackerVariant[]]);
}

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
  rehome_after_ms: posInt()
    .default(60_000)
    .describe('Baton: a host that leaves an issue’s pinned work unstarted this long is presumed gone; the issue moves to another host'),
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
    merge_pull_request: z
      .object({
        method: z.enum(['merge', 'squash', 'rebase']).default('squash'),
        delete_branch: z.boolean().default(true).describe('Delete the head branch after the merge'),
      })
      .optional()
      .describe('Baton merges the issue’s pull request (needs a `repository`); once merged the stage never runs again'),
  })
  .describe('Tracker writes after the stage succeeds (and its gate, if any, approves)');

export const GateSchema = z
  .object({
    wait_for: z
      .enum(['approval', 'label', 'state', 'checks', 'review'])
      .default('approval')
      .describe('What approves: an operator, a label, a tracker state, green checks on the pull request, or an approving review'),
    label: nonBlank().optional().describe('wait_for: label — the approving label'),
    state: nonBlank().optional().describe('wait_for: state — the approving tracker state'),
    reject_label: nonBlank().optional().describe('A label that rejects (operators can always `baton reject`)'),
    on_reject: nonBlank().optional().describe('Stage a rejection routes back to (default: this stage)'),
    max_rework: z.number().int().nonnegative().default(3).describe('Rejections allowed before the issue stops for an operator'),
    required_checks: z.array(nonBlank()).optional().describe('checks/review: check names that must pass (default: every check reported on the head)'),
    required_approvals: posInt().optional().describe('review: approving reviews of the head needed (default 1)'),
    require_checks: z.boolean().optional().describe('review: also need green checks on the head (default true)'),
    on_closed: nonBlank().optional().describe('checks/review: stage a pull request closed without merging routes to (default: stop for an operator)'),
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

/** A PEM certificate or key: a path (relative to the config file, `~` expands), or `$VAR` holding a path or the PEM text. */
const pemSource = () => nonBlank();

export const TemporalTlsSchema = z
  .object({
    ca: pemSource()
      .optional()
      .describe('CA certificate (PEM) that signed the server certificate: a path, or `$VAR` holding a path or the PEM; default: the system trust store'),
    cert: pemSource().optional().describe('Client certificate (PEM) for mutual TLS; needs `key`'),
    key: pemSource().optional().describe('Private key (PEM) of `cert`'),
    server_name: nonBlank()
      .optional()
      .describe('Name the server certificate must carry (and the SNI sent), when it is not the host in `address`'),
    disable_host_verification: z
      .boolean()
      .default(false)
      .describe('Accept a server certificate issued for another name; its chain is still checked against `ca`'),
  })
  .superRefine((tls, ctx) => {
    if (Boolean(tls.cert) !== Boolean(tls.key)) {
      const missing = tls.cert ? 'key' : 'cert';
      ctx.addIssue({ code: 'custom', path: [missing], message: `\`cert\` and \`key\` go together (mutual TLS): add \`${missing}\`` });
    }
  })
  .describe('TLS to the Temporal frontend (a secured cluster, Temporal Cloud with mTLS)');

export const TemporalSchema = z
  .object({
    address: z
      .string()
      .default('embedded')
      .describe('`embedded` starts a local dev server; otherwise host:port of a Temporal frontend'),
    namespace: nonBlank().default('default'),
    task_queue: nonBlank().default('baton'),
    tls: z
      .union([z.boolean(), TemporalTlsSchema])
      .optional()
      .describe('`true`: TLS with the system trust store; or the certificates to use. Default: plain TCP, or TLS when `api_key` is set'),
    api_key: nonBlank()
      .optional()
      .describe('API key (Temporal Cloud), usually `$TEMPORAL_API_KEY`; sent as `authorization: Bearer …` over TLS'),
    embedded: z
      .object({
        db_file: z.string().default('.baton/temporal.sqlite').describe('SQLite file, relative to the config file'),
        ip: z.string().default('127.0.0.1'),
        port: z.number().int().nonnegative().default(7233).describe('0 picks a free port'),
        ui_port: z.number().int().nonnegative().default(8233),
      })
      .default({ db_file: '.baton/temporal.sqlite', ip: '127.0.0.1', port: 7233, ui_port: 8233 }),
  })
  .superRefine((temporal, ctx) => {
    if (temporal.address.trim().toLowerCase() !== 'embedded') return;
    for (const key of ['tls', 'api_key'] as const) {
      if (temporal[key] !== undefined && temporal[key] !== false) {
        ctx.addIssue({ code: 'custom', path: [key], message: `the embedded dev server speaks plain gRPC: \`${key}\` needs \`address\` to name a secured Temporal (host:port)` });
      }
    }
  });

export const ServerSchema = z.object({
  port: z.number().int().nonnegative().optional().describe('HTTP dashboard, API, metrics and webhooks; off when unset'),
  host: z.string().default('127.0.0.1'),
  token: z
    .string()
    .optional()
    .describe('Bearer token that allows dashboard/API actions (approve, reject, retry, cancel) from other hosts; loopback needs none. `$VAR` resolves'),
  temporal_ui_url: z
    .string()
    .optional()
    .describe('Temporal Web UI base URL for links (default: the embedded server’s UI; set it for a remote cluster)'),
});

// ---------------------------------------------------------------- document

function buildBatonConfigSchema(registry: TrackerProfileRegistry) {
  const repository = repositorySchema(registry.codeHosts);
  const TrackerSchema = trackerSchema(registry, repository);
  return z.object({
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
    repository: repository.optional(),
    progress_comment: z
      .boolean()
      .optional()
      .describe(
        'Keep one Baton progress comment on each issue, updated after every stage. Default: true, except in a Symphony WORKFLOW.md (no `stages`), whose agent makes its own tracker writes',
      ),
    prompt: z.string().optional().describe('Default prompt for stages without their own (a WORKFLOW.md body)'),
    prompt_file: z.string().optional(),
    stages: z.array(StageSchema).min(1).optional().describe('Default: plan, implement, review, merge'),
  });
}

export type BatonConfigSchema = ReturnType<typeof buildBatonConfigSchema>;

const built = new WeakMap<TrackerProfileRegistry, BatonConfigSchema>();

/**
 * The zod schema of a whole `baton.yaml` for the tracker kinds in `registry`; built once per
 * registry (config reloads reuse it).
 */
export function batonConfigSchema(registry: TrackerProfileRegistry): BatonConfigSchema {
  let schema = built.get(registry);
  if (!schema) {
    schema = buildBatonConfigSchema(registry);
    built.set(registry, schema);
  }
  return schema;
}

/** What the YAML author writes. */
export type BatonConfigInput = z.input<BatonConfigSchema>;
/** After zod defaults, before Baton's normalization. */
export type ParsedConfig = z.output<BatonConfigSchema>;

export type StageConfig = z.output<typeof StageSchema>;
export type GateConfig = z.output<typeof GateSchema>;
export type OnSuccessConfig = z.output<typeof OnSuccessSchema>;
export type AgentConfig = z.output<typeof AgentSchema>;
export type CodexConfig = z.output<typeof CodexSchema>;
export type CommandAgentConfig = z.output<typeof CommandAgentSchema>;
export type OpenAIAgentConfig = z.output<typeof OpenAIAgentSchema>;
export type TemporalConfig = z.output<typeof TemporalSchema>;
export type TemporalTlsConfig = z.output<typeof TemporalTlsSchema>;

/** A tracker after normalization: named, states resolved, provider secrets resolved in-process only. */
export interface TrackerConfig {
  name: string;
  kind: string;
  provider: Record<string, unknown>;
  required_labels: string[];
  active_states: string[];
  terminal_states: string[];
  /** Environment variable names that hold this tracker's secrets (fallbacks and `$VAR` references), its repository's included. */
  secret_env: string[];
  /** The code host of this tracker's issues: its own `repository`, else the top-level one. */
  repository?: RepositoryConfig;
}

/** A `repository:` block after normalization: secrets resolved in-process only. */
export type RepositoryConfig = RepositoryCommon & {
  /** Environment variable names that hold its secrets. */
  readonly secret_env: readonly string[];
};

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
export interface BatonConfig extends Omit<ParsedConfig, 'tracker' | 'trackers' | 'stages' | 'agent' | 'repository'> {
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
  /** The top-level `repository`, resolved (trackers carry the one that applies to them). */
  repository: RepositoryConfig | null;
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
