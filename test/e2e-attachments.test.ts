/** Issue 3: images, chats by name, several recipients, templates, raw content, threads, webhooks. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { runAction } from './support/run-action.js';

let fake: FakeFeishu;
let workspace: string;
const HOOK = 'hook-token-abcdef123456';
const HOOK_SECRET = 'hook-secret-xyz';

const PNG = Buffer.concat([
  Buffer.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
  ]),
  Buffer.alloc(64, 1),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 2)]);

function chats(n: number) {
  return Array.from({ length: n }, (_, i) => ({ chat_id: `oc_chat_${i}`, name: `Team ${i}` }));
}

beforeEach(async () => {
  fake = await startFakeFeishu({
    chats: [
      { chat_id: 'oc_test_chat', name: 'CI Alerts' },
      ...chats(240),
      { chat_id: 'oc_release', name: 'Release, Train' },
    ],
    webhooks: [
      { token: HOOK, secret: HOOK_SECRET },
      { token: 'plain-hook-token-1', keyword: 'deploy' },
    ],
  });
  workspace = mkdtempSync(join(tmpdir(), 'ws-'));
  mkdirSync(join(workspace, 'shots'));
  writeFileSync(join(workspace, 'shots/a.png'), PNG);
  writeFileSync(join(workspace, 'shots/b.png'), PNG);
  writeFileSync(join(workspace, 'chart.jpg'), JPEG);
  writeFileSync(join(workspace, 'notes.txt'), 'not an image');
  writeFileSync(join(workspace, 'empty.png'), '');
  writeFileSync(join(workspace, 'big.png'), Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)]));
});
afterEach(async () => {
  await fake.close();
});

const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url });
const uploads = () => fake.requests.filter((r) => r.path === '/open-apis/im/v1/images');
const sends = () =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === '/open-apis/im/v1/messages');

describe('images', () => {
  it('three images in a card: uploaded together, one card with three img elements', async () => {
    fake.setLatency(150);
    const run = await runAction({
      workspace,
      inputs: { ...app(), to: 'oc_test_chat', images: 'shots/*.png\nchart.jpg' },
    });
    expect(run.code, run.stdout).toBe(0);
    const up = uploads();
    expect(up).toHaveLength(3);
    // Started together: all three arrived before the first could have been answered.
    const spread = Math.max(...up.map((r) => r.at)) - Math.min(...up.map((r) => r.at));
    expect(spread).toBeLessThan(150);
    const card = JSON.parse(fake.messages('oc_test_chat')[0]?.content ?? '{}');
    const imgs = card.body.elements.filter((e: { tag: string }) => e.tag === 'img');
    expect(imgs).toHaveLength(3);
    const keys = JSON.parse(run.outputs['image-keys'] ?? '[]');
    expect(imgs.map((e: { img_key: string }) => e.img_key)).toEqual(keys);
    expect(imgs.map((e: { alt: { content: string } }) => e.alt.content)).toEqual([
      'a.png',
      'b.png',
      'chart.jpg',
    ]);
    expect(sends()).toHaveLength(1);
  });

  it('type: image sends one image message per file to each recipient, uploading each once', async () => {
    const run = await runAction({
      workspace,
      inputs: {
        ...app(),
        to: 'oc_test_chat\noc_chat_1',
        type: 'image',
        images: 'shots/a.png\nchart.jpg',
      },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(uploads()).toHaveLength(2);
    for (const chat of ['oc_test_chat', 'oc_chat_1']) {
      const messages = fake.messages(chat);
      expect(messages.map((m) => m.msg_type)).toEqual(['image', 'image']);
      expect(messages.map((m) => JSON.parse(m.content).image_key)).toEqual(
        JSON.parse(run.outputs['image-keys'] ?? '[]'),
      );
    }
  });

  it('type: image failing on the second image keeps the first in the outputs', async () => {
    await fake.close();
    // One message per second in this chat: the second image is throttled, and retries: 0.
    fake = await startFakeFeishu({ chatRateLimitPerSecond: 1 });
    const run = await runAction({
      workspace,
      inputs: {
        ...app(),
        to: 'oc_test_chat',
        type: 'image',
        images: 'shots/a.png\nchart.jpg',
        retries: '0',
      },
    });
    expect(run.code).toBe(0);
    const delivered = fake.messages('oc_test_chat').map((m) => m.message_id);
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(run.outputs['message-ids'] ?? '[]')).toEqual(delivered);
    expect(run.outputs.error).toContain('message 2 of 2');
    expect(run.outputs.error).toContain('230020');
  });

  it.each([
    ['notes.txt', /file "notes.txt" is not an image Feishu accepts/],
    ['empty.png', /file "empty.png" is empty/],
    ['big.png', /file "big.png" is 10.0 MB; Feishu accepts images up to 10 MB/],
    ['missing/*.png', /pattern "missing\/\*.png" matches no file/],
    ['nope.png', /file "nope.png" does not exist/],
  ])('%s fails before any upload, naming the culprit', async (image, message) => {
    const run = await runAction({
      workspace,
      inputs: { ...app(), to: 'oc_test_chat', images: `shots/a.png\n${image}` },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(message);
    expect(run.stdout).toContain('Input "images"');
    expect(uploads()).toHaveLength(0);
    expect(fake.messages()).toHaveLength(0);
  });
});

describe('recipients', () => {
  it('finds chat:<name> on the third page of chats and sends to a second recipient in the same run', async () => {
    const run = await runAction({ inputs: { ...app(), to: 'chat:Release, Train\noc_test_chat' } });
    expect(run.code, run.stdout).toBe(0);
    const pages = fake.requests.filter((r) => r.path === '/open-apis/im/v1/chats');
    expect(pages).toHaveLength(3);
    expect(pages.every((p) => p.query.page_size === '100')).toBe(true);
    expect(fake.messages('oc_release')).toHaveLength(1);
    expect(fake.messages('oc_test_chat')).toHaveLength(1);
    expect(JSON.parse(run.outputs['chat-ids'] ?? '[]').sort()).toEqual([
      'oc_release',
      'oc_test_chat',
    ]);
  });

  it('scans the chat list once however many names are given', async () => {
    const run = await runAction({
      inputs: { ...app(), to: 'chat:Team 1\nchat:Team 200\nchat:CI Alerts' },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(fake.requests.filter((r) => r.path === '/open-apis/im/v1/chats')).toHaveLength(3);
    expect(sends()).toHaveLength(3);
  });

  it('fails only the recipient whose chat name matches no group; the others get the notice', async () => {
    const run = await runAction({ inputs: { ...app(), to: 'chat:Nowhere\noc_test_chat' } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/::warning::chat:Nowhere: the bot is in no group named "Nowhere"/);
    expect(run.outputs.error).toContain('chat:Nowhere');
    expect(fake.messages('oc_test_chat')).toHaveLength(1);
    const strict = await runAction({
      inputs: { ...app(), to: 'chat:Nowhere\noc_test_chat', 'fail-on-error': 'true' },
    });
    expect(strict.code).toBe(1);
    expect(fake.messages('oc_test_chat')).toHaveLength(2);
  });

  it('without im:chat:readonly, the chat-name recipients fail and the others still get it', async () => {
    await fake.close();
    fake = await startFakeFeishu({ missingScopes: ['im:chat:readonly'] });
    const run = await runAction({ inputs: { ...app(), to: 'chat:CI Alerts\noc_test_chat' } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/::warning::chat:CI Alerts: .*99991672.*im:chat:readonly/);
    expect(fake.messages('oc_test_chat')).toHaveLength(1);
  });

  it('fails listing the chat IDs when two groups share the name', async () => {
    await fake.close();
    fake = await startFakeFeishu({
      chats: [
        { chat_id: 'oc_one', name: 'Ops' },
        { chat_id: 'oc_two', name: 'Ops' },
      ],
    });
    const run = await runAction({ inputs: { ...app(), to: 'chat:Ops', 'fail-on-error': 'true' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/2 groups named "Ops": oc_one, oc_two; use the chat ID/);
  });

  it('an email recipient goes with receive_id_type=email', async () => {
    const run = await runAction({ inputs: { ...app(), to: 'dev@example.com' } });
    expect(run.code, run.stdout).toBe(0);
    expect(sends()[0]?.query.receive_id_type).toBe('email');
    expect(fake.messages(fake.chatIdFor('email', 'dev@example.com'))).toHaveLength(1);
  });
});

describe('more message kinds', () => {
  it('a template card carries id, version and typed variables', async () => {
    const variables = 'env: prod\nreplicas: 3\ncanary: true\nregions: [cn, sg]\nowner: {team: sre}';
    const run = await runAction({
      inputs: {
        ...app(),
        to: 'oc_test_chat',
        type: 'template',
        'template-id': 'AAqk1234',
        'template-version': '1.0.2',
        'template-variables': variables,
      },
    });
    expect(run.code, run.stdout).toBe(0);
    const message = fake.messages('oc_test_chat')[0];
    expect(message?.msg_type).toBe('interactive');
    expect(JSON.parse(message?.content ?? '{}')).toEqual({
      type: 'template',
      data: {
        template_id: 'AAqk1234',
        template_version_name: '1.0.2',
        template_variable: {
          env: 'prod',
          replicas: 3,
          canary: true,
          regions: ['cn', 'sg'],
          owner: { team: 'sre' },
        },
      },
    });
  });

  it('type: post sends rich text with the title and the facts as lines, in every language', async () => {
    const run = await runAction({
      inputs: {
        ...app(),
        to: 'oc_test_chat',
        type: 'post',
        status: 'failure',
        message: '**Rollback** started',
      },
    });
    expect(run.code, run.stdout).toBe(0);
    const message = fake.messages('oc_test_chat')[0];
    expect(message?.msg_type).toBe('post');
    const bodies = JSON.parse(message?.content ?? '{}');
    expect(Object.keys(bodies)).toEqual(['zh_cn', 'en_us', 'ja_jp']);
    expect(bodies.en_us.title).toBe('❌ Deploy failed · acme/shop');
    expect(bodies.zh_cn.title).toBe('❌ Deploy 运行失败 · acme/shop');
    expect(bodies.ja_jp.title).toBe('❌ Deploy が失敗しました · acme/shop');
    for (const post of Object.values(bodies) as { content: unknown[] }[])
      expect(post.content).toContainEqual([{ tag: 'md', text: '**Rollback** started' }]);
    expect(JSON.stringify(bodies.en_us.content)).toContain('Repository: ');
    expect(JSON.stringify(bodies.zh_cn.content)).toContain('仓库：');
  });

  it('content is sent as-is with the type as msg_type', async () => {
    const content =
      'schema: "2.0"\nbody:\n  elements:\n    - tag: markdown\n      content: "**custom**"';
    const run = await runAction({ inputs: { ...app(), to: 'oc_test_chat', content } });
    expect(run.code, run.stdout).toBe(0);
    expect(JSON.parse(fake.messages('oc_test_chat')[0]?.content ?? '{}')).toEqual({
      schema: '2.0',
      body: { elements: [{ tag: 'markdown', content: '**custom**' }] },
    });
  });

  it('invalid content fails naming `content` and the position', async () => {
    const run = await runAction({
      inputs: { ...app(), to: 'oc_test_chat', content: 'a: [1, 2\nb: }' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Input "content" is not valid JSON or YAML at line \d+, column \d+/);
    expect(fake.requests).toHaveLength(0);
  });

  it('reply-to replies in the thread', async () => {
    const first = await runAction({ inputs: { ...app(), to: 'oc_test_chat' } });
    const parent = first.outputs['message-id'] ?? '';
    const run = await runAction({
      inputs: {
        ...app(),
        'reply-to': parent,
        'reply-in-thread': 'true',
        type: 'text',
        message: 'rolled back',
      },
    });
    expect(run.code, run.stdout).toBe(0);
    const reply = fake.requests.find((r) => r.path === `/open-apis/im/v1/messages/${parent}/reply`);
    expect(reply?.body).toMatchObject({ reply_in_thread: true });
    const stored = fake.messages('oc_test_chat')[1];
    expect(stored?.parent_id).toBe(parent);
    expect(run.outputs['message-id']).toBe(stored?.message_id);
  });
});

describe('custom-bot webhooks', () => {
  const hookUrl = () => `${fake.url}/open-apis/bot/v2/hook/${HOOK}`;

  it('a signed webhook delivers the card; URL and secret never appear in the log', async () => {
    const run = await runAction({
      inputs: { webhook: hookUrl(), 'webhook-secret': HOOK_SECRET, status: 'success' },
    });
    expect(run.code, run.stdout).toBe(0);
    const [hook] = fake.webhookMessages(HOOK);
    const body = hook?.body as {
      msg_type: string;
      card: { schema: string };
      sign: string;
      timestamp: string;
    };
    expect(body.msg_type).toBe('interactive');
    expect(body.card.schema).toBe('2.0');
    expect(body.sign).toBeTruthy();
    const visible = [
      run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      run.stderr,
      JSON.stringify(run.outputs),
      run.summary,
    ].join('\n');
    expect(visible).not.toContain(HOOK);
    expect(visible).not.toContain(HOOK_SECRET);
  });

  it('text and post go in the webhook body format', async () => {
    const plain = `${fake.url}/open-apis/bot/v2/hook/plain-hook-token-1`;
    const text = await runAction({
      inputs: { webhook: plain, type: 'text', title: 'deploy done' },
    });
    expect(text.code, text.stdout).toBe(0);
    const post = await runAction({
      inputs: { webhook: plain, type: 'post', title: 'deploy done' },
    });
    expect(post.code, post.stdout).toBe(0);
    const [t, p] = fake
      .webhookMessages('plain-hook-token-1')
      .map((h) => h.body as Record<string, { text?: string; post?: unknown }>);
    expect(t?.content?.text).toContain('deploy done');
    expect(p?.content?.post).toHaveProperty('zh_cn');
  });

  it('a wrong secret warns by default and fails with 19021 when fail-on-error is set', async () => {
    const warned = await runAction({ inputs: { webhook: hookUrl(), 'webhook-secret': 'wrong' } });
    expect(warned.code).toBe(0);
    expect(warned.outputs.error).toContain('19021');
    const failed = await runAction({
      inputs: { webhook: hookUrl(), 'webhook-secret': 'wrong', 'fail-on-error': 'true' },
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/::error::.*19021.*webhook-secret/);
    expect(failed.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(HOOK);
  });

  it('images with a webhook alone fail naming images; with app credentials they upload through the app', async () => {
    const alone = await runAction({
      workspace,
      inputs: { webhook: hookUrl(), images: 'shots/a.png' },
    });
    expect(alone.code).toBe(1);
    expect(alone.stdout).toMatch(/Input "images" needs app credentials/);
    const both = await runAction({
      workspace,
      inputs: {
        ...app(),
        webhook: hookUrl(),
        'webhook-secret': HOOK_SECRET,
        images: 'shots/a.png',
      },
    });
    expect(both.code, both.stdout).toBe(0);
    expect(uploads()).toHaveLength(1);
    const [hook] = fake.webhookMessages(HOOK);
    const body = hook?.body as { card: { body: { elements: { tag: string }[] } } } | undefined;
    expect(body?.card.body.elements.some((e) => e.tag === 'img')).toBe(true);
  });

  it.each(['update', 'recall', 'reply-to'])(
    '%s with a webhook alone fails clearly',
    async (input) => {
      const run = await runAction({ inputs: { webhook: hookUrl(), [input]: 'om_abc123' } });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`Input "${input}" needs app credentials`);
    },
  );

  it('keeps a webhook card within 20 KB', async () => {
    const run = await runAction({
      inputs: { webhook: hookUrl(), 'webhook-secret': HOOK_SECRET, message: 'x'.repeat(40_000) },
    });
    expect(run.code, run.stdout).toBe(0);
    const body = JSON.stringify(fake.webhookMessages(HOOK)[0]?.body);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(20 * 1024);
    expect(body).toContain('… ✂️');
  });
});
