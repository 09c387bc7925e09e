/**
 * The `codex` backend through the durable pipeline: the real `codex app-server` (0.169, offline,
 * isolated CODEX_HOME/TMPDIR, `danger-full-access`) against the scripted model server, in every
 * scenario of scenarios.ts. Approvals are in codex-approval.test.ts.
 */
import { codexBackend } from './backends.js';
import { describeAgentScenarios } from './scenarios.js';

describeAgentScenarios(codexBackend);
