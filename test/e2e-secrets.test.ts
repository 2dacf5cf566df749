/**
 * Issue 5, secrets: the app secret, the tenant tokens, the webhook URL and its token, and the
 * webhook secret never appear in anything a user can see: stdout (workflow commands, debug
 * lines and warnings included), stderr, the outputs, the job summary and the saved state. Every
 * scenario runs the bundled action and all of it is searched. The runner's own `::add-mask::`
 * lines are left out of the search: the runner consumes them and never shows them.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { type RunOptions, type RunResult, runAction } from './support/run-action.js';

const APP_SECRET = 'app-secret-Q7tLx2vN9pRw';
const HOOK_TOKEN = 'b7c1e5a2-4f0d-4c3e-9a61-2d8f5e7c0b94';
const HOOK_SECRET = 'hook-secret-M3kD8sF1zH';
const CHAT = 'oc_test_chat';
const SEND = '/open-apis/im/v1/messages';

interface Scenario {
  name: string;
  /** Inputs and environment for the run, given the fake. */
  options(fake: FakeFeishu, hookUrl: string): RunOptions | Promise<RunOptions>;
  /** Runs the post step too, with the state the main step saved. */
  post?: boolean;
  /** Checks that the scenario did what it says, so the search covers a real path. */
  check(result: RunResult, fake: FakeFeishu): void;
}

const app = (fake: FakeFeishu) => ({
  'app-id': 'cli_test_app',
  'app-secret': APP_SECRET,
  domain: fake.url,
  to: CHAT,
});
const debug = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' };

const ok = (result: RunResult) => {
  expect(result.code, result.stdout).toBe(0);
  expect(result.outputs.error, result.stdout).toBe('');
};
const warned = (pattern: RegExp) => (result: RunResult) => {
  expect(result.code, result.stdout).toBe(0);
  expect(result.outputs.error).toMatch(pattern);
};
const failed = (pattern: RegExp) => (result: RunResult) => {
  expect(result.code, result.stdout).toBe(1);
  expect(result.stdout).toMatch(pattern);
};

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'app: a card delivered, with debug logging on',
    options: (fake) => ({ inputs: { ...app(fake), status: 'success' }, env: debug }),
    check: ok,
  },
  {
    name: 'app: text and post messages',
    options: (fake) => ({
      inputs: { ...app(fake), type: 'post', mention: 'all', status: 'failure' },
      env: debug,
    }),
    check: ok,
  },
  {
    name: 'app: wrong app secret (10014) as a warning',
    options: (fake) => ({ inputs: { ...app(fake), 'app-secret': `${APP_SECRET}-wrong` } }),
    check: warned(/10014/),
  },
  {
    name: 'app: wrong app secret (10014) failing the step, debug on',
    options: (fake) => ({
      inputs: { ...app(fake), 'app-secret': `${APP_SECRET}-wrong`, 'fail-on-error': 'true' },
      env: debug,
    }),
    check: failed(/::error::.*10014/),
  },
  {
    name: 'app: token rejected (99991663) and refreshed',
    options: (fake) => {
      fake.inject({
        method: 'POST',
        path: SEND,
        fault: { kind: 'status', status: 400, body: { code: 99991663, msg: 'invalid token' } },
      });
      return { inputs: app(fake), env: debug };
    },
    check: (result, fake) => {
      ok(result);
      expect(fake.tokensIssued).toBe(2);
    },
  },
  {
    name: 'app: 503, reset and drop-after-write before success',
    options: (fake) => {
      fake.inject({ method: 'POST', path: SEND, fault: { kind: 'status', status: 503 } });
      fake.inject({ method: 'POST', path: SEND, fault: { kind: 'reset' } });
      fake.inject({ method: 'POST', path: SEND, fault: { kind: 'drop-after-write' } });
      return { inputs: app(fake), env: debug };
    },
    check: ok,
  },
  {
    name: 'app: a server that never answers (timed out)',
    options: (fake) => {
      fake.inject({ times: Number.POSITIVE_INFINITY, fault: { kind: 'hang' } });
      return { inputs: { ...app(fake), timeout: '1', retries: '0' }, env: debug };
    },
    check: warned(/timed out/),
  },
  {
    name: 'app: an unknown chat (230001), failing the step',
    options: (fake) => ({
      inputs: { ...app(fake), to: 'oc_nowhere', 'fail-on-error': 'true' },
    }),
    check: failed(/::error::.*230001/),
  },
  {
    name: 'app: update of a card that is gone, falling back to a new message',
    options: (fake) => ({ inputs: { ...app(fake), update: 'om_gone0000' }, env: debug }),
    check: (result) => expect(result.code, result.stdout).toBe(0),
  },
  {
    name: 'app: an in-progress card, then the post step finishing it',
    options: (fake) => ({ inputs: { ...app(fake), status: 'in_progress' }, env: debug }),
    post: true,
    check: ok,
  },
  {
    name: 'app: a dry run with every secret given',
    options: (fake, hookUrl) => ({
      inputs: {
        ...app(fake),
        webhook: hookUrl,
        'webhook-secret': HOOK_SECRET,
        'dry-run': 'true',
      },
      env: debug,
    }),
    check: ok,
  },
  {
    name: 'inputs: a bad input with every secret given',
    options: (fake, hookUrl) => ({
      inputs: { ...app(fake), webhook: hookUrl, 'webhook-secret': HOOK_SECRET, status: 'bogus' },
    }),
    check: failed(/::error::Input "status"/),
  },
  {
    name: 'webhook: a signed card delivered, with debug logging on',
    options: (_fake, hookUrl) => ({
      inputs: { webhook: hookUrl, 'webhook-secret': HOOK_SECRET, status: 'success' },
      env: debug,
    }),
    check: (result, fake) => {
      ok(result);
      expect(fake.webhookMessages(HOOK_TOKEN)).toHaveLength(1);
    },
  },
  {
    name: 'webhook: text, next to an app send',
    options: (fake, hookUrl) => ({
      inputs: { ...app(fake), webhook: hookUrl, 'webhook-secret': HOOK_SECRET, type: 'text' },
      env: debug,
    }),
    check: ok,
  },
  {
    name: 'webhook: wrong signing secret (19021), failing the step',
    options: (_fake, hookUrl) => ({
      inputs: {
        webhook: hookUrl,
        'webhook-secret': `${HOOK_SECRET}-wrong`,
        'fail-on-error': 'true',
      },
      env: debug,
    }),
    check: failed(/::error::.*19021/),
  },
  {
    name: 'webhook: a token the server does not know (19001)',
    options: (fake) => ({
      inputs: { webhook: `${fake.url}/open-apis/bot/v2/hook/${HOOK_TOKEN}-unknown` },
      env: debug,
    }),
    check: warned(/19001/),
  },
  {
    name: 'webhook: 502 pages and resets before success',
    options: (fake, hookUrl) => {
      fake.inject({
        method: 'POST',
        fault: { kind: 'status', status: 502, body: '<html>502 Bad Gateway</html>' },
      });
      fake.inject({ method: 'POST', fault: { kind: 'reset' } });
      return { inputs: { webhook: hookUrl, 'webhook-secret': HOOK_SECRET }, env: debug };
    },
    check: ok,
  },
  {
    name: 'webhook: a server that never answers (http-client quotes the path in its timeout error)',
    options: (fake, hookUrl) => {
      fake.inject({ times: Number.POSITIVE_INFINITY, fault: { kind: 'hang' } });
      return {
        inputs: { webhook: hookUrl, 'webhook-secret': HOOK_SECRET, timeout: '1', retries: '0' },
        env: debug,
      };
    },
    check: warned(/timed out/),
  },
  {
    name: 'webhook: connection refused',
    options: async () => ({
      inputs: {
        webhook: `http://127.0.0.1:${await closedPort()}/open-apis/bot/v2/hook/${HOOK_TOKEN}`,
        retries: '0',
      },
      env: debug,
    }),
    check: warned(/connection refused/),
  },
  {
    name: 'webhook: not an http(s) URL',
    options: () => ({
      inputs: { webhook: `ftp://open.feishu.cn/open-apis/bot/v2/hook/${HOOK_TOKEN}` },
    }),
    check: failed(/::error::Input "webhook" is not an http\(s\) URL/),
  },
  {
    name: 'webhook: a URL that does not parse',
    options: () => ({
      inputs: { webhook: `https://open feishu.cn/open-apis/bot/v2/hook/${HOOK_TOKEN}` },
    }),
    check: failed(/::error::Input "webhook"/),
  },
];

/** Everything a user can see of a run; the runner eats `::add-mask::` lines itself. */
function visible(result: RunResult): string {
  const stdout = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [
    stdout,
    result.stderr,
    JSON.stringify(result.outputs),
    result.summary,
    JSON.stringify(result.state),
  ].join('\n');
}

/** The secrets of a run: the fixed ones, and every tenant token the fake saw in use. */
function secretsOf(fake: FakeFeishu, hookUrl: string): string[] {
  const tokens = fake.requests
    .map((r) => /^Bearer\s+(\S+)$/.exec(String(r.headers.authorization ?? ''))?.[1])
    .filter((t): t is string => Boolean(t));
  const values = [APP_SECRET, HOOK_TOKEN, HOOK_SECRET, hookUrl, ...new Set(tokens)];
  // Also as they would look percent- or JSON-encoded.
  return [
    ...new Set(values.flatMap((v) => [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)])),
  ];
}

const scenariosRun = new Set<string>();
afterAll(() => {
  console.info(`secrets: ${scenariosRun.size} of ${SCENARIOS.length} scenarios searched clean`);
});

async function startFake(): Promise<FakeFeishu> {
  return startFakeFeishu({
    appSecret: APP_SECRET,
    webhooks: [{ token: HOOK_TOKEN, secret: HOOK_SECRET }],
  });
}

/** Runs a scenario on a fresh fake: the main step, and the post step when asked. */
async function runScenario(
  scenario: Scenario,
): Promise<{ fake: FakeFeishu; hookUrl: string; results: RunResult[] }> {
  const fake = await startFake();
  const hookUrl = `${fake.url}/open-apis/bot/v2/hook/${HOOK_TOKEN}`;
  const options = await scenario.options(fake, hookUrl);
  const results = [await runAction(options)];
  if (scenario.post) {
    results.push(
      await runAction({
        ...options,
        state: (results[0] as RunResult).state,
        inputs: { ...options.inputs, 'job-status': 'success' },
      }),
    );
  }
  return { fake, hookUrl, results };
}

describe.concurrent('no secret in any output', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const { fake, hookUrl, results } = await runScenario(scenario);
    try {
      for (const result of results) expect(result.stdout, 'output captured').not.toBe('');
      if (scenario.post) {
        // The post step really finished the card (one PATCH), so its output is searched too.
        expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
      }
      scenario.check(results[0] as RunResult, fake);
      const secrets = secretsOf(fake, hookUrl);
      for (const result of results) {
        const text = visible(result);
        for (const secret of secrets) {
          expect(text.includes(secret), `"${secret}" shown in: ${text.slice(0, 2000)}`).toBe(false);
        }
      }
      scenariosRun.add(scenario.name);
    } finally {
      await fake.close();
    }
  });

  it('every secret given as an input is masked for the runner', async () => {
    const { fake, hookUrl, results } = await runScenario({
      name: 'masking',
      options: (f, url) => ({
        inputs: { ...app(f), webhook: url, 'webhook-secret': HOOK_SECRET },
      }),
      check: ok,
    });
    try {
      const [result] = results as [RunResult];
      ok(result);
      for (const secret of [APP_SECRET, hookUrl, HOOK_TOKEN, HOOK_SECRET])
        expect(result.stdout).toContain(`::add-mask::${secret}`);
    } finally {
      await fake.close();
    }
  });

  it('a redirect to another host gets nothing: no app secret, no token, no message', async () => {
    // http-client follows redirects by default and replays the body, app secret included.
    const received: string[] = [];
    const thief = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"code":0,"tenant_access_token":"t-stolen","expire":7200,"data":{}}');
      });
    });
    await new Promise<void>((resolve) => thief.listen(0, '127.0.0.1', resolve));
    const fake = await startFakeFeishu({
      appSecret: APP_SECRET,
      webhooks: [{ token: HOOK_TOKEN, secret: HOOK_SECRET }],
    });
    try {
      const location = `http://localhost:${(thief.address() as { port: number }).port}/collect`;
      fake.inject({
        times: Number.POSITIVE_INFINITY,
        fault: { kind: 'status', status: 307, body: '', headers: { location } },
      });
      const hookUrl = `${fake.url}/open-apis/bot/v2/hook/${HOOK_TOKEN}`;
      const result = await runAction({
        inputs: { ...app(fake), webhook: hookUrl, 'webhook-secret': HOOK_SECRET },
      });
      expect(result.code).toBe(0);
      expect(result.outputs.error).toMatch(/HTTP 307/);
      expect(received).toEqual([]);
      const text = visible(result);
      for (const secret of secretsOf(fake, hookUrl)) expect(text).not.toContain(secret);
    } finally {
      await fake.close();
      await new Promise((resolve) => thief.close(resolve));
    }
  });
});

describe('masking of what the action learns', () => {
  it('the tenant token is masked for the runner as soon as it is fetched', async () => {
    const fake = await startFakeFeishu({ appSecret: APP_SECRET });
    try {
      const result = await runAction({ inputs: app(fake) });
      ok(result);
      const token = /^Bearer\s+(\S+)$/.exec(
        String(fake.requests.find((r) => r.path === SEND)?.headers.authorization ?? ''),
      )?.[1];
      expect(token).toMatch(/^t-/);
      expect(result.stdout).toContain(`::add-mask::${token}`);
    } finally {
      await fake.close();
    }
  });
});
