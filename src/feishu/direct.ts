/** Requests straight through node:http / node:https, with keep-alive agents per run. */
import * as http from 'node:http';
import * as https from 'node:https';
import { type Exchange, type HttpResponse, TransportError, USER_AGENT } from './http.js';

export function directExchange(timeoutMs: number): Exchange {
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  return {
    send(request, signal) {
      const url = new URL(request.url);
      const secure = url.protocol === 'https:';
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...request.headers };
      const { body } = request;
      if (typeof body === 'string') headers['Content-Length'] = String(Buffer.byteLength(body));
      else if (body) headers['Content-Length'] = String(body.length);
      return new Promise<HttpResponse>((resolve, reject) => {
        const options = {
          method: request.method,
          headers,
          agent: agents[secure ? 'https:' : 'http:'],
          timeout: timeoutMs,
          signal,
        };
        const req = (secure ? https : http).request(url, options, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        });
        req.on('timeout', () =>
          req.destroy(new TransportError(`timed out after ${timeoutMs / 1000}s`, true)),
        );
        req.on('error', reject);
        if (body === undefined || typeof body === 'string') {
          req.end(body);
          return;
        }
        const write = (chunk: Buffer) =>
          new Promise<void>((done, fail) =>
            req.write(chunk, (error) => (error ? fail(error) : done())),
          );
        body.writeTo(write).then(
          () => req.end(),
          (error: unknown) =>
            req.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
    dispose() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
