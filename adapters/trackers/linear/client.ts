/**
 * Transport to Linear: @linear/sdk's GraphQL client for raw requests only (Baton's own documents,
 * never the SDK's lazy models, which cost a request per relation). Adds a per-request timeout and
 * maps every failure to a BatonError.
 */
import { LinearGraphQLClient } from '@linear/sdk';
import { ErrorCategory } from '../../../core/errors.js';
import { linearErrorToBaton } from './errors.js';
import type { LinearSettings } from './settings.js';

export class LinearApi {
  private readonly client: LinearGraphQLClient;

  constructor(private readonly settings: Pick<LinearSettings, 'endpoint' | 'apiKey' | 'timeoutMs'>) {
    const init: RequestInit = {
      // Personal API keys go verbatim; OAuth tokens already carry "Bearer ".
      headers: { Authorization: settings.apiKey, 'User-Agent': 'baton' },
    };
    // The client spreads its options into every fetch, so a getter gives each request its own timer.
    Object.defineProperty(init, 'signal', { enumerable: true, get: () => AbortSignal.timeout(settings.timeoutMs) });
    this.client = new LinearGraphQLClient(settings.endpoint, init);
  }

  /** Runs one document; resolves with `data`, rejects with a BatonError. */
  async request<T>(query: string, variables: Record<string, unknown>, action: string): Promise<T> {
    try {
      const response = await this.client.rawRequest<T, Record<string, unknown>>(query, variables);
      return response.data as T;
    } catch (error) {
      throw linearErrorToBaton(error, action, this.settings.endpoint);
    }
  }

  /**
   * Runs a document for an agent tool: GraphQL errors are an answer to show the agent, not a
   * failure of Baton, so they come back as `{ data, errors }`; transport failures still reject.
   */
  async requestForTool(query: string, variables: Record<string, unknown>): Promise<{ data: unknown; errors?: unknown[] }> {
    try {
      const response = await this.client.rawRequest<unknown, Record<string, unknown>>(query, variables);
      return { data: response.data ?? null };
    } catch (error) {
      const mapped = linearErrorToBaton(error, 'running linear_graphql', this.settings.endpoint);
      const raw = (error as { raw?: { response?: { errors?: unknown[]; data?: unknown; status?: number } } }).raw?.response;
      // Invalid documents (400) and resolver errors (200) are the agent's to read and fix.
      const agentsToFix =
        mapped.category === ErrorCategory.trackerResponse || (mapped.category === ErrorCategory.trackerStatus && raw?.status === 400);
      if (raw?.errors?.length && agentsToFix) return { data: raw.data ?? null, errors: raw.errors };
      throw mapped;
    }
  }
}
