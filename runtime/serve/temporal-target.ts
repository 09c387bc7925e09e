/**
 * Where this process's Temporal is: the embedded dev server `baton start` runs (started here, and
 * stopped last), the one another `baton start` recorded next to its database, or the configured
 * address of a cluster.
 */
import type { BatonConfig } from '../../config/schema.js';
import { announce, type Logger } from '../../base/logger.js';
import { resolveTemporalCli } from '../temporal-binary.js';
import { startEmbeddedServer, type EmbeddedServer } from '../embedded-server.js';
import { isEmbedded, temporalAddress } from '../temporal-client.js';

export interface TemporalTarget {
  readonly address: string;
  /** The embedded server this process runs, if any. */
  readonly server: EmbeddedServer | undefined;
  stop(): Promise<void>;
}

export async function temporalTarget(config: BatonConfig, embedded: boolean, logger: Logger): Promise<TemporalTarget> {
  if (!isEmbedded(config)) return { address: config.temporal.address, server: undefined, stop: async () => undefined };
  if (!embedded) return { address: await temporalAddress(config), server: undefined, stop: async () => undefined };
  const server = await startEmbeddedServer({
    cliPath: await resolveTemporalCli({ logger }),
    dbFile: config.temporal.embedded.db_file,
    ip: config.temporal.embedded.ip,
    port: config.temporal.embedded.port,
    uiPort: config.temporal.embedded.ui_port,
    namespace: config.temporal.namespace,
    logger,
  });
  announce(logger, `Temporal Web UI: ${server.uiUrl}/namespaces/${config.temporal.namespace}/workflows`, { temporal_ui: server.uiUrl });
  return {
    address: server.address,
    server,
    async stop() {
      await server.stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'embedded server stop failed'));
    },
  };
}
