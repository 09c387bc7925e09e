/**
 * The one interface every tracker adapter implements (Symphony SPEC §11, plus the writes Baton's
 * stages need). Adapters own every provider detail: transport, pagination, rate limits, state
 * spelling, comment format. Errors are BatonError with a tracker_* category (SPEC §11.4).
 */
import type { Issue, IssueKey } from '../../core/issue.js';
import type { TrackerConfig } from '../../config/schema.js';
import type { Logger } from '../../base/logger.js';
import type { PreflightFinding } from '../../core/preflight.js';

/** A tool the agent may call; executed host-side with the adapter's credential. */
export interface AgentToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  inputSchema: Record<string, unknown>;
}

/** Result of a tool call, as the agent sees it. */
export interface AgentToolResult {
  success: boolean;
  /** Text returned to the model (pretty JSON for structured results). */
  output: string;
}

export interface PollResult {
  /** Issues in the requested active states (dispatchable or not: the scheduler filters). */
  candidates: Issue[];
  /** Fresh snapshots of the in-flight ids that are not among the candidates; missing ids are gone. */
  inflight: Issue[];
  /** Provider requests this poll made, when the adapter counts them (metrics). */
  requests?: number;
  /** The provider's remaining rate-limit budget after the poll, when it says (metrics). */
  rateLimitRemaining?: number | null;
}

export interface WriteBatch {
  readonly removeLabels: readonly string[];
  readonly addLabels: readonly string[];
  /** The progress comment's new body; undefined leaves it alone. */
  readonly progress?: string;
  readonly moveTo?: string;
}

/** A pull request as a tracker issue links it (Linear attachment, Jira remote link, file front matter). */
export interface PullRequestLink {
  readonly url: string;
  /** `acme/app#12`. */
  readonly title: string;
}

export type { IssueKey };

export interface TrackerAdapter {
  readonly kind: string;
  /** SPEC §11.1: empty input makes no request; malformed records are logged and dropped. */
  fetchIssuesByStates(states: readonly string[]): Promise<Issue[]>;
  /** SPEC §11.1: empty input makes no request; a malformed requested record fails the call. */
  fetchIssuesByIds(ids: readonly string[]): Promise<Issue[]>;
  /**
   * One poll: candidates in `activeStates` plus snapshots of `inflightIds`, in as few provider
   * requests as the provider allows. Optional: `pollTracker` falls back to the two reads above.
   */
  poll?(activeStates: readonly string[], inflightIds: readonly string[]): Promise<PollResult>;

  /** Move the issue to a tracker state (by provider-native state name). */
  moveToState(issue: Issue, state: string): Promise<void>;
  addLabels(issue: Issue, labels: readonly string[]): Promise<void>;
  removeLabels(issue: Issue, labels: readonly string[]): Promise<void>;
  /** Create or replace the one progress comment Baton owns on this issue. */
  upsertProgressComment(issue: Issue, body: string): Promise<void>;
  /**
   * Optional: a stage's writes in one provider operation where the provider allows it (the file
   * tracker rewrites the file once instead of once per write). Same meaning and order as the
   * single writes: labels, the progress comment, then the state move.
   */
  writeBatch?(issue: Issue, batch: WriteBatch): Promise<void>;

  /**
   * Optional: link the issue's pull request from the tracker issue, idempotently (linking the same
   * URL again changes nothing). Trackers without it rely on the pull request's body, which names
   * the issue, and on the progress comment's `pr_opened` line.
   */
  linkPullRequest?(issue: IssueKey, link: PullRequestLink): Promise<void>;

  /** Tools offered to agents working on issues of this tracker. */
  agentTools(): AgentToolSpec[];
  /** Run one tool call for `issue`; unknown tools and bad arguments answer `success: false`. */
  executeAgentTool(name: string, args: unknown, issue: Issue): Promise<AgentToolResult>;
  /** Environment variable names that hold this adapter's secrets; stripped from agent processes. */
  secretEnvNames(): string[];
  /**
   * `baton doctor` / start-up check: the credential is accepted and one real read succeeds; say
   * what the adapter knows besides (token scopes, rate-limit headroom). Optional: without it the
   * check is one `fetchIssuesByStates` of the first active state.
   */
  preflight?(activeStates: readonly string[]): Promise<PreflightFinding>;
  /**
   * Optional push channel: call `onChange` when the provider itself shows that a poll now would
   * find something new (the file tracker's folder watch). Returns the stop function. Hosted
   * trackers push through webhooks instead (server/webhooks).
   */
  watch?(onChange: () => void): () => void;
  /** Release sockets, timers and watchers. */
  close?(): Promise<void>;
}

export interface TrackerContext {
  logger: Logger;
  /** Environment used for `$VAR` and fallbacks (process.env by default). */
  env: NodeJS.ProcessEnv;
}

export type TrackerFactory = (config: TrackerConfig, ctx: TrackerContext) => TrackerAdapter;
