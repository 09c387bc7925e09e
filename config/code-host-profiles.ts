/**
 * The contract between the config layer and the code host adapters (a `repository:` block), the
 * same way config/tracker-profiles.ts is for trackers: each adapter owns its profile (for example
 * `adapters/code-hosts/github/profile.ts`, zod only) and hands it in through the registry the
 * composition root passes to `loadConfig` (`TrackerProfileRegistry.codeHosts`), so the config layer
 * never imports adapters nor names a provider.
 *
 * What every code host shares is Baton's, and lives here: the work branch, the base branch, the
 * poll schedule of a PR wait. A profile adds its own keys (credentials, API URL) next to them.
 * Sandbox-safe (zod only).
 */
import { z } from 'zod';

export interface CodeHostSecret {
  /** Key of the block that holds the secret (a literal or `$VAR`). */
  readonly key: string;
  /** Environment variable read when the key is omitted. */
  readonly env?: string;
  readonly required: boolean;
}

export interface CodeHostProfile {
  readonly kind: string;
  /** One line shown in the JSON Schema next to `kind`. */
  readonly title: string;
  /** The whole block of this kind: `repositoryKeys(kind, title)` plus the provider's own keys. */
  readonly schema: z.ZodObject;
  readonly secrets: readonly CodeHostSecret[];
}

export interface CodeHostProfileRegistry {
  readonly kinds: readonly string[];
  get(kind: string): CodeHostProfile | undefined;
}

export function createCodeHostProfileRegistry(profiles: readonly CodeHostProfile[]): CodeHostProfileRegistry {
  const byKind = new Map<string, CodeHostProfile>();
  for (const profile of profiles) {
    if (byKind.has(profile.kind)) throw new Error(`code host kind \`${profile.kind}\` is registered twice`);
    byKind.set(profile.kind, profile);
  }
  return { kinds: [...byKind.keys()], get: (kind) => byKind.get(kind) };
}

const posInt = () => z.number().int().positive();

/** The keys every `repository:` block has; a profile spreads them into its schema. */
export function repositoryKeys(kind: string, title: string, repo: z.ZodString) {
  return {
    kind: z.literal(kind).describe(title),
    repo: repo.describe('The repository the work branches and pull requests live in'),
    base: z.string().trim().min(1).default('main').describe('Branch pull requests merge into'),
    branch_prefix: z.string().default('baton/').describe('Work branches are `<branch_prefix><identifier>`'),
    use_tracker_branch: z.boolean().default(false).describe('Use the tracker’s branch name for an issue when it has one (Linear, Jira)'),
    poll_interval_ms: posInt().default(30_000).describe('First poll interval of a PR wait (checks, reviews, merge); doubles while nothing changes'),
    poll_max_interval_ms: posInt().default(900_000).describe('Longest poll interval of a PR wait; webhooks wake it at once'),
  };
}

/** What the config layer reads of any block after parsing (a profile's own keys ride along). */
export interface RepositoryCommon {
  readonly kind: string;
  readonly repo: string;
  readonly base: string;
  readonly branch_prefix: string;
  readonly use_tracker_branch: boolean;
  readonly poll_interval_ms: number;
  readonly poll_max_interval_ms: number;
  /** The provider's own keys (`token`, `api_url`, `webhook_secret`, …), parsed by its profile. */
  readonly [key: string]: unknown;
}

/** The `repository` schema for the registered kinds (one `$defs/repository` in the JSON Schema). */
export function repositorySchema(registry: CodeHostProfileRegistry | undefined): z.ZodType<RepositoryCommon> {
  const variants = (registry?.kinds ?? []).map((kind) => registry!.get(kind)!.schema);
  const described = 'Where issues keep their code: Baton opens, gates and merges pull requests there (spec/SPEC.md §4.10)';
  if (variants.length === 0) {
    return z.never({ error: 'no code host kind is known to this process' }).describe(described) as unknown as z.ZodType<RepositoryCommon>;
  }
  const union = variants.length === 1 ? variants[0]! : z.discriminatedUnion('kind', variants as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
  return union.describe(described).meta({ id: 'repository' }) as unknown as z.ZodType<RepositoryCommon>;
}
