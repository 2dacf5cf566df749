/**
 * Issue 14: the reader's language, through the bundle. With `language: zh_cn` no English word of
 * the action's own is left on what reaches the chat (cards, the post step's finished card, the
 * webhook follow-up, posts, text); with the default every text the action wrote carries zh_cn,
 * en_us and ja_jp, while the author's and the event's text stays one copy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { FIXTURES, runAction } from './support/run-action.js';

let fake: FakeFeishu;
beforeEach(async () => {
  fake = await startFakeFeishu({ webhooks: [{ token: 'hook-token-123456' }] });
});
afterEach(async () => {
  await fake.close();
});

const CHAT = 'oc_test_chat';
const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url });
const NEEDS = JSON.stringify({
  build: { result: 'success' },
  test: { result: 'failure' },
  lint: { result: 'cancelled' },
  docs: { result: 'skipped' },
});
/** What the harness's runner sets (see githubEnv): the run's own text, not the action's. */
const RUN_TEXT = [
  'acme/shop',
  'main',
  'octocat',
  'Deploy',
  'deploy',
  'build',
  'test',
  'lint',
  'docs',
];
/** The author's own inputs in these tests. */
const AUTHOR_TEXT = ['deploy-prod', 'nightly', 'Shipped', 'v2'];
/** The product's name in the footer: a name, the same in every language. */
const BRAND = 'feishu-notify';
/**
 * Payload values that are GitHub's words for what happened: the action translates them, so
 * they must not be taken for event text.
 */
const GITHUB_WORDS = new Set(['action', 'conclusion', 'state', 'status']);

/** Every string of the payload (and each line of it): the event's own text. */
function eventText(fixture: string): string[] {
  const payload = JSON.parse(readFileSync(join(FIXTURES, `${fixture}.json`), 'utf8'));
  const out: string[] = [fixture.replace(/^hostile_/, '')];
  const visit = (node: unknown, key: string) => {
    if (typeof node === 'string' && !GITHUB_WORDS.has(key)) out.push(node, ...node.split(/\r?\n/));
    else if (typeof node === 'number') out.push(String(node));
    else if (Array.isArray(node)) for (const item of node) visit(item, key);
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        // A dispatch's inputs are shown by name: the names are the workflow's text too.
        if (key === 'inputs') out.push(k);
        visit(v, k);
      }
  };
  visit(payload, '');
  return out.map((s) => s.trim()).filter((s) => s.length > 1);
}

/** What a reader sees of a text: entities decoded, zero-width spaces gone, link targets dropped. */
function seen(text: string): string {
  return (
    text
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
      .replace(/\u200b/g, '')
      .replace(/\]\([^)]*\)/g, ']')
      .replace(/https?:\/\/\S+/g, ' ')
      // Commit SHAs
      .replace(/\b[0-9a-f]{7,40}\b/g, ' ')
  );
}

/** The Latin words left once the event's and the run's text and the brand are taken out. */
function englishLeft(text: string, own: string[]): string[] {
  let rest = seen(text).replace(/<at [^>]*><\/at>/g, ' ');
  for (const s of [...own, ...RUN_TEXT, ...AUTHOR_TEXT, BRAND].sort((a, b) => b.length - a.length))
    rest = rest.split(s).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

/** Every text a reader can see in a card or post, per language variant. */
function texts(content: unknown): { text: string; i18n?: Record<string, string> }[] {
  const out: { text: string; i18n?: Record<string, string> }[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    for (const key of ['content', 'text', 'title']) {
      if (typeof record[key] === 'string')
        out.push({
          text: record[key] as string,
          i18n: record.i18n_content as Record<string, string> | undefined,
        });
    }
    for (const [key, value] of Object.entries(record))
      if (key !== 'i18n_content' && key !== 'behaviors') visit(value);
  };
  visit(content);
  return out;
}

const EVENTS = [
  'push',
  'pull_request',
  'release',
  'workflow_run',
  'workflow_dispatch',
  'deployment_status',
  'schedule',
  'issues',
  'merge_group',
];

describe('language: zh_cn', () => {
  it.each(EVENTS)(
    '%s: no English word of the action is left on the card, nor on the finished one',
    async (event) => {
      const inputs = {
        ...app(),
        to: CHAT,
        language: 'zh_cn',
        status: 'in_progress',
        needs: NEEDS,
        key: 'deploy-prod',
      };
      const main = await runAction({ event, inputs, env: { GITHUB_RUN_ATTEMPT: '2' } });
      expect(main.code, main.stdout).toBe(0);
      const post = await runAction({
        event,
        inputs: { ...inputs, 'job-status': 'failure' },
        state: main.state,
        env: { GITHUB_RUN_ATTEMPT: '2' },
      });
      expect(post.code, post.stdout).toBe(0);
      const card = JSON.parse(fake.messages(CHAT)[0]?.content ?? '{}');
      // The finished card: failed, with the duration.
      expect(card.header.title.content).toMatch(/运行失败/);
      expect(JSON.stringify(card)).toMatch(/耗时/);
      expect(card.config.locales).toBeUndefined();
      const own = eventText(event);
      for (const { text, i18n } of texts(card)) {
        expect(i18n, text).toBeUndefined();
        expect(englishLeft(text, own), text).toEqual([]);
      }
      // The failure reply in the card's thread (a text message) is Chinese too.
      const replies = fake.messages().filter((m) => m.parent_id === main.outputs['message-id']);
      expect(replies).toHaveLength(1);
      const reply = JSON.parse(replies[0]?.content ?? '{}').text as string;
      expect(reply).toMatch(/运行失败/);
      for (const line of reply.split('\n')) expect(englishLeft(line, own), line).toEqual([]);
    },
  );

  it.each([
    ['replace', 'superseded'],
    ['recall-key', 'withdrawn'],
  ])('a card collapsed by %s (%s) past 24 hours is Chinese too', async (how) => {
    const inputs = { ...app(), to: CHAT, language: 'zh_cn', key: 'nightly' };
    const old = await runAction({ inputs });
    const oldId = old.outputs['message-id'] ?? '';
    fake.advance(25 * 3600 * 1000);
    const later =
      how === 'replace'
        ? await runAction({ inputs: { ...inputs, replace: 'true' } })
        : await runAction({
            inputs: { ...app(), to: CHAT, language: 'zh_cn', 'recall-key': 'nightly' },
          });
    expect(later.code, later.stdout).toBe(0);
    expect(JSON.parse(later.outputs.collapsed ?? '[]')).toEqual([oldId]);
    const collapsed = JSON.parse(
      fake.messages().find((m) => m.message_id === oldId)?.content ?? '{}',
    );
    expect(collapsed.header.template).toBe('grey');
    expect(JSON.stringify(collapsed)).toMatch(how === 'replace' ? /已由.*取代/ : /已撤回/);
    const own = eventText('push');
    for (const { text } of texts(collapsed)) expect(englishLeft(text, own), text).toEqual([]);
  });

  it.each(['post', 'text'])('a %s is all Chinese but the event text', async (type) => {
    const run = await runAction({
      inputs: { ...app(), to: CHAT, language: 'zh_cn', type, needs: NEEDS, key: 'k' },
    });
    expect(run.code, run.stdout).toBe(0);
    const content = JSON.parse(fake.messages(CHAT)[0]?.content ?? '{}');
    if (type === 'post') expect(Object.keys(content)).toEqual(['zh_cn']);
    const all = texts(content).flatMap(({ text }) =>
      text.split('\n').map((line) => ({ text: line })),
    );
    expect(all.length).toBeGreaterThan(5);
    for (const { text } of all) expect(englishLeft(text, eventText('push')), text).toEqual([]);
  });

  it("the post step's follow-up to a webhook is Chinese too", async () => {
    const webhook = `${fake.url}/open-apis/bot/v2/hook/hook-token-123456`;
    const inputs = { webhook, language: 'zh_cn', status: 'in_progress' };
    const main = await runAction({ inputs });
    expect(main.code, main.stdout).toBe(0);
    const post = await runAction({
      inputs: { ...inputs, 'job-status': 'cancelled' },
      state: main.state,
    });
    expect(post.code, post.stdout).toBe(0);
    const hooks = fake.webhookMessages('hook-token-123456');
    expect(hooks).toHaveLength(2);
    const followUp = (hooks[1]?.body as { card?: unknown } | undefined)?.card;
    expect(JSON.stringify(followUp)).toMatch(/已取消/);
    for (const { text } of texts(followUp))
      expect(englishLeft(text, eventText('push')), text).toEqual([]);
  });
});

describe('language: auto (the default)', () => {
  it.each(EVENTS)(
    '%s: every text the action wrote is in zh_cn, en_us and ja_jp; the rest is one copy',
    async (event) => {
      const run = await runAction({
        event,
        inputs: { ...app(), to: CHAT, needs: NEEDS, key: 'deploy-prod', message: 'Shipped **v2**' },
      });
      expect(run.code, run.stdout).toBe(0);
      const card = JSON.parse(fake.messages(CHAT)[0]?.content ?? '{}');
      expect(card.config.locales).toEqual(['zh_cn', 'en_us', 'ja_jp']);
      const own = eventText(event);
      let translated = 0;
      for (const { text, i18n } of texts(card)) {
        if (!i18n) {
          // One copy: only the author's, the event's and the run's text (and no words of ours).
          expect(englishLeft(text, own), text).toEqual([]);
          continue;
        }
        translated++;
        expect(Object.keys(i18n)).toEqual(['zh_cn', 'en_us', 'ja_jp']);
        expect(text).toBe(i18n.en_us);
        expect(englishLeft(i18n.zh_cn ?? '', own), i18n.zh_cn).toEqual([]);
        expect(i18n.zh_cn).not.toBe(i18n.en_us);
        // Japanese keeps the loanwords Japanese developers write in Latin letters ("Issue").
        expect(i18n.ja_jp).toBeTruthy();
      }
      expect(translated).toBeGreaterThan(8);
      // The author's message is one copy, not three.
      expect(JSON.stringify(card).split('Shipped **v2**')).toHaveLength(2);
    },
  );

  it('the largest inputs still fit, to an app chat and through a webhook', async () => {
    const cjk = (n: number) => '部署日志'.repeat(n);
    const commits = Array.from({ length: 500 }, (_, i) => ({
      id: i.toString(16).padStart(40, 'a'),
      message: cjk(100),
      url: `https://github.com/acme/shop/commit/${i}`,
      author: { name: cjk(20) },
    }));
    const push = JSON.parse(readFileSync(join(FIXTURES, 'push.json'), 'utf8'));
    const webhook = `${fake.url}/open-apis/bot/v2/hook/hook-token-123456`;
    const inputs = {
      ...app(),
      to: CHAT,
      webhook,
      // Each under the 128 kB a single environment variable may hold.
      message: cjk(10_000),
      fields: Array.from({ length: 50 }, (_, i) => `字段${i}: ${cjk(150)}`).join('\n'),
      buttons: Array.from({ length: 20 }, (_, i) => `按钮${i} | https://x.example/${i}`).join('\n'),
      needs: JSON.stringify(
        Object.fromEntries(
          Array.from({ length: 60 }, (_, i) => [`${cjk(10)}${i}`, { result: 'failure' }]),
        ),
      ),
      key: 'deploy-prod',
    };
    for (const type of ['card', 'post']) {
      const run = await runAction({
        event: { ...push, commits, head_commit: { ...push.head_commit, message: cjk(500) } },
        eventName: 'push',
        inputs: { ...inputs, type },
        env: { GITHUB_WORKFLOW: cjk(100), GITHUB_REF_NAME: cjk(60) },
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs.error).toBe('');
    }
    const [card, post] = fake.messages(CHAT).map((m) => m.content);
    expect(Buffer.byteLength(card ?? '')).toBeLessThanOrEqual(30 * 1024);
    expect(JSON.parse(card ?? '{}').config.locales).toEqual(['zh_cn', 'en_us', 'ja_jp']);
    // Three bodies of everything cannot fit: the post falls back to the first language.
    expect(Object.keys(JSON.parse(post ?? '{}'))).toEqual(['zh_cn']);
    expect(fake.webhookMessages('hook-token-123456')).toHaveLength(2);
  });

  it('a replace finds the earlier notice by its key whatever language history shows', async () => {
    const inputs = { ...app(), to: CHAT, key: 'deploy-prod', replace: 'true' };
    const first = await runAction({ inputs });
    expect(first.code, first.stdout).toBe(0);
    const second = await runAction({ inputs });
    expect(second.code, second.stdout).toBe(0);
    expect(JSON.parse(second.outputs.recalled ?? '[]')).toEqual([first.outputs['message-id']]);
  });
});
