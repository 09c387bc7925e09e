/** The config layer's public surface: load, reload, render prompts, mask and hash configs, and the tracker-profile contract adapters fill. */
export { loadConfig, type LoadOptions, type LoadResult } from './load.js';
export { ConfigError, Severity, formatDiagnostic, isConfigError, type Diagnostic } from './diagnostics.js';
export { ConfigStore, type ConfigSnapshot, type ConfigStoreOptions } from './store.js';
export { configHash, stableStringify } from './config-hash.js';
export { maskSecrets, MASK } from './mask-secrets.js';
export { renderPrompt, parsePromptTemplate, type PromptVars, type StageVars } from './prompt.js';
export { findDefaultConfigPath, DEFAULT_CONFIG_FILES } from './find.js';
export { resolveSecret, expandPath, parseEnvReference, type Env } from './resolve-env.js';
export { defaultWorkspaceRoot } from './normalize.js';
export type * from './schema.js';
export { createTrackerProfileRegistry, type TrackerEnvSetting, type TrackerProfile, type TrackerProfileRegistry, type TrackerSecret } from './tracker-profiles.js';
