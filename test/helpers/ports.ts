/**
 * Local TCP ports for tests: one nothing listens on (a connection is refused at once), and one
 * held open by this process (a bind to it fails with EADDRINUSE).
 */
import { createServer, type Server } from 'node:net';

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { server, port } = await holdPort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port on 127.0.0.1 this process listens on until `server.close()`. */
export async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}
