/**
 * A custom-bot webhook: the same messages in the webhook's body format (content as an
 * object, cards under `card`), signed when the bot has a secret. The URL is a secret: it
 * is never put into an operation name, a log line or an error.
 */
import { createHmac } from 'node:crypto';
import { type CallContext, call } from './call.js';

export interface WebhookMessage {
  msgType: string;
  content: Record<string, unknown>;
}

/** sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")). */
export function webhookSignature(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export function webhookBody(
  message: WebhookMessage,
  secret: string | undefined,
  nowMs: number,
): string {
  const body: Record<string, unknown> = { msg_type: message.msgType };
  if (message.msgType === 'interactive') body.card = message.content;
  else body.content = message.msgType === 'post' ? { post: message.content } : message.content;
  if (secret) {
    const timestamp = Math.floor(nowMs / 1000);
    body.timestamp = String(timestamp);
    body.sign = webhookSignature(timestamp, secret);
  }
  return JSON.stringify(body);
}

export async function postWebhook(
  calls: CallContext,
  url: string,
  secret: string | undefined,
  message: WebhookMessage,
  now: () => number = Date.now,
): Promise<void> {
  // Rebuilt per attempt: a retry gets a fresh timestamp and signature.
  await call(calls, 'post to the webhook', () => ({
    method: 'POST',
    url,
    secretUrl: true,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: webhookBody(message, secret, now()),
  }));
}
