/** The workflows a Baton worker runs; this module is what gets bundled for the workflow sandbox. */
export { orchestratorWorkflow } from './orchestrator.js';
export { issueWorkflow } from './issue.js';
