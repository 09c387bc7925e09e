/**
 * Continue-as-new for the issue workflow: everything it remembers (status, machine, home, slot
 * bookkeeping) travels in the new run's input. Called at the top of the workflow's loop, and from
 * inside a long pull-request wait, which the machine's `parked` resumes without a new run.
 * Sandbox-safe.
 */
import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import type { IssueContext } from './context.js';
import type { batonIssue } from './index.js';

export async function carryOver(ctx: IssueContext): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<typeof batonIssue>({
    ...ctx.input,
    issue: ctx.snapshot ?? ctx.input.issue,
    view: ctx.view,
    grant: null,
    carried: { status: ctx.status, machine: ctx.machine, home: ctx.home, slotSeq: ctx.slotSeq, slotOwed: ctx.slotOwed },
  });
}
