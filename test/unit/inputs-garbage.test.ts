/**
 * Issue 5, hostile input: every input given garbage (wrong types, huge values, invalid
 * JSON / YAML, unknown enum values, negative numbers) fails with one clear line that names
 * the input, never a stack trace; and through the bundled action the step exits 1 before a
 * single request reaches the API (no partial send).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readSettings } from '../../src/inputs.js';
import { type FakeFeishu, startFakeFeishu } from '../support/fake-feishu.js';
import { type RunResult, runAction } from '../support/run-action.js';

const APP_SECRET = 's3cret-app-value';
const BASE: Record<string, string> = {
  'app-id': 'cli_test_app',
  'app-secret': APP_SECRET,
  to: 'oc_test_chat',
};

const KB = 1024;
const huge = (n: number, unit = 'x') => unit.repeat(Math.ceil(n / unit.length));
const lines = (n: number, line: (i: number) => string, sep = '\n') =>
  Array.from({ length: n }, (_, i) => line(i)).join(sep);

interface Case {
  input: string;
  value: string;
  /** Other inputs the case needs (e.g. type: template for template-variables). */
  with?: Record<string, string>;
  /** The input the error must name, when it is another one (e.g. a missing partner). */
  names?: string;
}

/** Garbage per input. Free text (title, message) has none: any text is a title. */
const GARBAGE: Record<string, (string | Omit<Case, 'input'>)[]> = {
  'app-id': ['12345', 'cli_ has space', '{"id": 1}', '-1', 'ou_abc', 'cli_x\ncli_y'],
  'app-secret': [{ value: APP_SECRET, with: { 'app-id': '' }, names: 'app-id' }],
  domain: [
    'ftp://open.feishu.cn',
    'feishuu',
    'http://',
    'javascript:alert(1)',
    '-1',
    '{"url": "x"}',
    'https://exa mple.com',
  ],
  webhook: [
    'not a url',
    'ftp://open.feishu.cn/open-apis/bot/v2/hook/abcdefgh1234',
    'https://exa mple.com/open-apis/bot/v2/hook/abcdefgh1234',
    '{"url": 1}',
  ],
  to: ['xyz', 'oc_test_chat, xyz', 'oc_ bad id', 'chat:', '12345', '-1', 'user_id:'],
  language: ['zh', 'chinese', 'en-GB', 'zh_tw', '-1', '{"language": "zh_cn"}', huge(10 * KB)],
  status: ['bogus', '-1', '{"status": "success"}', 'true', huge(10 * KB)],
  fields: ['no colon', ': value', 'Label:', lines(1_000, (i) => `F${i}: v`)],
  buttons: [
    'Label | javascript:alert(1)',
    'no url at all',
    'Label | ftp://example.com',
    '| https://example.com',
    lines(1_000, (i) => `B${i} | https://example.com/${i}`),
  ],
  mention: ['nobody', 'ou_', 'user_id:', '@someone', lines(10_000, (i) => `ou_${i}`, ',')],
  'user-map': [
    '{"octocat":',
    'octocat: [',
    '[1, 2]',
    '42',
    '{"bad login!": "ou_x"}',
    '{"octocat": 5}',
    '{"octocat": "nobody"}',
  ],
  type: ['cards', '{}', '-1', 'interactive'],
  content: ['{"text":', '[1,2', 'a: b: c', '[1]', '42', 'null', '"text"', 'true'],
  'template-variables': ['{"a":', '[1]', '42', 'null', 'a: b: c'].map((value) => ({
    value,
    with: { type: 'template', 'template-id': 'AAqkz1' },
  })),
  'template-id': [{ value: '', with: { type: 'template' } }],
  'reply-to': ['abc', '-1', 'om_ x', 'om_', '{"id": "om_1"}'],
  'reply-in-thread': ['yes', '1', '-1'],
  update: ['abc', '123', 'om_ x'],
  recall: ['abc', 'om_1, nope'],
  key: ['-x', huge(65), 'a b', '{}', '../etc'],
  replace: ['y', '1', { value: 'true', names: 'replace' }],
  'recall-key': ['-x', huge(65)],
  'recall-within': ['-1h', '0', '31d', 'abc', '1e3', '99999999999999999999d', '1.5h', '-5'],
  needs: [
    '{"build":',
    '[]',
    '{"build": {"result": 5}}',
    'null',
    '42',
    '{"build": null}',
    '{"build": "success"}',
  ],
  'run-card': ['begin', 'om_123', '1:2:om_1', '{"card": 1}', '-1', huge(300)],
  row: ['x', { value: huge(101), with: { 'run-card': '7355372766134157313:1764629000123:om_1' } }],
  finish: ['yes', '1', 'maybe'],
  'finish-reply': ['sometimes', 'true', 'failure,always'],
  urgent: ['phone', 'sms', 'true', 'yes'],
  'notify-on': [
    'sometimes',
    'changes',
    '{"on": "change"}',
    { value: 'change', names: 'key' },
    { value: 'failure', with: { key: 'nightly', to: 'ou_someone' }, names: 'notify-on' },
  ],
  'job-id': ['abc', '-1', '12.5', '1e9', huge(100, '9')],
  'fail-on-error': ['yes', '1', '-1'],
  retries: ['three', '3.5', '-1', '1e3', '0x10', '11', '99999999999999999999', 'Infinity'],
  timeout: ['0', '-5', 'NaN', 'Infinity', '1e2', '301', '0.0001', '10s'],
  'dry-run': ['maybe', '2'],
  summary: ['0', 'off'],
};

const CASES: Case[] = Object.entries(GARBAGE).flatMap(([input, values]) =>
  values.map((v) => (typeof v === 'string' ? { input, value: v } : { input, ...v })),
);

const label = (c: Case) =>
  `${c.input} = ${JSON.stringify(c.value.length > 40 ? `${c.value.slice(0, 40)}…(${c.value.length})` : c.value)}`;

function read(inputs: Record<string, string>) {
  return readSettings({ getInput: (name) => inputs[name] ?? '', setSecret: () => undefined });
}

function inputsOf(c: Case): Record<string, string> {
  const inputs = { ...BASE, ...c.with, [c.input]: c.value };
  // A webhook case must not fail on the app credentials instead.
  if (c.input === 'webhook') {
    inputs['app-id'] = '';
    inputs['app-secret'] = '';
    inputs.to = '';
  }
  return inputs;
}

/** One line, naming the input, no stack, short, and no secret quoted back. */
function expectClearError(message: string, c: Case): void {
  expect(message).toMatch(new RegExp(`^Input "${c.names ?? c.input}" `));
  expect(message).not.toContain('\n');
  expect(message).not.toMatch(/\bat .+:\d+:\d+/);
  expect(message.length).toBeLessThan(600);
  if (c.input === 'webhook' || c.input === 'app-secret') expect(message).not.toContain(c.value);
}

describe('readSettings: garbage in every input', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_label, c) => {
    const error = await read(inputsOf(c)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'accepted').toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(c.names ?? c.input);
    expectClearError((error as InputError).message, c);
  });

  it('covers every input of action.yml but the free-text and internal ones', async () => {
    const { readFileSync } = await import('node:fs');
    const yml = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
    const inputsSection = yml.slice(yml.indexOf('\ninputs:'), yml.indexOf('\noutputs:'));
    const declared = [...inputsSection.matchAll(/^ {2}([a-z-]+):\n {4}description/gm)].map(
      (m) => m[1],
    );
    // title and message are any text; template-version any name; job-status is set by the
    // runner (an unknown status there reads as info); images are checked against the disk
    // (through the action below).
    // github-token is any token (GitHub's formats change; a bad one is GitHub's 401, logged).
    const free = [
      'title',
      'message',
      'template-version',
      'job-status',
      'images',
      'webhook-secret',
      'github-token',
    ];
    for (const input of declared) {
      if (input && !free.includes(input)) expect(Object.keys(GARBAGE), input).toContain(input);
    }
  });

  it('message and title of 1 MB are taken (and trimmed when rendered), not refused', async () => {
    const settings = await read({ ...BASE, message: huge(1024 * KB), title: huge(1024 * KB) });
    expect(settings.message?.length).toBe(1024 * KB);
  });

  it.each([
    ['app-id', `cli_${huge(100 * KB, 'a')}`],
    ['to', `oc_${huge(100 * KB, 'a')}`],
    ['template-id', huge(100 * KB, 'A')],
  ])('a 100 kB %s is refused naming it', async (input, value) => {
    const type = input === 'template-id' ? 'template' : 'card';
    const error = await read({ ...BASE, type, [input]: value }).catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
  });

  it('ten thousand recipients in `to` are refused naming it', async () => {
    const error = await read({ ...BASE, to: lines(10_000, (i) => `oc_${i}`, ',') }).catch((e) => e);
    expect((error as InputError).input).toBe('to');
  });

  it.each(['key', 'recall-key'])('the %s error says "expected" once', async (input) => {
    const error = await read({ ...BASE, [input]: '-x' }).catch((e) => e);
    expect((error as InputError).message).not.toMatch(/expected expected/);
  });

  it('invalid template-variables fail even without template-id', async () => {
    const error = await read({ ...BASE, 'template-variables': '{"a":' }).catch((e) => e);
    expect((error as InputError).input).toBe('template-variables');
  });
});

// ---- through the bundled action: exit 1, zero requests, no stack trace

/** One garbage value per input (the first listed), plus a few that only the action sees. */
const DIST_CASES: Case[] = [
  ...Object.keys(GARBAGE).map((input) => CASES.find((c) => c.input === input) as Case),
  CASES.find((c) => c.value === 'oc_test_chat, xyz') as Case,
  { input: 'images', value: 'no/such/file.png' },
  { input: 'images', value: 'a.png', with: { type: 'text' } },
  {
    input: 'content',
    value: JSON.stringify({
      schema: '2.0',
      body: { elements: [{ tag: 'markdown', content: huge(100 * KB) }] },
    }),
  },
];

async function runPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return results;
}

describe('the bundled action given garbage', () => {
  it(`exits 1 naming the input, with no stack trace and no request, for each of ${DIST_CASES.length} cases`, async () => {
    const fake: FakeFeishu = await startFakeFeishu({ appSecret: APP_SECRET });
    try {
      const results = await runPool(DIST_CASES, 4, async (c) => {
        const inputs = { domain: fake.url, ...inputsOf(c) };
        return [c, await runAction({ inputs })] as [Case, RunResult];
      });
      for (const [c, result] of results) {
        const where = `${label(c)}\n${result.stdout}${result.stderr}`;
        expect(result.code, where).toBe(1);
        const errors = result.stdout.split('\n').filter((l) => l.startsWith('::error::'));
        expect(errors, where).toHaveLength(1);
        expectClearError(decodeURIComponent((errors[0] ?? '').slice('::error::'.length)), c);
        expect(result.stderr, where).toBe('');
        expect(result.stdout, where).not.toMatch(/^\s+at /m);
      }
      // Not one request from any of them: no token, no partial send.
      expect(fake.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
    // Thirty-three processes, four at a time, each loading the toolkit: on a busy two-core
    // machine that takes longer than one test's default 30 s.
  }, 120_000);
});

describe('the bundled action given oversized input', () => {
  it('an oversized template-variables is refused before any request', async () => {
    const fake = await startFakeFeishu({ appSecret: APP_SECRET });
    try {
      const result = await runAction({
        inputs: {
          ...BASE,
          domain: fake.url,
          type: 'template',
          'template-id': 'AAqkz1',
          'template-variables': JSON.stringify({ notes: huge(100 * KB) }),
        },
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/::error::Input "template-variables"/);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
