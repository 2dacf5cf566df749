/** The post step's deadline and the shared token refresh, in-process with a scripted transport. */
import { describe, expect, it } from 'vitest';
import { call } from '../../src/feishu/call.js';
import { FeishuClient } from '../../src/feishu/client.js';
import { NetworkError } from '../../src/feishu/errors.js';
import type { HttpRequest, HttpResponse, Transport } from '../../src/feishu/http.js';
import { DEFAULT_POLICY } from '../../src/feishu/retry.js';

function scripted(answer: (request: HttpRequest) => HttpResponse | Promise<HttpResponse>) {
  const requests: HttpRequest[] = [];
  const transport: Transport = {
    send: async (request) => {
      requests.push(request);
      return answer(request);
    },
    dispose: () => undefined,
  };
  return { transport, requests };
}

/** A client with no retries over a scripted transport. */
const clientOver = (transport: Transport) =>
  new FeishuClient({
    transport,
    policy: { ...DEFAULT_POLICY, retries: 0 },
    debug: () => undefined,
    baseUrl: 'https://open.feishu.cn',
    appId: 'cli_a',
    appSecret: 's',
  });

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: {},
  body: JSON.stringify(body),
});

describe('a deadline', () => {
  it('starts no retry that would end past it', async () => {
    const { transport, requests } = scripted(() => json(503, { code: 1, msg: 'busy' }));
    const slept: number[] = [];
    const ctx = {
      transport,
      policy: { ...DEFAULT_POLICY, retries: 5, baseDelayMs: 4000 },
      deadline: Date.now() + 1000,
      debug: () => undefined,
      sleep: async (ms: number) => {
        slept.push(ms);
      },
    };
    await expect(
      call(ctx, 'update om_x', () => ({ method: 'PATCH', url: 'https://open.feishu.cn/x' })),
    ).rejects.toThrow(/503|busy/);
    expect(requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('gives up on network errors the same way', async () => {
    const { transport, requests } = scripted(() => {
      throw Object.assign(new Error('connection reset by the server'), { timedOut: false });
    });
    const ctx = {
      transport,
      policy: { ...DEFAULT_POLICY, retries: 5 },
      deadline: Date.now(),
      debug: () => undefined,
    };
    await expect(
      call(ctx, 'send', () => ({ method: 'POST', url: 'https://open.feishu.cn/x' })),
    ).rejects.toBeInstanceOf(NetworkError);
    expect(requests).toHaveLength(1);
  });
});

describe('token refresh', () => {
  it('eight calls rejected with the same token fetch one fresh token between them', async () => {
    let issued = 0;
    const { transport, requests } = scripted(async (request) => {
      if (request.url.endsWith('/tenant_access_token/internal')) {
        issued++;
        return json(200, { code: 0, tenant_access_token: `t-${issued}`, expire: 7200 });
      }
      // Let every call arrive with the first token before any answer comes back.
      await new Promise((r) => setTimeout(r, 20));
      const token = request.headers?.Authorization;
      return token === 'Bearer t-1'
        ? json(400, { code: 99991663, msg: 'invalid token' })
        : json(200, { code: 0, data: {} });
    });
    const client = clientOver(transport);
    await Promise.all(Array.from({ length: 8 }, (_, i) => client.update(`om_${i}`, '{}')));
    expect(issued).toBe(2);
    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(16);
  });
});

describe('pagination', () => {
  it('stops when a server repeats its page token instead of looping forever', async () => {
    const { transport, requests } = scripted((request) =>
      request.url.endsWith('/tenant_access_token/internal')
        ? json(200, { code: 0, tenant_access_token: 't-1', expire: 7200 })
        : json(200, {
            code: 0,
            data: { items: [{ chat_id: 'oc_a', name: 'A' }], has_more: true, page_token: 'same' },
          }),
    );
    const client = clientOver(transport);
    const chats = await client.listChats();
    expect(requests.filter((r) => r.url.includes('/im/v1/chats'))).toHaveLength(2);
    expect(chats).toHaveLength(2);
  });
});
