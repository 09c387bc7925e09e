/**
 * Agent backend registry: `agent.backend` → implementation, each loaded only when a stage uses it.
 * `none` (a gate-only stage) runs no agent and is handled by the caller before it gets here.
 * Adding a backend is one line here.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { AgentBackendImpl } from './types.js';

const backendLoaders: Record<string, () => Promise<AgentBackendImpl>> = {
  codex: () => import('./codex/backend.js').then((m) => m.codexBackend),
  command: () => import('./command.js').then((m) => m.commandBackend),
  openai: () => import('./openai/backend.js').then((m) => m.openaiBackend),
};

/** Backends this build can run. */
export function supportedAgentBackends(): string[] {
  return Object.keys(backendLoaders);
}

/** The backend for `kind`; an unknown or unavailable one fails with `invalid_config`. */
export async function createAgentBackend(kind: string): Promise<AgentBackendImpl> {
  const load = Object.hasOwn(backendLoaders, kind) ? backendLoaders[kind] : undefined;
  if (!load) {
    const hint = kind === 'none' ? ' (`none` runs no agent: the caller must not start a session for it)' : '';
    throw new BatonError(
      ErrorCategory.invalidConfig,
      `agent backend \`${kind}\` is not available${hint}; set agent.backend to one of: ${supportedAgentBackends().join(', ')}`,
      { retryable: false },
    );
  }
  return load();
}
