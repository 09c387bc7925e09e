/**
 * The codex backend's preflight (`baton doctor`): start `codex app-server` exactly as a session
 * would (same command, same environment, in a scratch directory), ask it through its own API who
 * it is signed in as (`account/read`) and which model provider it will use (`modelProvider/list`),
 * then check that the provider's credential is present and its endpoint answers. Codex itself
 * retries an unreachable model for minutes ("Reconnecting…") before a turn fails; this says so
 * up front.
 */
import path from 'node:path';
import { failed, passed, type PreflightFinding } from '../../../core/preflight.js';
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';
import type { BackendPreflightContext } from '../types.js';
import { probeEndpoint } from '../probe.js';
import { killProcessTree, spawnAppServer, type AppServerProcess } from './launch.js';
import { nativeCodexBinary } from './locate-binary.js';
import { RpcClient } from './rpc-client.js';
import type { InitializeResponse } from './protocol/InitializeResponse.js';
import type { GetAccountResponse } from './protocol/v2/GetAccountResponse.js';
import type { ModelProviderListResponse } from './protocol/v2/ModelProviderListResponse.js';
import type { ModelProviderSummary } from './protocol/v2/ModelProviderSummary.js';

const OPENAI_API = 'https://api.openai.com/v1';
const CHATGPT_API = 'https://chatgpt.com/backend-api/codex';

function accountText(account: GetAccountResponse): string {
  const a = account.account;
  if (!a) return account.requiresOpenaiAuth ? 'not signed in' : 'no OpenAI sign-in needed (custom provider)';
  if (a.type === 'chatgpt') return `ChatGPT${a.email ? ` ${a.email}` : ''}${a.planType ? ` (${a.planType})` : ''}`;
  return a.type === 'apiKey' ? 'API key' : a.type;
}

/** The provider's credential, when it is read from an environment variable that is not set. */
function missingCredential(provider: ModelProviderSummary, env: NodeJS.ProcessEnv): string | undefined {
  const s = provider.settings;
  if (s.type === 'customGateway' && s.auth.mode === 'environmentVariable' && !env[s.auth.envKey]) return s.auth.envKey;
  return undefined;
}

async function talk(proc: AppServerProcess, ctx: BackendPreflightContext, stderr: string[]): Promise<PreflightFinding> {
  const rpc = new RpcClient(proc.child.stdin!, proc.child.stdout!, {
    onNotification: () => undefined,
    onServerRequest: (id) => rpc.respondError(id, -32601, 'baton doctor answers no requests'),
    onMalformed: () => undefined,
    onOtherMessage: () => undefined,
  });
  void proc.exited.then(({ code, signal }) =>
    rpc.close(new BatonError(ErrorCategory.portExit, `codex app-server exited (${signal ?? `code ${code}`})${stderr.length ? `: ${oneLine(stderr.slice(-3).join(' '), 240)}` : ''}`)),
  );
  const timeout = ctx.config.codex.read_timeout_ms;
  const init = await rpc.request<'initialize', InitializeResponse>(
    'initialize',
    { clientInfo: { name: 'baton-doctor', title: 'Baton doctor', version: '0' }, capabilities: { experimentalApi: true, requestAttestation: false } },
    timeout,
  );
  rpc.notify('initialized');
  const account = await rpc.request<'account/read', GetAccountResponse>('account/read', { refreshToken: false }, timeout);
  const providers = await rpc.request<'modelProvider/list', ModelProviderListResponse>('modelProvider/list', {}, timeout);
  const provider = providers.data.find((p) => p.id === providers.defaultProviderId);
  const version = /\/(\d+\.\d+\.\d+)/.exec(init.userAgent)?.[1] ?? 'unknown';
  const facts = { version, account: accountText(account), provider: providers.defaultProviderId, codex_home: init.codexHome };
  if (account.requiresOpenaiAuth && !account.account) {
    return failed('codex app-server answers', 'codex is not signed in and its provider needs an OpenAI account', 'run `codex login` as the user Baton runs as, or give codex an API key (OPENAI_API_KEY with `codex login --with-api-key`)', facts);
  }
  const missing = provider ? missingCredential(provider, ctx.env) : undefined;
  if (missing) return failed('codex app-server answers', `model provider \`${provider!.id}\` reads its key from $${missing}, which is not set`, `set ${missing} in Baton's environment`, facts);
  const base = provider?.baseUrl ?? (account.account?.type === 'chatgpt' ? CHATGPT_API : OPENAI_API);
  const probe = await probeEndpoint(base.replace(/\/$/, '') + '/models', {}, Math.min(timeout, 5_000));
  if (!probe.reachable) {
    const fix = provider && provider.settings.type !== 'openai'
      ? `start the model server at ${base}, or correct model_providers.${provider.id}.base_url in codex.command or the Codex config`
      : `give this host network access to ${new URL(base).host} (proxy, firewall, DNS)`;
    return failed(`codex ${version} answers; account: ${facts.account}`, `the model endpoint: ${probe.cause}`, fix, { ...facts, endpoint: base });
  }
  return passed(`codex ${version} answers; account: ${facts.account}; model provider ${facts.provider} at ${base} answers (HTTP ${probe.status})`, { ...facts, endpoint: base });
}

export async function codexPreflight(ctx: BackendPreflightContext): Promise<PreflightFinding> {
  const command = ctx.stage.agent?.command ?? ctx.config.codex.command;
  const secretNames = [...new Set(ctx.config.trackers.flatMap((t) => t.secret_env))];
  const native = nativeCodexBinary();
  let proc: AppServerProcess;
  try {
    proc = await spawnAppServer({ command, cwd: ctx.cwd, env: ctx.env, secretNames, ...(native ? { fallbackBinDir: path.dirname(native) } : {}) });
  } catch (err) {
    return failed('codex', `bash could not start codex.command (${err instanceof Error ? err.message : String(err)})`, 'install bash, or check codex.command');
  }
  const stderr: string[] = [];
  proc.child.stderr!.setEncoding('utf8');
  proc.child.stderr!.on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean).slice(-5)));
  try {
    return await talk(proc, ctx, stderr);
  } catch (err) {
    const exited = proc.hasExited() || (await Promise.race([proc.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]));
    const text = err instanceof Error ? err.message : String(err);
    if (exited && stderr.some((l) => /command not found|No such file/i.test(l))) {
      return failed('codex', `\`${command}\` does not start: ${oneLine(stderr.slice(-2).join(' '), 200)}`, 'install Codex (`npm install -g @openai/codex`) or set codex.command to its full path');
    }
    return failed('codex', oneLine(text, 300), 'check codex.command: it must start `codex app-server` and answer `initialize` within codex.read_timeout_ms');
  } finally {
    proc.child.stdin?.end();
    if (!proc.hasExited()) killProcessTree(proc.pid);
  }
}
