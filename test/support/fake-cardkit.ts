// The card entities of the fake Feishu (CardKit v1): creation, sending once by card_id, element
// writes under the strictly increasing `sequence` rule, the per-card write limit, ownership and the
// 14-day life, and what the chat then shows. Mounted by fake-feishu.ts; node built-ins only.
//
// Evidence (feishu-api-notes.md, "Card entities"): request shapes from the SDK's cardkit.v1 types
// and the MCP tool schemas (larksuite/lark-openapi-mcp, cardkit v1 tools: every write carries an
// int32 `sequence` that must grow, else 300317); 300311 ownership, 200750 expiry, 300313 missing and
// 300301 duplicate element, 230020 when a card takes more than 10 writes a second: public reports.
// Guesses, marked where they are made: the codes for an unknown card, a card sent twice and a
// malformed card; that a rejected write does not move the card's sequence; that any gap between
// sequences is accepted; that history shows an entity's message as the entity now stands.

import { randomInt } from 'node:crypto';

type Json = Record<string, unknown>;

export interface CardkitReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What the mounting server lends the card service: its answers, its clock and its checks. */
export interface CardkitHost {
  appId: string;
  ok(data?: unknown): CardkitReply;
  fail(status: number, code: number, msg: string): CardkitReply;
  validationFailed(field: string): CardkitReply;
  /** Scope check: undefined when granted. */
  checkScopes(needed: readonly string[]): CardkitReply | undefined;
}

export interface CardEntity {
  card_id: string;
  /** The app that created it: the only one that may write. */
  owner: string;
  created: number;
  /** The last accepted write's sequence (0 before any). */
  sequence: number;
  /** The card as it now stands (card JSON 2.0). */
  card: Json;
  /** The message that shows it, once sent. */
  message_id?: string;
  /** When writes were counted against the per-card limit, for the sliding second. */
  writeTimes: number[];
  accepted: number;
  rejected: Record<number, number>;
  /** Every write that reached the card: when, and its answer's code (0 = accepted). */
  log: { at: number; code: number }[];
  /** The card before its last accepted write: what a lagging read of its message shows. */
  previous?: Json;
}

export interface FakeCardkit {
  /** Every entity, by card_id. */
  cards: Map<string, CardEntity>;
  /** The card a message shows now, when the message is a card entity's. */
  shownBy(messageId: string): Json | undefined;
  /** Ages a card, e.g. past its 14-day life. */
  age(cardId: string, ms: number): void;
  /**
   * The next `reads` reads of any entity's message show it as it stood before its last write:
   * the chat is another service than the card, and nothing says it is never behind (a guess).
   */
  lagReads(reads: number): void;
}

const SCOPE = ['cardkit:card:write'] as const;
const WRITES_PER_SECOND = 10;
const LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
const INT32_MAX = 2 ** 31 - 1;
const CARD_MAX_BYTES = 30 * 1024;
const MAX_ELEMENTS = 200;
const ELEMENT_ID = /^[A-Za-z][A-Za-z0-9_]{0,19}$/;
/** Containers an `append` may target (card JSON 2.0). */
const CONTAINERS = new Set([
  'column_set',
  'column',
  'form',
  'collapsible_panel',
  'interactive_container',
]);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Every element object (anything with a `tag`) of a tree, depth first. */
function* elementsOf(node: unknown): Generator<Json> {
  if (Array.isArray(node)) for (const child of node) yield* elementsOf(child);
  else if (isRecord(node)) {
    if (typeof node.tag === 'string') yield node;
    for (const value of Object.values(node)) yield* elementsOf(value);
  }
}

/** The array holding the element with this id, and its index there. */
function locate(node: unknown, id: string): { list: unknown[]; index: number } | undefined {
  if (Array.isArray(node)) {
    const index = node.findIndex((child) => isRecord(child) && child.element_id === id);
    if (index >= 0) return { list: node, index };
    for (const child of node) {
      const found = locate(child, id);
      if (found) return found;
    }
  } else if (isRecord(node)) {
    for (const value of Object.values(node)) {
      const found = locate(value, id);
      if (found) return found;
    }
  }
  return undefined;
}

export function mountCardkit(host: CardkitHost): {
  fake: FakeCardkit;
  /** Answers a /cardkit/v1/... request (path without /open-apis), or undefined: not ours. */
  route(method: string, path: string, body: unknown, now: number): (() => CardkitReply) | undefined;
  /** For a message whose content names a card entity: why it cannot be sent, or undefined. */
  checkSend(content: Json): CardkitReply | undefined;
  /** Binds a card entity to the message that now shows it. */
  sent(content: Json, messageId: string): void;
  /** The card JSON (as a string) a message that names an entity shows (`read`: to a reader). */
  contentOf(content: string, read?: boolean): string | undefined;
} {
  const cards = new Map<string, CardEntity>();
  const byMessage = new Map<string, CardEntity>();

  const reject = (entity: CardEntity | undefined, status: number, code: number, msg: string) => {
    if (entity) {
      entity.rejected[code] = (entity.rejected[code] ?? 0) + 1;
      entity.log.push({ at: Date.now(), code });
    }
    return host.fail(status, code, msg);
  };

  /** A card's own checks: schema 2.0, size, element count, element_id shape and uniqueness. */
  function checkCard(card: unknown, entity?: CardEntity): CardkitReply | undefined {
    // Guess: the code for a card the service cannot take (documented only as "schema 2.0 only").
    if (!isRecord(card) || card.schema !== '2.0' || !isRecord(card.body)) {
      return reject(entity, 400, 300303, 'invalid card json: schema 2.0 with a body is required');
    }
    if (Buffer.byteLength(JSON.stringify(card)) > CARD_MAX_BYTES) {
      return reject(entity, 400, 300303, 'invalid card json: over 30 KB');
    }
    const all = [...elementsOf(card.body)];
    if (all.length > MAX_ELEMENTS) {
      return reject(entity, 400, 300303, `invalid card json: over ${MAX_ELEMENTS} elements`);
    }
    const seen = new Set<string>();
    for (const element of all) {
      const id = element.element_id;
      if (id === undefined) continue;
      if (typeof id !== 'string' || !ELEMENT_ID.test(id)) {
        return reject(entity, 400, 300303, `invalid element_id: ${String(id)}`);
      }
      if (seen.has(id)) return reject(entity, 400, 300301, `duplicate element_id: ${id}`);
      seen.add(id);
    }
    return undefined;
  }

  function create(body: unknown, now: number): CardkitReply {
    if (!isRecord(body) || body.type !== 'card_json') return host.validationFailed('type');
    if (typeof body.data !== 'string') return host.validationFailed('data');
    const card = parse(body.data);
    const bad = checkCard(card);
    if (bad) return bad;
    // Real card IDs are long digit strings.
    const cardId = `7${String(randomInt(1e9, 1e10 - 1))}${String(randomInt(1e8, 1e9 - 1))}`;
    cards.set(cardId, {
      card_id: cardId,
      owner: host.appId,
      created: now,
      sequence: 0,
      card: card as Json,
      writeTimes: [],
      accepted: 0,
      rejected: {},
      log: [],
    });
    return host.ok({ card_id: cardId });
  }

  /** The checks every write passes, in the order assumed here: card, owner, life, limit, sequence. */
  function admit(
    cardId: string,
    body: unknown,
    now: number,
  ): { reply: CardkitReply } | { entity: CardEntity; body: Json; sequence: number } {
    const entity = cards.get(cardId);
    // Guess: the code for an unknown card ID.
    if (!entity) return { reply: host.fail(400, 300300, `card not found: ${cardId}`) };
    if (entity.owner !== host.appId) {
      return {
        reply: reject(entity, 400, 300311, 'no permission: the card belongs to another app'),
      };
    }
    if (now - entity.created > LIFETIME_MS) {
      return { reply: reject(entity, 400, 200750, 'the card has expired (14 days)') };
    }
    if (!isRecord(body)) return { reply: host.validationFailed('body') };
    const sequence = body.sequence;
    if (
      typeof sequence !== 'number' ||
      !Number.isInteger(sequence) ||
      sequence < 1 ||
      sequence > INT32_MAX
    ) {
      return { reply: host.validationFailed('sequence') };
    }
    entity.writeTimes = entity.writeTimes.filter((t) => now - t < 1000);
    if (entity.writeTimes.length >= WRITES_PER_SECOND) {
      return {
        reply: reject(
          entity,
          400,
          230020,
          'the card is updated too often: at most 10 writes a second',
        ),
      };
    }
    // A write that reached the card counts against its limit whatever its fate below.
    entity.writeTimes.push(now);
    if (sequence <= entity.sequence) {
      return { reply: reject(entity, 400, 300317, 'sequence number compare failed') };
    }
    return { entity, body, sequence };
  }

  /** Applies a write that passed `admit`: the sequence moves only when the write succeeds. */
  function commit(
    cardId: string,
    body: unknown,
    now: number,
    apply: (entity: CardEntity, body: Json) => CardkitReply | undefined,
  ): CardkitReply {
    const admitted = admit(cardId, body, now);
    if ('reply' in admitted) return admitted.reply;
    const { entity, sequence } = admitted;
    const before = JSON.stringify(entity.card);
    const failed = apply(entity, admitted.body);
    if (failed) {
      entity.card = JSON.parse(before) as Json;
      return failed;
    }
    const bad = checkCard(entity.card, entity);
    if (bad) {
      entity.card = JSON.parse(before) as Json;
      return bad;
    }
    entity.previous = JSON.parse(before) as Json;
    entity.sequence = sequence;
    entity.accepted += 1;
    entity.log.push({ at: now, code: 0 });
    return host.ok({});
  }

  function missing(entity: CardEntity, id: unknown) {
    return reject(entity, 400, 300313, `element not found: ${String(id)}`);
  }

  function addElements(entity: CardEntity, body: Json): CardkitReply | undefined {
    const elements = parse(body.elements);
    if (!Array.isArray(elements) || !elements.every(isRecord)) {
      return host.validationFailed('elements');
    }
    const type = body.type;
    const target = body.target_element_id;
    const root = entity.card.body as Json;
    if (!Array.isArray(root.elements)) root.elements = [];
    if (type === 'append') {
      if (target === undefined || target === '') {
        (root.elements as unknown[]).push(...elements);
        return undefined;
      }
      const found = locate(root, String(target));
      if (!found) return missing(entity, target);
      const container = found.list[found.index] as Json;
      if (typeof container.tag !== 'string' || !CONTAINERS.has(container.tag)) {
        return host.fail(400, 300303, `append needs a container: ${String(target)}`);
      }
      const key = container.tag === 'column_set' ? 'columns' : 'elements';
      const list = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
      container[key] = [...list, ...elements];
      return undefined;
    }
    if (type !== 'insert_before' && type !== 'insert_after') return host.validationFailed('type');
    const found = locate(root, String(target ?? ''));
    if (!found) return missing(entity, target);
    found.list.splice(found.index + (type === 'insert_after' ? 1 : 0), 0, ...elements);
    return undefined;
  }

  function patchElement(entity: CardEntity, id: string, body: Json): CardkitReply | undefined {
    const partial = parse(body.partial_element);
    if (!isRecord(partial)) return host.validationFailed('partial_element');
    const found = locate(entity.card.body, id);
    if (!found) return missing(entity, id);
    const element = found.list[found.index] as Json;
    if (partial.tag !== undefined && partial.tag !== element.tag) {
      return reject(entity, 400, 300312, 'the tag of an element cannot change');
    }
    found.list[found.index] = { ...element, ...partial };
    return undefined;
  }

  function putElement(entity: CardEntity, id: string, body: Json): CardkitReply | undefined {
    const element = parse(body.element);
    if (!isRecord(element)) return host.validationFailed('element');
    const found = locate(entity.card.body, id);
    if (!found) return missing(entity, id);
    found.list[found.index] = { element_id: id, ...element };
    return undefined;
  }

  function deleteElement(entity: CardEntity, id: string): CardkitReply | undefined {
    const found = locate(entity.card.body, id);
    if (!found) return missing(entity, id);
    found.list.splice(found.index, 1);
    return undefined;
  }

  function putCard(entity: CardEntity, body: Json): CardkitReply | undefined {
    const card = isRecord(body.card) ? body.card : undefined;
    if (card?.type !== 'card_json') return host.validationFailed('card.type');
    const parsed = parse(card.data);
    if (!isRecord(parsed)) return host.validationFailed('card.data');
    entity.card = parsed;
    return undefined;
  }

  function patchSettings(entity: CardEntity, body: Json): CardkitReply | undefined {
    const settings = parse(body.settings);
    if (!isRecord(settings)) return host.validationFailed('settings');
    if (isRecord(settings.config)) {
      entity.card.config = {
        ...(isRecord(entity.card.config) ? entity.card.config : {}),
        ...settings.config,
      };
    }
    if (settings.card_link !== undefined) entity.card.card_link = settings.card_link;
    return undefined;
  }

  function route(method: string, path: string, body: unknown, now: number) {
    if (!path.startsWith('/cardkit/v1/cards')) return undefined;
    const element = /^\/cardkit\/v1\/cards\/([^/]+)\/elements\/([^/]+)$/.exec(path);
    const elements = /^\/cardkit\/v1\/cards\/([^/]+)\/elements$/.exec(path);
    const settings = /^\/cardkit\/v1\/cards\/([^/]+)\/settings$/.exec(path);
    const card = /^\/cardkit\/v1\/cards\/([^/]+)$/.exec(path);
    let handler: (() => CardkitReply) | undefined;
    if (path === '/cardkit/v1/cards' && method === 'POST') handler = () => create(body, now);
    else if (elements?.[1] && method === 'POST') {
      const id = elements[1];
      handler = () => commit(id, body, now, addElements);
    } else if (element?.[1] && element[2]) {
      const [, id = '', eid = ''] = element;
      if (method === 'PATCH')
        handler = () => commit(id, body, now, (e, b) => patchElement(e, eid, b));
      else if (method === 'PUT')
        handler = () => commit(id, body, now, (e, b) => putElement(e, eid, b));
      else if (method === 'DELETE')
        handler = () => commit(id, body, now, (e) => deleteElement(e, eid));
    } else if (settings?.[1] && method === 'PATCH') {
      const id = settings[1];
      handler = () => commit(id, body, now, patchSettings);
    } else if (card?.[1] && method === 'PUT') {
      const id = card[1];
      handler = () => commit(id, body, now, putCard);
    }
    if (!handler) return undefined;
    const run = handler;
    return () => host.checkScopes(SCOPE) ?? run();
  }

  function referenced(content: Json): string | undefined {
    if (content.type !== 'card') return undefined;
    const data = content.data;
    return isRecord(data) && typeof data.card_id === 'string' ? data.card_id : '';
  }

  function checkSend(content: Json): CardkitReply | undefined {
    const cardId = referenced(content);
    if (cardId === undefined) return undefined;
    const entity = cards.get(cardId);
    // Guesses: the codes for an unknown card and for a card already sent.
    if (!entity)
      return host.fail(
        400,
        230099,
        `Failed to create card content, ext=card_id not found: ${cardId}`,
      );
    if (entity.owner !== host.appId)
      return host.fail(400, 300311, 'no permission: the card belongs to another app');
    if (entity.message_id)
      return host.fail(
        400,
        230099,
        'Failed to create card content, ext=the card entity was already sent',
      );
    return undefined;
  }

  function sent(content: Json, messageId: string): void {
    const cardId = referenced(content);
    const entity = cardId ? cards.get(cardId) : undefined;
    if (!entity) return;
    entity.message_id = messageId;
    byMessage.set(messageId, entity);
  }

  let laggingReads = 0;
  function contentOf(content: string, read = false): string | undefined {
    const parsed = parse(content);
    const cardId = isRecord(parsed) ? referenced(parsed) : undefined;
    const entity = cardId ? cards.get(cardId) : undefined;
    if (!entity) return undefined;
    const lagging = read && laggingReads > 0 && entity.previous !== undefined;
    if (lagging) laggingReads -= 1;
    return JSON.stringify(lagging ? entity.previous : entity.card);
  }

  return {
    fake: {
      cards,
      shownBy: (messageId) => byMessage.get(messageId)?.card,
      age(cardId, ms) {
        const entity = cards.get(cardId);
        if (entity) entity.created -= ms;
      },
      lagReads(reads) {
        laggingReads = reads;
      },
    },
    route,
    checkSend,
    sent,
    contentOf,
  };
}
