/**
 * A tiny HTTP forward proxy on loopback for tests: plain HTTP requests in absolute-URI form
 * (`GET http://host/path`) are forwarded, and CONNECT opens a tunnel. It records what went
 * through it: every proxied request, every tunnel, and the request lines seen inside plain
 * tunnels (the fake API speaks plain HTTP, so a tunnel to it can be read).
 *
 * `resolve` maps a requested host to the address actually dialled, so a test can use a name
 * such as `feishu.test` (not a loopback literal, which @actions/http-client never proxies)
 * and still reach a server on 127.0.0.1.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ProxyRecord {
  /** 'CONNECT' for a tunnel, else the proxied request's method. */
  method: string;
  /** host:port for CONNECT, the absolute URI for a proxied request. */
  target: string;
  at: number;
}

export interface TestProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Proxied requests and tunnels opened, in order. */
  records: ProxyRecord[];
  /** "METHOD /path" of every HTTP request seen inside a tunnel (plain HTTP only). */
  tunneled: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** The address to dial for a requested host; default: the host itself. */
  resolve?(host: string): string;
}

const REQUEST_LINE = /(?:^|\r\n)(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/g;

export async function startProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const resolveHost = options.resolve ?? ((host: string) => host);
  const records: ProxyRecord[] = [];
  const tunneled: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer going away mid-test must not crash the test process.
    socket.on('error', () => socket.destroy());
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI required');
      return;
    }
    records.push({ method: req.method ?? 'GET', target: target.href, at: Date.now() });
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = request(
      {
        host: resolveHost(target.hostname),
        port: Number(target.port || 80),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('bad gateway');
      else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    records.push({ method: 'CONNECT', target, at: Date.now() });
    const at = target.lastIndexOf(':');
    const host = at > 0 ? target.slice(0, at).replace(/^\[|\]$/g, '') : target;
    const port = at > 0 ? Number(target.slice(at + 1)) : 443;
    const upstream = connect(port, resolveHost(host));
    track(upstream);
    let seen = '';
    const sniff = (chunk: Buffer) => {
      // Keep a short tail so a request line split across chunks is still found.
      seen = (seen + chunk.toString('latin1')).slice(-65_536);
      let match: RegExpExecArray | null;
      REQUEST_LINE.lastIndex = 0;
      let last = 0;
      match = REQUEST_LINE.exec(seen);
      while (match) {
        tunneled.push(`${match[1]} ${match[2]}`);
        last = REQUEST_LINE.lastIndex;
        match = REQUEST_LINE.exec(seen);
      }
      seen = seen.slice(last);
    };
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) {
        sniff(head);
        upstream.write(head);
      }
      client.on('data', sniff);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    tunneled,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
