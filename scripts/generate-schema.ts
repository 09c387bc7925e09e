/**
 * `npm run schema`: writes `spec/baton.schema.json`, the JSON Schema of `baton.yaml` generated from
 * the zod schema (the single source of truth). Editors use it through the first line of a config:
 * `# yaml-language-server: $schema=<path>/spec/baton.schema.json`.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { batonConfigSchema } from '../config/schema.js';
import { trackerProfiles } from '../adapters/trackers/index.js';

/** Where the generated schema lives, relative to the repository root. */
export const SCHEMA_PATH = join('spec', 'baton.schema.json');

/** The schema document, as the committed file must contain it (two-space JSON, trailing newline). */
export function generateSchemaText(): string {
  const generated = z.toJSONSchema(batonConfigSchema(trackerProfiles), { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  const document = {
    $schema: generated.$schema,
    $id: 'urn:baton:spec:baton.schema.json',
    title: 'Baton configuration (baton.yaml, or the front matter of a Symphony WORKFLOW.md)',
    description: 'Generated from config/schema.ts by `npm run schema`; do not edit by hand. Unknown keys are accepted with a warning by `baton validate`.',
    ...generated,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const target = join(import.meta.dirname, '..', SCHEMA_PATH);
  writeFileSync(target, generateSchemaText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
