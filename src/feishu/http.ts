/**
 * The HTTP layer: every request goes through @actions/http-client, the toolkit's client
 * (@actions/core loads it anyway), so proxies work as for every other action: HTTPS_PROXY /
 * HTTP_PROXY with NO_PROXY honoured, by the toolkit's own rules. One client per run keeps its
 * connections alive between requests; dispose() closes them so nothing holds the process open.
 */
import type { Readable } from 'node:stream';
import { HttpClient } from '@actions/http-client';
import type { RequestHandler } from '@actions/http-client/lib/interfaces';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | RequestStream;
  /** The URL itself is a secret (a webhook's): never shown, not even its path. */
  secretUrl?: boolean;
}

/** A body too large to hold in memory (an image upload); each attempt reads it afresh. */
export interface RequestStream {
  length: number;
  /** A fresh stream of the whole body. */
  open(): Readable;
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

export const USER_AGENT = 'feishu-notify (GitHub Action)';

/** `timeoutMs` bounds each request, from connecting to the last byte of the answer. */
export function createTransport(timeoutMs: number): Transport {
  // http-client takes no abort signal, but lets a handler adjust each request's options just
  // before it is made (synchronously, inside request()): that is where the signal goes.
  let nextSignal: AbortSignal | undefined;
  const attachSignal: RequestHandler = {
    prepareRequest: (options) => {
      options.signal = nextSignal;
      nextSignal = undefined;
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('not used')),
  };
  // No redirects: http-client would replay the request, body included, to wherever a 3xx
  // points (only Authorization is dropped across hosts), so a redirecting `domain` would get
  // the app secret from the token request. The API never redirects; a 3xx is an error here.
  const client = new HttpClient(USER_AGENT, [attachSignal], {
    keepAlive: true,
    allowRetries: false,
    allowRedirects: false,
    socketTimeout: timeoutMs,
  });
  return {
    async send(request) {
      // The socket timeout ends a silent connection; this deadline also ends a trickling one.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const { body } = request;
      const stream = typeof body === 'object' ? body.open() : undefined;
      try {
        const headers: Record<string, string> = { ...request.headers };
        if (typeof body === 'string') headers['Content-Length'] = String(Buffer.byteLength(body));
        else if (body) headers['Content-Length'] = String(body.length);
        nextSignal = controller.signal;
        const response = await client.request(
          request.method,
          request.url,
          stream ?? (typeof body === 'string' ? body : null),
          headers,
        );
        return {
          status: response.message.statusCode ?? 0,
          headers: response.message.headers,
          body: await response.readBody(),
        };
      } catch (error) {
        throw toTransportError(error, timeoutMs, controller.signal.aborted);
      } finally {
        clearTimeout(timer);
        // An upload cut short leaves its file open otherwise.
        stream?.destroy();
      }
    },
    dispose() {
      client.dispose();
    },
  };
}

/** http-client's own errors quote the request path (a webhook's token): keep only the kind. */
function toTransportError(error: unknown, timeoutMs: number, aborted: boolean): TransportError {
  if (error instanceof TransportError) return error;
  const err = error as NodeJS.ErrnoException;
  if (aborted || /timeout/i.test(err?.message ?? '') || err?.code === 'ETIMEDOUT') {
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
