/**
 * The agent backends the end-to-end scenarios run against, each described by what differs between
 * them: its config, the worker environment it needs, how the scripted model makes it edit a file,
 * how many HTTP 500s fail a turn, and how a logged model request names its turn.
 */
import type { LoggedRequest, ModelScriptEntry } from '../support/model-server/index.js';
import { prepareOfflineCodex, type OfflineCodex } from '../helpers/agents.js';
import { scaled } from '../helpers/time.js';

export interface BackendUnderTest {
  name: 'codex' | 'openai';
  /** Top-level config sections (`codex:` or `openai:`) for a deployment talking to `modelUrl`. */
  config(modelUrl: string): Record<string, unknown>;
  /** Added to the worker's environment. */
  workerEnv: Record<string, string>;
  /** Directive lines that replace `before` with `after` in the workspace file `file`. */
  editDirective(file: string, before: string, after: string): string;
  /** Answers that make one turn fail on the model side (past any client-side retries). */
  failTurn: ModelScriptEntry[];
  /** What a failed turn's error says about the HTTP 500. */
  http500: RegExp;
  /** `session_id` as recorded per stage run: `<thread>-<turn>`. */
  sessionId: RegExp;
  /** Which turn of its session a logged request belongs to (equal strings: same turn). */
  turnOf(request: LoggedRequest): string;
  /** The session id Baton should record for a session whose last request was `request`, when the request tells. */
  sessionIdOf?(request: LoggedRequest): string;
  /** Besides the command's own `sleep`: processes the agent runs for the issue (command-line substrings). */
  processesWhileRunning: string[];
  cleanup(): Promise<void>;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface CodexTurnMetadata {
  thread_id: string;
  turn_id: string;
}

function codexTurnMetadata(request: LoggedRequest): CodexTurnMetadata {
  return JSON.parse(String(request.headers['x-codex-turn-metadata'])) as CodexTurnMetadata;
}

/** The real `codex app-server`, offline (see test/helpers/agents.ts). */
export async function codexBackend(): Promise<BackendUnderTest> {
  const codex: OfflineCodex = await prepareOfflineCodex();
  return {
    name: 'codex',
    config: (modelUrl) => ({ codex: codex.settings(modelUrl) }),
    workerEnv: codex.env,
    // Codex's own apply_patch tool (a custom tool, thanks to the model catalog).
    editDirective: (file, before, after) => ['@@patch', '*** Begin Patch', `*** Update File: ${file}`, '@@', `-${before}`, `+${after}`, '*** End Patch'].join('\n'),
    // The offline provider allows no retries, so one 500 fails the turn.
    failTurn: [{ status: 500, body: { error: { message: 'model exploded', type: 'server_error' } } }],
    http500: /internalServerError/,
    sessionId: new RegExp(`^${UUID}-${UUID}$`),
    turnOf: (request) => codexTurnMetadata(request).turn_id,
    sessionIdOf: (request) => {
      const meta = codexTurnMetadata(request);
      return `${meta.thread_id}-${meta.turn_id}`;
    },
    processesWhileRunning: ['app-server'],
    cleanup: () => codex.cleanup(),
  };
}

/** Baton's own Responses-API agent loop. */
export async function openaiBackend(): Promise<BackendUnderTest> {
  return {
    name: 'openai',
    config: (modelUrl) => ({
      openai: { model: 'fake-model', base_url: modelUrl, api_key: 'sk-e2e-literal', turn_timeout_ms: scaled(30_000), stall_timeout_ms: scaled(30_000) },
    }),
    workerEnv: {},
    editDirective: (file, before, after) => `@@tool edit_file ${JSON.stringify({ path: file, old_string: before, new_string: after })}`,
    // The openai SDK retries a 5xx twice by itself (maxRetries 2): the third 500 fails the turn.
    failTurn: [1, 2, 3].map(() => ({ status: 500, body: { error: { message: 'model exploded', type: 'server_error' } } })),
    http500: /HTTP 500/,
    sessionId: new RegExp(`^${UUID}-\\d+$`),
    // Baton sends the whole conversation: the turn is the number of user messages in it.
    turnOf: (request) => String((request.body.input as { role?: string }[]).filter((item) => item.role === 'user').length),
    processesWhileRunning: [],
    cleanup: async () => undefined,
  };
}
