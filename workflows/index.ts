/**
 * The workflows a Baton worker registers. Their exported names are the workflow types
 * (`WorkflowType` in core/protocol.ts): `batonOrchestrator` and `batonIssue`.
 */
export { batonOrchestrator } from './orchestrator/index.js';
export { batonIssue } from './issue/index.js';
