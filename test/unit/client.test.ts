import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FeishuClient } from '../../src/feishu/client.js';
import { FeishuError, feishuError, NetworkError } from '../../src/feishu/errors.js';
import { createTransport, type Transport } from '../../src/feishu/http.js';
import { DEFAULT_POLICY, MAX_RESET_WAIT_MS, worstCaseMs } from '../../src/feishu/retry.js';

const BASE = 'https://open.feishu.test';
const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
const SEND_PATH = '/open-apis/im/v1/messages';
const APP_SECRET = 'app-s3cret-do-not-print';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

/** A Feishu API on nock that hands out t-1, t-2, … and records what it receives. */
function fakeApi() {
  const seen: Seen[] = [];
  let tokens = 0;
  const record = (method: string) =>
    function (this: { req: { headers: Record<string, string> } }, uri: string, body: unknown) {
      seen.push({ method, path: uri, auth: this.req.headers.authorization, body });
    };
  return {
    seen,
    tokenRequests: () => seen.filter((s) => s.path === TOKEN_PATH).length,
    sends: () => seen.filter((s) => s.path.startsWith(`${SEND_PATH}?`)),
    /** The token endpoint, `times` times. */
    token(times = 1, expire = 7200) {
      nock(BASE)
        .post(TOKEN_PATH)
        .times(times)
        .reply(function (uri, body) {
          record('POST').call(this, uri, body);
          tokens++;
          return [200, { code: 0, msg: 'ok', tenant_access_token: `t-${tokens}`, expire }];
        });
    },
    /** The send endpoint answering `status`, `json` (and headers) once. */
    send(status: number, json: unknown, headers: Record<string, string> = {}) {
      nock(BASE)
        .post(SEND_PATH)
        .query(true)
        .reply(function (uri, body) {
          record('POST').call(this, uri, body);
          return [status, json as Record<string, unknown>, headers];
        });
    },
  };
}

const ok = (id = 'om_1') => ({
  code: 0,
  msg: 'success',
  data: { message_id: id, chat_id: 'oc_chat1', create_time: '1764000000000' },
});

let transports: Transport[] = [];
afterEach(() => {
  for (const t of transports) t.dispose();
  transports = [];
});

function client(
  options: { retries?: number; timeoutMs?: number; now?: () => number } = {},
): FeishuClient & { waits: number[] } {
  const transport = createTransport(options.timeoutMs ?? 2000);
  transports.push(transport);
  const waits: number[] = [];
  const c = new FeishuClient({
    baseUrl: BASE,
    appId: 'cli_test',
    appSecret: APP_SECRET,
    transport,
    policy: { retries: options.retries ?? 3, ...DEFAULT_POLICY },
    debug: () => {},
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...(options.now ? { now: options.now } : {}),
  });
  return Object.assign(c, { waits });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

const text = JSON.stringify({ text: 'hi' });

describe('token', () => {
  it('is requested once for several calls, concurrent and sequential', async () => {
    const api = fakeApi();
    api.token(5);
    for (let i = 0; i < 5; i++) api.send(200, ok(`om_${i}`));
    const c = client();
    const first = await Promise.all([
      c.send('chat_id', 'oc_a', 'text', text),
      c.send('chat_id', 'oc_b', 'text', text),
      c.send('open_id', 'ou_c', 'text', text),
    ]);
    await c.send('chat_id', 'oc_a', 'text', text);
    await c.send('email', 'a@b.co', 'text', text);
    expect(first.map((m) => m.messageId).sort()).toEqual(['om_0', 'om_1', 'om_2']);
    expect(api.tokenRequests()).toBe(1);
    expect(api.sends().map((s) => s.auth)).toEqual(Array(5).fill('Bearer t-1'));
    expect(api.seen.find((s) => s.path === TOKEN_PATH)?.body).toEqual({
      app_id: 'cli_test',
      app_secret: APP_SECRET,
    });
  });

  it('is fetched again shortly before it expires', async () => {
    const api = fakeApi();
    api.token(2, 7200);
    api.send(200, ok());
    api.send(200, ok());
    api.send(200, ok());
    let now = 1_000_000;
    const c = client({ now: () => now });
    await c.send('chat_id', 'oc_a', 'text', text);
    now += (7200 - 4 * 60) * 1000; // 4 minutes left: still good
    await c.send('chat_id', 'oc_a', 'text', text);
    now += 2 * 60 * 1000; // 2 minutes left: inside the safety margin
    await c.send('chat_id', 'oc_a', 'text', text);
    expect(api.sends().map((s) => s.auth)).toEqual(['Bearer t-1', 'Bearer t-1', 'Bearer t-2']);
  });

  it('is refreshed once when rejected (99991663), and the call repeated', async () => {
    const api = fakeApi();
    api.token(2);
    api.send(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
    api.send(200, ok('om_after'));
    // No retries at all: a fresh token is not a retry.
    const sent = await client({ retries: 0 }).send('chat_id', 'oc_a', 'text', text);
    expect(sent).toMatchObject({ messageId: 'om_after', chatId: 'oc_chat1' });
    expect(api.tokenRequests()).toBe(2);
    expect(api.sends().map((s) => s.auth)).toEqual(['Bearer t-1', 'Bearer t-2']);
  });

  it.each([99991661, 99991671])('is refreshed on %d too', async (code) => {
    const api = fakeApi();
    api.token(2);
    api.send(400, { code, msg: 'token' });
    api.send(200, ok());
    await client({ retries: 0 }).send('chat_id', 'oc_a', 'text', text);
    expect(api.tokenRequests()).toBe(2);
  });

  it('is refreshed only once: a second rejection is reported', async () => {
    const api = fakeApi();
    api.token(3);
    api.send(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
    api.send(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
    api.send(200, ok());
    const error = await failure(client().send('chat_id', 'oc_a', 'text', text));
    expect((error as FeishuError).code).toBe(99991663);
    expect(api.tokenRequests()).toBe(2);
    expect(api.sends()).toHaveLength(2);
  });

  it('bad credentials (HTTP 200, code 10014) fail with a hint, once, never quoting the secret', async () => {
    const api = fakeApi();
    nock(BASE)
      .post(TOKEN_PATH)
      .reply(200, { code: 10014, msg: 'app secret invalid' }, { 'X-Tt-Logid': 'log-10014' });
    const c = client();
    const errors = await Promise.all([
      failure(c.send('chat_id', 'oc_a', 'text', text)),
      failure(c.send('chat_id', 'oc_b', 'text', text)),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(FeishuError);
      const fe = error as FeishuError;
      expect(fe.code).toBe(10014);
      expect(fe.logId).toBe('log-10014');
      expect(fe.hint).toMatch(/app-secret/);
      expect(fe.message).toContain('10014');
      expect(fe.message).toContain('app-secret');
      expect(fe.message).not.toContain(APP_SECRET);
    }
    expect(nock.isDone()).toBe(true);
    expect(api.sends()).toHaveLength(0);
  });
});

describe('errors', () => {
  it('code ≠ 0 with HTTP 200 is an error with the code, msg, log_id and hint', async () => {
    const api = fakeApi();
    api.token();
    api.send(
      200,
      { code: 230002, msg: 'Bot/User can NOT be out of the chat.' },
      { 'X-Tt-Logid': '20261124121314ABCDEF' },
    );
    const error = (await failure(client().send('chat_id', 'oc_x', 'text', text))) as FeishuError;
    expect(error).toBeInstanceOf(FeishuError);
    expect(error.code).toBe(230002);
    expect(error.httpStatus).toBe(200);
    expect(error.feishuMsg).toBe('Bot/User can NOT be out of the chat.');
    expect(error.logId).toBe('20261124121314ABCDEF');
    expect(error.message).toMatch(/230002.*add the bot to the chat.*log_id 20261124121314ABCDEF/);
  });

  it('the log_id in the body wins over the header', async () => {
    const api = fakeApi();
    api.token();
    api.send(
      400,
      { code: 230001, msg: 'invalid receive_id', error: { log_id: 'from-body' } },
      { 'X-Tt-Logid': 'from-header' },
    );
    const error = (await failure(client().send('chat_id', 'oc_x', 'text', text))) as FeishuError;
    expect(error.logId).toBe('from-body');
    expect(error.hint).toMatch(/recipient ID/);
  });

  it('99991672 names the missing scope from permission_violations', async () => {
    const api = fakeApi();
    api.token();
    api.send(400, {
      code: 99991672,
      msg: 'Access denied. One of the following scopes is required: [im:message:send_as_bot, im:message].',
      error: {
        log_id: 'log-scope',
        permission_violations: [
          { type: 'action_scope_required', subject: 'im:message:send_as_bot' },
          { type: 'action_scope_required', subject: 'im:message' },
        ],
      },
    });
    const error = (await failure(client().send('chat_id', 'oc_x', 'text', text))) as FeishuError;
    expect(error.code).toBe(99991672);
    expect(error.hint).toContain('im:message:send_as_bot');
    expect(error.message).toMatch(/grant the scope im:message:send_as_bot/);
  });

  it('99991672 names the scope from msg when the structured field is missing', () => {
    const error = feishuError(
      'upload a.png',
      99991672,
      { msg: 'Access denied. One of the following scopes is required: [im:resource].' },
      400,
    );
    expect(error.hint).toContain('im:resource');
  });

  it('230099 shows the card sub-code and its meaning', () => {
    const error = feishuError(
      'send to oc_x',
      230099,
      { msg: 'Failed to create card content, ext=ErrCode: 200621; ErrMsg: parse card json err' },
      400,
    );
    expect(error.hint).toMatch(/200621.*could not be parsed/);
  });

  it.each([
    [230006, /Bot feature/],
    [230013, /availability/],
    [230053, /stopped the bot/],
    [230034, /recipient ID/],
    [10003, /app-id/],
    [10015, /app-secret/],
  ])('%d has a hint', (code, hint) => {
    expect(feishuError('op', code, { msg: 'm' }, 400).hint).toMatch(hint);
  });

  it('a non-JSON answer is reported with its HTTP status', async () => {
    const api = fakeApi();
    api.token();
    nock(BASE).post(SEND_PATH).query(true).reply(404, '<html>not found</html>');
    const error = (await failure(client().send('chat_id', 'oc_x', 'text', text))) as FeishuError;
    expect(error).toBeInstanceOf(FeishuError);
    expect(error.httpStatus).toBe(404);
    expect(error.message).toContain('HTTP 404');
  });
});

describe('retries', () => {
  it('retries 5xx and delivers once, with the same uuid on every attempt', async () => {
    const api = fakeApi();
    api.token();
    api.send(500, { code: 1, msg: 'internal' });
    api.send(502, 'Bad Gateway');
    api.send(200, ok('om_ok'));
    const c = client({ retries: 3 });
    const sent = await c.send('chat_id', 'oc_a', 'text', text);
    expect(sent.messageId).toBe('om_ok');
    const uuids = api.sends().map((s) => (s.body as { uuid: string }).uuid);
    expect(uuids).toHaveLength(3);
    expect(new Set(uuids).size).toBe(1);
    expect(uuids[0]?.length).toBeLessThanOrEqual(50);
    expect(c.waits).toHaveLength(2);
  });

  it('gives two sends two different uuids', async () => {
    const api = fakeApi();
    api.token();
    api.send(200, ok());
    api.send(200, ok());
    const c = client();
    await c.send('chat_id', 'oc_a', 'text', text);
    await c.send('chat_id', 'oc_a', 'text', text);
    const [a, b] = api.sends().map((s) => (s.body as { uuid: string }).uuid);
    expect(a).not.toBe(b);
  });

  it('sends the request body Feishu expects', async () => {
    const api = fakeApi();
    api.token();
    api.send(200, ok());
    await client().send('chat_id', 'oc_a', 'interactive', '{"schema":"2.0"}', 'my-uuid-1');
    const [send] = api.sends();
    expect(send?.path).toBe(`${SEND_PATH}?receive_id_type=chat_id`);
    expect(send?.body).toEqual({
      receive_id: 'oc_a',
      msg_type: 'interactive',
      content: '{"schema":"2.0"}',
      uuid: 'my-uuid-1',
    });
  });

  it('waits out x-ogw-ratelimit-reset on 429', async () => {
    const api = fakeApi();
    api.token();
    api.send(
      429,
      { code: 99991400, msg: 'request trigger frequency limit' },
      { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '2' },
    );
    api.send(200, ok());
    const c = client();
    await c.send('chat_id', 'oc_a', 'text', text);
    expect(c.waits).toHaveLength(1);
    expect(c.waits[0]).toBeGreaterThanOrEqual(2000);
    expect(c.waits[0]).toBeLessThan(2250);
  });

  it('caps a very long reset at a minute (a longer one is not trusted)', async () => {
    const api = fakeApi();
    api.token();
    api.send(429, { code: 99991400, msg: 'limit' }, { 'x-ogw-ratelimit-reset': '3600' });
    api.send(200, ok());
    const c = client();
    await c.send('chat_id', 'oc_a', 'text', text);
    expect(c.waits[0]).toBeGreaterThanOrEqual(MAX_RESET_WAIT_MS);
    expect(c.waits[0]).toBeLessThan(MAX_RESET_WAIT_MS + 250);
  });

  it('retries the per-chat limit 230020 (HTTP 400) after about a rate-limit window', async () => {
    const api = fakeApi();
    api.token();
    api.send(400, { code: 230020, msg: 'This chat is triggering the rate limit.' });
    api.send(200, ok());
    const c = client();
    await c.send('chat_id', 'oc_a', 'text', text);
    expect(c.waits).toHaveLength(1);
    expect(c.waits[0]).toBeGreaterThanOrEqual(750);
    expect(c.waits[0]).toBeLessThanOrEqual(2000);
  });

  it('does not retry an error the user must fix', async () => {
    const api = fakeApi();
    api.token();
    api.send(400, { code: 230001, msg: 'invalid receive_id' });
    api.send(200, ok());
    const c = client();
    await failure(c.send('chat_id', 'oc_a', 'text', text));
    expect(api.sends()).toHaveLength(1);
    expect(c.waits).toEqual([]);
  });

  it('gives up after `retries`, within the worst-case time', async () => {
    const api = fakeApi();
    api.token();
    for (let i = 0; i < 5; i++) api.send(503, { code: 1, msg: 'unavailable' });
    const c = client({ retries: 2 });
    const error = await failure(c.send('chat_id', 'oc_a', 'text', text));
    expect(error).toBeInstanceOf(FeishuError);
    expect(api.sends()).toHaveLength(3);
    const waited = c.waits.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(worstCaseMs({ retries: 2, ...DEFAULT_POLICY }, 0));
  });

  it('retries a connection reset, and names no URL when it gives up', async () => {
    const api = fakeApi();
    api.token();
    nock(BASE)
      .post(SEND_PATH)
      .query(true)
      .times(2)
      .replyWithError(
        Object.assign(new Error(`read ECONNRESET ${BASE}${SEND_PATH}`), { code: 'ECONNRESET' }),
      );
    api.send(200, ok('om_after_reset'));
    const sent = await client({ retries: 2 }).send('chat_id', 'oc_a', 'text', text);
    expect(sent.messageId).toBe('om_after_reset');

    api.token();
    nock(BASE)
      .post(SEND_PATH)
      .query(true)
      .times(2)
      .replyWithError(
        Object.assign(new Error(`read ECONNRESET ${BASE}${SEND_PATH}`), { code: 'ECONNRESET' }),
      );
    const error = await failure(client({ retries: 1 }).send('chat_id', 'oc_a', 'text', text));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/connection reset.*2 attempts/);
    expect(error.message).not.toContain(BASE);
  });

  it('a server that never answers times out, says so, and is bounded', async () => {
    fakeApi().token();
    nock(BASE).post(SEND_PATH).query(true).times(2).delay(5000).reply(200, ok());
    const started = Date.now();
    const error = await failure(
      client({ retries: 1, timeoutMs: 100 }).send('chat_id', 'oc_a', 'text', text),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).timedOut).toBe(true);
    expect(error.message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('other calls', () => {
  it('reply, update, recall use the documented methods and paths', async () => {
    const api = fakeApi();
    api.token();
    const seen: { method: string; path: string; body: unknown }[] = [];
    const scope = nock(BASE);
    scope
      .post('/open-apis/im/v1/messages/om_parent/reply')
      .reply(200, (uri, body) => {
        seen.push({ method: 'POST', path: uri, body });
        return ok('om_reply');
      })
      .patch('/open-apis/im/v1/messages/om_card')
      .reply(200, (uri, body) => {
        seen.push({ method: 'PATCH', path: uri, body });
        return { code: 0, msg: 'success', data: {} };
      })
      .delete('/open-apis/im/v1/messages/om_old')
      .reply(200, (uri) => {
        seen.push({ method: 'DELETE', path: uri, body: undefined });
        return { code: 0, msg: 'success', data: {} };
      });
    const c = client();
    const reply = await c.reply('om_parent', 'text', text, true, 'u-1');
    await c.update('om_card', '{"schema":"2.0"}');
    await c.recall('om_old');
    expect(reply.messageId).toBe('om_reply');
    expect(seen).toEqual([
      {
        method: 'POST',
        path: '/open-apis/im/v1/messages/om_parent/reply',
        body: { msg_type: 'text', content: text, reply_in_thread: true, uuid: 'u-1' },
      },
      {
        method: 'PATCH',
        path: '/open-apis/im/v1/messages/om_card',
        body: { content: '{"schema":"2.0"}' },
      },
      { method: 'DELETE', path: '/open-apis/im/v1/messages/om_old', body: undefined },
    ]);
  });

  it('lists every chat across pages', async () => {
    fakeApi().token();
    nock(BASE)
      .get('/open-apis/im/v1/chats')
      .query({ page_size: '100' })
      .reply(200, {
        code: 0,
        data: { items: [{ chat_id: 'oc_1', name: 'Release' }], has_more: true, page_token: 'p2' },
      })
      .get('/open-apis/im/v1/chats')
      .query({ page_size: '100', page_token: 'p2' })
      .reply(200, {
        code: 0,
        data: { items: [{ chat_id: 'oc_2', name: 'Ops' }], has_more: false, page_token: '' },
      });
    expect(await client().listChats()).toEqual([
      { chatId: 'oc_1', name: 'Release' },
      { chatId: 'oc_2', name: 'Ops' },
    ]);
  });

  it('reads history newest first, page by page', async () => {
    fakeApi().token();
    const item = (id: string) => ({
      message_id: id,
      msg_type: 'interactive',
      create_time: '1764000000000',
      deleted: false,
      sender: { id: 'cli_test', id_type: 'app_id', sender_type: 'app' },
      body: { content: '{"title":"x"}' },
    });
    nock(BASE)
      .get('/open-apis/im/v1/messages')
      .query(
        (q) => q.container_id === 'oc_1' && q.sort_type === 'ByCreateTimeDesc' && !q.page_token,
      )
      .reply(200, { code: 0, data: { items: [item('om_2')], has_more: true, page_token: 'n' } })
      .get('/open-apis/im/v1/messages')
      .query((q) => q.page_token === 'n' && q.start_time === '1763990000')
      .reply(200, { code: 0, data: { items: [item('om_1')], has_more: false } });
    const pages = [];
    for await (const page of client().history('oc_1', 1_763_990_000)) pages.push(page);
    expect(pages.map((p) => p.map((m) => m.messageId))).toEqual([['om_2'], ['om_1']]);
    expect(pages[0]?.[0]).toEqual({
      messageId: 'om_2',
      msgType: 'interactive',
      createTime: 1_764_000_000_000,
      deleted: false,
      senderId: 'cli_test',
      senderType: 'app',
      content: '{"title":"x"}',
    });
  });

  it('uploads an image as multipart and returns its key', async () => {
    fakeApi().token();
    let contentType = '';
    let received = '';
    nock(BASE)
      .post('/open-apis/im/v1/images')
      .reply(function (_uri, body) {
        contentType = String(this.req.headers['content-type']);
        received = typeof body === 'string' ? body : JSON.stringify(body);
        return [200, { code: 0, msg: 'success', data: { image_key: 'img_v3_abc' } }];
      });
    const bytes = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const path = join(mkdtempSync(join(tmpdir(), 'upload-')), 'chart.png');
    writeFileSync(path, bytes);
    const key = await client().uploadImage({ name: 'chart.png', path, size: bytes.length });
    expect(key).toBe('img_v3_abc');
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(received.length).toBeGreaterThan(bytes.length);
  });
});
