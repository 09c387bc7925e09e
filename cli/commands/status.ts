/**
 * `baton status [config]`: asks the running orchestrator (and the issues it has in flight) what
 * every issue is doing and why — stage, state, status, attempt, runtime, tokens, session, last
 * error and when a retry is due. It reads only `name` and `temporal` from the config, leniently,
 * so it answers while the YAML is broken (and shows the orchestrator's config error on top).
 * `--json` prints `GET /api/v1/state`'s shape; `--watch` redraws in place like `top`.
 *
 * Everything heavy (the Temporal client, the mapping) is imported when the command runs, so the
 * other commands and `--help` stay quick.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { runCommand, ExitError } from '../runner.js';

interface StatusOptions {
  json?: boolean;
  watch?: boolean;
  interval?: number;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show every issue Baton is working on: stage, status, last error, retry due time, runtime, tokens')
    .argument('[config]', 'baton.yaml or WORKFLOW.md (default: ./baton.yaml, else ./WORKFLOW.md); only `name` and `temporal` are read')
    .option('--json', 'print the state as JSON, in the shape of GET /api/v1/state')
    .option('-w, --watch', 'redraw a live table in place until Ctrl-C')
    .option('--interval <ms>', 'with --watch: milliseconds between redraws (default 1000)', (v) => Number.parseInt(v, 10))
    .action(runCommand((file: string | undefined, opts: StatusOptions) => status(file, opts)));
}

async function status(file: string | undefined, opts: StatusOptions): Promise<void> {
  const [{ locateDeployment }, { Client }, { connectTemporalClient, resolveTemporalEndpoint }, state, view] = await Promise.all([
    import('../deployment-locator.js'),
    import('@temporalio/client'),
    import('../../runtime/temporal-connection.js'),
    import('../../server/state.js'),
    import('../status-view.js'),
  ]);
  const where = await locateDeployment(file);
  // The same connection as every process makes (TLS, API key, errors that name the failed step).
  const endpoint = await resolveTemporalEndpoint({ ...where.temporal, namespace: where.namespace }, { address: where.address, baseDir: path.dirname(where.configPath) });
  const connection = await connectTemporalClient(endpoint);
  const client = new Client({ connection, namespace: where.namespace });
  const context = (now: Date) => ({
    deployment: where.name,
    namespace: where.namespace,
    temporalUiUrl: where.uiUrl,
    trackerUrl: (issue: { url: string | null }) => issue.url,
    now,
  });
  const render = async (): Promise<{ text: string; json: unknown; ok: boolean }> => {
    const snapshot = await state.readDeploymentSnapshot(client, where.name, { timeoutMs: 5_000 });
    if (!snapshot.ok) {
      const body = { generated_at: snapshot.at.toISOString(), error: { code: snapshot.code, message: snapshot.message } };
      return { text: `Baton cannot read deployment \`${where.name}\`: ${snapshot.message}`, json: body, ok: false };
    }
    const now = new Date();
    const body = state.toStateResponse(snapshot, context(now));
    const notes = where.notes.map((n) => `note: ${n}`).join('\n');
    return { text: `${notes ? `${notes}\n` : ''}${view.formatState(body, now, process.stdout.columns || 140)}`, json: body, ok: true };
  };
  try {
    if (opts.watch) return await watch(render, opts.interval ?? 1_000);
    const out = await render();
    process.stdout.write(opts.json ? `${JSON.stringify(out.json, null, 2)}\n` : `${out.text}\n`);
    if (!out.ok) throw new ExitError(1);
  } finally {
    await connection.close();
  }
}

/** Redraw on the terminal's alternate screen (like `top`) until Ctrl-C; the screen is restored on exit. */
async function watch(render: () => Promise<{ text: string }>, intervalMs: number): Promise<void> {
  const tty = process.stdout.isTTY;
  const enter = tty ? '\x1b[?1049h\x1b[?25l' : '';
  const leave = tty ? '\x1b[?25h\x1b[?1049l' : '';
  process.stdout.write(enter);
  let stopped = false;
  const stop = new Promise<void>((resolve) => {
    const onSignal = () => {
      stopped = true;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    while (!stopped) {
      const { text } = await render().catch((err: unknown) => ({ text: `status failed: ${err instanceof Error ? err.message : String(err)}` }));
      const stamp = `baton status --watch · every ${intervalMs} ms · ${new Date().toISOString().slice(11, 19)}Z · Ctrl-C to quit`;
      process.stdout.write(`${tty ? '\x1b[H\x1b[2J' : '\n'}${stamp}\n\n${text}\n`);
      await Promise.race([stop, new Promise((r) => setTimeout(r, intervalMs))]);
    }
  } finally {
    process.stdout.write(leave);
  }
}
