/**
 * What `linear_graphql` may do. Reads are free (a Linear key sees the whole workspace anyway);
 * a mutation must be one of a few issue-scoped operations, and the issues (or comments) it names
 * must belong to the configured project — checked with Linear before the mutation is sent.
 */
import { Kind, parse, valueFromASTUntyped, type OperationDefinitionNode } from 'graphql';

/** What one allowed mutation touches, read from its resolved arguments. */
interface MutationTargets {
  issues: string[];
  comments: string[];
  /** Set when the arguments try to leave the project (move it, re-team it). */
  refusal?: string;
}

type Args = Record<string, unknown>;
const str = (value: unknown): string[] => (typeof value === 'string' && value ? [value] : []);
const input = (args: Args): Args => (args.input && typeof args.input === 'object' ? (args.input as Args) : {});

const MUTATIONS: Record<string, (args: Args) => MutationTargets> = {
  issueUpdate: (args) => ({
    issues: str(args.id),
    comments: [],
    refusal:
      input(args).projectId !== undefined || input(args).teamId !== undefined
        ? 'issueUpdate may not change projectId or teamId (that would move the issue out of Baton’s scope)'
        : undefined,
  }),
  issueAddLabel: (args) => ({ issues: str(args.id), comments: [] }),
  issueRemoveLabel: (args) => ({ issues: str(args.id), comments: [] }),
  commentCreate: (args) => ({ issues: str(input(args).issueId), comments: [] }),
  commentUpdate: (args) => ({ issues: [], comments: str(args.id) }),
  attachmentLinkURL: (args) => ({ issues: str(args.issueId), comments: [] }),
  attachmentCreate: (args) => ({ issues: str(input(args).issueId), comments: [] }),
  issueRelationCreate: (args) => ({ issues: [...str(input(args).issueId), ...str(input(args).relatedIssueId)], comments: [] }),
};

/** The mutations `linear_graphql` accepts. */
export const ALLOWED_MUTATIONS = Object.keys(MUTATIONS);

export type ScopePlan =
  | { ok: true; kind: 'query' }
  | { ok: true; kind: 'mutation'; issues: string[]; comments: string[] }
  | { ok: false; message: string };

/** Reads a document and says what must be verified before it runs (pure; no request). */
export function planGraphqlScope(query: string, variables: Record<string, unknown>): ScopePlan {
  let document;
  try {
    document = parse(query);
  } catch (error) {
    return { ok: false, message: `the query does not parse: ${(error as Error).message}` };
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  // One operation per call: Linear would need an operationName to choose, and the scope check too.
  const operation = operations.length === 1 ? operations[0] : undefined;
  if (!operation) return { ok: false, message: 'send exactly one operation per call' };
  if (operation.operation === 'query') return { ok: true, kind: 'query' };
  if (operation.operation !== 'mutation') return { ok: false, message: `${operation.operation} operations are not supported` };
  const issues = new Set<string>();
  const comments = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return { ok: false, message: 'spread fragments are not allowed at the top of a mutation; name each mutation field' };
    const name = selection.name.value;
    const targetsOf = MUTATIONS[name];
    if (!targetsOf) {
      return { ok: false, message: `mutation \`${name}\` is outside Baton’s scope; allowed: ${ALLOWED_MUTATIONS.join(', ')}` };
    }
    const args: Args = {};
    for (const arg of selection.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value, variables);
    const targets = targetsOf(args);
    if (targets.refusal) return { ok: false, message: targets.refusal };
    if (targets.issues.length + targets.comments.length === 0) {
      return { ok: false, message: `mutation \`${name}\` must name the issue or comment it changes` };
    }
    targets.issues.forEach((id) => issues.add(id));
    targets.comments.forEach((id) => comments.add(id));
  }
  return { ok: true, kind: 'mutation', issues: [...issues], comments: [...comments] };
}

/** One query that resolves every target to its project (aliases keep it a single request). */
export function scopeCheckQuery(issues: readonly string[], comments: readonly string[]): { query: string; variables: Record<string, string> } {
  const variables: Record<string, string> = {};
  const defs: string[] = [];
  const fields: string[] = [];
  issues.forEach((id, i) => {
    variables[`i${i}`] = id;
    defs.push(`$i${i}: String!`);
    fields.push(`i${i}: issue(id: $i${i}) { id project { slugId } }`);
  });
  comments.forEach((id, i) => {
    variables[`c${i}`] = id;
    defs.push(`$c${i}: String!`);
    fields.push(`c${i}: comment(id: $c${i}) { id issue { id project { slugId } } }`);
  });
  return { query: `query BatonScopeCheck(${defs.join(', ')}) {\n  ${fields.join('\n  ')}\n}`, variables };
}

/** Targets of the scope-check answer that are not in `projectSlug` (missing ones count as outside). */
export function outOfScope(data: unknown, issues: readonly string[], comments: readonly string[], projectSlug: string): string[] {
  const answer = (data ?? {}) as Record<string, { project?: { slugId?: string } | null; issue?: { project?: { slugId?: string } | null } | null } | null>;
  const outside: string[] = [];
  issues.forEach((id, i) => {
    if (answer[`i${i}`]?.project?.slugId !== projectSlug) outside.push(`issue ${id}`);
  });
  comments.forEach((id, i) => {
    if (answer[`c${i}`]?.issue?.project?.slugId !== projectSlug) outside.push(`comment ${id}`);
  });
  return outside;
}
