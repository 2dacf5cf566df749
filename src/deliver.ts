/**
 * Delivery: turns the rendered notice into requests. Order matters and is the shortest the
 * API allows: the token first; then image uploads and the chat-name lookup together; then
 * every send together; and only once those are confirmed, the recalls that replace older
 * notices. Nothing below reads inputs or writes outputs.
 */
import { randomUUID } from 'node:crypto';
import { asError } from './errors.js';
import type { FeishuClient, ReceiveIdType } from './feishu/client.js';
import { isAtAllRefused, isGone, isTooOldToUpdate } from './feishu/errors.js';
import type { WebhookMessage } from './feishu/webhook.js';
import { saveHandover } from './handover.js';
import type { CheckedImage } from './images.js';
import { mapLimit, settleLimit } from './pool.js';
import {
  emptyRecall,
  mergeRecall,
  type RecallOutcome,
  recallMessages,
  settleKey,
} from './recall.js';
import type {
  MessageContent,
  Notice,
  NoticeExtras,
  RenderedNotice,
  RenderNotice,
} from './render/index.js';
import { replyToCard } from './reply.js';
import { type Settings, sends } from './settings.js';

const UPLOAD_CONCURRENCY = 3;
const SEND_CONCURRENCY = 8;

export interface DeliveryDeps {
  client?: FeishuClient;
  webhook?: (message: WebhookMessage) => Promise<void>;
  warning(message: string): void;
  info(message: string): void;
  now(): number;
  /**
   * Told as soon as the notice is confirmed (sent or updated), before any history scan or
   * recall: a job cancelled during those still has a record of its card for the post step.
   */
  confirmed?(delivery: Delivery): void;
}

/**
 * The run as delivery sees it: how its notice is rendered (main passes render/'s, made for this
 * run's context), the run's page, and the directory the job's steps share (RUNNER_TEMP).
 */
export interface NoticeRun {
  render: RenderNotice;
  runUrl: string;
  runnerTemp?: string;
}

export interface SentRecord {
  target: string;
  messageId: string;
  chatId: string;
  /** Feishu's create_time (ms); 0 for a webhook message. */
  createTime: number;
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

/** A recipient whose chat name could not be resolved: it fails alone. */
type Unresolved = { kind: 'unresolved'; target: string; error: Error };

/** A chat name resolves to its ID, or to why it could not be. */
type ChatsByName = Map<string, string | Error>;

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
  run: NoticeRun,
  images: CheckedImage[],
  deps: DeliveryDeps,
  extras: NoticeExtras = {},
  /** What arrives while the token and uploads are on their way (GitHub's reads, people). */
  late: Promise<NoticeExtras> = Promise.resolve({}),
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

  const [imageKeys, chatsByName, arrived] = await Promise.all([
    uploadImages(client, images),
    resolveChatNames(client, settings),
    late,
  ]);
  result.imageKeys = imageKeys;
  const rendered = run.render(settings, {
    ...extras,
    ...arrived,
    images: imageKeys.map((key, i) => ({ key, alt: images[i]?.name ?? '' })),
  });
  const { notice } = rendered;
  const appContents = rendered.messages(false);
  // A run that only recalls reports its recalls: no preview of a notice it never sends.
  if (sends(settings) || settings.update) {
    result.notice = notice;
    result.contents = appContents;
  }

  const destinations: Destination[] = [];
  for (const d of destinationsOf(settings, chatsByName)) {
    // A chat name that could not be resolved fails that recipient alone.
    if (d.kind === 'unresolved') result.failures.push({ target: d.target, error: d.error });
    else destinations.push(d);
  }
  // Send a new notice unless only recalling, or a card was updated in place instead.
  let send = settings.recallKey === undefined;
  if (send) warnUnmentionable(settings, rendered, destinations, deps);
  if (settings.update && client) {
    if (await updateInPlace(client, settings.update, appContents, deps)) {
      result.updated.push(settings.update);
      if (run.runnerTemp) saveHandover(run.runnerTemp, settings.update, settings);
      await replyToCard(client, settings.update, rendered, settings, run.runUrl, deps).catch(
        (error: unknown) =>
          result.failures.push({ target: `reply to ${settings.update}`, error: asError(error) }),
      );
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
    const webhookContents = settings.webhook ? rendered.messages(true) : [];
    // Records are kept as each message goes, so a destination that fails halfway (type: image)
    // still reports the messages it did deliver.
    const outcomes = await settleLimit(destinations, SEND_CONCURRENCY, (d) => {
      const viaWebhook = d.kind === 'webhook';
      const message = {
        contents: viaWebhook ? webhookContents : appContents,
        // For a group that lets only admins @all: the same notice without it, rendered when needed.
        withoutAll: () => rendered.withoutMentionAll(viaWebhook),
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

  if (result.sent.length > 0 || result.updated.length > 0) deps.confirmed?.(result);

  if (client && settings.app) {
    const now = deps.now();
    const since = Math.floor(now / 1000) - settings.recallWithinSeconds;
    const outcomes: RecallOutcome[] = [];
    if (settings.replace && settings.key && result.sent.length > 0) {
      // Only after the new notice is confirmed: the chat is never left without it.
      const chats = unique(result.sent.map((s) => s.chatId).filter(Boolean));
      outcomes.push(
        await settleKey(client, chats, {
          key: settings.key,
          appId: settings.app.appId,
          since,
          own: newestPerChat(result.sent),
          collapse: (older) => rendered.collapsed(older, run.runUrl),
          now,
        }),
      );
    }
    if (settings.recallKey) {
      const chats = groupChatIds(destinations, deps);
      outcomes.push(
        await settleKey(client, chats, {
          key: settings.recallKey,
          appId: settings.app.appId,
          since,
          own: new Map(),
          collapse: (older) => rendered.collapsed(older),
          now,
        }),
      );
    }
    if (settings.recall.length > 0) outcomes.push(await recallMessages(client, settings.recall));
    for (const o of outcomes) mergeRecall(result.recall, o);
    result.failures.push(...result.recall.failures.splice(0));
  }
  return result;
}

/** This run's newest notice in each chat: what its scan must not reach past. */
function newestPerChat(sent: SentRecord[]): Map<string, { createTime: number; messageId: string }> {
  const newest = new Map<string, { createTime: number; messageId: string }>();
  for (const s of sent) {
    const seen = newest.get(s.chatId);
    if (s.chatId && (!seen || s.createTime > seen.createTime)) newest.set(s.chatId, s);
  }
  return newest;
}

async function uploadImages(
  client: FeishuClient | undefined,
  images: CheckedImage[],
): Promise<string[]> {
  if (images.length === 0) return [];
  // Input checking refuses images without app credentials.
  if (!client) throw new Error('app credentials are needed to upload images');
  return mapLimit(images, UPLOAD_CONCURRENCY, (image) => client.uploadImage(image));
}

/**
 * One scan of the chat list however many names are given; only when a name is given. A name
 * that matches no group or several, or a chat list that cannot be read (no im:chat:readonly),
 * fails the recipients it concerns, never the others.
 */
export async function resolveChatNames(
  client: FeishuClient | undefined,
  settings: Settings,
): Promise<ChatsByName> {
  const names = settings.recipients.flatMap((r) => (r.kind === 'chat-name' ? [r.name] : []));
  const resolved: ChatsByName = new Map();
  if (names.length === 0 || !client) return resolved;
  let chats: Awaited<ReturnType<FeishuClient['listChats']>>;
  try {
    chats = await client.listChats();
  } catch (error) {
    for (const name of names) resolved.set(name, asError(error));
    return resolved;
  }
  for (const name of names) {
    const matches = chats.filter((chat) => chat.name === name);
    const quoted = JSON.stringify(name);
    resolved.set(
      name,
      matches.length === 1
        ? (matches[0] as { chatId: string }).chatId
        : new Error(
            matches.length === 0
              ? `the bot is in no group named ${quoted} (names must match exactly; add the bot to the group)`
              : `the bot is in ${matches.length} groups named ${quoted}: ${matches.map((c) => c.chatId).join(', ')}; use the chat ID`,
          ),
    );
  }
  return resolved;
}

function destinationsOf(
  settings: Settings,
  chatsByName: ChatsByName,
): (Destination | Unresolved)[] {
  if (settings.replyTo) {
    const target = `reply to ${settings.replyTo}`;
    return [
      { kind: 'reply', target, messageId: settings.replyTo, inThread: settings.replyInThread },
    ];
  }
  const list: (Destination | Unresolved)[] = settings.recipients.map((r) => {
    if (r.kind !== 'chat-name') return { kind: 'id', target: r.id, idType: r.idType, id: r.id };
    const chat = chatsByName.get(r.name);
    const target = `chat:${r.name}`;
    return typeof chat === 'string'
      ? { kind: 'id', target, idType: 'chat_id', id: chat }
      : { kind: 'unresolved', target, error: chat ?? new Error('not resolved') };
  });
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
  rendered: RenderedNotice,
  destinations: Destination[],
  deps: DeliveryDeps,
): void {
  const viaApp = destinations.some((d) => d.kind !== 'webhook');
  const viaWebhook = destinations.some((d) => d.kind === 'webhook');
  const names = new Set([
    ...(viaApp ? rendered.unmentionable(false) : []),
    ...(viaWebhook ? rendered.unmentionable(true) : []),
  ]);
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
  withoutAll: () => MessageContent[] | undefined;
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
        const fallback = outgoing.withoutAll()?.[index];
        if (!isAtAllRefused(error) || !fallback) throw error;
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
      record({ target: destination.target, messageId: '', chatId: '', createTime: 0 });
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
  // Input checking allows `update` only with type card or template, and finish renders a card.
  if (card?.msgType !== 'interactive') throw new Error(`only a card can update ${messageId}`);
  try {
    await client.update(messageId, JSON.stringify(card.content));
    return true;
  } catch (error) {
    if (isGone(error) || isTooOldToUpdate(error)) {
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
