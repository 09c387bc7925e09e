/**
 * The `openai` backend (Baton's own Responses-API agent loop) through the durable pipeline, with
 * `openai.base_url` pointing at the scripted model server, in every scenario of scenarios.ts.
 */
import { openaiBackend } from './backends.js';
import { describeAgentScenarios } from './scenarios.js';

describeAgentScenarios(openaiBackend);
