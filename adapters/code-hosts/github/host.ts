/**
 * The `github` code host: pull requests of one repository over REST, through the GitHub transport
 * the `github` tracker uses too (adapters/github/client.ts: conditional GETs whose 304s cost no
 * rate limit, paced writes, errors with code_host_* categories). A PR wait polls `pullRequest`,
 * which is four conditional reads: an unchanged pull request costs nothing. Profile and request
 * costs: spec/adapters/github.md, "Code host".
 */
import { z } from 'zod';
import { BatonError } from '../../../core/errors.js';
import type { PullRequestFeedback, PullRequestRef, PullRequestSnapshot } from '../../../core/pull-request.js';
import type { RepositoryConfig } from '../../../config/schema.js';
import type { Logger } from '../../../base/logger.js';
import { GithubClient } from '../../github/client.js';
import { CODE_HOST_AREA, malformedResponse } from '../../github/errors.js';
import { failedChecksMarkdown, reviewCommentsMarkdown, type ChangesRequest, type FailedCheck } from '../feedback.js';
import type { CodeHostAdapter, MergeOutcome, MergeRequest, OpenPullRequestInput } from '../types.js';
import { GithubRepositorySchema } from './profile.js';
import { checkRunState, CheckRunsJson, CombinedStatusJson, commitStatusState, PullJson, refOf, ReviewCommentsJson, ReviewsJson, toSnapshot, type ReviewJson } from './snapshot.js';

const PullListJson = z.array(z.object({ number: z.number().int(), html_url: z.string(), state: z.enum(['open', 'closed']), head: z.object({ ref: z.string(), sha: z.string() }) }));
const CreatedJson = z.object({ html_url: z.string() });

export class GithubCodeHost implements CodeHostAdapter {
  readonly kind = 'github';
  readonly repo: string;
  readonly client: GithubClient;
  private readonly owner: string;
  private readonly token: string;

  constructor(
    private readonly config: RepositoryConfig,
    private readonly logger: Logger,
  ) {
    // Validated when the config loaded; parsed again here for its GitHub-specific keys and types.
    const settings = GithubRepositorySchema.parse(config);
    this.repo = settings.repo;
    this.owner = settings.repo.split('/')[0]!;
    this.token = settings.token ?? '';
    this.client = new GithubClient({ token: this.token, apiUrl: settings.api_url, timeoutMs: settings.timeout_ms, writeIntervalMs: settings.write_interval_ms, logger, area: CODE_HOST_AREA });
  }

  private path(suffix: string): string {
    const [owner, name] = this.repo.split('/').map(encodeURIComponent);
    return `/repos/${owner}/${name}${suffix}`;
  }

  private parse<T>(schema: z.ZodType<T>, data: unknown, operation: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw malformedResponse(operation, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), CODE_HOST_AREA);
    return parsed.data;
  }

  private async read<T>(schema: z.ZodType<T>, url: string, operation: string): Promise<T> {
    const { data } = await this.client.get(url, operation);
    return this.parse(schema, data, operation);
  }

  async findPullRequest(head: string): Promise<PullRequestRef | null> {
    const operation = `find the pull request from ${head} in ${this.repo}`;
    const pulls = await this.read(PullListJson, `${this.path('/pulls')}?state=all&head=${encodeURIComponent(`${this.owner}:${head}`)}&per_page=20`, operation);
    const open = pulls.find((p) => p.state === 'open');
    const newest = [...pulls].sort((a, b) => b.number - a.number)[0];
    const pick = open ?? newest;
    return pick ? refOf(this.repo, pick) : null;
  }

  private pull(number: number): Promise<PullJson> {
    return this.read(PullJson, this.path(`/pulls/${number}`), `read pull request ${this.repo}#${number}`);
  }

  async pullRequest(ref: PullRequestRef): Promise<PullRequestSnapshot> {
    // Serial on purpose: GitHub asks integrations not to send concurrent requests.
    const pull = await this.pull(ref.number);
    const sha = pull.head.sha;
    const runs = await this.read(CheckRunsJson, `${this.path(`/commits/${sha}/check-runs`)}?per_page=100`, `list check runs of ${this.repo}@${sha.slice(0, 7)}`);
    const combined = await this.read(CombinedStatusJson, `${this.path(`/commits/${sha}/status`)}?per_page=100`, `read commit statuses of ${this.repo}@${sha.slice(0, 7)}`);
    const reviews = await this.reviews(ref.number);
    return toSnapshot(this.repo, pull, runs.check_runs, combined.statuses, reviews);
  }

  private async reviews(number: number): Promise<ReviewJson[]> {
    const operation = `list reviews of ${this.repo}#${number}`;
    const items = await this.client.paginate<unknown>(`${this.path(`/pulls/${number}/reviews`)}?per_page=100`, operation, (r) => String((r as { id?: unknown }).id));
    return this.parse(ReviewsJson, items, operation);
  }

  async feedback(snapshot: PullRequestSnapshot): Promise<PullRequestFeedback> {
    const sha = snapshot.headSha;
    const failed: FailedCheck[] = [];
    if (snapshot.checks.some((c) => c.state === 'failure')) {
      // Conditional reads: the snapshot just read these, so they answer 304 from the cache.
      const runs = await this.read(CheckRunsJson, `${this.path(`/commits/${sha}/check-runs`)}?per_page=100`, `list check runs of ${this.repo}@${sha.slice(0, 7)}`);
      for (const run of runs.check_runs.filter((r) => checkRunState(r) === 'failure')) {
        failed.push({ name: run.name, conclusion: run.conclusion ?? 'failure', title: run.output?.title, summary: run.output?.summary, text: run.output?.text, log: run.app?.slug === 'github-actions' ? await this.jobLog(run.id, run.name) : null, url: run.details_url });
      }
      const combined = await this.read(CombinedStatusJson, `${this.path(`/commits/${sha}/status`)}?per_page=100`, `read commit statuses of ${this.repo}@${sha.slice(0, 7)}`);
      for (const s of combined.statuses.filter((x) => commitStatusState(x) === 'failure')) failed.push({ name: s.context, conclusion: s.state, summary: s.description, url: s.target_url });
    }
    const requests: ChangesRequest[] = [];
    const reviews = await this.reviews(snapshot.ref.number);
    const latest = new Map<string, ReviewJson>();
    for (const r of reviews) if (r.state !== 'COMMENTED' && r.state !== 'PENDING') latest.set(r.user?.login ?? 'ghost', r);
    for (const [reviewer, r] of latest) {
      if (r.state !== 'CHANGES_REQUESTED' || r.commit_id !== sha) continue;
      const operation = `list the comments of review ${r.id} on ${this.repo}#${snapshot.ref.number}`;
      const comments = this.parse(ReviewCommentsJson, await this.client.paginate<unknown>(`${this.path(`/pulls/${snapshot.ref.number}/reviews/${r.id}/comments`)}?per_page=100`, operation, (c) => String((c as { id?: unknown }).id)), operation);
      requests.push({ reviewer, body: r.body ?? '', comments: comments.map((c) => ({ path: c.path, line: c.line ?? c.position ?? null, body: c.body })) });
    }
    return { headSha: sha, failedChecks: failedChecksMarkdown(failed), reviewComments: reviewCommentsMarkdown(requests) };
  }

  /** A GitHub Actions job's log (a redirect to the text); null when it cannot be read. */
  private async jobLog(jobId: number, name: string): Promise<string | null> {
    try {
      const { data } = await this.client.get(this.path(`/actions/jobs/${jobId}/logs`), `read the log of check ${name}`);
      return typeof data === 'string' ? data : null;
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), check: name }, 'job log not readable; the rework prompt goes without it');
      return null;
    }
  }

  async openPullRequest(input: OpenPullRequestInput): Promise<{ ref: PullRequestRef; created: boolean }> {
    const existing = await this.findPullRequest(input.head);
    if (existing && (await this.pull(existing.number)).state === 'open') return { ref: existing, created: false };
    try {
      const { data } = await this.client.write('POST', this.path('/pulls'), { title: input.title, head: input.head, base: input.base, body: input.body, draft: input.draft }, `open a pull request from ${input.head} in ${this.repo}`);
      return { ref: refOf(this.repo, this.parse(PullJson, data, 'read the new pull request')), created: true };
    } catch (err) {
      if (!(err instanceof BatonError) || err.details?.status !== 422) throw err;
      // Opened meanwhile (a retried call): answer with the one that exists.
      const found = await this.findPullRequest(input.head);
      if (found && (await this.pull(found.number)).state === 'open') return { ref: found, created: false };
      throw new BatonError(err.category, `GitHub would not open a pull request from ${input.head} into ${input.base} (422 ${String(err.details.githubMessage ?? '')}); push the branch ${input.head} first, with at least one commit that ${input.base} lacks`, { retryable: false, cause: err });
    }
  }

  async merge(ref: PullRequestRef, request: MergeRequest): Promise<MergeOutcome> {
    const pull = await this.pull(ref.number);
    if (pull.merged === true || pull.merged_at !== null) {
      return { kind: 'merged', sha: pull.merge_commit_sha, already: true, branchDeleted: request.deleteBranch ? await this.deleteBranch(pull.head.ref) : false };
    }
    if (pull.state === 'closed') return { kind: 'closed' };
    if (request.sha && request.sha !== pull.head.sha) return { kind: 'head_moved', reason: `the head moved from ${request.sha.slice(0, 7)} to ${pull.head.sha.slice(0, 7)}` };
    try {
      const { data } = await this.client.write(
        'PUT',
        this.path(`/pulls/${ref.number}/merge`),
        { merge_method: request.method, ...(request.sha ? { sha: request.sha } : {}) },
        `merge ${this.repo}#${ref.number}`,
      );
      const sha = this.parse(z.object({ sha: z.string() }), data, `merge ${this.repo}#${ref.number}`).sha;
      this.logger.info({ pr: ref.number, sha, method: request.method }, 'pull request merged');
      return { kind: 'merged', sha, already: false, branchDeleted: request.deleteBranch ? await this.deleteBranch(pull.head.ref) : false };
    } catch (err) {
      const status = err instanceof BatonError ? err.details?.status : undefined;
      const said = err instanceof BatonError && typeof err.details?.githubMessage === 'string' ? err.details.githubMessage : '';
      if (status === 409) return { kind: 'head_moved', reason: said || 'the head branch was modified' };
      if (status === 405 || status === 422) return { kind: 'refused', reason: `GitHub refused the merge (${status}): ${said || 'not mergeable'}` };
      throw err;
    }
  }

  /** Delete the head branch; one already gone counts as deleted. False when GitHub said no. */
  private async deleteBranch(branch: string): Promise<boolean> {
    try {
      await this.client.write('DELETE', this.path(`/git/refs/heads/${branch.split('/').map(encodeURIComponent).join('/')}`), undefined, `delete branch ${branch} of ${this.repo}`);
      return true;
    } catch (err) {
      if (err instanceof BatonError && err.details?.status === 422) return true;
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), branch }, 'branch not deleted after the merge');
      return false;
    }
  }

  async reply(ref: PullRequestRef, body: string, commentId: number | null): Promise<{ url: string }> {
    const operation = `reply on ${this.repo}#${ref.number}`;
    const url = commentId ? this.path(`/pulls/${ref.number}/comments/${commentId}/replies`) : this.path(`/issues/${ref.number}/comments`);
    const { data } = await this.client.write('POST', url, { body }, operation);
    return { url: this.parse(CreatedJson, data, operation).html_url };
  }

  pushCredentials(): { username: string; password: string } | null {
    return this.token ? { username: 'x-access-token', password: this.token } : null;
  }

  secretEnvNames(): string[] {
    return [...this.config.secret_env];
  }
}
