/**
 * Finding a running deployment from its config file without validating the file: only `name` and
 * the `temporal` block are read, leniently, so `baton status` still answers while someone's edit
 * has broken the YAML (the orchestrator keeps the last good config and reports the error itself).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { splitFrontMatter, isMarkdownPath } from '../config/front-matter.js';
import { expandPath } from '../config/resolve-env.js';
import { findDefaultConfigPath } from '../config/find.js';
import { BatonError, ErrorCategory } from '../core/errors.js';
import { readServerState } from '../runtime/server-state.js';
import { TemporalSchema, type TemporalConfig } from '../config/schema.js';

export interface DeploymentLocation {
  configPath: string;
  /** The `temporal` block as written (TLS, API key), defaults where it did not parse. */
  temporal: TemporalConfig;
  name: string;
  namespace: string;
  /** `host:port` of the Temporal frontend. */
  address: string;
  /** The embedded server's Web UI, when it runs one. */
  uiUrl: string | null;
  /** What could not be read from the file (the defaults were used instead). */
  notes: string[];
}

const NAME = /^[A-Za-z0-9._-]+$/;

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() ? value.trim() : fallback;
}

/** The raw document, or `{}` with a note when the file cannot be parsed at all. */
function readDocument(configPath: string, notes: string[]): Record<string, unknown> {
  let source: string;
  try {
    source = readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new BatonError(ErrorCategory.missingWorkflowFile, `cannot read ${configPath} (${(err as NodeJS.ErrnoException).code ?? err}); pass the config file of the deployment`);
  }
  const yamlText = isMarkdownPath(configPath) ? (splitFrontMatter(source).frontMatter ?? '') : source;
  // The yaml parser recovers what it can from a broken file: `name` and `temporal` usually survive
  // an edit that broke some other part.
  const doc = parseDocument(yamlText);
  if (doc.errors.length) notes.push(`the file has YAML errors (${doc.errors[0]!.message.split('\n')[0]}); reading what parses`);
  try {
    return record(doc.toJS());
  } catch {
    const name = /^name:\s*["']?([A-Za-z0-9._-]+)["']?\s*$/m.exec(yamlText)?.[1];
    return name ? { name } : {};
  }
}

/** Where the deployment of `file` (default ./baton.yaml, else ./WORKFLOW.md) runs. */
export async function locateDeployment(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<DeploymentLocation> {
  const configPath = path.resolve(findDefaultConfigPath(process.cwd(), file));
  const notes: string[] = [];
  const doc = readDocument(configPath, notes);
  const rawName = text(doc.name, 'baton');
  const name = NAME.test(rawName) ? rawName : 'baton';
  const temporal = record(doc.temporal);
  const parsed = TemporalSchema.safeParse(temporal);
  if (!parsed.success) notes.push('the temporal block does not validate; connecting with what could be read');
  const settings: TemporalConfig = parsed.success ? parsed.data : TemporalSchema.parse({ address: text(temporal.address, 'embedded'), namespace: text(temporal.namespace, 'default') });
  const namespace = text(temporal.namespace, 'default');
  const address = text(temporal.address, 'embedded');
  if (address.toLowerCase() !== 'embedded') return { configPath, temporal: settings, name, namespace, address, uiUrl: null, notes };
  const embedded = record(temporal.embedded);
  const baseDir = path.dirname(configPath);
  const dbFile = expandPath(text(embedded.db_file, '.baton/temporal.sqlite'), { env, baseDir }).path ?? path.resolve(baseDir, '.baton/temporal.sqlite');
  const state = await readServerState(dbFile);
  if (!state) {
    throw new BatonError(
      ErrorCategory.temporalUnavailable,
      `no embedded Temporal server is running for ${configPath} (none recorded next to ${dbFile}); start one with \`baton start\`, or set temporal.address to a running server`,
    );
  }
  return { configPath, temporal: settings, name, namespace: state.namespace || namespace, address: state.address, uiUrl: state.uiUrl, notes };
}
