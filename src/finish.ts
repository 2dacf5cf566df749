/**
 * The post step: when the main step sent a card that was still in progress, re-render it
 * with the job's final status and its duration, and update it in place. A webhook cannot
 * update, so it gets a short follow-up card instead. Nothing happens after a final card.
 */
import { randomUUID } from 'node:crypto';
import type { RunContext } from './context.js';
import { type Delivery, type DeliveryDeps, updateInPlace } from './deliver.js';
import { asError } from './errors.js';
import { settleLimit } from './pool.js';
import { renderContents } from './render/content.js';
import { buildNotice } from './render/notice.js';
import { type Settings, sends } from './settings.js';
import { isFinal, parseStatus } from './status.js';

export interface FinishState {
  startedAt: number;
  /** Messages the main step sent (webhook messages have no ID). */
  messages: { messageId: string; chatId: string }[];
  /** Messages the main step updated in place (the `update` input). */
  updated: string[];
  images: { key: string; alt: string }[];
}

export interface FinishOutcome {
  done: string[];
  failures: { target: string; error: Error }[];
}

/** finish: true always; finish: false never; unset: when the card was sent in progress. */
export function shouldFinish(settings: Settings, delivery: Delivery): boolean {
  const isCard =
    delivery.contents[0]?.msgType === 'interactive' &&
    settings.type === 'card' &&
    !settings.content;
  if (!isCard || (delivery.sent.length === 0 && delivery.updated.length === 0)) return false;
  return settings.finish ?? (settings.status !== undefined && !isFinal(settings.status));
}

export async function finish(
  settings: Settings,
  ctx: RunContext,
  state: FinishState,
  jobStatus: string,
  deps: DeliveryDeps,
): Promise<FinishOutcome> {
  const outcome: FinishOutcome = { done: [], failures: [] };
  const status = parseStatus(jobStatus) ?? 'info';
  const durationMs = deps.now() - state.startedAt;
  const notice = buildNotice(settings, ctx, { status, durationMs, images: state.images });
  const [card] = renderContents({ ...settings, type: 'card' }, notice, false);
  if (!card) return outcome;

  const targets = [
    ...state.updated.map((messageId) => ({ messageId, chatId: '' })),
    ...state.messages.filter((m) => m.messageId),
  ];
  const client = deps.client;
  if (client) {
    const results = await settleLimit(targets, 8, async ({ messageId, chatId }) => {
      if (await updateInPlace(client, messageId, [card], deps))
        return `Finished ${messageId} as ${status}.`;
      // Gone or too old: the result still reaches the chat, as a new message. A card the main
      // step updated (the `update` input) has no recorded chat: `to` names where the news goes.
      const fallback = chatId
        ? [{ idType: 'chat_id' as const, id: chatId }]
        : settings.recipients.flatMap((r) => (r.kind === 'id' ? [r] : []));
      if (fallback.length === 0) {
        throw new Error(`could not update ${messageId}, and neither its chat nor \`to\` is known`);
      }
      const content = JSON.stringify(card.content);
      const sent = await Promise.all(
        fallback.map((d) => client.send(d.idType, d.id, card.msgType, content, randomUUID())),
      );
      return `Posted the result as ${sent.map((m) => m.messageId).join(', ')}.`;
    });
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') outcome.done.push(r.value);
      else
        outcome.failures.push({
          target: `finish ${targets[i]?.messageId}`,
          error: asError(r.reason),
        });
    });
  }

  if (settings.webhook && deps.webhook && sends(settings)) {
    const short = {
      ...notice,
      message: undefined,
      lists: [],
      images: [],
      mentions: [],
      facts: notice.facts.slice(0, 1),
    };
    const [followUp] = renderContents(
      { ...settings, type: 'card', content: undefined },
      short,
      true,
    );
    try {
      if (followUp) await deps.webhook({ msgType: followUp.msgType, content: followUp.content });
      outcome.done.push(`Posted the ${status} result to the webhook.`);
    } catch (error) {
      outcome.failures.push({ target: 'webhook', error: asError(error) });
    }
  }
  return outcome;
}
