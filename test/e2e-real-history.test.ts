/**
 * Issue 11: a notice's life as the real Feishu lives it, through the bundle and a fake that
 * shows history as Feishu does (a card 2.0 is a stub unless raw_card_content is asked for),
 * recalls for 24 hours only, updates for 14 days, and lists no thread replies.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFeishu, type StoredMessage, startFakeFeishu } from './support/fake-feishu.js';
import { type RunOptions, runAction } from './support/run-action.js';

let fake: FakeFeishu;
beforeEach(async () => {
  fake = await startFakeFeishu();
});
afterEach(async () => {
  await fake.close();
});

const HOUR = 3600 * 1000;
const CHAT = 'oc_test_chat';
const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url });
const byId = (id: string) => fake.messages().find((m) => m.message_id === id) as StoredMessage;
const cardOf = (id: string) => JSON.parse(byId(id)?.content ?? '{}');
const text = (m: StoredMessage) => m.content;
/** A collapsed card's footer ends in its collapse sign (⤴️ superseded, ↩️ withdrawn). */
const isCollapsed = (m: StoredMessage) => /· (⤴️|↩️)"/u.test(text(m));
/** Live, full (not collapsed) cards of a key. */
const fullCards = (key: string) =>
  fake
    .messages(CHAT)
    .filter((m) => !m.deleted && text(m).includes(`🔑 «${key}»`) && !isCollapsed(m));
const historyReads = () =>
  fake.requests.filter((r) => r.method === 'GET' && r.path === '/open-apis/im/v1/messages');

/** A main step, then its post step with the job's final status (one job: one RUNNER_TEMP). */
async function step(inputs: Record<string, string>, extra: RunOptions = {}) {
  const main = await runAction({ ...extra, inputs });
  return {
    main,
    post: (jobStatus: string, more: Record<string, string> = {}) =>
      runAction({
        ...extra,
        inputs: { ...inputs, ...more, 'job-status': jobStatus },
        state: main.state,
      }),
  };
}

describe('keys are found in history as Feishu shows it', () => {
  it('a nightly over three days leaves one full card and two collapsed ones, each scan stopping early', async () => {
    const chatter = (n: number) => {
      for (let i = 0; i < n; i++)
        fake.addMessage({
          chat_id: CHAT,
          msg_type: 'text',
          content: JSON.stringify({ text: `chatter ${i}` }),
          sender: { id: 'ou_x', id_type: 'open_id', sender_type: 'user' },
        });
    };
    const nightly = { ...app(), to: CHAT, key: 'nightly', replace: 'true', status: 'success' };
    chatter(100);
    const day1 = await runAction({ inputs: nightly });
    chatter(40);
    fake.advance(25 * HOUR);
    const day2 = await runAction({ inputs: nightly });
    expect(day2.code, day2.stdout).toBe(0);
    expect(JSON.parse(day2.outputs.collapsed ?? '[]')).toEqual([day1.outputs['message-id']]);
    expect(JSON.parse(day2.outputs.recalled ?? '[]')).toEqual([]);
    chatter(40);
    fake.advance(25 * HOUR);
    const readsBefore = historyReads().length;
    const day3 = await runAction({ inputs: nightly });
    expect(day3.code, day3.stdout).toBe(0);
    expect(JSON.parse(day3.outputs.collapsed ?? '[]')).toEqual([day2.outputs['message-id']]);

    const ids = [day1, day2, day3].map((d) => d.outputs['message-id'] ?? '');
    expect(
      fake.messages(CHAT).filter((m) => m.msg_type === 'interactive' && !m.deleted),
    ).toHaveLength(3);
    expect(fullCards('nightly').map((m) => m.message_id)).toEqual([ids[2]]);
    for (const old of ids.slice(0, 2)) {
      const card = cardOf(old);
      expect(card.header.template).toBe('grey');
      expect(JSON.stringify(card.body)).toMatch(
        /Superseded by \[run &#35;42\]\(https:\/\/github.com\/acme\/shop\/actions\/runs\/1234567890\)/,
      );
      // The key and the status it had stay readable for later runs.
      expect(JSON.stringify(card.body)).toContain('🔑 «nightly» · ✅ · ⤴️');
    }
    // Day 3 read page 1 (day 3, day 2 …) and page 2 up to day 1, collapsed: not the 100
    // messages of chatter older than it (a third page).
    const day3Reads = historyReads().slice(readsBefore);
    expect(day3Reads).toHaveLength(2);
    expect(day3Reads.every((r) => r.query.card_msg_content_type === 'raw_card_content')).toBe(true);
  });

  it('a card given as `content` carries the key, and a later replace finds it', async () => {
    const content = JSON.stringify({
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: 'Preview ready' } },
      body: { elements: [{ tag: 'markdown', content: 'See [the preview](https://example.com)' }] },
    });
    const first = await runAction({ inputs: { ...app(), to: CHAT, key: 'pr-7', content } });
    expect(first.code, first.stdout).toBe(0);
    expect(JSON.stringify(cardOf(first.outputs['message-id'] ?? '').body)).toContain('🔑 «pr-7»');
    const second = await runAction({
      inputs: { ...app(), to: CHAT, key: 'pr-7', content, replace: 'true' },
    });
    expect(JSON.parse(second.outputs.recalled ?? '[]')).toEqual([first.outputs['message-id']]);
  });

  it.each([
    [{ type: 'template', 'template-id': 'AAq1' }, /template/],
    [{ type: 'image', images: 'shot.png' }, /image/],
    [{ type: 'text', content: '{"text": "hi"}' }, /verbatim text/],
  ])(
    'a key on a message that cannot carry it is refused naming `key`, before any request (%o)',
    async (extra, why) => {
      const run = await runAction({ inputs: { ...app(), to: CHAT, key: 'k', ...extra } });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/::error::Input "key" cannot be carried: /);
      expect(run.stdout).toMatch(why);
      expect(fake.requests).toHaveLength(0);
    },
  );

  it('a notice sent into a thread is not in the chat history: only the root is', async () => {
    const root = await runAction({ inputs: { ...app(), to: CHAT } });
    const inThread = await runAction({
      inputs: {
        ...app(),
        'reply-to': root.outputs['message-id'] ?? '',
        'reply-in-thread': 'true',
        key: 'threaded',
      },
    });
    expect(inThread.code, inThread.stdout).toBe(0);
    const run = await runAction({ inputs: { ...app(), to: CHAT, 'recall-key': 'threaded' } });
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([]);
    expect(byId(inThread.outputs['message-id'] ?? '').deleted).toBe(false);
  });
});

describe('overlapping runs of one key', () => {
  /** Runs `n` replace runs at once; returns the IDs they sent. */
  async function overlap(n: number): Promise<string[]> {
    const runs = await Promise.all(
      Array.from({ length: n }, () =>
        runAction({ inputs: { ...app(), to: CHAT, key: 'deploy', replace: 'true' } }),
      ),
    );
    for (const r of runs) expect(r.code, r.stdout).toBe(0);
    return runs.map((r) => r.outputs['message-id'] ?? '');
  }

  /** The newest by Feishu's create_time (message ID breaks a tie, as the action does). */
  const newest = (ids: string[]) =>
    ids
      .map(byId)
      .sort((a, b) => b.create_time - a.create_time || (a.message_id < b.message_id ? 1 : -1))[0]
      ?.message_id;

  it('20 trials of two overlapping replace runs each leave exactly one card: the newest', async () => {
    fake.setLatency(20);
    for (let trial = 0; trial < 20; trial++) {
      const ids = await overlap(2);
      const live = fullCards('deploy').map((m) => m.message_id);
      expect(live, `trial ${trial + 1}`).toEqual([newest(ids)]);
    }
  }, 120_000);

  it('five overlapping runs leave one card: the newest', async () => {
    fake.setLatency(20);
    const ids = await overlap(5);
    expect(fullCards('deploy').map((m) => m.message_id)).toEqual([newest(ids)]);
  }, 60_000);

  it("a replaced run's post step sends nothing and says why", async () => {
    const inputs = { ...app(), to: CHAT, key: 'deploy', replace: 'true', status: 'in_progress' };
    const older = await step(inputs);
    const newer = await step(inputs);
    expect(JSON.parse(newer.main.outputs.recalled ?? '[]')).toEqual([
      older.main.outputs['message-id'],
    ]);
    const before = fake.messages().length;
    const post = await older.post('success');
    expect(post.code, post.stdout).toBe(0);
    expect(post.stdout).toContain('was replaced or recalled');
    expect(fake.messages()).toHaveLength(before);
    expect(fullCards('deploy').map((m) => m.message_id)).toEqual([
      newer.main.outputs['message-id'],
    ]);
  });
});

describe('steps of one job, and cancellation', () => {
  it("a later step's update survives the earlier step's post step", async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
    const first = await step(
      { ...app(), to: CHAT, status: 'in_progress', message: 'Building…' },
      { runnerTemp },
    );
    const id = first.main.outputs['message-id'] ?? '';
    const second = await step(
      {
        ...app(),
        update: id,
        status: 'in_progress',
        message: 'Deploying v2 to prod',
        fields: 'Version: v2',
        buttons: 'Open app | https://shop.example.com',
      },
      { runnerTemp },
    );
    expect(second.main.code, second.main.stdout).toBe(0);
    // Post steps run in reverse order: the later step's first.
    expect((await second.post('success')).code).toBe(0);
    const post = await first.post('success');
    expect(post.code, post.stdout).toBe(0);
    const body = JSON.stringify(cardOf(id).body);
    expect(cardOf(id).header.template).toBe('green');
    expect(body).toContain('Deploying v2 to prod');
    expect(body).toContain('**Version**: v2');
    expect(body).toContain('https://shop.example.com');
    expect(body).not.toContain('Building…');
  });

  it('a run killed during its history scan still has its card finished by the post step', async () => {
    fake.inject({ method: 'GET', path: '/open-apis/im/v1/messages', fault: { kind: 'hang' } });
    const inputs = { ...app(), to: CHAT, key: 'deploy', replace: 'true', status: 'in_progress' };
    const main = await runAction({
      inputs,
      killWhen: () => historyReads().length > 0,
    });
    expect(main.code).toBeNull();
    expect(main.state.finish).toBeTruthy();
    const post = await runAction({
      inputs: { ...inputs, 'job-status': 'success' },
      state: main.state,
    });
    expect(post.code, post.stdout).toBe(0);
    const [card] = fake.messages(CHAT);
    expect(JSON.parse(card?.content ?? '{}').header.template).toBe('green');
  });
});

describe('failures reach people', () => {
  const mention = { mention: 'author', 'user-map': 'monalisa: ou_test_user' };

  it("a failed job's card gets a thread reply mentioning the mapped author; a successful one none", async () => {
    const failed = await step({ ...app(), to: CHAT, status: 'in_progress', ...mention });
    const post = await failed.post('failure');
    expect(post.code, post.stdout).toBe(0);
    const card = failed.main.outputs['message-id'];
    const replies = fake.messages().filter((m) => m.parent_id === card);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.reply_in_thread).toBe(true);
    const reply = JSON.parse(replies[0]?.content ?? '{}').text as string;
    expect(reply).toContain('<at user_id="ou_test_user"></at>');
    // A text reply is in one language: Chinese on Feishu (the default language: auto).
    expect(reply).toContain('❌ Deploy 运行失败 · acme/shop');
    expect(reply).toContain('https://github.com/acme/shop/actions/runs/1234567890');

    const fine = await step({ ...app(), to: CHAT, status: 'in_progress', ...mention });
    expect((await fine.post('success')).code).toBe(0);
    expect(fake.messages().filter((m) => m.parent_id === fine.main.outputs['message-id'])).toEqual(
      [],
    );
  });

  it('an update in place to a failure replies too; finish-reply: never does not', async () => {
    const first = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', finish: 'false' },
    });
    const id = first.outputs['message-id'] ?? '';
    await runAction({ inputs: { ...app(), update: id, status: 'failure', ...mention } });
    expect(fake.messages().filter((m) => m.parent_id === id)).toHaveLength(1);
    await runAction({
      inputs: { ...app(), update: id, status: 'failure', 'finish-reply': 'never' },
    });
    expect(fake.messages().filter((m) => m.parent_id === id)).toHaveLength(1);
  });

  it('urgent: app buzzes the mentioned people on the reply; a refusal only warns', async () => {
    const buzzed = await step({
      ...app(),
      to: CHAT,
      status: 'in_progress',
      urgent: 'app',
      ...mention,
    });
    expect((await buzzed.post('failure')).code).toBe(0);
    const reply = fake.messages().find((m) => m.parent_id === buzzed.main.outputs['message-id']);
    expect(fake.urgents).toEqual([{ messageId: reply?.message_id, userIds: ['ou_test_user'] }]);

    await fake.close();
    fake = await startFakeFeishu({ missingScopes: ['im:message.urgent'] });
    const refused = await step({
      ...app(),
      to: CHAT,
      status: 'in_progress',
      urgent: 'app',
      ...mention,
    });
    const post = await refused.post('failure');
    expect(post.code, post.stdout).toBe(0);
    expect(post.stdout).toMatch(
      /::warning::Could not buzz.*im:message\.urgent.*the reply was sent/,
    );
    expect(fake.messages().filter((m) => m.parent_id)).toHaveLength(1);
  });
});

describe('review faults', () => {
  it('the post step after `update` with to: chat:<name> whose card is gone resolves the name', async () => {
    const first = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', finish: 'false' },
    });
    const id = first.outputs['message-id'] ?? '';
    const updating = await step({
      ...app(),
      update: id,
      to: 'chat:CI Alerts',
      status: 'in_progress',
    });
    await runAction({ inputs: { ...app(), recall: id } });
    const post = await updating.post('success');
    expect(post.code, post.stdout).toBe(0);
    const live = fake.messages(CHAT).filter((m) => !m.deleted);
    expect(live).toHaveLength(1);
    expect(JSON.parse(live[0]?.content ?? '{}').header.template).toBe('green');
  });

  it('a send answered HTTP 200 with an unreadable body is retried with its uuid: one message', async () => {
    fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      fault: { kind: 'garble-after-write', body: '<html><body>502 Bad Gateway</body></html>' },
    });
    const run = await runAction({ inputs: { ...app(), to: CHAT, 'fail-on-error': 'true' } });
    expect(run.code, run.stdout).toBe(0);
    const sends = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(sends).toHaveLength(2);
    const uuids = sends.map((r) => (r.body as { uuid?: string }).uuid);
    expect(uuids[1]).toBe(uuids[0]);
    expect(fake.messages(CHAT)).toHaveLength(1);
    expect(run.outputs['message-id']).toBe(fake.messages(CHAT)[0]?.message_id);
  });

  it('a recall whose answer was lost, retried into "already gone", counts as recalled', async () => {
    const sent = await runAction({ inputs: { ...app(), to: CHAT } });
    const id = sent.outputs['message-id'] ?? '';
    fake.inject({ method: 'DELETE', fault: { kind: 'drop-after-write' } });
    const run = await runAction({ inputs: { ...app(), recall: id } });
    expect(run.code, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([id]);
    expect(run.stdout).not.toContain('Already recalled');
  });
});
