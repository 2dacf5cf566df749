/**
 * The post step: when the main step sent a card that was still in progress, re-render it
 * with the job's final status and its duration, and update it in place. A webhook cannot
 * update, so it gets a short follow-up card instead. Nothing happens after a final card.
 */
import { randomUUID } from 'node:crypto';
import {
  type Delivery,
  type DeliveryDeps,
  type NoticeRun,
  resolveChatNames,
  updateInPlace,
} from './deliver.js';
import { asError } from './errors.js';
import type { FeishuClient, ReceiveIdType } from './feishu/client.js';
import { loadHandover } from './handover.js';
import { streakOf } from './notify-on.js';
import { settleLimit } from './pool.js';
import type { NoticeExtras } from './render/index.js';
import { replyToCard } from './reply.js';
import { type FeishuPerson, type Settings, sends } from './settings.js';
import { isFinal, parseStatus, type Status } from './status.js';

export interface FinishState {
  startedAt: number;
  /** Messages the main step sent (webhook messages have no ID). */
  messages: { messageId: string; chatId: string }[];
  /** Messages the main step updated in place (the `update` input). */
  updated: string[];
  images: { key: string; alt: string }[];
  /** The key's previous result (notify-on), so the final card can say "Fixed". */
  previousStatus?: Status;
  /** Feishu accounts the main step found for GitHub logins: mentioned again, not looked up. */
  people?: Record<string, FeishuPerson>;
}

export interface FinishOutcome {
  done: string[];
  failures: { target: string; error: Error }[];
}

export function finishState(
  delivery: Delivery,
  startedAt: number,
  images: { name: string }[],
  learned: Pick<FinishState, 'previousStatus' | 'people'> = {},
): FinishState {
  return {
    startedAt,
    messages: delivery.sent.map(({ messageId, chatId }) => ({ messageId, chatId })),
    updated: delivery.updated,
    images: delivery.imageKeys.map((key, i) => ({ key, alt: images[i]?.name ?? '' })),
    ...learned,
  };
}

/** Where `to` sends: IDs as given, chat names resolved (one that fails is left out). */
async function recipientsOf(
  client: FeishuClient,
  settings: Settings,
): Promise<{ idType: ReceiveIdType; id: string }[]> {
  const chats = await resolveChatNames(client, settings);
  return settings.recipients.flatMap((r): { idType: ReceiveIdType; id: string }[] => {
    if (r.kind === 'id') return [r];
    const chat = chats.get(r.name);
    return typeof chat === 'string' ? [{ idType: 'chat_id' as const, id: chat }] : [];
  });
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
  run: NoticeRun,
  state: FinishState,
  jobStatus: string,
  deps: DeliveryDeps,
  /** What GitHub tells about this job (its failed step), when it arrives in time. */
  late: Promise<NoticeExtras> = Promise.resolve({}),
): Promise<FinishOutcome> {
  const outcome: FinishOutcome = { done: [], failures: [] };
  const status = parseStatus(jobStatus) ?? 'info';
  const durationMs = deps.now() - state.startedAt;
  // What GitHub says about this job arrives beside the token; the same for every card.
  const arrived = await late;
  /** The card's final form, with what a later step of this job last put on it, if any. */
  const finalCard = (messageId: string) => {
    const handover = run.runnerTemp ? loadHandover(run.runnerTemp, messageId) : undefined;
    const rendered = run.render(
      { ...settings, ...handover, type: 'card' },
      {
        ...arrived,
        status,
        durationMs,
        images: state.images,
        people: state.people,
        streak: streakOf(state.previousStatus, status),
      },
    );
    const [card] = rendered.messages(false);
    return { rendered, card };
  };

  const targets = [
    ...state.updated.map((messageId) => ({ messageId, chatId: '' })),
    ...state.messages.filter((m) => m.messageId),
  ];
  const client = deps.client;
  if (client) {
    const results = await settleLimit(targets, 8, async ({ messageId, chatId }) => {
      const { rendered, card } = finalCard(messageId);
      if (!card) return `Nothing to finish for ${messageId}.`;
      if (await updateInPlace(client, messageId, [card], deps)) {
        await replyToCard(client, messageId, rendered, settings, run.runUrl, deps);
        return `Finished ${messageId} as ${status}.`;
      }
      // A card of a key that is gone was replaced by a newer run or recalled on purpose:
      // posting it again would bring back the older notice as the newest.
      if (settings.key) {
        return `Sent nothing: ${messageId} of key «${settings.key}» was replaced or recalled.`;
      }
      // Gone or too old: the result still reaches the chat, as a new message. A card the main
      // step updated (the `update` input) has no recorded chat: `to` names where the news goes.
      const fallback = chatId
        ? [{ idType: 'chat_id' as const, id: chatId }]
        : await recipientsOf(client, settings);
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
    const followUp = finalCard('').rendered.shortCard();
    try {
      if (followUp) await deps.webhook({ msgType: followUp.msgType, content: followUp.content });
      outcome.done.push(`Posted the ${status} result to the webhook.`);
    } catch (error) {
      outcome.failures.push({ target: 'webhook', error: asError(error) });
    }
  }
  return outcome;
}
