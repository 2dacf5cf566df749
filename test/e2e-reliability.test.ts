/**
 * Issue 5: every notice exactly once under faults, limits, concurrency and proxies, proven
 * through the bundled action (node dist/index.js) against the fake Feishu API with faults
 * injected. Each test starts its own fake, so the tests of a group run concurrently.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../src/feishu/call.js';
import type { HttpResponse, Transport } from '../src/feishu/http.js';
import { DEFAULT_POLICY, worstCaseMs } from '../src/feishu/retry.js';
import {
  type FakeFeishu,
  type FakeOptions,
  type RecordedRequest,
  startFakeFeishu,
} from './support/fake-feishu.js';
import { startProxy, type TestProxy } from './support/proxy.js';
import { type RunOptions, type RunResult, runAction } from './support/run-action.js';

const SECRET = 'test-secret';
const CHAT = 'oc_test_chat';
const SEND = '/open-apis/im/v1/messages';
const TOKEN = '/open-apis/auth/v3/tenant_access_token/internal';
/** Scheduling slack on a busy two-core runner, for the upper time bounds. */
const SLACK_MS = 2_500;

/**
 * From the step's first request to its end: what retries, timeouts and backoff cost, without
 * the process's start-up (loading the toolkit), which a loaded machine stretches at will.
 */
function sinceFirstRequest(fake: FakeFeishu, endedAt: number): number {
  return endedAt - (fake.requests[0]?.at ?? endedAt);
}

// ---- figures for the report: faults served by kind, processes run

const served: Record<string, number> = {};
let processes = 0;
afterAll(() => {
  const kinds = Object.entries(served)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  console.info(`reliability: faults served: ${kinds}; action processes run: ${processes}`);
});

/** Counts the faults a test's requests actually met, for the figures above. */
function tally(kind: string, count: number): void {
  served[kind] = (served[kind] ?? 0) + count;
}

async function run(options: RunOptions): Promise<RunResult> {
  processes++;
  return runAction(options);
}

async function withFake<T>(
  body: (fake: FakeFeishu) => Promise<T>,
  options: FakeOptions = {},
): Promise<T> {
  const fake = await startFakeFeishu({ appSecret: SECRET, ...options });
  try {
    return await body(fake);
  } finally {
    await fake.close();
  }
}

const app = (fake: FakeFeishu, extra: Record<string, string> = {}) => ({
  'app-id': 'cli_test_app',
  'app-secret': SECRET,
  domain: fake.url,
  to: CHAT,
  ...extra,
});
const sends = (fake: FakeFeishu) =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === SEND);
const tokenRequests = (fake: FakeFeishu) => fake.requests.filter((r) => r.path === TOKEN);
const uuidOf = (r: RecordedRequest) => (r.body as { uuid?: string } | undefined)?.uuid;
const bearer = (r: RecordedRequest) => String(r.headers.authorization ?? '');

/** One message in the chat, the step green, and every attempt the same logical send. */
function expectDeliveredOnce(fake: FakeFeishu, result: RunResult, attempts: number): void {
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(result.outputs.error).toBe('');
  const stored = fake.messages(CHAT);
  expect(stored).toHaveLength(1);
  expect(result.outputs['message-id']).toBe(stored[0]?.message_id);
  const attemptsMade = sends(fake);
  expect(attemptsMade).toHaveLength(attempts);
  expect(new Set(attemptsMade.map(uuidOf))).toEqual(new Set([stored[0]?.uuid]));
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.concurrent('faults on the way: delivered exactly once', () => {
  it.each([
    [500, undefined],
    [502, '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    [503, { code: 503, msg: 'service unavailable' }],
  ])('HTTP %i: retried, delivered once', async (status, body) => {
    await withFake(async (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        fault: { kind: 'status', status, ...(body === undefined ? {} : { body }) },
      });
      const result = await run({ inputs: app(fake) });
      expectDeliveredOnce(fake, result, 2);
      tally(`HTTP ${status}`, 1);
    });
  });

  it('5xx from the token endpoint and resets on the send: retried, delivered once', async () => {
    await withFake(async (fake) => {
      fake.inject({ path: TOKEN, fault: { kind: 'status', status: 503 } });
      fake.inject({ method: 'POST', path: SEND, times: 2, fault: { kind: 'reset' } });
      const result = await run({ inputs: app(fake) });
      expectDeliveredOnce(fake, result, 3);
      expect(tokenRequests(fake)).toHaveLength(2);
      tally('HTTP 503', 1);
      tally('reset', 2);
    });
  });

  it('a slow server answering after the timeout: the retry is the same send, one message', async () => {
    await withFake(async (fake) => {
      // The first send is stored after 1.5 s, long after the action gave up on it at 1 s.
      fake.inject({ method: 'POST', path: SEND, fault: { kind: 'delay', ms: 1_500 } });
      const result = await run({ inputs: app(fake, { timeout: '1' }) });
      // The retry arrives while the first attempt is still being processed: Feishu answers
      // "being sent" (230049), and the action asks again with the same uuid (issue 15).
      await new Promise((resolve) => setTimeout(resolve, 600));
      expectDeliveredOnce(fake, result, 3);
      expect(result.durationMs).toBeGreaterThanOrEqual(1_000);
      tally('delay', 1);
    });
  });

  it('a slow server within the timeout: one attempt, no retry', async () => {
    await withFake(
      async (fake) => {
        const result = await run({ inputs: app(fake, { timeout: '2' }) });
        expectDeliveredOnce(fake, result, 1);
        tally('latency', 2);
      },
      { latencyMs: 400 },
    );
  });

  it('drop-after-write: the retry carries the same uuid and the chat holds one message', async () => {
    await withFake(async (fake) => {
      fake.inject({ method: 'POST', path: SEND, fault: { kind: 'drop-after-write' } });
      const result = await run({ inputs: app(fake) });
      expectDeliveredOnce(fake, result, 2);
      const [first, second] = sends(fake);
      expect(uuidOf(first as RecordedRequest)).toMatch(/^[0-9a-f-]{36}$/);
      expect(uuidOf(second as RecordedRequest)).toBe(uuidOf(first as RecordedRequest));
      tally('drop-after-write', 1);
    });
  });

  it('drop-after-write on a reply: the retry carries the same uuid, one reply', async () => {
    await withFake(async (fake) => {
      const parent = fake.addMessage({ chat_id: CHAT, msg_type: 'text', content: '{"text":"x"}' });
      const replyPath = `/open-apis/im/v1/messages/${parent.message_id}/reply`;
      fake.inject({ method: 'POST', path: replyPath, fault: { kind: 'drop-after-write' } });
      const result = await run({
        inputs: { ...app(fake), to: '', 'reply-to': parent.message_id },
      });
      expect(result.code, result.stdout).toBe(0);
      expect(result.outputs.error).toBe('');
      const replies = fake.messages(CHAT).filter((m) => m.parent_id === parent.message_id);
      expect(replies).toHaveLength(1);
      const attempts = fake.requests.filter((r) => r.path === replyPath);
      expect(attempts).toHaveLength(2);
      expect(new Set(attempts.map(uuidOf))).toEqual(new Set([replies[0]?.uuid]));
      tally('drop-after-write', 1);
    });
  });

  it('a webhook after drop-after-write: delivered; at least once, as its API has no uuid', async () => {
    const HOOK = 'reliability-hook-0123456789';
    await withFake(
      async (fake) => {
        fake.inject({ method: 'POST', fault: { kind: 'drop-after-write' } });
        const result = await run({
          inputs: { webhook: `${fake.url}/open-apis/bot/v2/hook/${HOOK}`, retries: '2' },
        });
        expect(result.code, result.stdout).toBe(0);
        expect(result.outputs.error).toBe('');
        // Custom-bot webhooks take no idempotency key: a response lost after the write can
        // only be retried blind. Delivered, never lost; a duplicate is the documented cost.
        expect(fake.webhookMessages(HOOK).length).toBeGreaterThanOrEqual(1);
        expect(fake.webhookMessages(HOOK).length).toBeLessThanOrEqual(2);
        tally('drop-after-write', 1);
      },
      { webhooks: [{ token: HOOK }] },
    );
  });

  it('HTTP 429 with x-ogw-ratelimit-reset: waited out, delivered once', async () => {
    await withFake(async (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        fault: { kind: 'status', status: 429, headers: { 'x-ogw-ratelimit-reset': '1' } },
      });
      const result = await run({ inputs: app(fake) });
      expectDeliveredOnce(fake, result, 2);
      const [first, second] = sends(fake) as [RecordedRequest, RecordedRequest];
      expect(second.at - first.at).toBeGreaterThanOrEqual(1_000);
      expect(second.at - first.at).toBeLessThan(1_250 + SLACK_MS);
      tally('HTTP 429', 1);
    });
  });

  it('the per-chat limit 230020 (HTTP 400): waited out, delivered once', async () => {
    await withFake(async (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        fault: {
          kind: 'status',
          status: 400,
          body: {
            code: 230020,
            msg: 'The message sending frequency in the chat exceeds the limit',
          },
        },
      });
      const result = await run({ inputs: app(fake) });
      expectDeliveredOnce(fake, result, 2);
      const [first, second] = sends(fake) as [RecordedRequest, RecordedRequest];
      // Not the 200 ms network backoff: most of a one-second rate window, at the least.
      expect(second.at - first.at).toBeGreaterThanOrEqual(750);
      tally('230020', 1);
    });
  });

  it('token rejected mid-run (99991663): one fresh token, then success', async () => {
    await withFake(async (fake) => {
      // Hold the first send long enough to revoke the token it carries.
      fake.inject({ method: 'POST', path: SEND, fault: { kind: 'delay', ms: 300 } });
      const pending = run({ inputs: app(fake) });
      await until(() => sends(fake).length === 1);
      fake.revokeTokens();
      const result = await pending;
      expectDeliveredOnce(fake, result, 2);
      expect(tokenRequests(fake)).toHaveLength(2);
      const [first, second] = sends(fake) as [RecordedRequest, RecordedRequest];
      expect(bearer(second)).not.toBe(bearer(first));
      tally('revoked token', 1);
    });
  });

  it('a token rejected again after the refresh: only one refresh, then a clear error', async () => {
    await withFake(async (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        times: Number.POSITIVE_INFINITY,
        fault: { kind: 'status', status: 400, body: { code: 99991663, msg: 'invalid token' } },
      });
      const result = await run({ inputs: app(fake) });
      expect(result.code).toBe(0);
      expect(result.outputs.error).toContain('99991663');
      expect(tokenRequests(fake)).toHaveLength(2);
      expect(sends(fake)).toHaveLength(2);
      expect(fake.messages(CHAT)).toHaveLength(0);
      tally('HTTP 400 99991663', 2);
    });
  });
});

describe.concurrent('bounded: never hangs, never retries without end', () => {
  it('a server that never answers: the step ends within timeout × (retries + 1) + backoff, saying it timed out', async () => {
    await withFake(async (fake) => {
      fake.inject({ times: Number.POSITIVE_INFINITY, fault: { kind: 'hang' } });
      const timeoutMs = 1_000;
      const retries = 1;
      const result = await run({
        inputs: app(fake, { timeout: '1', retries: String(retries), 'fail-on-error': 'true' }),
      });
      const active = sinceFirstRequest(fake, Date.now());
      expect(result.code).toBe(1);
      // The summary is read from its file (stdout can be cut short by the harness).
      expect(result.summary).toMatch(/timed out after 1s \(2 attempts\)/);
      // Backoff before the one retry is at most 400 ms.
      const bound = timeoutMs * (retries + 1) + 400;
      expect(active).toBeGreaterThanOrEqual(timeoutMs * (retries + 1));
      expect(active).toBeLessThan(bound + SLACK_MS);
      expect(fake.messages()).toHaveLength(0);
      tally('hang', tokenRequests(fake).length);
    });
  });

  it('HTTP 503 for ever: exactly retries + 1 attempts, within the worst-case time', async () => {
    await withFake(async (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        times: Number.POSITIVE_INFINITY,
        fault: { kind: 'status', status: 503 },
      });
      const result = await run({ inputs: app(fake, { retries: '2', timeout: '2' }) });
      const active = sinceFirstRequest(fake, Date.now());
      expect(result.code).toBe(0);
      expect(result.outputs.error).toMatch(/503/);
      expect(sends(fake)).toHaveLength(3);
      // Backoffs before the two retries: at most 400 + 800 ms.
      expect(active).toBeLessThan(1_200 + SLACK_MS);
      const policy = { ...DEFAULT_POLICY, retries: 2 };
      expect(active).toBeLessThan(worstCaseMs(policy, 2_000));
      tally('HTTP 503', 3);
    });
  });

  it('retries: 0 makes one attempt only', async () => {
    await withFake(async (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        times: Number.POSITIVE_INFINITY,
        fault: { kind: 'reset' },
      });
      const result = await run({ inputs: app(fake, { retries: '0' }) });
      expect(result.outputs.error).toMatch(/connection reset.*\(1 attempts\)/);
      expect(sends(fake)).toHaveLength(1);
      tally('reset', 1);
    });
  });

  it('throttled for ever (230020): retries + 1 attempts, then a clear error', async () => {
    await withFake(async (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        times: Number.POSITIVE_INFINITY,
        fault: { kind: 'status', status: 400, body: { code: 230020, msg: 'rate limited' } },
      });
      const result = await run({ inputs: app(fake, { retries: '1' }) });
      const active = sinceFirstRequest(fake, Date.now());
      expect(result.outputs.error).toContain('230020');
      expect(sends(fake)).toHaveLength(2);
      // One throttled wait: at most two seconds.
      expect(active).toBeLessThan(2_000 + SLACK_MS);
      tally('230020', 2);
    });
  });
});

describe('call(): retry count, total wait and jitter (in process)', () => {
  function transportAnswering(answer: () => HttpResponse): Transport & { calls: number } {
    const transport = {
      calls: 0,
      async send() {
        transport.calls++;
        return answer();
      },
      dispose() {},
    };
    return transport;
  }

  async function waitsFor(
    answer: () => HttpResponse,
    retries: number,
    random?: () => number,
  ): Promise<{ waits: number[]; calls: number; error: unknown }> {
    const waits: number[] = [];
    const transport = transportAnswering(answer);
    const error = await call(
      {
        transport,
        policy: { ...DEFAULT_POLICY, retries },
        debug: () => undefined,
        sleep: async (ms) => {
          waits.push(ms);
        },
        ...(random ? { random } : {}),
      },
      'send',
      () => ({ method: 'POST', url: 'http://127.0.0.1:1/x' }),
    ).catch((e: unknown) => e);
    return { waits, calls: transport.calls, error };
  }

  const http503 = () => ({ status: 503, headers: {}, body: '' });
  const chatLimit = () => ({
    status: 400,
    headers: {},
    body: JSON.stringify({ code: 230020, msg: 'limited' }),
  });

  it('makes exactly retries + 1 attempts and waits between them only', async () => {
    for (const retries of [0, 1, 3, 10]) {
      const { waits, calls, error } = await waitsFor(http503, retries);
      expect(calls).toBe(retries + 1);
      expect(waits).toHaveLength(retries);
      expect(String(error)).toContain('HTTP 503');
    }
  });

  it('keeps the total wait within worstCaseMs, throttled or not', async () => {
    for (const answer of [http503, chatLimit]) {
      const { waits } = await waitsFor(answer, 10, () => 0.999_999);
      const policy = { ...DEFAULT_POLICY, retries: 10 };
      const total = waits.reduce((a, b) => a + b, 0);
      expect(total).toBeLessThanOrEqual(worstCaseMs(policy, 0));
      for (const wait of waits) expect(wait).toBeLessThanOrEqual(policy.maxRateLimitWaitMs + 250);
    }
  });

  it('jitters every wait: two jobs failing together do not retry together', async () => {
    for (const answer of [http503, chatLimit]) {
      const runs = await Promise.all(Array.from({ length: 20 }, () => waitsFor(answer, 3)));
      for (let attempt = 0; attempt < 3; attempt++) {
        const waits = runs.map((r) => r.waits[attempt] ?? 0);
        expect(new Set(waits).size).toBeGreaterThan(15);
        const spread = Math.max(...waits) - Math.min(...waits);
        expect(spread).toBeGreaterThan(50 * 2 ** attempt);
      }
    }
  });
});

describe('twenty matrix legs at once against one chat limited to 5 messages a second', () => {
  it('all twenty exit 0 and the chat holds twenty distinct notices, none lost, none duplicated', async () => {
    await withFake(async (fake) => {
      const LEGS = 20;
      // Same run, attempt, job and step, as matrix legs are; only the content differs.
      const env = {
        GITHUB_RUN_ID: '987654321',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_JOB: 'build',
        GITHUB_ACTION: '__feishu-notify',
      };
      // Matrix legs start within moments of each other; twenty processes loading the toolkit
      // on a busy machine do not. Hold the token answers until every leg has asked, so the
      // sends meet the chat's limit together, as real legs do.
      let everyLegAsked: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        everyLegAsked = resolve;
      });
      fake.inject({
        method: 'POST',
        path: TOKEN,
        times: LEGS,
        fault: { kind: 'gate', open: gate },
      });
      const waiting = setInterval(() => {
        if (tokenRequests(fake).length >= LEGS) everyLegAsked();
      }, 20);
      const results = await Promise.all(
        Array.from({ length: LEGS }, (_, leg) =>
          run({
            inputs: app(fake, { status: 'success', message: `matrix leg ${leg} done` }),
            env,
            timeoutMs: 60_000,
          }),
        ),
      ).finally(() => clearInterval(waiting));
      for (const result of results) {
        expect(result.code, result.stdout + result.stderr).toBe(0);
        expect(result.outputs.error, result.stdout).toBe('');
      }
      const stored = fake.messages(CHAT);
      expect(stored).toHaveLength(LEGS);
      // Each leg's message exactly once.
      for (let leg = 0; leg < LEGS; leg++) {
        const mine = stored.filter((m) => m.content.includes(`matrix leg ${leg} done`));
        expect(mine, `leg ${leg}`).toHaveLength(1);
      }
      expect(new Set(stored.map((m) => m.uuid)).size).toBe(LEGS);
      expect(new Set(results.map((r) => r.outputs['message-id']))).toEqual(
        new Set(stored.map((m) => m.message_id)),
      );
      // The limit was really met (230020 answered), and the retries were spread out.
      const attempts = sends(fake);
      expect(attempts.length).toBeGreaterThan(LEGS);
      tally('230020 (real per-chat limit)', attempts.length - LEGS);
      const retryTimes = attempts
        .filter((r, i) => attempts.findIndex((s) => uuidOf(s) === uuidOf(r)) !== i)
        .map((r) => r.at);
      expect(Math.max(...retryTimes) - Math.min(...retryTimes)).toBeGreaterThan(500);
      // At most five messages stored in any one second.
      const times = stored.map((m) => m.create_time).sort((a, b) => a - b);
      for (let i = 5; i < times.length; i++)
        expect((times[i] ?? 0) - (times[i - 5] ?? 0)).toBeGreaterThanOrEqual(1000);
    });
  }, 90_000); // twenty processes at once: on a busy 2-core machine their start-ups alone take seconds
});

// ---- proxies

function makeCertificate(): { dir: string; key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'feishu-notify-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=feishu.test',
        '-addext',
        'subjectAltName=DNS:feishu.test',
      ],
      { stdio: 'ignore' },
    );
    return { dir, key, cert };
  } catch {
    return undefined;
  }
}

/** An https front for the fake (TLS ends here; requests go on to the fake in plain HTTP). */
async function httpsFront(fake: FakeFeishu, key: string, cert: string): Promise<HttpsServer> {
  const target = new URL(fake.url);
  const server = createHttpsServer(
    { key: readFileSync(key), cert: readFileSync(cert) },
    (req, res) => {
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const TLS = makeCertificate();

describe.concurrent('through a proxy', () => {
  // @actions/http-client never proxies a loopback host (127.*, localhost), whatever the
  // variables say; so the API is reached as feishu.test, a name only the proxy resolves
  // (to the fake on loopback). Without the proxy that name does not resolve at all.
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startProxy({ resolve: (host) => (host === 'feishu.test' ? '127.0.0.1' : host) });
  });
  afterAll(async () => {
    await proxy.close();
  });
  const viaName = (fake: FakeFeishu) => fake.url.replace('127.0.0.1', 'feishu.test');
  const through = (fake: FakeFeishu) =>
    proxy.records.filter((r) => r.target === new URL(viaName(fake)).host);

  it.each(['HTTP_PROXY', 'http_proxy'])(
    '%s: an http API is reached through the proxy (CONNECT tunnel)',
    async (variable) => {
      await withFake(async (fake) => {
        const result = await run({
          inputs: app(fake, { domain: viaName(fake) }),
          env: { [variable]: proxy.url },
        });
        expectDeliveredOnce(fake, result, 1);
        // http-client tunnels plain HTTP too: every request went through a CONNECT.
        const tunnels = through(fake);
        expect(tunnels.length).toBeGreaterThanOrEqual(1);
        expect(tunnels.every((t) => t.method === 'CONNECT')).toBe(true);
        expect(proxy.tunneled).toContain(`POST ${TOKEN}`);
        expect(proxy.tunneled).toContain(`POST ${SEND}?receive_id_type=chat_id`);
      });
    },
  );

  // Needs the openssl command for a throwaway certificate (runners have it).
  it.skipIf(!TLS)('HTTPS_PROXY: an https API is reached through the proxy', async () => {
    await withFake(async (fake) => {
      const tls = TLS as NonNullable<typeof TLS>;
      const front = await httpsFront(fake, tls.key, tls.cert);
      try {
        const port = (front.address() as AddressInfo).port;
        const result = await run({
          inputs: app(fake, { domain: `https://feishu.test:${port}` }),
          env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: tls.cert },
        });
        expectDeliveredOnce(fake, result, 1);
        const tunnels = proxy.records.filter((r) => r.target === `feishu.test:${port}`);
        expect(tunnels.length).toBeGreaterThanOrEqual(1);
        expect(tunnels.every((t) => t.method === 'CONNECT')).toBe(true);
      } finally {
        await new Promise((resolve) => front.close(resolve));
      }
    });
  });

  it('NO_PROXY naming the API host bypasses the proxy', async () => {
    await withFake(async (fake) => {
      const result = await run({
        inputs: app(fake, { domain: viaName(fake), retries: '0' }),
        env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'feishu.test' },
      });
      // Straight to a name nothing resolves: the proxy saw nothing, nothing arrived.
      expect(through(fake)).toHaveLength(0);
      expect(fake.requests).toHaveLength(0);
      expect(result.outputs.error).toMatch(/host not found|DNS lookup failed/);
    });
  });

  it('NO_PROXY=127.0.0.1: delivered directly, the proxy sees nothing', async () => {
    await withFake(async (fake) => {
      const before = proxy.records.length;
      const result = await run({
        inputs: app(fake),
        env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
      });
      expectDeliveredOnce(fake, result, 1);
      expect(
        proxy.records.slice(before).filter((r) => r.target.includes(new URL(fake.url).port)),
      ).toHaveLength(0);
    });
  });

  it('the test proxy also forwards absolute-URI requests', async () => {
    await withFake(async (fake) => {
      const target = `${viaName(fake)}/open-apis/auth/v3/tenant_access_token/internal`;
      const proxyUrl = new URL(proxy.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: proxyUrl.hostname,
            port: proxyUrl.port,
            method: 'POST',
            path: target,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ app_id: 'cli_test_app', app_secret: SECRET }));
      });
      expect(status).toBe(200);
      expect(fake.tokensIssued).toBe(1);
      expect(proxy.records.some((r) => r.method === 'POST' && r.target === target)).toBe(true);
    });
  });
});
