/**
 * The HTTP layer: @actions/http-client (so HTTPS_PROXY / NO_PROXY on self-hosted runners
 * just work), loaded on first use so a dry run never pays for it. One keep-alive client per
 * run, disposed at the end so nothing holds the process open.
 */
import type { Readable } from 'node:stream';
import type { HttpClient } from '@actions/http-client';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A string, or a factory for a fresh stream (bodies are re-sent on retries). */
  body?: string | (() => Readable);
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request; rejects with TransportError (never with a message naming the URL). */
export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
  dispose(): void;
}

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly reason: string,
    readonly timedOut: boolean,
  ) {
    super(reason);
  }
}

const USER_AGENT = 'feishu-notify (GitHub Action)';

/** `timeoutMs` bounds each request, from connecting to the last byte of the answer. */
export function createTransport(timeoutMs: number): Transport {
  let client: Promise<HttpClient> | undefined;
  // The socket timeout ends a silent connection; the deadline below also ends a trickling one.
  // No redirects: http-client would replay the request, body included, to wherever a 3xx
  // points (only Authorization is dropped across hosts), so a redirecting `domain` would get
  // the app secret from the token request. The API never redirects; a 3xx is an error here.
  const options = {
    keepAlive: true,
    allowRetries: false,
    allowRedirects: false,
    socketTimeout: timeoutMs,
  };
  const getClient = () => {
    client ??= import('@actions/http-client').then(
      ({ HttpClient }) => new HttpClient(USER_AGENT, [], options),
    );
    return client;
  };
  return {
    async send(request) {
      const http = await getClient();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TransportError(`timed out after ${timeoutMs / 1000}s`, true)),
          timeoutMs,
        );
      });
      try {
        const exchange = (async () => {
          const body = typeof request.body === 'function' ? request.body() : (request.body ?? null);
          const response = await http.request(
            request.method,
            request.url,
            body,
            request.headers ?? {},
          );
          return {
            status: response.message.statusCode ?? 0,
            headers: response.message.headers,
            body: await response.readBody(),
          };
        })();
        exchange.catch(() => undefined);
        return await Promise.race([exchange, deadline]);
      } catch (error) {
        throw toTransportError(error, timeoutMs);
      } finally {
        clearTimeout(timer);
      }
    },
    dispose() {
      void client?.then((http) => http.dispose());
    },
  };
}

/** http-client's own errors quote the request path (a webhook's token): keep only the kind. */
function toTransportError(error: unknown, timeoutMs: number): TransportError {
  if (error instanceof TransportError) return error;
  const err = error as NodeJS.ErrnoException;
  if (/timeout/i.test(err?.message ?? '') || err?.code === 'ETIMEDOUT') {
    return new TransportError(`timed out after ${timeoutMs / 1000}s`, true);
  }
  const code = typeof err?.code === 'string' ? err.code : 'network error';
  const described: Record<string, string> = {
    ECONNRESET: 'connection reset by the server',
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    EPIPE: 'connection closed while sending',
  };
  return new TransportError(described[code] ?? code, false);
}
