/**
 * The workflow code a worker hands to Temporal's sandbox. Run from `dist/` (the installed package,
 * the `baton` bin) it is the bundle `npm run build` wrote once (`dist/workflow-bundle.js`), so a
 * worker starts without webpack. Run from the TypeScript sources (vitest, tsx) it is bundled from
 * source on first use, so tests always exercise the workflow code as it is now. Both are built
 * the same way ({@link bundleWorkflowsFrom}), kept small because the workflow thread holds the whole
 * bundle for its lifetime.
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
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/**
 * The bundle's inline source map: file and line of each generated line, no columns and no copy of
 * the sources. The SDK requires an inline map and maps workflow stack traces through it (so a
 * failure still names `workflows/….ts:line`), and the workflow thread keeps the whole bundle and
 * the parsed map for its lifetime. Its default (`inline-source-map`: columns, and every source
 * file's text again, base64) made a 1.9 MB bundle of 0.66 MB of code; this one is 0.75 MB.
 */
export const BUNDLE_DEVTOOL = 'inline-nosources-cheap-module-source-map';

/**
 * `code` with every non-ASCII character written as a `\uXXXX` escape. V8 keeps a script's source
 * as a one-byte string only when every character is Latin-1; one `—` in a comment made the
 * workflow thread hold the bundle as two bytes a character. An escape means the same character in
 * a string, template, regular expression, identifier or comment (pure; table-tested).
 */
export function escapeNonAscii(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Bundle the workflows module at `workflowsPath` the way every Baton worker loads it. */
export async function bundleWorkflowsFrom(workflowsPath: string): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: quietBundlerLogger,
    webpackConfigHook: (config) => ({ ...config, devtool: BUNDLE_DEVTOOL }),
  });
  return { code: escapeNonAscii(code) };
}

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundle the workflows from {@link WORKFLOWS_PATH}, once per process (webpack takes seconds). */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowsFrom(WORKFLOWS_PATH);
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
