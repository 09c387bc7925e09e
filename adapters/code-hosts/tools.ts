/**
 * The pull-request tools Baton offers agents when an issue has a repository, executed host-side
 * with the code host's token (the agent never sees it; spec/SPEC.md §4.10):
 *
 * - `open_pull_request`: open (or find) the pull request from the issue's work branch into the
 *   base branch; with `push: true`, Baton first pushes the workspace's HEAD to that branch with the
 *   host's credential (a git credential helper fed from Baton's own process, not the agent's);
 * - `pull_request_status`: state, head, checks, reviews, mergeability, and what failed;
 * - `reply_to_review`: answer a review, in an inline comment's thread or on the conversation.
 *
 * A PR that is opened or found is announced to the issue workflow, which records it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { isBatonError, oneLine } from '../../core/errors.js';
import type { Issue } from '../../core/issue.js';
import { pullRequestLine, type PullRequestRef } from '../../core/pull-request.js';
import { parseArgs, toolError, toolFailure, toolResult, unsupportedTool } from '../trackers/tool-results.js';
import type { AgentToolResult, AgentToolSpec } from '../trackers/types.js';
import type { CodeHostAdapter } from './types.js';

const run = promisify(execFile);

export const OpenPullRequestArgs = z
  .object({
    title: z.string().min(1).optional().describe('Title (default: "<identifier>: <issue title>")'),
    body: z.string().optional().describe('Description in Markdown; Baton ends it with a line naming the tracker issue'),
    draft: z.boolean().optional().describe('Open as a draft (gates wait while it is one)'),
    push: z.boolean().optional().describe("Push the workspace's HEAD to the work branch first, with Baton's credential"),
  })
  .strict();
export const PullRequestStatusArgs = z.object({}).strict();
export const ReplyToReviewArgs = z
  .object({
    body: z.string().min(1).describe('Reply in Markdown'),
    comment_id: z.number().int().positive().optional().describe('Inline review comment to reply to (default: a comment on the pull request)'),
  })
  .strict();

export const CODE_HOST_TOOL_NAMES = ['open_pull_request', 'pull_request_status', 'reply_to_review'] as const;

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

export function codeHostToolSpecs(repo: string, branch: string, base: string): AgentToolSpec[] {
  return [
    {
      name: 'open_pull_request',
      description: `Open the pull request of this issue in ${repo}: from branch ${branch} (push your commits there, or pass push: true) into ${base}. Returns the existing one if it is already open.`,
      inputSchema: schemaOf(OpenPullRequestArgs),
    },
    {
      name: 'pull_request_status',
      description: `The pull request from ${branch}: state, head commit, checks, reviews, mergeability, and the failed checks and requested changes of its head.`,
      inputSchema: schemaOf(PullRequestStatusArgs),
    },
    {
      name: 'reply_to_review',
      description: 'Reply to a review of this issue’s pull request: in the thread of an inline comment (comment_id), or on the pull request.',
      inputSchema: schemaOf(ReplyToReviewArgs),
    },
  ];
}

export interface CodeHostToolContext {
  readonly host: CodeHostAdapter;
  readonly issue: Issue;
  readonly branch: string;
  readonly base: string;
  /** The issue's workspace (for `push: true`); null when there is none. */
  readonly workspace: string | null;
  /** Tell the issue workflow about the pull request (best effort: its PR wait finds it by branch anyway). */
  announce(ref: PullRequestRef): Promise<void>;
}

export async function executeCodeHostTool(name: string, args: unknown, ctx: CodeHostToolContext): Promise<AgentToolResult> {
  try {
    switch (name) {
      case 'open_pull_request':
        return await openPullRequest(args, ctx);
      case 'pull_request_status':
        return await pullRequestStatus(args, ctx);
      case 'reply_to_review':
        return await replyToReview(args, ctx);
      default:
        return unsupportedTool(name, CODE_HOST_TOOL_NAMES);
    }
  } catch (err) {
    if (isBatonError(err)) return toolFailure(err);
    return toolError(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function openPullRequest(args: unknown, ctx: CodeHostToolContext): Promise<AgentToolResult> {
  const parsed = parseArgs(OpenPullRequestArgs, args, 'open_pull_request');
  if (!parsed.ok) return parsed.result;
  const a = parsed.value;
  if (a.push) {
    if (!ctx.workspace) return toolError('open_pull_request: push: true needs the issue workspace, and this run has none');
    const pushed = await pushBranch(ctx);
    if (pushed) return toolError(`open_pull_request: git push of HEAD to ${ctx.branch} failed: ${pushed}`);
  }
  const { ref, created } = await ctx.host.openPullRequest({
    head: ctx.branch,
    base: ctx.base,
    title: a.title ?? `${ctx.issue.identifier}: ${ctx.issue.title}`,
    body: pullRequestBody(a.body, ctx.issue),
    draft: a.draft ?? false,
  });
  await ctx.announce(ref);
  return toolResult(true, { created, pull_request: { number: ref.number, url: ref.url, head: ref.head, base: ctx.base } });
}

/**
 * The agent's description, ending with the line that names the tracker issue (unless the agent
 * named it already): on trackers without a link of their own it is the issue's way to the PR, and
 * GitHub shows an issue URL in a PR body as a cross-reference on the issue.
 */
export function pullRequestBody(body: string | undefined, issue: Pick<Issue, 'identifier' | 'url'>): string {
  const line = issue.url ? `For ${issue.identifier}: ${issue.url}` : `For ${issue.identifier}.`;
  const text = body?.trim() ?? '';
  if (!text) return line;
  if (issue.url ? text.includes(issue.url) : text.includes(issue.identifier)) return text;
  return `${text}\n\n${line}`;
}

async function pullRequestStatus(args: unknown, ctx: CodeHostToolContext): Promise<AgentToolResult> {
  const parsed = parseArgs(PullRequestStatusArgs, args, 'pull_request_status');
  if (!parsed.ok) return parsed.result;
  const ref = await ctx.host.findPullRequest(ctx.branch);
  if (!ref) return toolResult(true, { pull_request: null, note: `no pull request from ${ctx.branch} yet; push the branch and call open_pull_request` });
  await ctx.announce(ref);
  const snapshot = await ctx.host.pullRequest(ref);
  const failing = snapshot.checks.some((c) => c.state === 'failure') || snapshot.reviews.some((r) => r.onHead && r.state === 'changes_requested');
  const feedback = failing ? await ctx.host.feedback(snapshot) : null;
  return toolResult(true, {
    pull_request: { number: ref.number, url: ref.url, state: snapshot.state, draft: snapshot.draft, head: ref.head, head_sha: snapshot.headSha, base: snapshot.base, mergeable: snapshot.mergeable, mergeable_state: snapshot.mergeableState },
    summary: pullRequestLine(snapshot),
    checks: snapshot.checks,
    reviews: snapshot.reviews,
    ...(feedback ? { failed_checks: feedback.failedChecks, review_comments: feedback.reviewComments } : {}),
  });
}

async function replyToReview(args: unknown, ctx: CodeHostToolContext): Promise<AgentToolResult> {
  const parsed = parseArgs(ReplyToReviewArgs, args, 'reply_to_review');
  if (!parsed.ok) return parsed.result;
  const ref = await ctx.host.findPullRequest(ctx.branch);
  if (!ref) return toolError(`reply_to_review: there is no pull request from ${ctx.branch}`);
  const { url } = await ctx.host.reply(ref, parsed.value.body, parsed.value.comment_id ?? null);
  return toolResult(true, { url });
}

/**
 * `git push origin HEAD:refs/heads/<branch>` in the workspace. The token reaches git through a
 * credential helper reading a variable set for this one git process; the agent's environment never
 * has it. Returns why it failed, or null.
 */
async function pushBranch(ctx: CodeHostToolContext): Promise<string | null> {
  const creds = ctx.host.pushCredentials();
  const helper = creds ? ['-c', 'credential.helper=', '-c', 'credential.helper=!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$BATON_PUSH_USER" "$BATON_PUSH_TOKEN"; }; f'] : [];
  try {
    await run('git', [...helper, 'push', 'origin', `HEAD:refs/heads/${ctx.branch}`], {
      cwd: ctx.workspace ?? undefined,
      timeout: 120_000,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...(creds ? { BATON_PUSH_USER: creds.username, BATON_PUSH_TOKEN: creds.password } : {}) },
    });
    return null;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? (err instanceof Error ? err.message : String(err));
    return oneLine(creds ? stderr.split(creds.password).join('***') : stderr, 400);
  }
}
