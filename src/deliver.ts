/**
 * Delivery: turns the rendered notice into requests. Order matters and is the shortest the
 * API allows: the token first; then image uploads and the chat-name lookup together; then
 * every send together; and only once those are confirmed, the recalls that replace older
 * notices. Nothing below reads inputs or writes outputs.
 */
import { randomUUID } from 'node:crypto';
import { Input } from './constants.js';
import type { RunContext } from './context.js';
import { asError, InputError } from './errors.js';
import type { FeishuClient, ReceiveIdType } from './feishu/client.js';
import { AT_ALL_REFUSED, FeishuError, GONE_CODES } from './feishu/errors.js';
import type { WebhookMessage } from './feishu/webhook.js';
import type { CheckedImage } from './images.js';
import { mapLimit, settleLimit } from './pool.js';
import { type RecallOutcome, recallByKey, recallMessages } from './recall.js';
import { type MessageContent, msgTypeOf, renderContents } from './render/content.js';
import { nameOf, unsupportedMentions, withoutMentionAll } from './render/mentions.js';
import type { Notice } from './render/model.js';
import { buildNotice, type NoticeExtras } from './render/notice.js';
import { type Settings, sends } from './settings.js';

const UPLOAD_CONCURRENCY = 3;
const SEND_CONCURRENCY = 8;

export interface DeliveryDeps {
  client?: FeishuClient;
  webhook?: (message: WebhookMessage) => Promise<void>;
  warning(message: string): void;
  info(message: string): void;
  now(): number;
}

export interface SentRecord {
  target: string;
  messageId: string;
  chatId: string;
}

export interface Delivery {
  /** The notice as delivered (with the uploaded images), for the summary. */
  notice?: Notice;
  contents: MessageContent[];
  sent: SentRecord[];
  updated: string[];
  imageKeys: string[];
  recall: RecallOutcome;
  failures: { target: string; error: Error }[];
}

type Destination =
  | { kind: 'id'; target: string; idType: ReceiveIdType; id: string }
  | { kind: 'reply'; target: string; messageId: string; inThread: boolean }
  | { kind: 'webhook'; target: string };

export function emptyRecall(): RecallOutcome {
  return { recalled: [], alreadyGone: [], tooOld: [], failures: [] };
}

/** What a run that sends nothing reports (a dry run, a preview): the contents alone. */
export function undelivered(contents: MessageContent[], notice?: Notice): Delivery {
  return {
    notice,
    contents,
    sent: [],
    updated: [],
    imageKeys: [],
    recall: emptyRecall(),
    failures: [],
  };
}

export async function deliver(
  settings: Settings,
  ctx: RunContext,
  images: CheckedImage[],
  deps: DeliveryDeps,
  extras: NoticeExtras = {},
): Promise<Delivery> {
  const { client } = deps;
  const result: Delivery = {
    contents: [],
    sent: [],
    updated: [],
    imageKeys: [],
    recall: emptyRecall(),
    failures: [],
  };

  const [imageKeys, chatsByName] = await Promise.all([
    uploadImages(client, images),
    resolveChatNames(client, settings),
  ]);
  result.imageKeys = imageKeys;
  const notice = buildNotice(settings, ctx, {
    ...extras,
    images: imageKeys.map((key, i) => ({ key, alt: images[i]?.name ?? '' })),
  });
  const appContents = renderContents(settings, notice, false);
  // A run that only recalls reports its recalls: no preview of a notice it never sends.
  if (sends(settings) || settings.update) {
    result.notice = notice;
    result.contents = appContents;
  }

  const destinations = destinationsOf(settings, chatsByName);
  // Send a new notice unless only recalling, or a card was updated in place instead.
  let send = settings.recallKey === undefined;
  if (send) warnUnmentionable(settings, notice, destinations, deps);
  if (settings.update && client) {
    if (await updateInPlace(client, settings.update, appContents, deps)) {
      result.updated.push(settings.update);
      send = false;
    } else if (destinations.length === 0) {
      result.failures.push({
        target: `update ${settings.update}`,
        error: new Error(
          'the card could not be updated and `to` names nowhere to send the news instead',
        ),
      });
      send = false;
    }
  }

  if (send) {
    const webhookContents = settings.webhook ? renderContents(settings, notice, true) : [];
    // For a group that lets only admins @all: the same notice without it, rendered when needed.
    const withoutAll = (viaWebhook: boolean) => () =>
      renderContents(settings, withoutMentionAll(notice), viaWebhook);
    // Records are kept as each message goes, so a destination that fails halfway (type: image)
    // still reports the messages it did deliver.
    const outcomes = await settleLimit(destinations, SEND_CONCURRENCY, (d) => {
      const viaWebhook = d.kind === 'webhook';
      const message = {
        contents: viaWebhook ? webhookContents : appContents,
        withoutAll: notice.mentions.some((m) => m.kind === 'all')
          ? withoutAll(viaWebhook)
          : undefined,
      };
      return sendAll(d, message, deps, (record) => result.sent.push(record));
    });
    outcomes.forEach((outcome, i) => {
      const destination = destinations[i] as Destination;
      if (outcome.status === 'rejected') {
        result.failures.push({ target: destination.target, error: asError(outcome.reason) });
      }
    });
  }

  if (client && settings.app) {
    const since = Math.floor(deps.now() / 1000) - settings.recallWithinSeconds;
    const outcomes: RecallOutcome[] = [];
    if (settings.replace && settings.key && result.sent.length > 0) {
      // Only after the new notice is confirmed: the chat is never left without it.
      const chats = unique(result.sent.map((s) => s.chatId).filter(Boolean));
      const keep = new Set(result.sent.map((s) => s.messageId));
      outcomes.push(
        await recallByKey(client, chats, {
          key: settings.key,
          appId: settings.app.appId,
          since,
          keep,
        }),
      );
    }
    if (settings.recallKey) {
      const chats = groupChatIds(destinations, deps);
      outcomes.push(
        await recallByKey(client, chats, {
          key: settings.recallKey,
          appId: settings.app.appId,
          since,
          keep: new Set(),
        }),
      );
    }
    if (settings.recall.length > 0) outcomes.push(await recallMessages(client, settings.recall));
    for (const o of outcomes) {
      result.recall.recalled.push(...o.recalled);
      result.recall.alreadyGone.push(...o.alreadyGone);
      result.recall.tooOld.push(...o.tooOld);
      result.failures.push(...o.failures);
    }
  }
  return result;
}

async function uploadImages(
  client: FeishuClient | undefined,
  images: CheckedImage[],
): Promise<string[]> {
  if (images.length === 0) return [];
  if (!client)
    throw new InputError(Input.Images, 'need app credentials (app-id and app-secret) to upload');
  return mapLimit(images, UPLOAD_CONCURRENCY, (image) => client.uploadImage(image));
}

/** One scan of the chat list however many names are given; only when a name is given. */
async function resolveChatNames(
  client: FeishuClient | undefined,
  settings: Settings,
): Promise<Map<string, string>> {
  const names = settings.recipients.flatMap((r) => (r.kind === 'chat-name' ? [r.name] : []));
  const resolved = new Map<string, string>();
  if (names.length === 0 || !client) return resolved;
  const chats = await client.listChats();
  for (const name of names) {
    const matches = chats.filter((chat) => chat.name === name);
    if (matches.length === 0) {
      throw new InputError(
        Input.To,
        `names chat ${JSON.stringify(name)}, but the bot is in no group of that name (names must match exactly; add the bot to the group)`,
      );
    }
    if (matches.length > 1) {
      throw new InputError(
        Input.To,
        `names chat ${JSON.stringify(name)}, but the bot is in ${matches.length} groups of that name: ${matches.map((c) => c.chatId).join(', ')}; use the chat ID`,
      );
    }
    resolved.set(name, (matches[0] as { chatId: string }).chatId);
  }
  return resolved;
}

function destinationsOf(settings: Settings, chatsByName: Map<string, string>): Destination[] {
  if (settings.replyTo) {
    const target = `reply to ${settings.replyTo}`;
    return [
      { kind: 'reply', target, messageId: settings.replyTo, inThread: settings.replyInThread },
    ];
  }
  const list: Destination[] = settings.recipients.map((r) =>
    r.kind === 'chat-name'
      ? {
          kind: 'id',
          target: `chat:${r.name}`,
          idType: 'chat_id',
          id: chatsByName.get(r.name) ?? '',
        }
      : { kind: 'id', target: r.id, idType: r.idType, id: r.id },
  );
  if (settings.webhook) list.push({ kind: 'webhook', target: 'webhook' });
  return list;
}

function groupChatIds(destinations: Destination[], deps: DeliveryDeps): string[] {
  const chats: string[] = [];
  for (const d of destinations) {
    if (d.kind === 'id' && d.idType === 'chat_id') chats.push(d.id);
    else if (d.kind === 'id')
      deps.warning(`recall-key searches group chats only; ${d.target} is skipped`);
  }
  return unique(chats);
}

/** Mentions that cannot notify the way this run sends: said once, shown as names. */
function warnUnmentionable(
  settings: Settings,
  notice: Notice,
  destinations: Destination[],
  deps: DeliveryDeps,
): void {
  const msgType = msgTypeOf(settings);
  if (settings.content || settings.type === 'template') return;
  const viaApp = destinations.some((d) => d.kind !== 'webhook');
  const viaWebhook = destinations.some((d) => d.kind === 'webhook');
  const names = new Set(
    [
      ...(viaApp ? unsupportedMentions(notice, msgType, false) : []),
      ...(viaWebhook ? unsupportedMentions(notice, msgType, true) : []),
    ].map(nameOf),
  );
  if (names.size === 0) return;
  const why = viaWebhook
    ? 'a custom-bot webhook mentions by open_id only'
    : `a ${settings.type} message mentions by open_id or user_id, not by e-mail`;
  deps.warning(
    `Not mentioned, shown as text: ${[...names].join(', ')} (${why}; use open_ids${viaWebhook ? '' : ', or type: card'}).`,
  );
}

interface Outgoing {
  contents: MessageContent[];
  /** The same messages without @all, when the notice has one. */
  withoutAll?: () => MessageContent[];
}

/** Every content for one destination, in order (type: image sends one message per image). */
async function sendAll(
  destination: Destination,
  outgoing: Outgoing,
  deps: DeliveryDeps,
  record: (sent: SentRecord) => void,
): Promise<void> {
  const { contents } = outgoing;
  if (destination.kind !== 'webhook' && !deps.client)
    throw new Error('app credentials are needed to send');
  for (const [index, message] of contents.entries()) {
    try {
      try {
        await sendOne(destination, message, deps, record);
      } catch (error) {
        const fallback = outgoing.withoutAll?.()[index];
        if (!(error instanceof FeishuError && error.code === AT_ALL_REFUSED) || !fallback)
          throw error;
        // Lost for want of @all would be worse than sent without it.
        // The error's hint says it is sent again without @all.
        deps.warning(`${destination.target}: ${error.message}`);
        await sendOne(destination, fallback, deps, record);
      }
    } catch (error) {
      if (contents.length === 1) throw error;
      const cause = asError(error);
      throw new Error(`message ${index + 1} of ${contents.length}: ${cause.message}`, { cause });
    }
  }
}

/** One message to one destination; a fresh uuid, kept by every retry of this send. */
async function sendOne(
  destination: Destination,
  message: MessageContent,
  deps: DeliveryDeps,
  record: (sent: SentRecord) => void,
): Promise<void> {
  const client = deps.client as FeishuClient;
  const json = JSON.stringify(message.content);
  switch (destination.kind) {
    case 'webhook':
      await deps.webhook?.({ msgType: message.msgType, content: message.content });
      record({ target: destination.target, messageId: '', chatId: '' });
      return;
    case 'reply': {
      const sent = await client.reply(
        destination.messageId,
        message.msgType,
        json,
        destination.inThread,
        randomUUID(),
      );
      record({ target: destination.target, ...sent });
      return;
    }
    case 'id': {
      const sent = await client.send(
        destination.idType,
        destination.id,
        message.msgType,
        json,
        randomUUID(),
      );
      record({ target: destination.target, ...sent });
      return;
    }
  }
}

/** PATCH the card; false (with a warning) when it is gone or too old, so the caller sends anew. */
export async function updateInPlace(
  client: FeishuClient,
  messageId: string,
  contents: MessageContent[],
  deps: DeliveryDeps,
): Promise<boolean> {
  const card = contents[0];
  if (card?.msgType !== 'interactive') {
    throw new InputError(
      Input.Update,
      'updates a card: use type card or template (or an interactive content)',
    );
  }
  try {
    await client.update(messageId, JSON.stringify(card.content));
    return true;
  } catch (error) {
    if (error instanceof FeishuError && (GONE_CODES.has(error.code) || error.code === 230031)) {
      deps.warning(
        `Could not update ${messageId} (${error.message}); sending the result as a new message instead.`,
      );
      return false;
    }
    throw error;
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
