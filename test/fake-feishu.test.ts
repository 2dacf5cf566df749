import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEGRADED_CARD_TEXT,
  type FakeFeishu,
  type FakeOptions,
  flattenCardForHistory,
  startFakeFeishu,
} from './support/fake-feishu.js';

// Plain node:http without keep-alive, so a socket destroyed by a fault never leaks into the
// next request of a test.
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

function send(
  fake: FakeFeishu,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: Buffer; contentType?: string } = {},
): Promise<Answer> {
  const payload =
    options.raw ??
    (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8'));
  const headers: Record<string, string> = {};
  if (payload) {
    headers['content-type'] = options.contentType ?? 'application/json; charset=utf-8';
    headers['content-length'] = String(payload.length);
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${fake.url}/open-apis${path}`,
      { method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function tokenFor(fake: FakeFeishu): Promise<string> {
  const a = await send(fake, 'POST', '/auth/v3/tenant_access_token/internal', {
    body: { app_id: 'cli_test_app', app_secret: 'test-secret' },
  });
  return String(a.json.tenant_access_token);
}

function textMsg(text: string, chat = 'oc_test_chat', extra: Record<string, unknown> = {}) {
  return { receive_id: chat, msg_type: 'text', content: JSON.stringify({ text }), ...extra };
}

function card2(elements: unknown[], title = 'Build passed'): string {
  return JSON.stringify({
    schema: '2.0',
    header: { title: { tag: 'plain_text', content: title }, template: 'green' },
    body: { elements },
  });
}

function data(a: Answer): Record<string, unknown> {
  return a.json.data as Record<string, unknown>;
}

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from([0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x0d, 0x0a, 0xff, 0x00]),
]);

function multipart(parts: { name: string; filename?: string; type?: string; data: Buffer }[]) {
  const boundary = '----fakeboundary1234';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.filename
      ? `form-data; name="${p.name}"; filename="${p.filename}"`
      : `form-data; name="${p.name}"`;
    const type = p.type ? `Content-Type: ${p.type}\r\n` : '';
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
      p.data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { raw: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

let fake: FakeFeishu | undefined;
async function start(options?: FakeOptions): Promise<FakeFeishu> {
  fake = await startFakeFeishu(options);
  return fake;
}
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('token and auth', () => {
  it('issues a top-level token, rejects bad credentials with HTTP 200', async () => {
    const f = await start();
    const badId = await send(f, 'POST', '/auth/v3/tenant_access_token/internal', {
      body: { app_id: 'cli_other', app_secret: 'test-secret' },
    });
    expect(badId.status).toBe(200);
    expect(badId.json.code).toBe(10003);
    const badSecret = await send(f, 'POST', '/auth/v3/tenant_access_token/internal', {
      body: { app_id: 'cli_test_app', app_secret: 'nope' },
    });
    expect([badSecret.status, badSecret.json.code]).toEqual([200, 10014]);

    const good = await send(f, 'POST', '/auth/v3/tenant_access_token/internal', {
      body: { app_id: 'cli_test_app', app_secret: 'test-secret' },
    });
    expect(good.json).toMatchObject({ code: 0, msg: 'ok', expire: 7200 });
    expect(String(good.json.tenant_access_token)).toMatch(/^t-/);
    expect(f.tokensIssued).toBe(1);
  });

  it('answers 99991661 without a token and 99991663 for unknown or revoked ones', async () => {
    const f = await start();
    const missing = await send(f, 'GET', '/im/v1/chats');
    expect([missing.status, missing.json.code]).toEqual([400, 99991661]);
    expect(missing.headers['x-tt-logid']).toBeTruthy();
    expect((missing.json.error as { log_id: string }).log_id).toBe(missing.headers['x-tt-logid']);
    const unknown = await send(f, 'GET', '/im/v1/chats', { token: 't-unknown' });
    expect([unknown.status, unknown.json.code]).toEqual([400, 99991663]);

    const token = await tokenFor(f);
    expect((await send(f, 'GET', '/im/v1/chats', { token })).json.code).toBe(0);
    f.revokeTokens();
    expect((await send(f, 'GET', '/im/v1/chats', { token })).json.code).toBe(99991663);
    const fresh = await tokenFor(f);
    expect(fresh).not.toBe(token);
    expect((await send(f, 'GET', '/im/v1/chats', { token: fresh })).json.code).toBe(0);
  });

  it('expires tokens after tokenTtlSeconds', async () => {
    const f = await start({ tokenTtlSeconds: 0.05 });
    const token = await tokenFor(f);
    await new Promise((r) => setTimeout(r, 80));
    expect((await send(f, 'GET', '/im/v1/chats', { token })).json.code).toBe(99991663);
  });

  it('reports a missing scope with permission_violations', async () => {
    const f = await start({ missingScopes: ['im:message.group_msg'] });
    const token = await tokenFor(f);
    const a = await send(
      f,
      'GET',
      '/im/v1/messages?container_id_type=chat&container_id=oc_test_chat',
      {
        token,
      },
    );
    expect([a.status, a.json.code]).toEqual([400, 99991672]);
    expect(a.json.error).toMatchObject({
      permission_violations: [
        { type: 'action_privilege_required', subject: 'im:message.group_msg' },
      ],
    });
    // Sending is not affected.
    expect(
      (
        await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
          token,
          body: textMsg('x'),
        })
      ).json.code,
    ).toBe(0);
  });
});

describe('send and history', () => {
  it('round-trips a text and a card through history, flattening the card', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const sent = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('hello'),
    });
    expect(sent.status).toBe(200);
    expect(sent.json.code).toBe(0);
    expect(data(sent)).toMatchObject({
      chat_id: 'oc_test_chat',
      msg_type: 'text',
      deleted: false,
      sender: { id: 'cli_test_app', id_type: 'app_id', sender_type: 'app' },
      body: { content: '{"text":"hello"}' },
    });
    expect(String(data(sent).message_id)).toMatch(/^om_[0-9a-f]+$/);
    expect(String(data(sent).create_time)).toMatch(/^\d{13}$/);

    const content = card2([
      { tag: 'markdown', content: '**main** passed' },
      {
        tag: 'button',
        text: { tag: 'plain_text', content: 'Open run' },
        behaviors: [{ type: 'open_url', default_url: 'https://example.com' }],
      },
    ]);
    const cardSent = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: { receive_id: 'oc_test_chat', msg_type: 'interactive', content },
    });
    expect(cardSent.json.code).toBe(0);
    expect(f.messages('oc_test_chat').map((m) => m.content)).toEqual(['{"text":"hello"}', content]);

    const read = async (view = '') => {
      const history = await send(
        f,
        'GET',
        `/im/v1/messages?container_id_type=chat&container_id=oc_test_chat&sort_type=ByCreateTimeDesc${view ? `&card_msg_content_type=${view}` : ''}`,
        { token },
      );
      expect(data(history)).toMatchObject({ has_more: false, page_token: '' });
      return data(history).items as Array<{ msg_type: string; body: { content: string } }>;
    };
    const items = await read();
    expect(items.map((i) => i.msg_type)).toEqual(['interactive', 'text']);
    expect(items[1]?.body.content).toBe('{"text":"hello"}');
    // By default a card JSON 2.0 is a stub: its title and "upgrade your client", no body.
    expect(JSON.parse(items[0]?.body.content ?? '')).toEqual({
      title: 'Build passed',
      elements: [[{ tag: 'text', text: DEGRADED_CARD_TEXT }]],
    });
    // user_card_content: the card as sent.
    expect((await read('user_card_content'))[0]?.body.content).toBe(content);
    // raw_card_content: Feishu's internal form, elements {tag, id, property}, markdown as runs.
    const raw = JSON.parse((await read('raw_card_content'))[0]?.body.content ?? '');
    expect(raw.card_schema).toBe(2);
    const card = JSON.parse(raw.json_card);
    expect(card.header.property.title.property.content).toBe('Build passed');
    const [md, button] = card.body.property.elements;
    expect(md).toMatchObject({
      tag: 'markdown',
      id: expect.any(String),
      property: { elements: [{ tag: 'text', property: { content: '**main** passed' } }] },
    });
    expect(md.property.content).toBeUndefined();
    expect(button.property.text.property.content).toBe('Open run');
    const bad = await send(
      f,
      'GET',
      '/im/v1/messages?container_id_type=chat&container_id=oc_test_chat&card_msg_content_type=x',
      { token },
    );
    expect(bad.json.code).toBe(99992402);
  });

  it('keeps element ids in the raw view, flattens 1.0 cards, lists no thread replies, lets days pass', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const root = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'interactive',
      content: card2([
        { tag: 'div', element_id: 'foot_1', text: { tag: 'plain_text', content: 'x' } },
      ]),
    });
    f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'interactive',
      content: JSON.stringify({ elements: [{ tag: 'markdown', content: 'one-oh' }] }),
    });
    const threaded = await send(f, 'POST', `/im/v1/messages/${root.message_id}/reply`, {
      token,
      body: { msg_type: 'text', content: '{"text":"in thread"}', reply_in_thread: true },
    });
    const plainReply = await send(f, 'POST', `/im/v1/messages/${root.message_id}/reply`, {
      token,
      body: { msg_type: 'text', content: '{"text":"quoted reply"}' },
    });
    const history = await send(
      f,
      'GET',
      '/im/v1/messages?container_id_type=chat&container_id=oc_test_chat&card_msg_content_type=raw_card_content',
      { token },
    );
    const items = data(history).items as Array<{ message_id: string; body: { content: string } }>;
    const ids = items.map((i) => i.message_id);
    expect(ids).not.toContain(data(threaded).message_id);
    expect(ids).toContain(data(plainReply).message_id);
    const raw = JSON.parse(items.find((i) => i.message_id === root.message_id)?.body.content ?? '');
    expect(JSON.parse(raw.json_card).body.property.elements[0].id).toBe('foot_1');
    const byDefault = await send(
      f,
      'GET',
      '/im/v1/messages?container_id_type=chat&container_id=oc_test_chat',
      { token },
    );
    const oneOh = (data(byDefault).items as Array<{ body: { content: string } }>).find((i) =>
      i.body.content.includes('one-oh'),
    );
    expect(JSON.parse(oneOh?.body.content ?? '')).toEqual({
      title: '',
      elements: [[{ tag: 'text', text: 'one-oh' }]],
    });

    // 25 hours later: too old to recall (230009), still updatable; 15 days: neither.
    f.advance(25 * 3600 * 1000);
    expect(
      (await send(f, 'DELETE', `/im/v1/messages/${root.message_id}`, { token })).json.code,
    ).toBe(230009);
    const patch = (id: string) =>
      send(f, 'PATCH', `/im/v1/messages/${id}`, { token, body: { content: card2([]) } });
    expect((await patch(root.message_id)).json.code).toBe(0);
    f.advance(14 * 24 * 3600 * 1000);
    expect((await patch(root.message_id)).json.code).toBe(230031);
  });

  it('buzzes on urgent_app: own messages only, unknown users returned, scope checked', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const sent = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('wake up'),
    });
    const id = String(data(sent).message_id);
    const buzz = (messageId: string, body: unknown, type = 'open_id') =>
      send(f, 'PATCH', `/im/v1/messages/${messageId}/urgent_app?user_id_type=${type}`, {
        token,
        body,
      });
    const answer = await buzz(id, { user_id_list: ['ou_test_user', 'ou_nobody'] });
    expect(answer.json.code).toBe(0);
    expect(data(answer)).toEqual({ invalid_user_id_list: ['ou_nobody'] });
    expect(f.urgents).toEqual([{ messageId: id, userIds: ['ou_test_user'] }]);
    expect((await buzz(id, { user_id_list: [] })).json.code).toBe(99992402);
    expect((await buzz(id, { user_id_list: ['ou_test_user'] }, 'email')).json.code).toBe(99992402);
    const theirs = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'text',
      content: '{"text":"hi"}',
      sender: { id: 'ou_x', id_type: 'open_id', sender_type: 'user' },
    });
    expect((await buzz(theirs.message_id, { user_id_list: ['ou_test_user'] })).json.code).toBe(
      230027,
    );
    const denied = await start({ missingScopes: ['im:message.urgent'] });
    const deniedToken = await tokenFor(denied);
    const mine = await send(denied, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token: deniedToken,
      body: textMsg('x'),
    });
    const refused = await send(
      denied,
      'PATCH',
      `/im/v1/messages/${data(mine).message_id}/urgent_app?user_id_type=open_id`,
      { token: deniedToken, body: { user_id_list: ['ou_test_user'] } },
    );
    expect(refused.json.code).toBe(99991672);
  });

  it('flattens templates and shows recalled messages as recalled', async () => {
    expect(
      JSON.parse(
        flattenCardForHistory(JSON.stringify({ type: 'template', data: { template_id: 'x' } })),
      ),
    ).toEqual({ title: '', elements: [[{ tag: 'text', text: '[template]' }]] });
    const f = await start();
    const token = await tokenFor(f);
    const sent = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('gone soon'),
    });
    const id = String(data(sent).message_id);
    expect((await send(f, 'DELETE', `/im/v1/messages/${id}`, { token })).json.code).toBe(0);
    const history = await send(
      f,
      'GET',
      '/im/v1/messages?container_id_type=chat&container_id=oc_test_chat',
      { token },
    );
    expect(data(history).items).toMatchObject([
      { message_id: id, deleted: true, body: { content: '{"text":"This message was recalled"}' } },
    ]);
  });

  it('filters history by time window and paginates it', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const base = 1_700_000_000_000;
    for (let i = 0; i < 60; i++) {
      f.addMessage({
        chat_id: 'oc_test_chat',
        msg_type: 'text',
        content: JSON.stringify({ text: `m${i}` }),
        create_time: base + i * 1000,
        sender: { id: 'ou_someone', id_type: 'open_id', sender_type: 'user' },
      });
    }
    const q = `container_id_type=chat&container_id=oc_test_chat&start_time=${base / 1000 + 5}&end_time=${base / 1000 + 59}&page_size=50`;
    const first = await send(f, 'GET', `/im/v1/messages?${q}`, { token });
    expect((data(first).items as unknown[]).length).toBe(50);
    expect(data(first).has_more).toBe(true);
    const second = await send(
      f,
      'GET',
      `/im/v1/messages?${q}&page_token=${encodeURIComponent(String(data(first).page_token))}`,
      { token },
    );
    expect(data(second)).toMatchObject({ has_more: false, page_token: '' });
    const rest = data(second).items as unknown[];
    expect(rest).toHaveLength(5);
    expect(rest[0]).toMatchObject({
      body: { content: '{"text":"m55"}' },
      sender: { id: 'ou_someone', id_type: 'open_id', sender_type: 'user', tenant_key: 'tk' },
    });
    const tooBig = await send(f, 'GET', `/im/v1/messages?${q.replace('50', '51')}`, { token });
    expect([tooBig.status, tooBig.json.code]).toEqual([400, 99992402]);
  });

  it('rejects unknown recipients, chats without the bot, and bad content', async () => {
    const f = await start({ chats: [{ chat_id: 'oc_out', name: 'Out', botIsMember: false }] });
    const token = await tokenFor(f);
    const post = (query: string, body: unknown) =>
      send(f, 'POST', `/im/v1/messages?${query}`, { token, body });
    expect((await post('receive_id_type=chat_id', textMsg('x', 'oc_nope'))).json.code).toBe(230001);
    expect((await post('receive_id_type=chat_id', textMsg('x', 'oc_out'))).json.code).toBe(230002);
    expect((await post('receive_id_type=bogus', textMsg('x'))).json.code).toBe(230001);
    expect((await post('receive_id_type=email', textMsg('x', 'who@example.com'))).json.code).toBe(
      230034,
    );
    const notJson = await post('receive_id_type=chat_id', {
      receive_id: 'oc_test_chat',
      msg_type: 'text',
      content: { text: 'object, not string' },
    });
    expect([notJson.status, notJson.json.code]).toEqual([400, 230001]);
    const bad = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      raw: Buffer.from('{not json'),
    });
    expect(bad.status).toBe(400);
    expect(typeof bad.json.code).toBe('number');
  });

  it('delivers to users through a p2p chat', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const a = await send(f, 'POST', '/im/v1/messages?receive_id_type=email', {
      token,
      body: textMsg('dm', 'dev@example.com'),
    });
    expect(a.json.code).toBe(0);
    expect(f.chatIdFor('email', 'dev@example.com')).toBe('oc_p2p_ou_test_user');
    expect(f.messages(f.chatIdFor('open_id', 'ou_test_user'))).toHaveLength(1);
  });

  it('validates content: sizes, cards, templates, image keys', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const card = (content: string) =>
      send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
        token,
        body: { receive_id: 'oc_test_chat', msg_type: 'interactive', content },
      });
    const many = Array.from({ length: 201 }, () => ({ tag: 'markdown', content: 'x' }));
    const tooMany = await card(card2(many));
    expect([tooMany.status, tooMany.json.code]).toEqual([400, 230099]);
    expect(String(tooMany.json.msg)).toContain('ErrCode: 11310');
    const action = await card(card2([{ tag: 'action', actions: [] }]));
    expect(String(action.json.msg)).toContain('ErrCode: 200861');
    const big = await card(card2([{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }]));
    expect(big.json.code).toBe(230025);
    const template = await card(
      JSON.stringify({ type: 'template', data: { template_id: 'AAq1' } }),
    );
    expect(template.json.code).toBe(0);
    const badTemplate = await card(
      JSON.stringify({ type: 'template', data: { template_id: 'bad_one' } }),
    );
    expect(badTemplate.json).toMatchObject({ code: 230099 });
    expect(String(badTemplate.json.msg)).toContain('ErrCode: 200380');
    const bigText = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('y'.repeat(151 * 1024)),
    });
    expect(bigText.json.code).toBe(230025);
    const image = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: { receive_id: 'oc_test_chat', msg_type: 'image', content: '{"image_key":"img_v3_x"}' },
    });
    expect(image.json.code).toBe(230001);
  });

  it('checks JSON 2.0 languages: no card-wide i18n, known locales, i18n_content beside text', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const send2 = (card: Record<string, unknown>) =>
      send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
        token,
        body: {
          receive_id: 'oc_test_chat',
          msg_type: 'interactive',
          content: JSON.stringify(card),
        },
      });
    const body = { elements: [{ tag: 'markdown', content: 'x' }] };
    const v1Style = await send2({ schema: '2.0', i18n_elements: { zh_cn: [] }, body });
    expect(String(v1Style.json.msg)).toContain('ErrCode: 200861');
    const badLocale = await send2({ schema: '2.0', config: { locales: ['zh_CN'] }, body });
    expect(badLocale.json.code).toBe(230099);
    const onButton = await send2({
      schema: '2.0',
      body: { elements: [{ tag: 'button', i18n_content: { zh_cn: 'x' } }] },
    });
    expect(onButton.json.code).toBe(230099);
    const good = {
      schema: '2.0',
      config: {
        locales: ['zh_cn', 'en_us'],
        summary: { content: 'S', i18n_content: { zh_cn: '摘要' } },
      },
      header: { title: { tag: 'plain_text', content: 'Title', i18n_content: { zh_cn: '标题' } } },
      body: {
        elements: [
          { tag: 'markdown', content: 'Hello', i18n_content: { zh_cn: '你好', en_us: 'Hello' } },
        ],
      },
    };
    expect((await send2(good)).json.code).toBe(0);
    // History's flattened view shows one language (modelled as Chinese).
    expect(JSON.parse(flattenCardForHistory(JSON.stringify(good)))).toEqual({
      title: '标题',
      elements: [[{ tag: 'text', text: '你好' }]],
    });
  });
});

describe('uuid, rate limit, replies', () => {
  it('dedupes a repeated uuid to the first message', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const body = textMsg('once', 'oc_test_chat', { uuid: 'run-1-attempt-1' });
    const a = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', { token, body });
    const b = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', { token, body });
    expect(b.json.code).toBe(0);
    expect(data(b).message_id).toBe(data(a).message_id);
    expect(f.messages()).toHaveLength(1);
    const long = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('x', 'oc_test_chat', { uuid: 'u'.repeat(51) }),
    });
    expect(long.json.code).toBe(230001);
  });

  it('limits a chat to 5 messages per sliding second, replies included', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const first = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('root'),
    });
    const parentId = String(data(first).message_id);
    const answers = await Promise.all([
      ...Array.from({ length: 3 }, (_, i) =>
        send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
          token,
          body: textMsg(`${i}`),
        }),
      ),
      ...Array.from({ length: 3 }, () =>
        send(f, 'POST', `/im/v1/messages/${parentId}/reply`, {
          token,
          body: { msg_type: 'text', content: '{"text":"r"}' },
        }),
      ),
    ]);
    const limited = answers.filter((a) => a.json.code === 230020);
    expect(limited).toHaveLength(2);
    expect(limited[0]?.status).toBe(400);
    expect(f.messages()).toHaveLength(5);
    expect(f.messages().filter((m) => m.parent_id === parentId).length).toBeGreaterThanOrEqual(1);
  });

  it('answers 230011 when replying to a recalled message', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const m = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'text',
      content: '{"text":"a"}',
      deleted: true,
    });
    const a = await send(f, 'POST', `/im/v1/messages/${m.message_id}/reply`, {
      token,
      body: { msg_type: 'text', content: '{"text":"r"}' },
    });
    expect([a.status, a.json.code]).toEqual([400, 230011]);
  });
});

describe('update and recall', () => {
  it('PATCH: codes and a successful update', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const patch = (id: string, content: string) =>
      send(f, 'PATCH', `/im/v1/messages/${id}`, { token, body: { content } });
    const v2 = card2([{ tag: 'markdown', content: 'running' }]);
    const own = f.addMessage({ chat_id: 'oc_test_chat', msg_type: 'interactive', content: v2 });
    const text = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'text',
      content: '{"text":"t"}',
    });
    const foreign = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'interactive',
      content: v2,
      sender: { id: 'cli_other', id_type: 'app_id', sender_type: 'app' },
    });
    const old = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'interactive',
      content: v2,
      create_time: Date.now() - 15 * 86400_000,
    });
    const v1 = JSON.stringify({ elements: [{ tag: 'markdown', content: 'v1' }] });

    expect((await patch('om_unknown', v2)).json.code).toBe(230001);
    expect((await patch(text.message_id, v2)).json.code).toBe(230001);
    expect((await patch(foreign.message_id, v2)).json.code).toBe(230027);
    expect((await patch(old.message_id, v2)).json.code).toBe(230031);
    const shared = await patch(own.message_id, v1);
    expect(shared.json.code).toBe(230099);
    expect(String(shared.json.msg)).toContain('200830');

    const done = card2([{ tag: 'markdown', content: 'passed' }], 'Done');
    const ok = await patch(own.message_id, done);
    expect(ok.json).toMatchObject({ code: 0, data: {} });
    const after = f.messages().find((m) => m.message_id === own.message_id);
    expect(after).toMatchObject({ content: done, updates: 1 });
    expect(after?.update_time).toBeTypeOf('number');
  });

  it('DELETE: 230110 unknown, 230026 not ours, 230009 too old, 230011 twice', async () => {
    const f = await start({ recallWindowSeconds: 60 });
    const token = await tokenFor(f);
    const del = (id: string) => send(f, 'DELETE', `/im/v1/messages/${id}`, { token });
    const person = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'text',
      content: '{"text":"hi"}',
      sender: { id: 'ou_test_user', id_type: 'open_id', sender_type: 'user' },
    });
    const old = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'text',
      content: '{"text":"old"}',
      create_time: Date.now() - 120_000,
    });
    const mine = f.addMessage({
      chat_id: 'oc_test_chat',
      msg_type: 'text',
      content: '{"text":"x"}',
    });
    expect((await del('om_missing')).json.code).toBe(230110);
    expect((await del(person.message_id)).json.code).toBe(230026);
    expect((await del(old.message_id)).json.code).toBe(230009);
    expect((await del(mine.message_id)).json).toMatchObject({ code: 0, data: {} });
    const again = await del(mine.message_id);
    expect([again.status, again.json.code]).toEqual([400, 230011]);
    expect(f.messages().find((m) => m.message_id === mine.message_id)?.deleted).toBe(true);
  });
});

describe('images and chats', () => {
  it('uploads a PNG, rejects a text file, an empty file and a wrong image_type', async () => {
    const f = await start();
    const token = await tokenFor(f);
    const upload = (parts: Parameters<typeof multipart>[0]) => {
      const { raw, contentType } = multipart(parts);
      return send(f, 'POST', '/im/v1/images', { token, raw, contentType });
    };
    const png = await upload([
      { name: 'image_type', data: Buffer.from('message') },
      { name: 'image', filename: 'chart.png', type: 'image/png', data: PNG },
    ]);
    expect(png.json.code).toBe(0);
    const key = String(data(png).image_key);
    expect(key).toMatch(/^img_v3_/);
    expect(f.images.get(key)).toEqual({ filename: 'chart.png', size: PNG.length, format: 'png' });
    expect(f.requests.at(-1)?.body).toEqual({
      fields: { image_type: 'message' },
      files: [
        { field: 'image', filename: 'chart.png', size: PNG.length, contentType: 'image/png' },
      ],
    });

    const txt = await upload([
      { name: 'image_type', data: Buffer.from('message') },
      { name: 'image', filename: 'notes.txt', type: 'text/plain', data: Buffer.from('hello') },
    ]);
    expect([txt.status, txt.json.code]).toEqual([400, 234011]);
    const empty = await upload([
      { name: 'image_type', data: Buffer.from('message') },
      { name: 'image', filename: 'e.png', data: Buffer.alloc(0) },
    ]);
    expect(empty.json.code).toBe(234010);
    const avatar = await upload([
      { name: 'image_type', data: Buffer.from('avatar') },
      { name: 'image', filename: 'a.png', data: PNG },
    ]);
    expect(avatar.json.code).toBe(234001);

    // An image message with the uploaded key is accepted; fetch + FormData also parses.
    const form = new FormData();
    form.append('image_type', 'message');
    form.append('image', new Blob([PNG], { type: 'image/png' }), 'b.png');
    const viaFetch = await fetch(`${f.url}/open-apis/im/v1/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(((await viaFetch.json()) as { code: number }).code).toBe(0);
    const msg = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: {
        receive_id: 'oc_test_chat',
        msg_type: 'image',
        content: JSON.stringify({ image_key: key }),
      },
    });
    expect(msg.json.code).toBe(0);
  });

  it('paginates 250 chats into 3 pages and hides chats without the bot', async () => {
    const chats = Array.from({ length: 250 }, (_, i) => ({
      chat_id: `oc_${i}`,
      name: `Chat ${i}`,
    }));
    const f = await start({
      chats: [...chats, { chat_id: 'oc_x', name: 'X', botIsMember: false }],
    });
    const token = await tokenFor(f);
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    for (;;) {
      const q = `page_size=100${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`;
      const a = await send(f, 'GET', `/im/v1/chats?${q}`, { token });
      pages += 1;
      const d = data(a) as {
        items: { chat_id: string; chat_status: string }[];
        has_more: boolean;
        page_token: string;
      };
      seen.push(...d.items.map((c) => c.chat_id));
      if (!d.has_more) {
        expect(d.page_token).toBe('');
        break;
      }
      pageToken = d.page_token;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(chats.map((c) => c.chat_id));
    const defaultPage = await send(f, 'GET', '/im/v1/chats', { token });
    expect((data(defaultPage).items as unknown[]).length).toBe(20);
    const over = await send(f, 'GET', '/im/v1/chats?page_size=101', { token });
    expect([over.status, over.json.code]).toEqual([400, 99992402]);
  });
});

describe('webhooks', () => {
  const secret = 'hook-secret';
  const sign = (timestamp: string) =>
    createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');

  it('accepts a signed message and rejects a bad signature or unknown token', async () => {
    const f = await start({
      webhooks: [
        { token: 'hook1', secret },
        { token: 'kw', keyword: 'CI' },
      ],
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const body = { timestamp: ts, sign: sign(ts), msg_type: 'text', content: { text: 'hi' } };
    const good = await send(f, 'POST', '/bot/v2/hook/hook1', { body });
    expect(good.json).toMatchObject({ StatusCode: 0, code: 0, msg: 'success' });
    expect(f.webhookMessages('hook1')).toMatchObject([{ body }]);
    expect(f.requests.at(-1)?.body).toEqual(body);

    const bad = await send(f, 'POST', '/bot/v2/hook/hook1', { body: { ...body, sign: 'AAAA' } });
    expect([bad.status, bad.json.code]).toEqual([200, 19021]);
    const staleTs = String(Math.floor(Date.now() / 1000) - 7200);
    const stale = await send(f, 'POST', '/bot/v2/hook/hook1', {
      body: { ...body, timestamp: staleTs, sign: sign(staleTs) },
    });
    expect(stale.json.code).toBe(19021);
    const unknown = await send(f, 'POST', '/bot/v2/hook/nope', { body });
    expect([unknown.status, unknown.json.code]).toEqual([200, 19001]);
    const noKeyword = await send(f, 'POST', '/bot/v2/hook/kw', {
      body: { msg_type: 'text', content: { text: 'hello' } },
    });
    expect(noKeyword.json.code).toBe(19024);
    const card = await send(f, 'POST', '/bot/v2/hook/kw', {
      body: {
        msg_type: 'interactive',
        card: JSON.parse(card2([{ tag: 'markdown', content: 'CI ok' }])),
      },
    });
    expect(card.json.code).toBe(0);
    expect(f.webhookMessages('hook1')).toHaveLength(1);
  });

  it('limits body size and rate', async () => {
    const f = await start({ webhooks: [{ token: 'h' }] });
    const big = await send(f, 'POST', '/bot/v2/hook/h', {
      body: { msg_type: 'text', content: { text: 'z'.repeat(21 * 1024) } },
    });
    expect([big.status, big.json.code]).toEqual([200, 9499]);
    const codes = [];
    for (let i = 0; i < 6; i++) {
      codes.push(
        (
          await send(f, 'POST', '/bot/v2/hook/h', {
            body: { msg_type: 'text', content: { text: `${i}` } },
          })
        ).json.code,
      );
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 11232]);
  });
});

describe('faults and plumbing', () => {
  it('answers an injected status once, then handles normally', async () => {
    const f = await start();
    const token = await tokenFor(f);
    f.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      fault: { kind: 'status', status: 429, headers: { 'x-ogw-ratelimit-reset': '1' } },
    });
    const limited = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('a'),
    });
    expect([limited.status, limited.json.code]).toEqual([429, 99991400]);
    expect(limited.headers['x-ogw-ratelimit-reset']).toBe('1');
    expect(f.messages()).toHaveLength(0);
    const next = await send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', {
      token,
      body: textMsg('a'),
    });
    expect(next.json.code).toBe(0);
    expect(f.requests.filter((r) => r.path === '/open-apis/im/v1/messages')).toHaveLength(2);
  });

  it('reset stores nothing; drop-after-write stores the message but never answers', async () => {
    const f = await start();
    const token = await tokenFor(f);
    f.inject({ path: /\/im\/v1\/messages$/, fault: { kind: 'reset' } });
    await expect(
      send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', { token, body: textMsg('a') }),
    ).rejects.toThrow();
    expect(f.messages()).toHaveLength(0);
    f.inject({ path: '/open-apis/im/v1/messages', fault: { kind: 'drop-after-write' } });
    await expect(
      send(f, 'POST', '/im/v1/messages?receive_id_type=chat_id', { token, body: textMsg('b') }),
    ).rejects.toThrow();
    expect(f.messages()).toHaveLength(1);
  });

  it('delays, and close() resolves with a hung request', async () => {
    const f = await start();
    const token = await tokenFor(f);
    f.inject({ method: 'GET', path: '/open-apis/im/v1/chats', fault: { kind: 'delay', ms: 50 } });
    const t0 = Date.now();
    expect((await send(f, 'GET', '/im/v1/chats', { token })).json.code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);

    f.inject({
      method: 'GET',
      path: '/open-apis/im/v1/chats',
      times: Infinity,
      fault: { kind: 'hang' },
    });
    const hung = send(f, 'GET', '/im/v1/chats', { token });
    const hungResult = hung.then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 30));
    await f.close();
    expect(await hungResult).toBe('failed');
  });

  it('applies latency to every answer and 404s unknown routes', async () => {
    const f = await start({ latencyMs: 40 });
    const t0 = Date.now();
    const nf = await send(f, 'GET', '/nope');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect([nf.status, nf.json.code]).toEqual([404, 404]);
    f.setLatency(0);
    const t1 = Date.now();
    await send(f, 'POST', '/im/v1/messages', { body: {} });
    expect(Date.now() - t1).toBeLessThan(35);
  });
});

describe('contact: e-mails to open_ids (batch_get_id)', () => {
  const PATH = '/contact/v3/users/batch_get_id?user_id_type=open_id';

  it('answers one entry per e-mail, with user_id (the open_id) only for people of the tenant', async () => {
    const f = await start({ users: [{ open_id: 'ou_mona', email: 'mona@acme.dev' }] });
    const token = await tokenFor(f);
    const a = await send(f, 'POST', PATH, {
      token,
      body: { emails: ['Mona@acme.dev', 'stranger@else.dev'] },
    });
    expect(a.json.code).toBe(0);
    expect(data(a).user_list).toEqual([
      { email: 'Mona@acme.dev', user_id: 'ou_mona' },
      { email: 'stranger@else.dev' },
    ]);
  });

  it('needs a token and the scope, and takes at most 50 e-mails', async () => {
    const denied = await start({ missingScopes: ['contact:user.id:readonly'] });
    expect((await send(denied, 'POST', PATH, { body: { emails: [] } })).json.code).toBe(99991661);
    const refused = await send(denied, 'POST', PATH, {
      token: await tokenFor(denied),
      body: { emails: ['a@b.dev'] },
    });
    expect([refused.status, refused.json.code]).toEqual([400, 99991672]);
    const f = await start();
    const tooMany = await send(f, 'POST', PATH, {
      token: await tokenFor(f),
      body: { emails: Array.from({ length: 51 }, (_, i) => `u${i}@b.dev`) },
    });
    expect(tooMany.json.code).toBe(99992402);
  });
});
