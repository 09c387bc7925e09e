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
import { silentLogger } from '../../runtime/logger.js';
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

  it('turns a permission error into the commands an admin can run', async () => {
    const denied: OperatorConnection = {
      operatorService: {
        listSearchAttributes: async () => {
          throw Object.assign(new Error('7 PERMISSION_DENIED: not an admin'), { code: 7 });
        },
      } as unknown as OperatorConnection['operatorService'],
    };
    await expect(ensureSearchAttributes(denied, 'prod')).rejects.toMatchObject({
      category: 'temporal_unavailable',
      message: expect.stringContaining(
        'temporal operator search-attribute create --namespace prod --name BatonStage --type Keyword',
      ),
    });
  });

  it('spells types the way the Temporal CLI does', () => {
    expect(cliSearchAttributeType('KEYWORD_LIST')).toBe('KeywordList');
    expect(cliSearchAttributeType('DATETIME')).toBe('Datetime');
    expect(searchAttributeCreateCommands('ns', [batonSearchAttributes[0]!])).toEqual([
      'temporal operator search-attribute create --namespace ns --name BatonStage --type Keyword',
    ]);
  });
});
