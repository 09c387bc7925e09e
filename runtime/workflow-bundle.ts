/**
 * The workflow code a worker hands to Temporal's sandbox. Run from `dist/` (the installed package,
 * the `baton` bin) it is the bundle `npm run build` wrote once (`dist/workflow-bundle.js`), so a
 * worker starts without webpack. Run from the TypeScript sources (vitest, tsx) it is bundled from
 * source on first use, so tests always exercise the workflow code as it is now.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';

/** True when this module runs as TypeScript source rather than from `dist/`. */
const fromSource = import.meta.url.endsWith('.ts');

/** The workflows module the bundle is built from: `workflows/index.ts`, or its compiled `.js`. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${fromSource ? 'ts' : 'js'}`, import.meta.url));

/** Where the build writes the prebuilt bundle: `dist/workflow-bundle.js`, beside `dist/runtime/`. */
export const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

const noop = () => undefined;
/** webpack's progress lines are noise to a user; its errors are not. */
export const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundle the workflows from {@link WORKFLOWS_PATH}, once per process (webpack takes seconds). */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

/**
 * What `Worker.create` gets as `workflowBundle`: the prebuilt file when running from `dist/` (a
 * `dist/` without one, e.g. a half-finished build, still works by bundling), else a fresh bundle.
 */
export async function workflowBundleOption(): Promise<WorkflowBundleOption> {
  if (!fromSource && existsSync(PREBUILT_BUNDLE_PATH)) return { codePath: PREBUILT_BUNDLE_PATH };
  return bundleWorkflows();
}
