/**
 * Card entities (CardKit v1): one card that many independent writers change element by
 * element. Every write carries a `sequence` that must be greater than the card's previous
 * write from anyone (else 300317). Writers on different machines share no counter, so the
 * sequence is the time since the card was created, in milliseconds: it grows by itself,
 * fits an int32 for 24 days (a card lives 14), and two writers rarely pick the same value.
 * When one does lose (a neighbour's write with a higher value arrived first, or this
 * machine's clock is behind), the write is repeated with a higher value: a row write
 * replaces the whole row, so repeating it is safe. It knows nothing of GitHub.
 */

import { randomUUID } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import type { Json } from './call.js';
import type { FeishuClient, ReceiveIdType, SentMessage } from './client.js';
import { FeishuError, THROTTLE_CODES } from './errors.js';
import { throttleDelay } from './retry.js';

/** What a later job needs to write to a card: passed between jobs as one string. */
export interface CardHandle {
  cardId: string;
  /** Epoch ms when the card was created: sequence 0. */
  createdAt: number;
  /** The message that shows the card (for replies in its thread and for reading it back). */
  messageId: string;
}

export const SEQUENCE_CONFLICT = 300317;
export const ELEMENT_MISSING = 300313;
export const ELEMENT_EXISTS = 300301;
const INT32_MAX = 2 ** 31 - 1;
/** Extra lead after each lost race, doubling; capped so one slow clock cannot run far ahead. */
const FIRST_LEAD_MS = 100;
const MAX_LEAD_MS = 30_000;

/** `<card_id>:<created ms>:<message_id>`: opaque to users, who pass it on as it is. */
export function formatHandle(handle: CardHandle): string {
  return `${handle.cardId}:${handle.createdAt}:${handle.messageId}`;
}

export function parseHandle(raw: string): CardHandle | undefined {
  const parts = /^([A-Za-z0-9_-]{1,100}):(\d{12,14}):(om_[A-Za-z0-9_-]{1,64})$/.exec(raw);
  if (!parts) return undefined;
  const [, cardId = '', createdAt = '', messageId = ''] = parts;
  return { cardId, createdAt: Number(createdAt), messageId };
}

export interface CardkitOptions {
  now?(): number;
  sleep?(ms: number): Promise<void>;
  random?(): number;
  /** Tries of one write (lost races and throttling together), the first included. */
  maxAttempts?: number;
  /** Epoch ms after which no new try starts. */
  deadline?: number;
  debug?(message: string): void;
}

/** What one process's writes cost: the bench and the log report it. */
export interface WriteStats {
  /** Calls made (a call's own throttling retries inside it not counted). */
  tries: number;
  conflicts: number;
  throttled: number;
}

export type ElementPosition = 'insert_before' | 'insert_after' | 'append';

export class CardKit {
  readonly stats: WriteStats = { tries: 0, conflicts: 0, throttled: 0 };
  /** The highest sequence this process has sent: its own writes always grow. */
  private last = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: FeishuClient,
    private readonly options: CardkitOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? wait;
    this.random = options.random ?? Math.random;
  }

  /** Creates the entity; the card must be card JSON 2.0. */
  async create(card: Json): Promise<{ cardId: string; createdAt: number }> {
    const body = await this.client.api('create card', 'POST', '/cardkit/v1/cards', {
      json: { type: 'card_json', data: JSON.stringify(card) },
    });
    const cardId = String((body.data as Json | undefined)?.card_id ?? '');
    if (!cardId) throw new Error('create card: Feishu answered without a card_id');
    return { cardId, createdAt: this.now() };
  }

  /** Sends the entity as a message: once only, the entity then lives in that message. */
  send(receiveIdType: ReceiveIdType, receiveId: string, cardId: string): Promise<SentMessage> {
    const content = JSON.stringify({ type: 'card', data: { card_id: cardId } });
    return this.client.send(receiveIdType, receiveId, 'interactive', content, randomUUID());
  }

  /** Each write resolves to the sequence the card accepted it at. */
  addElements(
    handle: CardHandle,
    position: ElementPosition,
    target: string | undefined,
    elements: Json[],
  ): Promise<number> {
    return this.write(handle, 'add card element', 'POST', 'elements', {
      type: position,
      ...(target ? { target_element_id: target } : {}),
      elements: JSON.stringify(elements),
    });
  }

  replaceElement(handle: CardHandle, elementId: string, element: Json): Promise<number> {
    return this.write(handle, `update card element ${elementId}`, 'PUT', `elements/${elementId}`, {
      element: JSON.stringify(element),
    });
  }

  deleteElement(handle: CardHandle, elementId: string): Promise<number> {
    return this.write(
      handle,
      `delete card element ${elementId}`,
      'DELETE',
      `elements/${elementId}`,
      {},
    );
  }

  /**
   * The whole card. With `onlyAt`, a compare-and-set: the write carries exactly that sequence
   * and is never retried higher, so the card takes it only if nobody wrote since the write
   * that was accepted at `onlyAt - 1`; otherwise it fails with SEQUENCE_CONFLICT.
   */
  replaceCard(handle: CardHandle, card: Json, onlyAt?: number): Promise<number> {
    return this.write(
      handle,
      'update card',
      'PUT',
      '',
      { card: { type: 'card_json', data: JSON.stringify(card) } },
      onlyAt,
    );
  }

  /**
   * The card as the chat shows it now, in Feishu's internal form (`raw_card_content`:
   * `header.property`, `body.property.elements`, elements `{tag, id, property}`), or undefined
   * when the answer carries no card in that form. There is no read API for an entity itself.
   */
  async readBack(handle: CardHandle): Promise<Json | undefined> {
    const body = await this.client.api(
      `read ${handle.messageId}`,
      'GET',
      `/im/v1/messages/${encodeURIComponent(handle.messageId)}?card_msg_content_type=raw_card_content`,
    );
    const items = (body.data as { items?: { body?: { content?: unknown } }[] } | undefined)?.items;
    const raw = jsonObject(items?.[0]?.body?.content);
    return jsonObject(raw?.json_card);
  }

  /** The next sequence: time since creation plus any lead won from lost races, always growing. */
  private sequence(handle: CardHandle, lead: number): number {
    const next = Math.max(this.now() - handle.createdAt + lead, this.last + 1, 1);
    this.last = Math.min(next, INT32_MAX);
    return this.last;
  }

  private async write(
    handle: CardHandle,
    operation: string,
    method: 'POST' | 'PUT' | 'DELETE',
    sub: string,
    body: Json,
    onlyAt?: number,
  ): Promise<number> {
    const path = `/cardkit/v1/cards/${encodeURIComponent(handle.cardId)}${sub ? `/${sub}` : ''}`;
    const maxAttempts = this.options.maxAttempts ?? 12;
    let lead = 0;
    for (let attempt = 1; ; attempt++) {
      let sent = 0;
      try {
        this.stats.tries += 1;
        await this.client.api(operation, method, path, {
          json: () => {
            sent = onlyAt ?? this.sequence(handle, lead);
            return { ...body, sequence: sent };
          },
        });
        if (onlyAt !== undefined) this.last = Math.max(this.last, onlyAt);
        return sent;
      } catch (error) {
        const code = error instanceof FeishuError ? error.code : undefined;
        // A compare-and-set that lost is the caller's answer, not a race to retry.
        const conflict = code === SEQUENCE_CONFLICT && onlyAt === undefined;
        const throttled = code !== undefined && THROTTLE_CODES.has(code);
        if (!(conflict || throttled) || attempt >= maxAttempts) throw error;
        // The call already waited out its own throttling retries; a lost race waits briefly,
        // long enough for the clock to pass the neighbour that won it.
        const wait = conflict
          ? 20 + Math.floor(this.random() * 100)
          : throttleDelay(0, THROTTLE_POLICY, this.random);
        if (this.options.deadline !== undefined && this.now() + wait >= this.options.deadline) {
          throw error;
        }
        if (conflict) {
          this.stats.conflicts += 1;
          lead = Math.min(MAX_LEAD_MS, lead === 0 ? FIRST_LEAD_MS : lead * 2);
        } else this.stats.throttled += 1;
        this.options.debug?.(
          `${operation}: ${conflict ? 'sequence lost a race' : 'card throttled'}, try ${attempt + 1}`,
        );
        await this.sleep(wait);
      }
    }
  }
}

/** A card takes 10 writes a second: a throttled writer waits about one window before trying again. */
const THROTTLE_POLICY = {
  retries: 0,
  baseDelayMs: 0,
  maxDelayMs: 0,
  maxRateLimitWaitMs: 2000,
  throttleBaseMs: 1000,
};

function jsonObject(text: unknown): Json | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Json)
      : undefined;
  } catch {
    return undefined;
  }
}
