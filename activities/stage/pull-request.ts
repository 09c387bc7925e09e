/**
 * What a stage run adds when its issue has a repository: the `pr` and `repository` prompt
 * variables (the pull request as it is now, plus the feedback of the last rejection, which the
 * workflow sends), the BATON_BRANCH / BATON_BASE_BRANCH / BATON_REPOSITORY variables for the
 * agent, and the pull-request tools beside the tracker's — executed here, host-side, with the code
 * host's token, which the agent never sees. A PR the tools open or find is announced to the issue
 * workflow (the `baton.pullRequest` signal), which records it.
 */
import { pullRequestSignal, type StageRunInput } from '../../core/protocol.js';
import { branchFor, pullRequestPromptVars, type PullRequestContext, type PullRequestRef } from '../../core/pull-request.js';
import type { Issue } from '../../core/issue.js';
import type { AgentToolbox } from '../../adapters/agents/types.js';
import type { CodeHostAdapter } from '../../adapters/code-hosts/types.js';
import { CODE_HOST_TOOL_NAMES, codeHostToolSpecs, executeCodeHostTool } from '../../adapters/code-hosts/tools.js';
import type { Logger } from '../../base/logger.js';
import { codeHostOf, linkFromIssue } from '../pull-request.js';
import type { BatonRuntime } from '../runtime.js';

export interface StagePullRequest {
  /** Prompt variables; both null without a repository, so `{% if pr %}` works everywhere. */
  readonly vars: { readonly pr: ReturnType<typeof pullRequestPromptVars>; readonly repository: { readonly repo: string; readonly base: string; readonly branch: string } | null };
  readonly env: Record<string, string>;
  /** The tracker's tools plus the pull-request tools. */
  tools(trackerTools: AgentToolbox): AgentToolbox;
}

const NONE: StagePullRequest = { vars: { pr: null, repository: null }, env: {}, tools: (t) => t };

export async function stagePullRequest(rt: BatonRuntime, input: StageRunInput, issue: Issue, workspace: string, logger: Logger): Promise<StagePullRequest> {
  const found = await codeHostOf(rt, input.tracker);
  if (!found) return NONE;
  const { host, repository } = found;
  const branch = branchFor({ branchPrefix: repository.branch_prefix, useTrackerBranch: repository.use_tracker_branch }, issue);
  const context = await currentPullRequest(input.pr ?? { ref: null, snapshot: null, feedback: null }, branch, found.host, logger);
  // Linked once per run: a pull request the workflow had not recorded when the stage started.
  const linked = new Set<number>(input.pr?.ref ? [input.pr.ref.number] : []);
  const announce = async (ref: PullRequestRef) => {
    if (!linked.has(ref.number)) {
      linked.add(ref.number);
      await linkFromIssue(rt, input.tracker, issue, ref);
    }
    await rt.client.workflow
      .getHandle(input.workflowId)
      .signal(pullRequestSignal, { ref })
      .catch((err: unknown) => logger.warn({ err: String(err) }, 'pull request not announced to the workflow; its PR wait finds it by branch'));
  };
  return {
    vars: { pr: pullRequestPromptVars(context), repository: { repo: repository.repo, base: repository.base, branch } },
    env: { BATON_BRANCH: branch, BATON_BASE_BRANCH: repository.base, BATON_REPOSITORY: repository.repo },
    tools(trackerTools) {
      const own = new Set<string>(CODE_HOST_TOOL_NAMES);
      return {
        specs: [...trackerTools.specs.filter((s) => !own.has(s.name)), ...codeHostToolSpecs(repository.repo, branch, repository.base)],
        execute: (name, args) => (own.has(name) ? executeCodeHostTool(name, args, { host, issue, branch, base: repository.base, workspace, announce }) : trackerTools.execute(name, args)),
      };
    },
  };
}

/**
 * The pull request as it is now: the recorded one (or the one from the branch) read fresh, with
 * the feedback the workflow sent. A code host that cannot be read leaves what the workflow knew.
 */
async function currentPullRequest(known: PullRequestContext, branch: string, host: CodeHostAdapter, logger: Logger): Promise<PullRequestContext> {
  try {
    const ref = known.ref ?? (await host.findPullRequest(branch));
    if (!ref) return known;
    return { ...known, ref, snapshot: await host.pullRequest(ref) };
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'pull request not readable; the prompt gets what the workflow knew');
    return known;
  }
}
