/**
 * A real git remote over HTTP for push tests: `git http-backend` (git's own smart-HTTP CGI program)
 * behind a Node server that, like GitHub, lets anyone fetch and asks for Basic credentials on push
 * (401 with `WWW-Authenticate`, so git consults its credential helper). It records the credentials
 * each push presented, so a test can say which token reached the remote.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/` — a repository `x.git` under `root` is at `${url}x.git`. */
  readonly url: string;
  /** `user:password` of every authorized push request, in order. */
  readonly pushes: string[];
  close(): Promise<void>;
}

const BACKEND = path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');

function isPush(url: URL): boolean {
  return url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
}

function basicCredentials(req: IncomingMessage): string | null {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : null;
}

/** Run the CGI program for one request: the body to its stdin, its headers and body back. */
function cgi(root: string, req: IncomingMessage, res: ServerResponse, url: URL, user: string | null): void {
  const child = spawn(BACKEND, [], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_HTTP_RECEIVE_PACK: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      ...(user ? { REMOTE_USER: user } : {}),
    },
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.on('close', () => {
    const out = Buffer.concat(chunks);
    const split = out.indexOf('\r\n\r\n');
    const [headerText, body] = split >= 0 ? [out.subarray(0, split).toString('utf8'), out.subarray(split + 4)] : ['', out];
    let status = 200;
    for (const line of headerText.split('\r\n').filter(Boolean)) {
      const [name, ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (name!.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else res.setHeader(name!, value);
    }
    res.statusCode = status;
    res.end(body);
  });
}

/** Serve the bare repositories under `root`; pushes need `x-access-token:<token>`. */
export async function startGitHttpServer(root: string, token: string): Promise<GitHttpServer> {
  const pushes: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (isPush(url)) {
      const creds = basicCredentials(req);
      if (creds !== `x-access-token:${token}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end('authentication required\n');
        return;
      }
      pushes.push(creds);
    }
    cgi(root, req, res, url, isPush(url) ? 'x-access-token' : null);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    pushes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
