/**
 * Transport to Jira Cloud: jira.js 6 (`createCloudClient`, fetch-based, responses checked against
 * its zod schemas). Adds a per-request timeout (jira.js has none), reports schema drift to Baton's
 * log instead of stderr, and maps every failure to a BatonError.
 */
import { createCloudClient } from 'jira.js';
import { createClient, isApiError, type Client, type SendRequestOptions } from 'jira.js/core';
import { BatonError, ErrorCategory, oneLine } from '../../../core/errors.js';
import type { Logger } from '../../../runtime/logger.js';
import { jiraErrorToBaton, JiraTimeoutError } from './errors.js';
import type { JiraSettings } from './settings.js';

export type JiraCloud = ReturnType<typeof createCloudClient>;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new JiraTimeoutError(ms)), ms);
  });
  // jira.js passes no AbortSignal to fetch, so a late answer is dropped rather than cancelled.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A raw call's outcome, as the agent's `jira_api` tool reports it. */
export type RawResult = { ok: true; body: unknown } | { ok: false; status: number; body: unknown };

export class JiraApi {
  readonly cloud: JiraCloud;
  private readonly core: Client;
  private readonly reported = new Set<string>();

  constructor(
    private readonly settings: Pick<JiraSettings, 'baseUrl' | 'email' | 'apiToken' | 'timeoutMs' | 'trackerName'>,
    logger: Logger,
  ) {
    let base: Client;
    try {
      base = createClient({
        host: settings.baseUrl,
        auth: { type: 'basic', email: settings.email, apiToken: settings.apiToken },
        retry: { maxAttempts: 1 },
        // Tenant-specific drift (locale, features) must not stop polling: log it once and let
        // Baton's own parsing decide whether the body is usable.
        onSchemaMismatch: (report) => {
          const key = `${report.endpoint} ${report.issues.map((i) => i.path).join(',')}`;
          if (this.reported.has(key)) return;
          this.reported.add(key);
          logger.warn({ endpoint: report.endpoint, issues: report.issues }, `Jira answered ${report.endpoint} with a shape its published schema does not describe`);
        },
      });
    } catch (error) {
      throw new BatonError(
        ErrorCategory.invalidTrackerConfig,
        `tracker \`${settings.trackerName}\`: jira.js refused the connection settings (${oneLine(String((error as Error).message ?? error), 200)}); check tracker.provider.base_url and email`,
        { retryable: false, cause: error },
      );
    }
    this.core = { sendRequest: (options) => withTimeout(base.sendRequest(options), settings.timeoutMs) };
    this.cloud = createCloudClient(this.core);
  }

  /** Runs one jira.js call; rejects with a BatonError that says what Baton was doing. */
  async call<T>(action: string, run: (jira: JiraCloud) => Promise<T>): Promise<T> {
    try {
      return await run(this.cloud);
    } catch (error) {
      throw jiraErrorToBaton(error, action, this.settings.baseUrl);
    }
  }

  /** Runs one call and hands an HTTP error answer back instead of throwing it (for recovery logic). */
  async attempt<T>(action: string, run: (jira: JiraCloud) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status: number; body: unknown; error: BatonError }> {
    try {
      return { ok: true, value: await run(this.cloud) };
    } catch (error) {
      if (isApiError(error)) return { ok: false, status: error.status, body: error.body, error: jiraErrorToBaton(error, action, this.settings.baseUrl) };
      throw jiraErrorToBaton(error, action, this.settings.baseUrl);
    }
  }

  /** A raw REST call for the agent: HTTP errors are answers, transport failures still reject. */
  async raw(options: SendRequestOptions): Promise<RawResult> {
    try {
      return { ok: true, body: (await this.core.sendRequest(options)) ?? null };
    } catch (error) {
      if (isApiError(error)) return { ok: false, status: error.status, body: error.body };
      throw jiraErrorToBaton(error, 'running jira_api', this.settings.baseUrl);
    }
  }
}
