/**
 * Registering Baton's search attributes on a server Baton did not start, against a fresh namespace
 * of the shared dev server so the shared namespace is left as it is.
 */
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batonSearchAttributes } from '../../core/search-attributes.js';
import { silentLogger } from '../../base/logger.js';
import {
  cliSearchAttributeType,
  ensureSearchAttributes,
  searchAttributeCreateCommands,
  type OperatorConnection,
} from '../../runtime/search-attributes.js';

let connection: Connection;
const namespace = `sa-test-${randomUUID()}`;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
});

afterAll(async () => {
  await connection?.close();
});

const names = batonSearchAttributes.map((k) => k.name).sort();

describe('ensureSearchAttributes', () => {
  it('registers what is missing, then finds everything present (idempotent)', async () => {
    const first = await ensureSearchAttributes(connection, namespace, { logger: silentLogger });
    expect(first.added.sort()).toEqual(names);
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    for (const name of names) expect(Object.keys(listed.customAttributes)).toContain(name);

    const second = await ensureSearchAttributes(connection, namespace, { logger: silentLogger });
    expect(second.added).toEqual([]);
    expect(second.present.sort()).toEqual(names);
  });

  it('refuses a name registered with another type', async () => {
    await ensureSearchAttributes(connection, namespace, { logger: silentLogger });
    const clash = defineSearchAttributeKey('BatonStage', SearchAttributeType.INT);
    await expect(ensureSearchAttributes(connection, namespace, { keys: [clash] })).rejects.toMatchObject({
      category: 'temporal_unavailable',
      message: expect.stringContaining('BatonStage is registered'),
    });
  });

  /** The real server's workflow service, behind an operator service that refuses every call (as Temporal Cloud's does). */
  function withoutOperatorApi(refuse: 'list' | 'add'): OperatorConnection {
    const denied = async () => {
      throw Object.assign(new Error('7 PERMISSION_DENIED: Request unauthorized.'), { code: 7 });
    };
    return {
      workflowService: connection.workflowService,
      operatorService: {
        listSearchAttributes: refuse === 'list' ? denied : (req: { namespace: string }) => connection.operatorService.listSearchAttributes(req),
        addSearchAttributes: denied,
      } as unknown as OperatorConnection['operatorService'],
    };
  }

  it('without the operator API: missing attributes stop Baton with the tcld and temporal operator commands', async () => {
    const bare = `sa-test-bare-${randomUUID()}`;
    await connection.workflowService.registerNamespace({ namespace: bare, workflowExecutionRetentionPeriod: msToTs('1 day') });
    for (const refuse of ['list', 'add'] as const) {
      const err = await ensureSearchAttributes(withoutOperatorApi(refuse), bare).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `operator ${refuse} refused`).toMatchObject({ category: 'temporal_unavailable', retryable: false });
      const message = (err as Error).message;
      expect(message).toContain(`namespace "${bare}" lacks Baton's search attributes`);
      expect(message).toContain(`tcld namespace search-attributes add --namespace ${bare} --search-attribute BatonStage=Keyword --search-attribute BatonTracker=Keyword`);
      expect(message).toContain(`temporal operator search-attribute create --namespace ${bare} --name BatonStage --type Keyword`);
    }
  });

  it('without the operator API: attributes that exist are found through a visibility query, and Baton goes on', async () => {
    await ensureSearchAttributes(connection, namespace, { logger: silentLogger });
    const result = await ensureSearchAttributes(withoutOperatorApi('list'), namespace);
    expect(result).toEqual({ added: [], present: batonSearchAttributes.map((k) => k.name) });
  });

  it('spells types the way the Temporal CLI does', () => {
    expect(cliSearchAttributeType('KEYWORD_LIST')).toBe('KeywordList');
    expect(cliSearchAttributeType('DATETIME')).toBe('Datetime');
    expect(searchAttributeCreateCommands('ns', [batonSearchAttributes[0]!])).toEqual([
      'temporal operator search-attribute create --namespace ns --name BatonStage --type Keyword',
    ]);
  });
});
