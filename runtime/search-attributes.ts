/**
 * Registering Baton's search attributes on a Temporal cluster Baton did not start (`baton worker`
 * against an existing server). The embedded server gets them as `--search-attribute` flags instead.
 * Upserting an unregistered key fails the workflow task, so this runs before any worker starts.
 * Where the operator API is refused (Temporal Cloud, a restricted role) Baton cannot register them;
 * it checks that they exist through a visibility query instead and, if any is missing, stops with
 * the exact `tcld` and `temporal operator` commands that add them.
 */
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes.js';
import { batonSearchAttributes } from '../core/search-attributes.js';
import { BatonError, ErrorCategory, oneLine } from '../core/errors.js';
import type { Logger } from '../base/logger.js';

/** gRPC status codes this module reacts to. */
const GrpcStatus = { invalidArgument: 3, alreadyExists: 6, permissionDenied: 7, unimplemented: 12, unauthenticated: 16 } as const;

/** The services this module calls; a full `Connection` satisfies it. */
export type OperatorConnection = Pick<Connection, 'operatorService' | 'workflowService'>;

export interface EnsureSearchAttributesResult {
  /** Names registered by this call. */
  added: string[];
  /** Names that were already registered with the right type. */
  present: string[];
}

/**
 * Registers every key in `keys` (default: Baton's) that `namespace` lacks. Idempotent. Throws a
 * `temporal_unavailable` BatonError when a name is registered with another type or the caller may not
 * register attributes (with the `temporal operator search-attribute create` commands an admin can run).
 */
export async function ensureSearchAttributes(
  connection: OperatorConnection,
  namespace: string,
  options: { keys?: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>; logger?: Logger } = {},
): Promise<EnsureSearchAttributesResult> {
  const keys = options.keys ?? batonSearchAttributes;
  let listed: Awaited<ReturnType<OperatorConnection['operatorService']['listSearchAttributes']>>;
  try {
    listed = await connection.operatorService.listSearchAttributes({ namespace });
  } catch (err) {
    if (!refused(err)) throw err;
    return checkThroughVisibility(connection, namespace, keys, err);
  }
  const registered = { ...listed.systemAttributes, ...listed.customAttributes };
  const missing: Array<SearchAttributeKey<SearchAttributeType>> = [];
  const present: string[] = [];
  for (const key of keys) {
    const wanted = encodeSearchAttributeIndexedValueType(key.type);
    const actual = registered[key.name];
    if (actual === undefined || actual === null) missing.push(key);
    else if (actual !== wanted) {
      throw new BatonError(
        ErrorCategory.temporalUnavailable,
        `Search attribute ${key.name} is registered in namespace "${namespace}" with another type than Baton needs (${key.type}). ` +
          'Remove it (`temporal operator search-attribute remove --name ' +
          `${key.name}\`) or use another namespace.`,
        { retryable: false },
      );
    } else present.push(key.name);
  }
  if (missing.length === 0) return { added: [], present };

  const searchAttributes = Object.fromEntries(
    missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    if (refused(err)) throw missingAttributesError(namespace, missing, err);
    // Another Baton process registered them first: that is the outcome we wanted.
    if (grpcCode(err) !== GrpcStatus.alreadyExists) throw err;
  }
  const added = missing.map((k) => k.name);
  options.logger?.info({ namespace, added }, 'registered Baton search attributes');
  return { added, present };
}

/**
 * Without the operator API: a visibility query naming an attribute fails with INVALID_ARGUMENT
 * when the namespace does not have it, so one count per key tells which are missing.
 */
async function checkThroughVisibility(
  connection: OperatorConnection,
  namespace: string,
  keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>,
  refusal: unknown,
): Promise<EnsureSearchAttributesResult> {
  const missing: Array<SearchAttributeKey<SearchAttributeType>> = [];
  for (const key of keys) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query: `${key.name} IS NOT NULL` });
    } catch (err) {
      if (grpcCode(err) !== GrpcStatus.invalidArgument) throw err;
      missing.push(key);
    }
  }
  if (missing.length > 0) throw missingAttributesError(namespace, missing, refusal);
  return { added: [], present: keys.map((k) => k.name) };
}

/** Temporal Cloud's command to add `keys` to a namespace (one command, one flag per key). */
export function tcldAddCommand(namespace: string, keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>): string {
  return `tcld namespace search-attributes add --namespace ${namespace} ${keys.map((k) => `--search-attribute ${k.name}=${cliSearchAttributeType(k.type)}`).join(' ')}`;
}

/** The CLI commands an admin can run to register `keys` by hand. */
export function searchAttributeCreateCommands(
  namespace: string,
  keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>,
): string[] {
  return keys.map(
    (k) => `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${cliSearchAttributeType(k.type)}`,
  );
}

/** The Temporal CLI's spelling of a type (`KEYWORD_LIST` → `KeywordList`), for `--search-attribute` and `--type`. */
export function cliSearchAttributeType(type: SearchAttributeType): string {
  return type
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server refuses the operator API to this caller (no admin role, Temporal Cloud, not served). */
function refused(err: unknown): boolean {
  const code = grpcCode(err);
  return code === GrpcStatus.permissionDenied || code === GrpcStatus.unauthenticated || code === GrpcStatus.unimplemented;
}

function missingAttributesError(namespace: string, keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>, cause: unknown): BatonError {
  const reason = oneLine(String((cause as Error | null)?.message ?? cause), 200);
  return new BatonError(
    ErrorCategory.temporalUnavailable,
    `namespace "${namespace}" lacks Baton's search attributes ${keys.map((k) => k.name).join(', ')}, and Baton may not register them (${reason}). ` +
      `Ask a Temporal admin to add them once, then start Baton again:\n` +
      `  Temporal Cloud:  ${tcldAddCommand(namespace, keys)}\n` +
      `  self-hosted:     ${searchAttributeCreateCommands(namespace, keys).join('\n                   ')}`,
    { retryable: false, cause },
  );
}
