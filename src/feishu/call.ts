/**
 * One API call with the retry policy: network errors, timeouts, HTTP 5xx, 429 and
 * Feishu's throttling codes are retried with jittered backoff (waiting out a rate-limit
 * reset when given); a rejected token is refreshed once; every answer is checked for
 * `code !== 0`, whatever the HTTP status.
 */
import { setTimeout as wait } from 'node:timers/promises';
import {
  type ErrorBody,
  FeishuError,
  feishuError,
  IN_FLIGHT_CODES,
  NetworkError,
  THROTTLE_CODES,
  TOKEN_CODES,
} from './errors.js';
import type { HttpRequest, HttpResponse, Transport } from './http.js';
import {
  backoffDelay,
  MAX_IN_FLIGHT_WAITS,
  MAX_RESET_WAIT_MS,
  type RetryPolicy,
  throttleDelay,
} from './retry.js';

export interface CallContext {
  transport: Transport;
  policy: RetryPolicy;
  /** Epoch ms after which no new attempt starts (the post step's total bound). */
  deadline?: number;
  debug(message: string): void;
  sleep?(ms: number): Promise<void>;
  random?(): number;
}

export interface CallOptions {
  /** Called before a single repeat when the token was rejected; the request is then rebuilt. */
  refreshToken?(): void;
  /**
   * Repeating the request cannot do it twice (a send with its uuid, a PATCH, a DELETE, a read):
   * an answer that cannot be read (an HTML page or truncated JSON with HTTP 200) is retried too.
   */
  idempotent?: boolean;
}

export type Json = Record<string, unknown>;

export async function call(
  calls: CallContext,
  operation: string,
  build: () => Promise<HttpRequest> | HttpRequest,
  options: CallOptions = {},
): Promise<Json> {
  const sleep = calls.sleep ?? wait;
  /** Waits before a retry, or says there is no time left for one. */
  const pause = async (ms: number) => {
    if (calls.deadline !== undefined && Date.now() + ms >= calls.deadline) return false;
    await sleep(ms);
    return true;
  };
  let refreshed = false;
  let inFlightWaits = 0;
  /** An earlier attempt got no readable answer: it may have been carried out all the same. */
  let mayHaveLanded = false;
  for (let attempt = 0; ; attempt++) {
    const canRetry = attempt < calls.policy.retries;
    const request = await build();
    let response: HttpResponse;
    try {
      response = await calls.transport.send(request);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const timedOut = (error as { timedOut?: boolean }).timedOut === true;
      calls.debug(`${operation}: ${reason} (attempt ${attempt + 1})`);
      mayHaveLanded = true;
      if (canRetry && (await pause(backoffDelay(attempt, calls.policy, undefined, calls.random)))) {
        continue;
      }
      throw new NetworkError(operation, `${reason} (${attempt + 1} attempts)`, timedOut);
    }

    const body = parseBody(response.body);
    const code = Number(body?.code ?? body?.StatusCode ?? Number.NaN);
    const headerLogId = header(response, 'x-tt-logid');
    const logId = typeof body?.error?.log_id === 'string' ? body.error.log_id : headerLogId;
    calls.debug(
      `${request.method} ${request.secretUrl ? '(a secret URL)' : loggablePath(request.url)} (${operation}): HTTP ${response.status}, code ${Number.isNaN(code) ? '-' : code}${logId ? `, log_id ${logId}` : ''}`,
    );

    if (code === 0 && response.status < 400) return body as Json;
    if (body && TOKEN_CODES.has(code) && options.refreshToken && !refreshed) {
      refreshed = true;
      options.refreshToken();
      attempt--; // a fresh token is not a retry
      continue;
    }
    // An earlier attempt with this uuid is still being processed: wait for it and ask again
    // (same request, same uuid), without spending a retry; the answer is then its message.
    if (IN_FLIGHT_CODES.has(code) && inFlightWaits < MAX_IN_FLIGHT_WAITS) {
      inFlightWaits++;
      attempt--;
      if (await pause(throttleDelay(inFlightWaits - 1, calls.policy, calls.random))) continue;
      attempt++;
    }
    const throttled = response.status === 429 || THROTTLE_CODES.has(code);
    const unreadable = !body || Number.isNaN(code);
    const retryable =
      throttled ||
      response.status >= 500 ||
      (unreadable &&
        (response.status === 0 || (options.idempotent === true && response.status < 300)));
    if (retryable && canRetry) {
      if (unreadable || response.status >= 500) mayHaveLanded = true;
      const reset = Number(header(response, 'x-ogw-ratelimit-reset'));
      // A reset past the usual cap is waited out in full when the deadline allows: retrying
      // before it only spends the retries on refusals that are certain.
      const resetPolicy =
        reset * 1000 > calls.policy.maxRateLimitWaitMs
          ? { ...calls.policy, maxRateLimitWaitMs: MAX_RESET_WAIT_MS }
          : calls.policy;
      const wait = !throttled
        ? backoffDelay(attempt, calls.policy, undefined, calls.random)
        : reset >= 0
          ? backoffDelay(attempt, resetPolicy, reset, calls.random)
          : throttleDelay(attempt, calls.policy, calls.random);
      if (await pause(wait)) continue;
    }
    if (!body || Number.isNaN(code)) {
      throw new FeishuError(
        operation,
        -1,
        `HTTP ${response.status} without a Feishu answer`,
        headerLogId,
        response.status,
        undefined,
      );
    }
    const error = feishuError(operation, code, body, response.status, headerLogId);
    error.earlierAttemptMayHaveLanded = mayHaveLanded;
    throw error;
  }
}

/** The path without the query; a webhook's path is its secret token, so only its shape is shown. */
function loggablePath(url: string): string {
  const { pathname } = new URL(url);
  return pathname.includes('/bot/v2/hook/')
    ? pathname.replace(/\/hook\/.*$/, '/hook/***')
    : pathname;
}

function parseBody(text: string): (ErrorBody & Json) | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as ErrorBody & Json)
      : undefined;
  } catch {
    return undefined;
  }
}

function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first || undefined;
}
