import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type InputSource, readSettings } from '../../src/inputs.js';
import type { Settings } from '../../src/settings.js';

const APP_SECRET = 'sEcReT-app-0123456789abcdef';
const HOOK_TOKEN = 'hooktoken-aaaa-bbbb-cccc-0123456789';
const HOOK_URL = `https://open.feishu.cn/open-apis/bot/v2/hook/${HOOK_TOKEN}`;
const HOOK_SECRET = 'sEcReT-hook-9876543210';

interface Recorder extends InputSource {
  /** Every secret handed to setSecret, in order. */
  secrets: string[];
  /** The order of reads ("get:name") and masks ("mask"). */
  events: string[];
}

/** An InputSource as the runner gives one: values trimmed, '' when not given. */
function source(values: Record<string, string>): Recorder {
  const secrets: string[] = [];
  const events: string[] = [];
  return {
    secrets,
    events,
    getInput(name) {
      events.push(`get:${name}`);
      return (values[name] ?? '').trim();
    },
    setSecret(secret) {
      events.push('mask');
      secrets.push(secret);
    },
  };
}

const APP = { 'app-id': 'cli_a1b2c3d4e5', 'app-secret': APP_SECRET };

function read(values: Record<string, string>): Promise<Settings> {
  return readSettings(source(values));
}

/** A dry run to one chat: the smallest valid input set, plus `values`. */
function readDry(values: Record<string, string>): Promise<Settings> {
  return read({ 'dry-run': 'true', to: 'oc_chat1', ...values });
}

async function inputError(values: Record<string, string>): Promise<InputError> {
  try {
    await read(values);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected an InputError for ${JSON.stringify(values)}`);
}

/** Asserts the error names the input, quotes the bad value and says what is allowed. */
async function expectInvalid(
  values: Record<string, string>,
  input: string,
  value: string | undefined,
  allowed: RegExp | string,
): Promise<InputError> {
  const error = await inputError(values);
  expect(error.input).toBe(input);
  expect(error.message).toContain(`Input "${input}"`);
  if (value !== undefined) expect(error.message).toContain(JSON.stringify(value));
  if (typeof allowed === 'string') expect(error.message).toContain(allowed);
  else expect(error.message).toMatch(allowed);
  return error;
}

const GITHUB_TOKEN = 'ghs_UnitTestToken0123456789abcdefABCDEF';

describe('secrets', () => {
  const all = {
    ...APP,
    webhook: HOOK_URL,
    'webhook-secret': HOOK_SECRET,
    'github-token': GITHUB_TOKEN,
    to: 'oc_chat1',
  };

  it('passes the app secret, webhook URL, its token, the webhook secret and the GitHub token to setSecret', async () => {
    const src = source(all);
    await readSettings(src);
    expect(src.secrets).toEqual(
      expect.arrayContaining([APP_SECRET, HOOK_URL, HOOK_SECRET, HOOK_TOKEN, GITHUB_TOKEN]),
    );
  });

  it('masks every secret before any non-secret input is read', async () => {
    const src = source(all);
    await readSettings(src);
    const lastMask = src.events.lastIndexOf('mask');
    const secretInputs = [
      'get:app-secret',
      'get:webhook',
      'get:webhook-secret',
      'get:github-token',
      'get:app-id',
    ];
    const readsBefore = src.events.slice(0, lastMask).filter((e) => e.startsWith('get:'));
    expect(readsBefore.every((e) => secretInputs.includes(e))).toBe(true);
  });

  it('has masked the secrets even when a later input is invalid', async () => {
    const src = source({ ...all, status: 'great' });
    await expect(readSettings(src)).rejects.toBeInstanceOf(InputError);
    expect(src.secrets).toEqual(expect.arrayContaining([APP_SECRET, HOOK_URL, HOOK_SECRET]));
  });

  it('never quotes a secret in an error message', async () => {
    const errors = await Promise.all([
      inputError({ 'app-secret': APP_SECRET, to: 'oc_chat1' }),
      inputError({ 'app-id': 'not-an-app', 'app-secret': APP_SECRET, to: 'oc_chat1' }),
      inputError({ webhook: `ftp://example.com/hook/${HOOK_TOKEN}`, to: 'oc_chat1' }),
      inputError({ webhook: `hook ${HOOK_TOKEN}`, 'webhook-secret': HOOK_SECRET }),
      inputError({ ...all, status: 'great' }),
      inputError({ ...all, retries: 'many' }),
      inputError({ webhook: HOOK_URL, 'webhook-secret': HOOK_SECRET, update: 'om_abc' }),
    ]);
    for (const error of errors) {
      for (const secret of [APP_SECRET, HOOK_TOKEN, HOOK_SECRET]) {
        expect(error.message).not.toContain(secret);
      }
    }
  });

  it('says what is wrong with a webhook that is not an http(s) URL without repeating it', async () => {
    const error = await inputError({ webhook: `ftp://example.com/hook/${HOOK_TOKEN}` });
    expect(error.input).toBe('webhook');
    expect(error.message).toMatch(/http\(s\) URL/);
  });

  it('requires app-id and app-secret together', async () => {
    expect((await inputError({ 'app-secret': APP_SECRET, to: 'oc_chat1' })).input).toBe('app-id');
    expect((await inputError({ 'app-id': 'cli_a1', to: 'oc_chat1' })).input).toBe('app-secret');
  });

  it('rejects an app ID that is not cli_…, quoting it', async () => {
    await expectInvalid(
      { 'app-id': 'app_123', 'app-secret': APP_SECRET, to: 'oc_chat1' },
      'app-id',
      'app_123',
      'cli_',
    );
  });
});

describe('defaults', () => {
  it('fills every optional input', async () => {
    const s = await read({ ...APP, to: 'oc_chat1' });
    expect(s).toMatchObject({
      app: { appId: 'cli_a1b2c3d4e5', appSecret: APP_SECRET },
      baseUrl: 'https://open.feishu.cn',
      recipients: [{ kind: 'id', idType: 'chat_id', id: 'oc_chat1' }],
      status: 'info',
      type: 'card',
      languages: ['zh_cn', 'en_us', 'ja_jp'],
      fields: [],
      buttons: [],
      mentions: [],
      userMap: {},
      images: [],
      recall: [],
      replace: false,
      replyInThread: false,
      recallWithinSeconds: 8 * 24 * 3600,
      finishReply: 'failure',
      urgent: false,
      needs: [],
      failOnError: false,
      retries: 3,
      timeoutMs: 10_000,
      dryRun: false,
      summary: true,
    });
    expect(s.webhook).toBeUndefined();
    expect(s.title).toBeUndefined();
    expect(s.message).toBeUndefined();
    expect(s.finish).toBeUndefined();
    expect(s.key).toBeUndefined();
  });

  it('needs no credentials in a dry run', async () => {
    const s = await readDry({});
    expect(s.app).toBeUndefined();
    expect(s.dryRun).toBe(true);
  });
});

describe('domain', () => {
  it.each([
    ['', 'https://open.feishu.cn'],
    ['feishu', 'https://open.feishu.cn'],
    ['Feishu', 'https://open.feishu.cn'],
    ['lark', 'https://open.larksuite.com'],
    ['LARK', 'https://open.larksuite.com'],
    ['https://feishu.internal.example/', 'https://feishu.internal.example'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('%j -> %s', async (domain, baseUrl) => {
    expect((await readDry({ domain })).baseUrl).toBe(baseUrl);
  });

  it.each(['open.feishu.cn', 'ftp://open.feishu.cn', 'larksuite'])('rejects %j', async (domain) => {
    await expectInvalid({ 'dry-run': 'true', to: 'oc_chat1', domain }, 'domain', domain, 'lark');
  });

  it('rejects the inherited property name "constructor"', async () => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_chat1', domain: 'constructor' },
      'domain',
      'constructor',
      'lark',
    );
  });
});

describe('to: recipients and their inferred ID type', () => {
  it.each([
    ['oc_a1b2c3', { kind: 'id', idType: 'chat_id', id: 'oc_a1b2c3' }],
    [
      'ou_7d8a6e6df7621556ce0d21922b676706',
      { kind: 'id', idType: 'open_id', id: 'ou_7d8a6e6df7621556ce0d21922b676706' },
    ],
    [
      'on_94a1ee5551019f18cd73d9f111898cf2',
      { kind: 'id', idType: 'union_id', id: 'on_94a1ee5551019f18cd73d9f111898cf2' },
    ],
    ['mona.lisa+ci@acme.dev', { kind: 'id', idType: 'email', id: 'mona.lisa+ci@acme.dev' }],
    ['user_id:5d9bdxxx', { kind: 'id', idType: 'user_id', id: '5d9bdxxx' }],
    ['user_id: 5d9bdxxx ', { kind: 'id', idType: 'user_id', id: '5d9bdxxx' }],
    ['open_id:ou_abc', { kind: 'id', idType: 'open_id', id: 'ou_abc' }],
    ['chat:Release Team', { kind: 'chat-name', name: 'Release Team' }],
    ['CHAT:Ops', { kind: 'chat-name', name: 'Ops' }],
  ])('%s', async (to, recipient) => {
    expect((await readDry({ to })).recipients).toEqual([recipient]);
  });

  it('splits on newlines and commas', async () => {
    const s = await readDry({ to: 'oc_a, ou_b\n\n  on_c ,a@b.co\nuser_id:u1' });
    expect(s.recipients.map((r) => (r.kind === 'id' ? `${r.idType}=${r.id}` : r.name))).toEqual([
      'chat_id=oc_a',
      'open_id=ou_b',
      'union_id=on_c',
      'email=a@b.co',
      'user_id=u1',
    ]);
  });

  it('keeps commas inside a chat:<name> line', async () => {
    const s = await readDry({ to: 'chat:Release, QA & Ops\noc_a' });
    expect(s.recipients).toEqual([
      { kind: 'chat-name', name: 'Release, QA & Ops' },
      { kind: 'id', idType: 'chat_id', id: 'oc_a' },
    ]);
  });

  it.each(['bob', 'oc_', 'ou_has space', 'mona@', '#general'])(
    'rejects %j, naming what is allowed',
    async (to) => {
      await expectInvalid({ 'dry-run': 'true', to }, 'to', to, /oc_.*ou_.*on_.*email.*user_id:/);
    },
  );

  it('rejects a prefix with nothing after it', async () => {
    await expectInvalid({ 'dry-run': 'true', to: 'user_id:' }, 'to', 'user_id:', 'nothing follows');
    await expectInvalid({ 'dry-run': 'true', to: 'chat: ' }, 'to', 'chat:', 'nothing follows');
  });
});

describe('status', () => {
  it.each([
    ['success', 'success'],
    ['failure', 'failure'],
    ['cancelled', 'cancelled'],
    ['skipped', 'skipped'],
    ['in_progress', 'in_progress'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['timed_out', 'failure'],
    ['neutral', 'info'],
    ['action_required', 'warning'],
    ['Success', 'success'],
    ['FAILURE', 'failure'],
    ['Timed_Out', 'failure'],
    ['Cancelled', 'cancelled'],
  ])('%j -> %s', async (status, expected) => {
    expect((await readDry({ status })).status).toBe(expected);
  });

  it('defaults to info without needs, and is left to the needs otherwise', async () => {
    expect((await readDry({})).status).toBe('info');
    const s = await readDry({ needs: '{"build": {"result": "success"}}' });
    expect(s.status).toBeUndefined();
  });

  it('rejects an unknown status, naming the input, the value and the allowed ones', async () => {
    const error = await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', status: 'great' },
      'status',
      'great',
      'success, failure, cancelled, skipped, in_progress, warning, info',
    );
    expect(error.message).toContain('timed_out');
  });

  it('rejects "constructor" as a status', async () => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', status: 'constructor' },
      'status',
      'constructor',
      'success',
    );
  });
});

describe('type', () => {
  it.each(['card', 'text', 'post', 'TEXT', 'Card'])('accepts %j', async (type) => {
    expect((await readDry({ type })).type).toBe(type.toLowerCase());
  });

  it('accepts image and template with what they need', async () => {
    expect((await readDry({ type: 'image', images: 'shot.png' })).type).toBe('image');
    expect((await readDry({ type: 'template', 'template-id': 'AAqk1234' })).type).toBe('template');
  });

  it('rejects an unknown type, listing the allowed ones', async () => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', type: 'html' },
      'type',
      'html',
      'card, text, post, image, template',
    );
  });
});

describe('language', () => {
  it.each([
    [{}, ['zh_cn', 'en_us', 'ja_jp']],
    [{ language: 'auto' }, ['zh_cn', 'en_us', 'ja_jp']],
    // Lark's readers: English first where one language must be chosen (text messages).
    [{ domain: 'lark' }, ['en_us', 'zh_cn', 'ja_jp']],
    [{ domain: 'https://open.larksuite.com' }, ['en_us', 'zh_cn', 'ja_jp']],
    [
      { webhook: 'https://open.larksuite.com/open-apis/bot/v2/hook/abcdefgh1234' },
      ['en_us', 'zh_cn', 'ja_jp'],
    ],
    [{ language: 'zh_cn' }, ['zh_cn']],
    [{ language: 'zh-CN' }, ['zh_cn']],
    [{ language: 'EN_US' }, ['en_us']],
    [{ language: 'ja_jp', domain: 'lark' }, ['ja_jp']],
  ])('%j -> %j', async (values, languages) => {
    expect((await readDry(values)).languages).toEqual(languages);
  });

  it.each(['zh', 'chinese', 'zh_tw', 'constructor'])(
    'rejects %j, listing the allowed ones',
    async (language) => {
      await expectInvalid(
        { 'dry-run': 'true', to: 'oc_a', language },
        'language',
        language,
        'auto, zh_cn, en_us, ja_jp',
      );
    },
  );
});

describe('booleans', () => {
  it.each([
    ['fail-on-error', 'failOnError'],
    ['dry-run', 'dryRun'],
    ['summary', 'summary'],
    ['reply-in-thread', 'replyInThread'],
    ['finish', 'finish'],
  ] as const)('%s reads true/false in any case', async (input, key) => {
    expect((await readDry({ [input]: 'TRUE' }))[key]).toBe(true);
    expect((await read({ ...APP, to: 'oc_a', [input]: 'False' }))[key]).toBe(false);
  });

  it.each(['fail-on-error', 'dry-run', 'summary', 'replace', 'finish'])(
    '%s rejects yes, naming the input and the allowed values',
    async (input) => {
      await expectInvalid(
        { ...APP, to: 'oc_a', key: 'k1', [input]: 'yes' },
        input,
        'yes',
        'true or false',
      );
    },
  );
});

describe('numbers', () => {
  it.each([
    ['0', 0],
    ['3', 3],
    ['10', 10],
  ])('retries %j -> %d', async (retries, expected) => {
    expect((await readDry({ retries })).retries).toBe(expected);
  });

  it.each(['-1', '11', '2.5', 'three', '1e1', '99999999999999999999'])(
    'retries rejects %j',
    async (retries) => {
      await expectInvalid(
        { 'dry-run': 'true', to: 'oc_a', retries },
        'retries',
        retries,
        'whole number from 0 to 10',
      );
    },
  );

  it.each([
    ['1', 1000],
    ['2.5', 2500],
    ['300', 300_000],
  ])('timeout %j seconds -> %d ms', async (timeout, ms) => {
    expect((await readDry({ timeout })).timeoutMs).toBe(ms);
  });

  it.each(['0', '0.5', '301', '-5', 'ten', '10s', 'Infinity', 'NaN'])(
    'timeout rejects %j',
    async (timeout) => {
      await expectInvalid(
        { 'dry-run': 'true', to: 'oc_a', timeout },
        'timeout',
        timeout,
        'seconds from 1 to 300',
      );
    },
  );
});

describe('recall-within (durations)', () => {
  it.each([
    ['45', 45],
    ['45s', 45],
    ['90m', 5400],
    ['24h', 86_400],
    ['2H', 7200],
    ['7d', 604_800],
    ['30d', 2_592_000],
    ['12 h', 43_200],
  ])('%j -> %d seconds', async (within, seconds) => {
    expect((await readDry({ 'recall-within': within })).recallWithinSeconds).toBe(seconds);
  });

  it.each(['0', '0h', '31d', '1w', '1.5h', '-1h', 'forever', 'h'])('rejects %j', async (within) => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', 'recall-within': within },
      'recall-within',
      within,
      /90m, 24h or 7d.*30d/,
    );
  });
});

describe('fields and buttons', () => {
  it('reads "Label: value" lines, keeping colons in the value', async () => {
    const s = await readDry({
      fields: 'Environment: production\n\nDocs: https://docs.acme.dev/a:b\n  Owner :  @ops ',
    });
    expect(s.fields).toEqual([
      { label: 'Environment', value: 'production' },
      { label: 'Docs', value: 'https://docs.acme.dev/a:b' },
      { label: 'Owner', value: '@ops' },
    ]);
  });

  it.each(['no colon here', ': only a value', 'Label:', 'Label:   '])(
    'fields rejects %j',
    async (line) => {
      await expectInvalid(
        { 'dry-run': 'true', to: 'oc_a', fields: `Ok: yes\n${line}` },
        'fields',
        line.trim(),
        'Label: value',
      );
    },
  );

  it('reads "Label | https://url" buttons', async () => {
    const s = await readDry({
      buttons: 'Dashboard | https://grafana.acme.dev/d/shop\nA | B | http://x.example/p?q=1',
    });
    expect(s.buttons).toEqual([
      { label: 'Dashboard', url: 'https://grafana.acme.dev/d/shop' },
      { label: 'A | B', url: 'http://x.example/p?q=1' },
    ]);
  });

  it.each([
    'Docs https://docs.acme.dev',
    'Docs | docs.acme.dev',
    'Docs | javascript:alert(1)',
    '| https://docs.acme.dev',
    'Docs | https://docs.acme.dev/a b',
  ])('buttons rejects %j', async (line) => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', buttons: line },
      'buttons',
      line,
      'Label | https://url',
    );
  });
});

describe('mention', () => {
  it('reads all, author, actor, IDs and e-mails', async () => {
    const s = await readDry({
      mention: 'all\nauthor, actor\nou_abc123\nuser_id:u_42\nops@acme.dev',
    });
    expect(s.mentions).toEqual([
      { kind: 'all' },
      { kind: 'author' },
      { kind: 'actor' },
      { kind: 'open_id', id: 'ou_abc123' },
      { kind: 'user_id', id: 'u_42' },
      { kind: 'email', email: 'ops@acme.dev' },
    ]);
  });

  it.each(['@all', 'everyone', 'ALL'])('%j means everyone', async (mention) => {
    expect((await readDry({ mention })).mentions).toEqual([{ kind: 'all' }]);
  });

  it.each(['bob', 'user_id:has space', 'user_id:<at id=all>', 'oc_chat'])(
    'rejects %j',
    async (mention) => {
      await expectInvalid(
        { 'dry-run': 'true', to: 'oc_a', mention },
        'mention',
        mention,
        /all, author, actor.*ou_.*user_id:.*email/,
      );
    },
  );
});

describe('user-map', () => {
  it('reads YAML and JSON, lower-casing logins', async () => {
    const yaml = await readDry({
      'user-map': 'MonaLisa: ou_mona\nhubot: user_id:u_hubot\ndependabot[bot]: bots@acme.dev',
    });
    expect(yaml.userMap).toEqual({
      monalisa: { kind: 'open_id', id: 'ou_mona' },
      hubot: { kind: 'user_id', id: 'u_hubot' },
      'dependabot[bot]': { kind: 'email', email: 'bots@acme.dev' },
    });
    const json = await readDry({ 'user-map': '{"octocat": "ou_octo"}' });
    expect(json.userMap).toEqual({ octocat: { kind: 'open_id', id: 'ou_octo' } });
  });

  it('rejects a key that is not a GitHub login', async () => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', 'user-map': '"not a login": ou_x' },
      'user-map',
      'not a login',
      'GitHub logins',
    );
  });

  it('rejects a value that is no Feishu person', async () => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', 'user-map': 'octocat: bob' },
      'user-map',
      'octocat: bob',
      /open_id.*user_id.*email/,
    );
  });

  it('quotes a nested value readably, never as [object Object]', async () => {
    const error = await inputError({
      'dry-run': 'true',
      to: 'oc_a',
      'user-map': 'octocat:\n  open_id: ou_x',
    });
    expect(error.input).toBe('user-map');
    expect(error.message).not.toContain('[object Object]');
  });

  it('rejects a list', async () => {
    const error = await inputError({ 'dry-run': 'true', to: 'oc_a', 'user-map': '- ou_a\n- ou_b' });
    expect(error.input).toBe('user-map');
    expect(error.message).toMatch(/JSON or YAML object.*a list/);
  });
});

describe('needs', () => {
  const toJson = JSON.stringify({
    build: { result: 'success', outputs: {} },
    test: { result: 'failure', outputs: { report: 'x' } },
    lint: { result: 'skipped', outputs: {} },
  });

  it('reads the JSON of toJSON(needs)', async () => {
    expect((await readDry({ needs: toJson })).needs).toEqual([
      { name: 'build', result: 'success' },
      { name: 'test', result: 'failure' },
      { name: 'lint', result: 'skipped' },
    ]);
  });

  it('reads the same in YAML', async () => {
    const s = await readDry({ needs: 'build:\n  result: success\ndeploy:\n  result: cancelled' });
    expect(s.needs).toEqual([
      { name: 'build', result: 'success' },
      { name: 'deploy', result: 'cancelled' },
    ]);
  });

  it('rejects a job without a result, naming it', async () => {
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', needs: '{"build": {"outputs": {}}}' },
      'needs',
      'build',
      'result',
    );
    await expectInvalid(
      { 'dry-run': 'true', to: 'oc_a', needs: '{"build": "success"}' },
      'needs',
      'build',
      'toJSON(needs)',
    );
  });

  it('names the position of a JSON syntax error', async () => {
    const error = await inputError({
      'dry-run': 'true',
      to: 'oc_a',
      needs: '{"build": {"result": "success"}',
    });
    expect(error.input).toBe('needs');
    expect(error.message).toMatch(/not valid JSON or YAML/);
    expect(error.message).toMatch(/position \d+/);
  });

  it('names the line and column of a YAML syntax error', async () => {
    const error = await inputError({
      'dry-run': 'true',
      to: 'oc_a',
      needs: 'build:\n  result: success\n test: [',
    });
    expect(error.input).toBe('needs');
    expect(error.message).toMatch(/line \d+, column \d+/);
  });

  it('rejects duplicate keys with their line', async () => {
    const error = await inputError({
      'dry-run': 'true',
      to: 'oc_a',
      needs: 'build:\n  result: success\nbuild:\n  result: failure',
    });
    expect(error.input).toBe('needs');
    expect(error.message).toMatch(/line 3, column 1/);
  });

  it.each([
    ['a list', '[1, 2]'],
    ['a string', 'just words'],
    ['a number', '42'],
  ])('rejects %s', async (kind, needs) => {
    const error = await inputError({ 'dry-run': 'true', to: 'oc_a', needs });
    expect(error.input).toBe('needs');
    expect(error.message).toContain(kind);
  });
});

describe('content and templates', () => {
  it('parses content as a JSON or YAML object', async () => {
    expect((await readDry({ type: 'text', content: '{"text": "hi"}' })).content).toEqual({
      text: 'hi',
    });
    expect((await readDry({ type: 'text', content: 'text: hi' })).content).toEqual({ text: 'hi' });
  });

  it('names content in a parse error', async () => {
    const error = await inputError({ 'dry-run': 'true', to: 'oc_a', content: '{"text": "hi"' });
    expect(error.input).toBe('content');
    expect(error.message).toMatch(/JSON/);
    expect(error.message).toMatch(/position \d+/);
  });

  it('reads a template with its version and variables', async () => {
    const s = await readDry({
      type: 'template',
      'template-id': 'AAqk1234',
      'template-version': '1.0.2',
      'template-variables': 'env: prod\ncount: 3',
    });
    expect(s.template).toEqual({
      id: 'AAqk1234',
      version: '1.0.2',
      variables: { env: 'prod', count: 3 },
    });
  });

  it('names template-variables in a parse error', async () => {
    const error = await inputError({
      'dry-run': 'true',
      to: 'oc_a',
      type: 'template',
      'template-id': 'AAqk1234',
      'template-variables': 'env: [prod',
    });
    expect(error.input).toBe('template-variables');
  });
});

describe('message IDs and keys', () => {
  it('reads update, reply-to and recall', async () => {
    const s = await read({
      ...APP,
      to: 'oc_a',
      update: 'om_dc13264520392913993dd051dba21dcf',
      recall: 'om_1, om_2\nom_3',
    });
    expect(s.update).toBe('om_dc13264520392913993dd051dba21dcf');
    expect(s.recall).toEqual(['om_1', 'om_2', 'om_3']);
    const r = await read({ ...APP, 'reply-to': 'om_parent', 'reply-in-thread': 'true' });
    expect(r.replyTo).toBe('om_parent');
    expect(r.replyInThread).toBe(true);
  });

  it.each([
    ['update', 'oc_abc'],
    ['reply-to', '12345'],
    ['recall', 'om_ok, nope'],
  ])('%s rejects what is not a message ID', async (input, value) => {
    const bad = value.split(', ').pop() ?? value;
    await expectInvalid({ ...APP, to: 'oc_a', [input]: value }, input, bad, 'om_');
  });

  it.each(['deploy-prod', 'release/v2.4.1', 'a', 'team.shop:deploy_eu'])(
    'key accepts %j',
    async (key) => {
      expect((await readDry({ key })).key).toBe(key);
    },
  );

  it.each(['has space', '-leading', 'x'.repeat(65), 'key«»', 'ключ'])(
    'key rejects %j',
    async (key) => {
      const error = await inputError({ 'dry-run': 'true', to: 'oc_a', key });
      expect(error.input).toBe('key');
      expect(error.message).toContain('1–64 letters');
    },
  );

  it('quotes a long bad value shortened, on one line', async () => {
    const value = `bad\n${'x'.repeat(500)}`;
    const error = await inputError({ 'dry-run': 'true', to: 'oc_a', key: value });
    expect(error.message).not.toContain('x'.repeat(100));
    expect(error.message).toContain('…');
    expect(error.message).not.toContain('\n');
  });
});

describe('combinations', () => {
  it.each([
    [{ update: 'om_a', type: 'text' }, 'update', /type card or template, not text/],
    [
      { update: 'om_a', 'recall-key': 'nightly', to: 'oc_a' },
      'recall-key',
      /cannot be combined with update/,
    ],
    [{ 'reply-to': 'om_a', to: 'oc_a' }, 'reply-to', /without `to` and `webhook`/],
    [{ to: 'oc_a', content: '{"schema":"2.0"}', images: 'a.png' }, 'images', /verbatim `content`/],
    [{ to: 'ou_a', 'recall-key': 'nightly' }, 'recall-key', /searches group chats/],
  ])('refuses a combination it cannot honour: %o', async (values, input, message) => {
    const error = await inputError({ ...APP, ...values });
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
  });

  it('sends to each recipient once, however often it is named', async () => {
    const settings = await read({
      ...APP,
      to: 'oc_a, oc_a\nchat:Ops\nchat:Ops\ndev@example.com, dev@example.com',
    });
    expect(settings.recipients).toHaveLength(3);
  });

  it('needs somewhere to send, or something to update or recall', async () => {
    const error = await inputError({ ...APP });
    expect(error.input).toBe('to');
    expect(error.message).toMatch(/webhook.*update.*recall/);
  });

  it('no credentials at all (a fork, Dependabot) is not an input error but a skip', async () => {
    expect((await read({ to: 'oc_a' })).noCredentials).toBe(true);
    expect((await read({ to: 'oc_a', 'dry-run': 'true' })).noCredentials).toBe(false);
    expect((await read({ ...APP, to: 'oc_a' })).noCredentials).toBe(false);
    // What to send is still checked.
    expect((await inputError({ to: 'oc_a', replace: 'true' })).input).toBe('replace');
  });

  it('update or recall alone need no `to`', async () => {
    expect((await read({ ...APP, update: 'om_1' })).recipients).toEqual([]);
    expect((await read({ ...APP, recall: 'om_1' })).recall).toEqual(['om_1']);
  });

  it('replace needs a key', async () => {
    const error = await inputError({ ...APP, to: 'oc_a', replace: 'true' });
    expect(error.input).toBe('replace');
    expect(error.message).toContain('key');
    expect((await read({ ...APP, to: 'oc_a', replace: 'true', key: 'k' })).replace).toBe(true);
  });

  it('recall-key needs `to`', async () => {
    const error = await inputError({ ...APP, 'recall-key': 'deploy-prod' });
    expect(error.input).toBe('recall-key');
    expect(error.message).toContain('`to`');
  });

  it('recall-key cannot be combined with replace', async () => {
    const error = await inputError({
      ...APP,
      to: 'oc_a',
      'recall-key': 'deploy-prod',
      key: 'deploy-prod',
      replace: 'true',
    });
    expect(error.input).toBe('recall-key');
    expect(error.message).toContain('replace');
  });

  it('accepts a webhook alone', async () => {
    const s = await read({ webhook: HOOK_URL, 'webhook-secret': HOOK_SECRET });
    expect(s.webhook).toEqual({ url: HOOK_URL, secret: HOOK_SECRET });
    expect(s.app).toBeUndefined();
  });

  it.each([
    ['images', { images: 'shot.png' }],
    ['update', { update: 'om_1' }],
    ['recall', { recall: 'om_1' }],
    ['reply-to', { 'reply-to': 'om_1' }],
    ['replace', { replace: 'true', key: 'k' }],
  ])('a webhook without app credentials cannot use %s', async (input, extra) => {
    const error = await inputError({ webhook: HOOK_URL, ...extra });
    expect(error.input).toBe(input);
    expect(error.message).toMatch(/app credentials/);
  });

  it('a webhook without app credentials cannot also send to `to`', async () => {
    const error = await inputError({ webhook: HOOK_URL, to: 'oc_a' });
    expect(['app-id', 'to']).toContain(error.input);
    expect(error.message).toMatch(/app/);
  });

  it('images cannot be shown in a text or template message', async () => {
    for (const type of ['text', 'template']) {
      const error = await inputError({
        'dry-run': 'true',
        to: 'oc_a',
        type,
        'template-id': 'AAqk1234',
        images: 'a.png',
      });
      expect(error.input).toBe('images');
      expect(error.message).toContain(type);
    }
  });

  it('type template needs template-id (or content)', async () => {
    const error = await inputError({ 'dry-run': 'true', to: 'oc_a', type: 'template' });
    expect(error.input).toBe('template-id');
    await expect(
      readDry({ type: 'template', content: '{"type": "template", "data": {}}' }),
    ).resolves.toBeDefined();
  });

  it('type image needs images (or content)', async () => {
    const error = await inputError({ 'dry-run': 'true', to: 'oc_a', type: 'image' });
    expect(error.input).toBe('images');
  });

  it('bounds fields and buttons, naming the input', async () => {
    const fields = Array.from({ length: 51 }, (_, i) => `F${i}: v`).join('\n');
    expect((await inputError({ 'dry-run': 'true', to: 'oc_a', fields })).input).toBe('fields');
    const buttons = Array.from({ length: 21 }, (_, i) => `B${i} | https://x.example/${i}`).join(
      '\n',
    );
    expect((await inputError({ 'dry-run': 'true', to: 'oc_a', buttons })).input).toBe('buttons');
  });
});
