/**
 * Code host adapters by `repository.kind`: each module is imported only when a repository of that
 * kind is used (profiles, zod only, live in `profiles.ts`). Adding a kind: its profile there and
 * one loader line here.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { RepositoryConfig } from '../../config/schema.js';
import { codeHostProfiles } from './profiles.js';
import type { CodeHostAdapter, CodeHostContext, CodeHostFactory } from './types.js';

const loaders: Record<string, () => Promise<CodeHostFactory>> = {
  github: () => import('./github/host.js').then((m) => (config, ctx) => new m.GithubCodeHost(config, ctx.logger)),
};

export async function createCodeHost(config: RepositoryConfig, ctx: CodeHostContext): Promise<CodeHostAdapter> {
  const load = Object.hasOwn(loaders, config.kind) ? loaders[config.kind] : undefined;
  if (!load) {
    throw new BatonError(ErrorCategory.invalidConfig, `repository ${config.repo}: kind \`${config.kind}\` is not supported; use one of: ${codeHostProfiles.kinds.join(', ')}`, { retryable: false });
  }
  return (await load())(config, ctx);
}
