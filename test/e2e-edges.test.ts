/**
 * Issue 15: the edges users hit. Feishu's documented rules (post paragraphs, custom-bot tags,
 * mentions, "being processed" answers, long rate-limit resets, body sizes), real inputs and
 * events, forks without secrets. Each through the bundle against the fake.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { ROOT, runAction } from './support/run-action.js';

let fake: FakeFeishu;
const CHAT = 'oc_test_chat';
const ADMINS_ONLY = 'oc_admins_only';
const HOOK = 'hook-token-0123456789abcdef';
const ADMINS_ONLY_HOOK = 'hook-admins-only-0123456789';

beforeEach(async () => {
  fake = await startFakeFeishu({
    chats: [
      { chat_id: CHAT, name: 'CI Alerts' },
      { chat_id: 'oc_deploys', name: 'Deploys' },
      { chat_id: 'oc_ops_eu', name: 'Ops, EU' },
      { chat_id: ADMINS_ONLY, name: 'Company', atAllAdminsOnly: true },
    ],
    webhooks: [{ token: HOOK }, { token: ADMINS_ONLY_HOOK, atAllAdminsOnly: true }],
  });
});
afterEach(async () => {
  await fake.close();
});

const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url });
const hookUrl = (token = HOOK) => `${fake.url}/open-apis/bot/v2/hook/${token}`;
const live = (chat = CHAT) => fake.messages(chat).filter((m) => !m.deleted);
const warnings = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::warning::'));
const visible = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

describe("Feishu's post rules", () => {
  it('an app post gives each md tag its paragraph alone, and the post is accepted', async () => {
    const run = await runAction({
      inputs: {
        ...app(),
        to: CHAT,
        type: 'post',
        message: '**Deployed** to prod',
        fields: 'Version: **2.4.1**\nNotes (see `log`): _none_',
      },
    });
    expect(run.code, run.stdout).toBe(0);
    const post = JSON.parse(live()[0]?.content ?? '{}');
    for (const body of Object.values(post) as { content: { tag: string }[][] }[])
      for (const p of body.content) if (p.some((r) => r.tag === 'md')) expect(p).toHaveLength(1);
    const texts = JSON.stringify(post.en_us.content);
    expect(texts).toContain('**Version**: **2.4.1**');
    expect(texts).toContain('_none_');
    // Each language's own colon after the label.
    expect(JSON.stringify(post.zh_cn.content)).toContain('**Version**：**2.4.1**');
  });

  it('a webhook post uses only text, a, at and img', async () => {
    const run = await runAction({
      inputs: { webhook: hookUrl(), type: 'post', message: '**Deployed**', fields: 'Version: *2*' },
    });
    expect(run.code, run.stdout).toBe(0);
    const [sent] = fake.webhookMessages(HOOK);
    const body = sent?.body as { content: { post: { zh_cn: { content: { tag: string }[][] } } } };
    const tags = new Set(body.content.post.zh_cn.content.flat().map((r) => r.tag));
    expect([...tags].every((t) => ['text', 'a', 'at', 'img'].includes(t))).toBe(true);
    expect(JSON.stringify(body)).toContain('**Deployed**');
  });
});

describe('mentions', () => {
  it('through a webhook, e-mail and user_id mentions are shown as text with one warning', async () => {
    const run = await runAction({
      inputs: { webhook: hookUrl(), mention: 'dev@example.com, user_id:u_test, ou_test_user' },
    });
    expect(run.code, run.stdout).toBe(0);
    const card = JSON.stringify(fake.webhookMessages(HOOK)[0]?.body);
    expect(card).not.toContain('<at email=');
    expect(card).not.toContain('<at id=u_test>');
    expect(card).toContain('<at id=ou_test_user></at>');
    const warned = warnings(run.stdout).filter((w) => w.includes('Not mentioned'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('dev@example.com');
    expect(warned[0]).toContain('u_test');
  });

  it('through the app, an e-mail in a text message is shown as text and said once', async () => {
    const run = await runAction({
      inputs: { ...app(), to: CHAT, type: 'text', mention: 'dev@example.com' },
    });
    expect(run.code, run.stdout).toBe(0);
    // Shown, not linked: escaping breaks the address with a zero-width space.
    const text: string = JSON.parse(live()[0]?.content ?? '{}').text;
    expect(text.replace(/\u200b/g, '')).toContain('dev@example.com');
    expect(text).not.toContain('<at');
    expect(warnings(run.stdout).filter((w) => w.includes('dev@example.com'))).toHaveLength(1);
  });

  it('@all in a group that lets only admins @all: said with the hint, sent again without it', async () => {
    const run = await runAction({ inputs: { ...app(), to: ADMINS_ONLY, mention: 'all' } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.error).toBe('');
    const [card] = live(ADMINS_ONLY);
    expect(live(ADMINS_ONLY)).toHaveLength(1);
    expect(card?.content).not.toContain('<at id=all>');
    expect(run.outputs['message-id']).toBe(card?.message_id);
    const warned = warnings(run.stdout).join('\n');
    expect(warned).toContain('11235');
    expect(warned).toContain('only group admins may @all');
  });

  it('the same through a webhook', async () => {
    const run = await runAction({ inputs: { webhook: hookUrl(ADMINS_ONLY_HOOK), mention: 'all' } });
    expect(run.code, run.stdout).toBe(0);
    expect(fake.webhookMessages(ADMINS_ONLY_HOOK)).toHaveLength(1);
  });
});

describe('"being processed" answers', () => {
  it('a retry that overtakes its first attempt waits for it: delivered once, reported sent', async () => {
    // The first attempt is slow (3 s) and times out on our side after 1 s; its retry arrives
    // while it is still being processed (230049), waits, and then gets its message.
    fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      fault: { kind: 'delay', ms: 3000 },
    });
    const run = await runAction({ inputs: { ...app(), to: CHAT, timeout: '1' } });
    expect(run.code, run.stdout).toBe(0);
    expect(live()).toHaveLength(1);
    expect(run.outputs.error).toBe('');
    expect(run.outputs['message-id']).toBe(live()[0]?.message_id);
    const sends = fake.requests.filter(
      (r) => r.method === 'POST' && r.path === '/open-apis/im/v1/messages',
    );
    const uuids = new Set(sends.map((r) => (r.body as { uuid: string }).uuid));
    expect(sends.length).toBeGreaterThan(2);
    expect(uuids.size).toBe(1);
  });
});

describe('rate limits', () => {
  it('a reset longer than the cap is waited for in full, not spent on retries', async () => {
    // The post step caps rate-limit waits at 3 s; a 5 s reset with one retry was lost.
    const sent = await runAction({ inputs: { ...app(), to: CHAT, status: 'in_progress' } });
    expect(sent.code, sent.stdout).toBe(0);
    fake.throttleApp(5);
    const post = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', retries: '1' },
      state: sent.state,
      env: { INPUT_JOB_STATUS: 'success' },
    });
    expect(post.code, post.stdout).toBe(0);
    expect(warnings(post.stdout)).toEqual([]);
    expect(live()[0]?.updates).toBe(1);
  });
});

describe('sizes', () => {
  it('a card within 30 KB as content but not as a request body is trimmed to fit the body', async () => {
    // Quotes double when the card is nested as a JSON string in the body.
    const quotes = '"'.repeat(290);
    const fields = Array.from({ length: 50 }, (_, i) => `F${i}: ${quotes}`).join('\n');
    const run = await runAction({ inputs: { ...app(), to: CHAT, fields } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.error).toBe('');
    expect(live()).toHaveLength(1);
  });

  it('content too large even trimmed fails naming the input, before any request', async () => {
    const long = `https://example.com/${'a'.repeat(950)}`;
    const cases: { input: string; inputs: Record<string, string> }[] = [
      {
        input: 'content',
        inputs: {
          ...app(),
          to: CHAT,
          content: JSON.stringify({
            schema: '2.0',
            body: { elements: [{ tag: 'markdown', content: 'x'.repeat(40_000) }] },
          }),
        },
      },
      {
        input: 'template-variables',
        inputs: {
          ...app(),
          to: CHAT,
          type: 'template',
          'template-id': 'AAqk1234',
          'template-variables': `{"log": "${'x'.repeat(40_000)}"}`,
        },
      },
      {
        // Sent both ways: fits the webhook's form (the card as an object, ~18 KB) but not the
        // app's (the card as a JSON string inside JSON: every quote escaped twice, ~36 KB).
        input: 'content',
        inputs: {
          ...app(),
          to: CHAT,
          webhook: hookUrl(),
          content: JSON.stringify({
            schema: '2.0',
            body: { elements: [{ tag: 'markdown', content: '"'.repeat(9_000) }] },
          }),
        },
      },
      {
        // A webhook body holds 20 KB: twenty 1 kB button links cannot fit however it is cut.
        input: 'buttons',
        inputs: {
          webhook: hookUrl(),
          buttons: Array.from({ length: 20 }, (_, i) => `B${i} | ${long}${i}`).join('\n'),
        },
      },
    ];
    for (const c of cases) {
      const run = await runAction({ inputs: c.inputs });
      expect(run.code, c.input).toBe(1);
      const error = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '';
      expect(error, c.input).toMatch(
        new RegExp(`\\b${c.input}\\b.*Feishu accepts at most \\d+ bytes`),
      );
      expect(fake.requests, c.input).toHaveLength(0);
    }
  });
});

describe('real inputs', () => {
  it('`to: chat:Deploys, oc_…` sends to both; a group name with a comma still works', async () => {
    const run = await runAction({
      inputs: { ...app(), to: `chat:Deploys, ${CHAT}\nchat:Ops, EU` },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(live('oc_deploys')).toHaveLength(1);
    expect(live()).toHaveLength(1);
    expect(live('oc_ops_eu')).toHaveLength(1);
  });

  it('the message-ids output passes straight into `recall`', async () => {
    const sent = await runAction({ inputs: { ...app(), to: `${CHAT}\nchat:Deploys` } });
    expect(JSON.parse(sent.outputs['message-ids'] ?? '[]')).toHaveLength(2);
    const run = await runAction({
      inputs: { ...app(), recall: sent.outputs['message-ids'] ?? '' },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(live()).toHaveLength(0);
    expect(live('oc_deploys')).toHaveLength(0);
  });

  it('a recall-only step reports its recalls, not a preview of a card it never sent', async () => {
    const sent = await runAction({ inputs: { ...app(), to: CHAT } });
    const run = await runAction({ inputs: { ...app(), recall: sent.outputs['message-id'] ?? '' } });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.content).toBe('');
    expect(run.summary).toContain('Recalled');
    expect(run.summary).not.toContain('Preview');
    expect(run.summary).not.toContain('Content JSON');
  });

  it('dry-run needs no recipient', async () => {
    const run = await runAction({ inputs: { 'dry-run': 'true', status: 'success' } });
    expect(run.code, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.content ?? '{}').schema).toBe('2.0');
    expect(fake.requests).toHaveLength(0);
  });

  it('user-map: an Enterprise Managed User and logins YAML would turn into numbers', async () => {
    const run = await runAction({
      event: { head_commit: { author: { username: '007' } } },
      inputs: {
        ...app(),
        to: CHAT,
        mention: 'author, actor',
        'user-map': '007: ou_bond\nmona_acme: ou_mona',
      },
      env: { GITHUB_ACTOR: 'mona_acme', GITHUB_TRIGGERING_ACTOR: 'mona_acme' },
    });
    expect(run.code, run.stdout).toBe(0);
    const card = live()[0]?.content ?? '';
    expect(card).toContain('<at id=ou_bond></at>');
    expect(card).toContain('<at id=ou_mona></at>');
  });

  it('a webhook URL whose secret is not its last segment never reaches a log line', async () => {
    const secretPart = 'tok3n-in-the-middle-0123456789';
    const run = await runAction({
      inputs: { webhook: `${fake.url}/hooks/${secretPart}/send` },
      env: { ACTIONS_STEP_DEBUG: 'true' },
    });
    expect(run.stdout).toContain(`::add-mask::${secretPart}`);
    expect(visible(run.stdout)).not.toContain(secretPart);
    expect(JSON.stringify(run.outputs) + run.summary).not.toContain(secretPart);
  });
});

describe('the recall step', () => {
  it("its errors name its own inputs (message-ids, key, within), not the action's", async () => {
    const action = parse(readFileSync(join(ROOT, 'recall/action.yml'), 'utf8'));
    const env = action.runs.steps[0].env as Record<string, string>;
    const stepEnv = Object.fromEntries(
      Object.entries(env).filter(([name]) => !name.startsWith('INPUT_')),
    );
    const run = await runAction({
      inputs: { ...app(), recall: 'not-an-id', 'recall-within': '99y' },
      env: stepEnv,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Input "message-ids"');
    expect(run.stdout).not.toContain('Input "recall"');
    const within = await runAction({
      inputs: { ...app(), recall: 'om_x1', 'recall-within': '99y' },
      env: stepEnv,
    });
    expect(within.stdout).toContain('Input "within"');
  });
});

describe('a workflow_run card', () => {
  it("shows the triggering run's branch with its commit and title", async () => {
    const payload = JSON.parse(
      readFileSync(join(ROOT, 'test/fixtures/events/workflow_run.json'), 'utf8'),
    );
    payload.workflow_run.head_branch = 'feature/login';
    payload.workflow_run.display_title = 'Fix the login page';
    const run = await runAction({
      event: payload,
      eventName: 'workflow_run',
      inputs: { ...app(), to: CHAT },
    });
    expect(run.code, run.stdout).toBe(0);
    const card = JSON.parse(live()[0]?.content ?? '{}');
    const body = JSON.stringify(card.body);
    expect(body).toContain('feature/login');
    expect(body).not.toMatch(/Branch\*\*: main/);
    expect(body).toContain('Fix the login page');
    expect(card.header.subtitle.content).toContain('feature/login');
  });
});

describe('images as users write them', () => {
  const PNG = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    Buffer.alloc(64, 1),
  ]);
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(workspace, 'shots'));
    for (const name of ['a.png', 'b.jpg', 'c.png', 'skip.png', 'shot[1].png'])
      writeFileSync(join(workspace, 'shots', name), PNG);
  });

  it('braces, !exclusions and a real file name with [1]', async () => {
    const run = await runAction({
      workspace,
      inputs: {
        ...app(),
        to: CHAT,
        images: 'shots/*.{png,jpg}\n!shots/skip.png\n!shots/shot*\nshots/shot[1].png',
      },
    });
    expect(run.code, run.stdout).toBe(0);
    const names = [...fake.images.values()].map((i) => i.filename).sort();
    expect(names).toEqual(['a.png', 'b.jpg', 'c.png', 'shot[1].png']);
  });

  it('a directory is reported as a directory', async () => {
    const run = await runAction({ workspace, inputs: { ...app(), to: CHAT, images: 'shots' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('is a directory');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('forks and Dependabot (no secrets)', () => {
  const noSecrets = { 'app-id': '', 'app-secret': '', webhook: '', to: CHAT };

  it('skip with one clear warning and no message ID', async () => {
    const run = await runAction({ inputs: noSecrets });
    expect(run.code, run.stdout).toBe(0);
    const warned = warnings(run.stdout);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('secrets are not passed to workflows from forks or Dependabot');
    expect(run.outputs['message-id']).toBe('');
    expect(run.outputs.notified).toBe('false');
    expect(fake.requests).toHaveLength(0);
  });

  it('fail with fail-on-error: true', async () => {
    const run = await runAction({ inputs: { ...noSecrets, 'fail-on-error': 'true' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('No credentials');
  });

  it('a half-configured pair is still an input error', async () => {
    const run = await runAction({ inputs: { ...noSecrets, 'app-id': 'cli_test_app' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Input "app-secret" is required');
  });
});
