/**
 * `--port <port>` of `baton start` and `baton worker` (Symphony's CLI flag): the HTTP server's port
 * for this process, over `server.port` in the config. `0` asks for a free port. The value is
 * checked while the command line is read, so a typo is a usage error before anything starts.
 */
import { InvalidArgumentError } from 'commander';
import type { BatonConfig } from '../config/schema.js';

export const PORT_HELP = 'serve the dashboard, API and webhooks on this port (over server.port; 0 picks a free port)';

/** Commander's parser for `--port`: an integer from 0 to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port > 65_535) {
    // Commander reports it as a usage error naming the option, and exits 1.
    throw new InvalidArgumentError('give a port number from 0 to 65535 (0 picks a free port)');
  }
  return port;
}

/** The config with `--port` applied, when given. */
export function withPort(config: BatonConfig, port: number | undefined): BatonConfig {
  return port === undefined ? config : { ...config, server: { ...config.server, port } };
}
