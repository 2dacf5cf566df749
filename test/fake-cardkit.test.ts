/** The fake's card entities hold the product to the rules the evidence gives (fake-cardkit.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';

let fake: FakeFeishu;
let token: string;
beforeEach(async () => {
  fake = await startFakeFeishu();
  const answer = await call('POST', '/auth/v3/tenant_access_token/internal', {
    app_id: 'cli_test_app',
    app_secret: 'test-secret',
  });
  token = String(answer.tenant_access_token);
});
afterEach(() => fake.close());

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${fake.url}/open-apis${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown> & {
    code: number;
    data?: Record<string, unknown>;
  };
}

const CARD = {
  schema: '2.0',
  header: { title: { tag: 'plain_text', content: 'Run' }, template: 'blue' },
  body: {
    elements: [
      { tag: 'markdown', element_id: 'intro', content: 'hello' },
      { tag: 'hr', element_id: 'rows_end' },
    ],
  },
};

async function createCard(card: unknown = CARD): Promise<string> {
  const answer = await call('POST', '/cardkit/v1/cards', {
    type: 'card_json',
    data: JSON.stringify(card),
  });
  expect(answer.code).toBe(0);
  return String(answer.data?.card_id);
}

const row = (id: string, content: string) => ({ tag: 'markdown', element_id: id, content });
const add = (cardId: string, sequence: number, id = 'row_a') =>
  call('POST', `/cardkit/v1/cards/${cardId}/elements`, {
    type: 'insert_before',
    target_element_id: 'rows_end',
    elements: JSON.stringify([row(id, id)]),
    sequence,
  });

describe('fake card entities', () => {
  it('are sent once by card_id, and the chat shows the entity as it stands', async () => {
    const cardId = await createCard();
    const content = JSON.stringify({ type: 'card', data: { card_id: cardId } });
    const send = () =>
      call('POST', '/im/v1/messages?receive_id_type=chat_id', {
        receive_id: 'oc_test_chat',
        msg_type: 'interactive',
        content,
      });
    const sent = await send();
    expect(sent.code).toBe(0);
    expect((await send()).code).not.toBe(0);
    expect((await add(cardId, 5)).code).toBe(0);
    const messageId = String(sent.data?.message_id);
    const shownBody = fake.cardkit.shownBy(messageId)?.body as
      | { elements: { element_id: string }[] }
      | undefined;
    const elements = shownBody?.elements ?? [];
    expect(elements.map((e) => e.element_id)).toEqual(['intro', 'row_a', 'rows_end']);
    // Read back in the internal form, the row keeps its id and its text.
    const read = await call(
      'GET',
      `/im/v1/messages/${messageId}?card_msg_content_type=raw_card_content`,
    );
    const items = read.data?.items as { body: { content: string } }[];
    const jsonCard = JSON.parse(JSON.parse(items[0]?.body.content ?? '{}').json_card);
    expect(jsonCard.body.property.elements[1]).toEqual({
      tag: 'markdown',
      id: 'row_a',
      property: { elements: [{ tag: 'text', property: { content: 'row_a' } }] },
    });
  });

  it('may be shown to a reader as they stood before their last write (lagReads), never to a sender', async () => {
    const cardId = await createCard();
    const sent = await call('POST', '/im/v1/messages?receive_id_type=chat_id', {
      receive_id: 'oc_test_chat',
      msg_type: 'interactive',
      content: JSON.stringify({ type: 'card', data: { card_id: cardId } }),
    });
    const messageId = String(sent.data?.message_id);
    expect((await add(cardId, 5)).code).toBe(0);
    const ids = async () => {
      const read = await call(
        'GET',
        `/im/v1/messages/${messageId}?card_msg_content_type=raw_card_content`,
      );
      const items = read.data?.items as { body: { content: string } }[];
      const jsonCard = JSON.parse(JSON.parse(items[0]?.body.content ?? '{}').json_card);
      return (jsonCard.body.property.elements as { id: string }[]).map((e) => e.id);
    };
    fake.cardkit.lagReads(1);
    expect(await ids()).toEqual(['intro', 'rows_end']);
    expect(await ids()).toEqual(['intro', 'row_a', 'rows_end']);
    // A deletion is a write like any other: it takes a sequence too.
    const remove = (sequence: number) =>
      call('DELETE', `/cardkit/v1/cards/${cardId}/elements/row_a`, { sequence });
    expect((await remove(5)).code).toBe(300317);
    expect((await remove(6)).code).toBe(0);
    expect(await ids()).toEqual(['intro', 'rows_end']);
  });

  it('take a sequence strictly greater than the last write, across every endpoint', async () => {
    const cardId = await createCard();
    expect((await add(cardId, 10)).code).toBe(0);
    expect((await add(cardId, 10, 'row_b')).code).toBe(300317);
    const put = (sequence: number) =>
      call('PUT', `/cardkit/v1/cards/${cardId}/elements/row_a`, {
        element: JSON.stringify(row('row_a', 'x')),
        sequence,
      });
    expect((await put(9)).code).toBe(300317);
    expect((await put(1_000_000)).code).toBe(0); // a large jump is accepted (a guess)
    const settings = (sequence: number) =>
      call('PATCH', `/cardkit/v1/cards/${cardId}/settings`, {
        settings: JSON.stringify({ config: { summary: { content: 's' } } }),
        sequence,
      });
    expect((await settings(1_000_000)).code).toBe(300317);
    expect((await settings(1_000_001)).code).toBe(0);
    expect((await add(cardId, 2 ** 31, 'row_c')).code).toBe(99992402); // beyond int32
  });

  it('take at most 10 writes a second per card', async () => {
    const cardId = await createCard();
    const answers = [];
    for (let i = 1; i <= 12; i++) answers.push((await add(cardId, i, `row_${i}`)).code);
    expect(answers.slice(0, 10).every((code) => code === 0)).toBe(true);
    expect(answers.slice(10)).toEqual([230020, 230020]);
  });

  it('refuse a missing element, a duplicate element_id, another app and an expired card', async () => {
    const cardId = await createCard();
    const put = await call('PUT', `/cardkit/v1/cards/${cardId}/elements/nope`, {
      element: JSON.stringify(row('nope', 'x')),
      sequence: 1,
    });
    expect(put.code).toBe(300313);
    expect((await add(cardId, 2, 'intro')).code).toBe(300301);
    const entity = fake.cardkit.cards.get(cardId);
    if (entity) entity.owner = 'cli_other_app';
    expect((await add(cardId, 3)).code).toBe(300311);
    if (entity) entity.owner = 'cli_test_app';
    fake.cardkit.age(cardId, 14 * 24 * 3600 * 1000 + 1000);
    expect((await add(cardId, 4)).code).toBe(200750);
  });

  it('are created from card JSON 2.0 only, with element_ids Feishu accepts', async () => {
    const bad = (card: unknown) =>
      call('POST', '/cardkit/v1/cards', { type: 'card_json', data: JSON.stringify(card) });
    expect((await bad({ elements: [] })).code).not.toBe(0);
    expect((await bad({ ...CARD, body: { elements: [row('1abc', 'x')] } })).code).not.toBe(0);
    expect((await bad({ ...CARD, body: { elements: [row('a'.repeat(21), 'x')] } })).code).not.toBe(
      0,
    );
  });
});
