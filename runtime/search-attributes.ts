/**
 * Registering Baton's search attributes on a Temporal cluster Baton did not start (`baton worker`
 * against an existing server). The embedded server gets them as `--search-attribute` flags instead.
 * Upserting an unregistered key fails the workflow task, so this runs before any worker starts.
 */
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes.js';
import { batonSearchAttributes } from '../core/search-attributes.js';
import { BatonError, ErrorCategory, oneLine } from '../core/errors.js';
import type { Logger } from './logger.js';

/** gRPC status codes this module reacts to. */
const GrpcStatus = { alreadyExists: 6, permissionDenied: 7, unauthenticated: 16 } as const;

/** The operator-service part of a connection; a full `Connection` satisfies it. */
export type OperatorConnection = Pick<Connection, 'operatorService'>;

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
  const listed = await withPermissionHint(namespace, keys, () =>
    connection.operatorService.listSearchAttributes({ namespace }),
  );
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
    await withPermissionHint(namespace, missing, () =>
      connection.operatorService.addSearchAttributes({ namespace, searchAttributes }),
    );
  } catch (err) {
    // Another Baton process registered them first: that is the outcome we wanted.
    if (grpcCode(err) !== GrpcStatus.alreadyExists) throw err;
  }
  const added = missing.map((k) => k.name);
  options.logger?.info({ namespace, added }, 'registered Baton search attributes');
  return { added, present };
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

async function withPermissionHint<T>(
  namespace: string,
  keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = grpcCode(err);
    if (code === GrpcStatus.permissionDenied || code === GrpcStatus.unauthenticated) {
      throw new BatonError(
        ErrorCategory.temporalUnavailable,
        `Baton may not manage search attributes in namespace "${namespace}" (${oneLine(String((err as Error).message ?? err), 200)}). ` +
          `Ask a Temporal admin to register them once:\n  ${searchAttributeCreateCommands(namespace, keys).join('\n  ')}`,
        { retryable: false, cause: err },
      );
    }
    throw err;
  }
}
