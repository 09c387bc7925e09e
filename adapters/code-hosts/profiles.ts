/**
 * Every code host kind this build knows, as profiles (zod only): handed to the config layer
 * through the tracker registry's `codeHosts` (adapters/trackers/index.ts), so `repository:` blocks
 * are validated without the config layer importing adapters. Adding a kind: its `profile.ts`
 * here, its adapter in `index.ts`.
 */
import { createCodeHostProfileRegistry, type CodeHostProfileRegistry } from '../../config/code-host-profiles.js';
import { githubRepositoryProfile } from './github/profile.js';

export const codeHostProfiles: CodeHostProfileRegistry = createCodeHostProfileRegistry([githubRepositoryProfile]);
