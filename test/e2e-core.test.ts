/** Issue 2: the core path through the bundled action against the fake Feishu API. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { runAction } from './support/run-action.js';

let fake: FakeFeishu;
const SECRET = 'test-secret';
beforeEach(async () => {
  fake = await startFakeFeishu({ appSecret: SECRET });
});
afterEach(async () => {
  await fake.close();
});

const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': SECRET, domain: fake.url });

function issuedTokens(f: FakeFeishu): string[] {
  return f.requests
    .filter((r) => r.path.endsWith('/tenant_access_token/internal'))
    .map(() => '')
    .concat();
}

function allText(run: {
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}): string {
  // The runner consumes ::add-mask:: lines itself; everything else is what users can see.
  const visible = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  return [visible, run.stderr, JSON.stringify(run.outputs), run.summary].join('\n');
}

describe('a status card through an app bot', () => {
  it('delivers one card with the run facts, one token request and one send', async () => {
    const run = await runAction({ inputs: { ...app(), to: 'oc_test_chat', status: 'success' } });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const [message] = fake.messages('oc_test_chat');
    expect(fake.messages('oc_test_chat')).toHaveLength(1);
    expect(message?.msg_type).toBe('interactive');
    const card = JSON.parse(message?.content ?? '{}');
    expect(card.schema).toBe('2.0');
    expect(card.header.template).toBe('green');
    expect(card.header.title.content).toBe('✅ Deploy succeeded · acme/shop');
    const body = JSON.stringify(card.body);
    for (const fact of [
      'acme/shop',
      'main',
      '9f3c2a1',
      'Bump version to 2.4.1',
      'octocat',
      'push',
      'Deploy',
      '#42',
    ]) {
      expect(body).toContain(fact.replace('#', '&#35;'));
    }
    expect(body).toContain('https://github.com/acme/shop/actions/runs/1234567890');
    expect(body).toContain('https://github.com/acme/shop/compare/1a2b3c4d5e6f...9f3c2a1b7e6d');
    expect(body).not.toMatch(/undefined|null|\[object Object\]/);

    expect(
      fake.requests.filter((r) => r.path.endsWith('/tenant_access_token/internal')),
    ).toHaveLength(1);
    expect(
      fake.requests.filter((r) => r.path === '/open-apis/im/v1/messages' && r.method === 'POST'),
    ).toHaveLength(1);
    expect(run.outputs['message-id']).toBe(message?.message_id);
    expect(JSON.parse(run.outputs['message-ids'] ?? '[]')).toEqual([message?.message_id]);
    expect(JSON.parse(run.outputs['chat-ids'] ?? '[]')).toEqual(['oc_test_chat']);
    expect(JSON.parse(run.outputs.content ?? '{}')).toEqual(card);
    expect(run.outputs.error).toBe('');
    // Debug lines say method, path, code and log_id; never a token or a body.
    expect(run.stdout).toMatch(
      /::debug::POST \/open-apis\/im\/v1\/messages \(send to oc_test_chat\): HTTP 200, code 0/,
    );
    expect(run.summary).toContain(message?.message_id);
    expect(run.summary).toContain('Deploy succeeded');
  });

  it('sends a text message with the same facts in short form, in Chinese on Feishu by default', async () => {
    const run = await runAction({
      inputs: { ...app(), to: 'oc_test_chat', status: 'failure', type: 'text', mention: 'all' },
    });
    expect(run.code, run.stderr).toBe(0);
    const [message] = fake.messages('oc_test_chat');
    expect(message?.msg_type).toBe('text');
    const { text } = JSON.parse(message?.content ?? '{}');
    expect(text).toContain('❌ Deploy 运行失败 · acme/shop');
    expect(text).toContain('仓库：acme/shop');
    expect(text).toContain('查看运行：https://github.com/acme/shop/actions/runs/1234567890');
    expect(text).toContain('<at user_id="all"></at>');
  });

  it('sends a text message in English with language: en_us', async () => {
    const run = await runAction({
      inputs: { ...app(), to: 'oc_test_chat', status: 'failure', type: 'text', language: 'en_us' },
    });
    expect(run.code, run.stderr).toBe(0);
    const { text } = JSON.parse(fake.messages('oc_test_chat')[0]?.content ?? '{}');
    expect(text).toContain('❌ Deploy failed · acme/shop');
    expect(text).toContain('Repository: acme/shop');
    expect(text).toContain('View run: https://github.com/acme/shop/actions/runs/1234567890');
  });

  it('never shows the secret or the token', async () => {
    const run = await runAction({ inputs: { ...app(), to: 'oc_test_chat', status: 'success' } });
    expect(run.code).toBe(0);
    const tokens = fake.requests
      .map((r) => String(r.headers.authorization ?? ''))
      .filter(Boolean)
      .map((h) => h.replace('Bearer ', ''));
    expect(tokens.length).toBeGreaterThan(0);
    const text = allText(run);
    expect(text).not.toContain(SECRET);
    for (const token of tokens) expect(text).not.toContain(token);
    expect(run.stdout).toContain(`::add-mask::${SECRET}`);
    expect(issuedTokens(fake)).toHaveLength(1);
  });

  it('warns on a bad secret by default, and fails with 10014 when asked', async () => {
    const warned = await runAction({
      inputs: { ...app(), 'app-secret': 'wrong', to: 'oc_test_chat' },
    });
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/::warning::.*10014/);
    expect(warned.outputs.error).toContain('10014');
    expect(warned.outputs.error).toContain('app-secret');
    const failed = await runAction({
      inputs: { ...app(), 'app-secret': 'wrong', to: 'oc_test_chat', 'fail-on-error': 'true' },
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/::error::.*10014/);
    expect(fake.messages()).toHaveLength(0);
  });

  it('says to add the bot when it is not in the chat (230002)', async () => {
    await fake.close();
    fake = await startFakeFeishu({
      appSecret: SECRET,
      chats: [{ chat_id: 'oc_outside', name: 'Outside', botIsMember: false }],
    });
    const run = await runAction({
      inputs: { ...app(), to: 'oc_outside', 'fail-on-error': 'true' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*230002.*add the bot to the chat/);
  });

  it('fails naming `status` for an unknown status, before any request', async () => {
    const run = await runAction({ inputs: { ...app(), to: 'oc_test_chat', status: 'bogus' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::Input "status" has an invalid value "bogus": expected one of success, failure/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('renders without credentials or requests in a dry run', async () => {
    const run = await runAction({
      inputs: { to: 'oc_test_chat', status: 'in_progress', 'dry-run': 'true' },
    });
    expect(run.code, run.stdout).toBe(0);
    const card = JSON.parse(run.outputs.content ?? '{}');
    expect(card.header.template).toBe('blue');
    expect(card.header.title.content).toBe('⏳ Deploy in progress · acme/shop');
    expect(run.summary).toContain('dry run');
    expect(fake.requests).toHaveLength(0);
  });

  it('takes expression defaults a local runner left unevaluated as not given', async () => {
    // @github/local-action passes action.yml's defaults as written, `${{ … }}` and all.
    const unevaluated = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal expression is the point
      'job-id': '${{ job.check_run_id }}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal expression is the point
      'github-token': '${{ github.token }}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal expression is the point
      'job-status': '${{ job.status }}',
    };
    const run = await runAction({
      inputs: { ...app(), ...unevaluated, to: 'oc_test_chat', status: 'failure' },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toContain('::error::');
    expect(run.stdout).not.toContain('::warning::');
    expect(fake.messages()).toHaveLength(1);
  });

  it('sends to several recipients concurrently; one failing does not stop the others', async () => {
    const run = await runAction({
      inputs: { ...app(), to: 'oc_test_chat, oc_missing\ndev@example.com' },
    });
    expect(run.code).toBe(0);
    expect(fake.messages('oc_test_chat')).toHaveLength(1);
    const dm = fake.chatIdFor('email', 'dev@example.com');
    expect(dm && fake.messages(dm)).toHaveLength(1);
    const emailSend = fake.requests.find((r) => r.query.receive_id_type === 'email');
    expect(emailSend).toBeDefined();
    expect(JSON.parse(run.outputs['message-ids'] ?? '[]')).toHaveLength(2);
    expect(run.outputs.error).toContain('oc_missing');
  });
});
