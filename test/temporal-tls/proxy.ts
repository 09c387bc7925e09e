/**
 * TLS in front of a plain Temporal dev server (the Temporal CLI's dev server has no TLS flags),
 * built on Node's `tls` and `http2` modules, listening on a free port of 127.0.0.1:
 * - `pipe`: terminates TLS (optionally requiring a client certificate signed by the CA) and pipes
 *   the decrypted bytes to the server: HTTP/2 gRPC passes through untouched;
 * - `http2`: terminates TLS and HTTP/2, records every request's headers (to see the
 *   `authorization: Bearer` an API key becomes: HPACK hides them from a byte pipe), and forwards
 *   each stream to the server, trailers included; it can refuse the operator API with
 *   PERMISSION_DENIED, as Temporal Cloud does.
 */
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';

export interface TlsProxy {
  /** `127.0.0.1:<port>`. */
  address: string;
  /** TLS sessions accepted (handshake completed). */
  sessions: number;
  /** http2 mode: `:path` and `authorization` of every request, in order. */
  requests: Array<{ path: string; authorization?: string; userAgent?: string }>;
  close(): Promise<void>;
}

export interface TlsProxyOptions {
  mode: 'pipe' | 'http2';
  /** `host:port` of the plain server behind. */
  backend: string;
  cert: string;
  key: string;
  /** When set, clients must present a certificate this CA signed (mutual TLS). */
  clientCa?: string;
  /** http2 mode: answer every OperatorService call with PERMISSION_DENIED (Temporal Cloud). */
  refuseOperatorApi?: boolean;
}

export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const [backendHost, backendPort] = splitHostPort(options.backend);
  const secure = {
    cert: options.cert,
    key: options.key,
    ALPNProtocols: ['h2'],
    ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
  const proxy: TlsProxy = { address: '', sessions: 0, requests: [], close: async () => undefined };
  let server: net.Server;
  const open = new Set<{ destroy(): void }>();
  if (options.mode === 'pipe') {
    server = tls.createServer(secure, (client) => {
      proxy.sessions += 1;
      const upstream = net.connect(backendPort, backendHost);
      for (const s of [client, upstream]) {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  } else {
    const upstream = http2.connect(`http://${options.backend}`);
    upstream.on('error', () => undefined);
    open.add({ destroy: () => upstream.destroy() });
    const h2 = http2.createSecureServer({ ...secure, allowHTTP1: false });
    h2.on('secureConnection', () => (proxy.sessions += 1));
    h2.on('session', (session) => {
      open.add(session);
      session.on('close', () => open.delete(session));
    });
    h2.on('stream', (stream, headers) => {
      const requestPath = String(headers[':path']);
      proxy.requests.push({ path: requestPath, authorization: headers.authorization, userAgent: headers['user-agent'] });
      if (options.refuseOperatorApi && requestPath.startsWith('/temporal.api.operatorservice.v1.OperatorService/')) {
        // A trailers-only gRPC answer: status 7, PERMISSION_DENIED.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '7', 'grpc-message': 'Request unauthorized.' }, { endStream: true });
        return;
      }
      forward(stream, headers, upstream);
    });
    server = h2;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

/** One gRPC call: request headers and body up, response headers, body and trailers down. */
function forward(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, upstream: http2.ClientHttp2Session): void {
  const { ':authority': _authority, ':scheme': _scheme, ...rest } = headers;
  const request = upstream.request(rest);
  let trailers: http2.OutgoingHttpHeaders = {};
  stream.pipe(request);
  request.on('response', (response, flags) => {
    // A trailers-only answer (an error status, no body) must stay one HEADERS frame that ends the stream.
    const endsStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    if (!stream.destroyed) stream.respond(response, endsStream ? { endStream: true } : { waitForTrailers: true });
  });
  request.on('trailers', (t) => (trailers = t));
  request.on('data', (chunk: Buffer) => stream.destroyed || stream.write(chunk));
  request.on('end', () => stream.destroyed || stream.end());
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  // A reset on one side (a cancelled call, a dropped server stream) resets the other; a normal close
  // has already ended both through end/trailers.
  request.on('close', () => request.rstCode && !stream.destroyed && stream.close(request.rstCode));
  stream.on('close', () => stream.rstCode && !request.destroyed && request.close(stream.rstCode));
  request.on('error', () => undefined);
  stream.on('error', () => undefined);
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
