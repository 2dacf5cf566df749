/**
 * The Feishu side assembled: one transport, the retry policy, the app client (token, API) and
 * the webhook, from plain options. The caller (main.ts) knows this module only.
 */
import type { CallContext } from './call.js';
import { FeishuClient } from './client.js';
import { createTransport } from './http.js';
import { DEFAULT_POLICY } from './retry.js';
import { postWebhook, type WebhookMessage } from './webhook.js';

/** How long and how often requests may try. */
export interface RequestLimits {
  retries: number;
  timeoutMs: number;
  maxRateLimitWaitMs?: number;
  /** Epoch ms after which no new attempt starts. */
  deadline?: number;
}

export interface FeishuOptions {
  baseUrl: string;
  app?: { appId: string; appSecret: string };
  webhook?: { url: string; secret?: string };
  limits: RequestLimits;
  /** Ask for the tenant token at once, while the caller prepares the rest. */
  prefetchToken: boolean;
  /** Told every tenant token the moment it arrives, to keep it out of logs. */
  onToken(token: string): void;
  debug(message: string): void;
}

export interface Feishu {
  client?: FeishuClient;
  webhook?: (message: WebhookMessage) => Promise<void>;
  /** Closes the connections, so nothing holds the process open. */
  dispose(): void;
}

export function createFeishu(options: FeishuOptions): Feishu {
  const { limits } = options;
  const transport = createTransport(limits.timeoutMs);
  const calls: CallContext = {
    transport,
    policy: {
      ...DEFAULT_POLICY,
      retries: limits.retries,
      maxRateLimitWaitMs: limits.maxRateLimitWaitMs ?? DEFAULT_POLICY.maxRateLimitWaitMs,
    },
    deadline: limits.deadline,
    debug: options.debug,
  };
  const client = options.app
    ? new FeishuClient({
        ...calls,
        baseUrl: options.baseUrl,
        ...options.app,
        onToken: options.onToken,
      })
    : undefined;
  if (options.prefetchToken) client?.token().catch(() => undefined);
  const hook = options.webhook;
  return {
    client,
    webhook: hook ? (message) => postWebhook(calls, hook.url, hook.secret, message) : undefined,
    dispose: () => transport.dispose(),
  };
}
