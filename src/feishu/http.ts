/**
 * The HTTP layer. Requests go straight out through node:http / node:https with keep-alive
 * agents, unless the runner configures a proxy for the URL (HTTPS_PROXY / HTTP_PROXY, with
 * NO_PROXY honoured, decided by @actions/http-client's own rules): then they go through
 * @actions/http-client, loaded only in that case. http-client loads undici eagerly, which
 * costs ~40 ms and ~20 MB on every run; a self-hosted runner behind a proxy still gets the
 * toolkit's proxy support unchanged. Everything is disposed at the end so nothing holds the
 * process open.
 */
import type { Readable } from 'node:stream';
import type { HttpClient } from '@actions/http-client';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import { directExchange } from './direct.js';

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
  /** A fresh stream of the whole body, for clients that pipe. */
  open(): Readable;
  /** Writes the body through one reused buffer, awaiting each chunk's flush before the next. */
  writeTo(write: (chunk: Buffer) => Promise<void>): Promise<void>;
}

/** One way of sending a request (direct or through the toolkit); aborted by the signal. */
export interface Exchange {
  send(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse>;
  dispose(): void;
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
  const direct = directExchange(timeoutMs);
  let toolkit: Exchange | undefined;
  return {
    async send(request) {
      const proxied = getProxyUrl(new URL(request.url)) !== undefined;
      if (proxied) toolkit ??= toolkitExchange(timeoutMs);
      const exchange = proxied && toolkit ? toolkit : direct;
      // The socket timeout ends a silent connection; this deadline also ends a trickling one.
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new TransportError(`timed out after ${timeoutMs / 1000}s`, true));
        }, timeoutMs);
      });
      try {
        const answer = exchange.send(request, controller.signal);
        answer.catch(() => undefined);
        return await Promise.race([answer, deadline]);
      } catch (error) {
        throw toTransportError(error, timeoutMs);
      } finally {
        clearTimeout(timer);
      }
    },
    dispose() {
      direct.dispose();
      toolkit?.dispose();
    },
  };
}

/** Through @actions/http-client, for proxied URLs only (see the top of this file). */
function toolkitExchange(timeoutMs: number): Exchange {
  // No redirects: http-client would replay the request, body included, to wherever a 3xx
  // points (only Authorization is dropped across hosts), so a redirecting `domain` would get
  // the app secret from the token request. The API never redirects; a 3xx is an error here.
  const options = {
    keepAlive: true,
    allowRetries: false,
    allowRedirects: false,
    socketTimeout: timeoutMs,
  };
  const client: Promise<HttpClient> = import('@actions/http-client').then(
    ({ HttpClient }) => new HttpClient(USER_AGENT, [], options),
  );
  client.catch(() => undefined);
  return {
    async send(request) {
      const http = await client;
      const body = typeof request.body === 'object' ? request.body.open() : (request.body ?? null);
      const response = await http.request(request.method, request.url, body, request.headers ?? {});
      return {
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        body: await response.readBody(),
      };
    },
    dispose() {
      void client.then((http) => http.dispose());
    },
  };
}

/** http-client's own errors quote the request path (a webhook's token): keep only the kind. */
function toTransportError(error: unknown, timeoutMs: number): TransportError {
  if (error instanceof TransportError) return error;
  const err = error as NodeJS.ErrnoException;
  if (
    /timeout/i.test(err?.message ?? '') ||
    err?.code === 'ETIMEDOUT' ||
    err?.name === 'AbortError'
  ) {
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
