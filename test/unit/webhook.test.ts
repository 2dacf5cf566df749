import { createHmac } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../src/feishu/call.js';
import { FeishuError } from '../../src/feishu/errors.js';
import { createTransport } from '../../src/feishu/http.js';
import { DEFAULT_POLICY } from '../../src/feishu/retry.js';
import { postWebhook, webhookBody, webhookSignature } from '../../src/feishu/webhook.js';

const HOST = 'https://open.feishu.test';
const TOKEN = 'c0ffee00-1111-2222-3333-444455556666';
const PATH = `/open-apis/bot/v2/hook/${TOKEN}`;
const URL = `${HOST}${PATH}`;
const SECRET = 'w3bh00k-s3cret';

describe('webhookSignature', () => {
  it('matches a known vector (computed with openssl)', () => {
    // printf '' | openssl dgst -sha256 -hmac $'1599360473\ndemo-secret' -binary | base64
    expect(webhookSignature(1599360473, 'demo-secret')).toBe(
      '3/MaVZ8JLIy4TUG+7KSFJqvUkTKd+HWY8g+56DZWq8s=',
    );
  });

  it('is HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message, base64', () => {
    for (const [ts, secret] of [
      [1_700_000_000, SECRET],
      [0, 'x'],
      [1_800_000_123, 'ü-ñ-密钥'],
    ] as const) {
      const expected = createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64');
      expect(webhookSignature(ts, secret)).toBe(expected);
    }
  });
});

describe('webhookBody', () => {
  const now = 1_764_000_000_123;

  it('puts text content as an object under content', () => {
    const body = JSON.parse(
      webhookBody({ msgType: 'text', content: { text: 'hi' } }, undefined, now),
    );
    expect(body).toEqual({ msg_type: 'text', content: { text: 'hi' } });
  });

  it('puts a card under card', () => {
    const card = { schema: '2.0', body: { elements: [] } };
    const body = JSON.parse(webhookBody({ msgType: 'interactive', content: card }, undefined, now));
    expect(body).toEqual({ msg_type: 'interactive', card });
  });

  it('wraps a post under content.post', () => {
    const post = { zh_cn: { title: 't', content: [] } };
    const body = JSON.parse(webhookBody({ msgType: 'post', content: post }, undefined, now));
    expect(body).toEqual({ msg_type: 'post', content: { post } });
  });

  it('signs with the timestamp in seconds, as a string', () => {
    const body = JSON.parse(webhookBody({ msgType: 'text', content: { text: 'hi' } }, SECRET, now));
    expect(body.timestamp).toBe('1764000000');
    const expected = createHmac('sha256', `1764000000\n${SECRET}`).update('').digest('base64');
    expect(body.sign).toBe(expected);
  });
});

describe('postWebhook', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  function context(retries: number): CallContext & { dispose(): void; waits: number[] } {
    const transport = createTransport(2000);
    const waits: number[] = [];
    return {
      transport,
      policy: { retries, ...DEFAULT_POLICY },
      debug: () => {},
      sleep: async (ms) => {
        waits.push(ms);
      },
      waits,
      dispose: () => transport.dispose(),
    };
  }

  it('delivers a signed body the server can verify', async () => {
    const received: Record<string, unknown>[] = [];
    nock(HOST)
      .post(PATH)
      .reply(200, (_uri, body) => {
        received.push(body as Record<string, unknown>);
        return { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' };
      });
    const ctx = context(0);
    await postWebhook(ctx, URL, SECRET, { msgType: 'text', content: { text: 'hi' } });
    ctx.dispose();
    const [body] = received;
    expect(body?.content).toEqual({ text: 'hi' });
    const ts = Number(body?.timestamp);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
    expect(body?.sign).toBe(createHmac('sha256', `${ts}\n${SECRET}`).update('').digest('base64'));
  });

  it('re-signs a retry with a fresh timestamp', async () => {
    const received: Record<string, unknown>[] = [];
    nock(HOST).post(PATH).reply(503, 'busy');
    nock(HOST)
      .post(PATH)
      .reply(200, (_uri, body) => {
        received.push(body as Record<string, unknown>);
        return { code: 0, msg: 'success' };
      });
    const ctx = context(2);
    let clock = 1_764_000_000_000;
    await postWebhook(ctx, URL, SECRET, { msgType: 'text', content: { text: 'x' } }, () => {
      clock += 5000;
      return clock;
    });
    ctx.dispose();
    expect(received[0]?.timestamp).toBe('1764000010');
    expect(ctx.waits).toHaveLength(1);
  });

  it('a bad signature (HTTP 200, code 19021) is an error with a hint, never naming the URL', async () => {
    nock(HOST).post(PATH).reply(200, {
      code: 19021,
      data: {},
      msg: 'sign match fail or timestamp is not within one hour from current time',
    });
    const ctx = context(3);
    const error = await postWebhook(ctx, URL, 'wrong', {
      msgType: 'text',
      content: { text: 'x' },
    }).catch((e: unknown) => e);
    ctx.dispose();
    expect(error).toBeInstanceOf(FeishuError);
    const fe = error as FeishuError;
    expect(fe.code).toBe(19021);
    expect(fe.hint).toMatch(/webhook-secret/);
    expect(fe.message).toContain('19021');
    expect(fe.message).not.toContain(TOKEN);
    expect(ctx.waits).toEqual([]);
  });

  it('a connection error names neither the URL nor its token', async () => {
    nock(HOST)
      .post(PATH)
      .times(2)
      .replyWithError(Object.assign(new Error(`socket hang up ${URL}`), { code: 'ECONNRESET' }));
    const ctx = context(1);
    const error = (await postWebhook(ctx, URL, SECRET, {
      msgType: 'text',
      content: { text: 'x' },
    }).catch((e: unknown) => e)) as Error;
    ctx.dispose();
    expect(error.message).toMatch(/connection reset/);
    expect(error.message).not.toContain(TOKEN);
    expect(String(error.stack)).not.toContain(TOKEN);
  });

  it('keyword missing (19024) says to add it', async () => {
    nock(HOST).post(PATH).reply(200, { code: 19024, msg: 'Key Words Not Found' });
    const ctx = context(0);
    const error = (await postWebhook(ctx, URL, undefined, {
      msgType: 'text',
      content: { text: 'x' },
    }).catch((e: unknown) => e)) as FeishuError;
    ctx.dispose();
    expect(error.code).toBe(19024);
    expect(error.hint).toMatch(/keyword/);
  });
});
