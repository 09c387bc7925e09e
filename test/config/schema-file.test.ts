import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackerProfiles } from '../../adapters/trackers/index.js';
import { batonConfigSchema } from '../../config/schema.js';
import { generateSchemaText, SCHEMA_PATH } from '../../scripts/generate-schema.js';

const root = join(import.meta.dirname, '..', '..');

describe('spec/baton.schema.json', () => {
  it('baton §9 matches a fresh generation from config/schema.ts', () => {
    const committed = readFileSync(join(root, SCHEMA_PATH), 'utf8');
    expect(committed === generateSchemaText(), 'spec/baton.schema.json is stale: run npm run schema').toBe(true);
  });

  it('baton §9 describes every top-level key and every tracker kind', () => {
    const schema = JSON.parse(generateSchemaText()) as {
      $id: string;
      title: string;
      properties: Record<string, { oneOf?: { properties: { kind: { const: string } } }[] }>;
    };
    expect(schema.$id).toBeTruthy();
    expect(schema.title).toBeTruthy();
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(batonConfigSchema(trackerProfiles).shape).sort());
    const kinds = schema.properties.tracker!.oneOf!.map((v) => v.properties.kind.const);
    expect(kinds.sort()).toEqual([...trackerProfiles.kinds].sort());
  });

  it('baton §9 example configs point editors at the schema', () => {
    const file = join(root, 'test/fixtures/config/baton.yaml');
    const first = readFileSync(file, 'utf8').split('\n')[0]!;
    const match = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
    expect(match).not.toBeNull();
    expect(resolve(dirname(file), match![1]!)).toBe(join(root, SCHEMA_PATH));
  });
});
