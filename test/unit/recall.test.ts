import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FeishuClient } from '../../src/feishu/client.js';
import type { FeishuError } from '../../src/feishu/errors.js';
import { createTransport, type Transport } from '../../src/feishu/http.js';
import { DEFAULT_POLICY } from '../../src/feishu/retry.js';
import { listKeyNotices, readNotice } from '../../src/history.js';
import { words } from '../../src/language.js';
import { recallMessages, settleKey } from '../../src/recall.js';
import { renderCollapsedCard } from '../../src/render/collapsed.js';
import { footerElementId, footerText } from '../../src/render/model.js';
import { W } from '../../src/render/words.js';

const BASE = 'https://open.feishu.test';
const APP = 'cli_test';
const NOW_S = 1_764_000_000;

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

let transports: Transport[] = [];
afterEach(() => {
  for (const t of transports) t.dispose();
  transports = [];
});

function client(): FeishuClient {
  const transport = createTransport(2000);
  transports.push(transport);
  nock(BASE)
    .post('/open-apis/auth/v3/tenant_access_token/internal')
    .reply(200, { code: 0, tenant_access_token: 't-1', expire: 7200 });
  return new FeishuClient({
    baseUrl: BASE,
    appId: APP,
    appSecret: 's',
    transport,
    policy: { retries: 0, ...DEFAULT_POLICY },
    debug: () => {},
    sleep: async () => {},
  });
}

/** A card as history shows it: a flattened view, not the card JSON that was sent. */
function flattened(title: string, footer: string): string {
  return JSON.stringify({
    title,
    elements: [[{ tag: 'text', text: 'Repository: acme/shop' }], [{ tag: 'text', text: footer }]],
  });
}

function item(
  id: string,
  content: string,
  options: { sender?: string; type?: string; deleted?: boolean; ageS?: number } = {},
) {
  return {
    message_id: id,
    msg_type: 'interactive',
    create_time: String((NOW_S - (options.ageS ?? 60)) * 1000),
    deleted: options.deleted ?? false,
    sender: { id: options.sender ?? APP, id_type: 'app_id', sender_type: options.type ?? 'app' },
    body: { content },
  };
}

function history(chatId: string, items: unknown[]) {
  nock(BASE)
    .get('/open-apis/im/v1/messages')
    .query((q) => q.container_id === chatId)
    .reply(200, { code: 0, data: { items, has_more: false } });
}

// History's one-language view of a multi-language card: the Chinese footer (see the fake's HISTORY_LOCALE).
const footer = (key: string) => footerText('42', key, 'success').zh_cn;

/** The same notice in the three shapes history can give it. */
function rawCard(title: string, footerLine: string, id = 'e_1'): string {
  const card = {
    schema: 2,
    header: { property: { title: { tag: 'plain_text', property: { content: title } } } },
    body: {
      property: {
        elements: [
          {
            tag: 'markdown',
            id: 'e_0',
            property: { elements: [{ tag: 'text', property: { content: 'Repository: ' } }] },
          },
          {
            tag: 'div',
            id,
            property: { text: { tag: 'plain_text', property: { content: footerLine } } },
          },
        ],
      },
    },
  };
  return JSON.stringify({ json_card: JSON.stringify(card), json_attachment: '{}', card_schema: 2 });
}

describe('readNotice', () => {
  it('reads the key, status and collapse word in every shape history gives', () => {
    const line = footerText('42', 'deploy-prod', 'failure', 'superseded').zh_cn;
    const sent = JSON.stringify({
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: '❌ Deploy failed' } },
      body: { elements: [{ tag: 'div', text: { tag: 'plain_text', content: line } }] },
    });
    const expected = {
      mark: { key: 'deploy-prod', runNumber: '42', status: 'failure', collapsed: 'superseded' },
      title: '❌ Deploy failed',
    };
    expect(readNotice(rawCard('❌ Deploy failed', line), 'deploy-prod')).toEqual(expected);
    expect(readNotice(sent, 'deploy-prod')).toEqual(expected);
    expect(readNotice(flattened('❌ Deploy failed', line), 'deploy-prod')).toEqual(expected);
    expect(
      readNotice(JSON.stringify({ text: `❌ Deploy failed\n${line}` }), 'deploy-prod')?.mark,
    ).toEqual(expected.mark);
  });

  it('reads the machine part whatever words stand for the run (a translated card)', () => {
    const line = 'feishu-notify · 运行 #42 · key «deploy-prod» · cancelled';
    expect(readNotice(flattened('t', line), 'deploy-prod')?.mark).toEqual({
      key: 'deploy-prod',
      runNumber: '42',
      status: 'cancelled',
    });
    // Escaped event text breaks the guillemets: never a footer.
    expect(
      readNotice(flattened('t', 'feishu-notify · key «\u200bdeploy-prod»'), 'deploy-prod'),
    ).toBe(undefined);
  });

  it('finds the footer by its element id, and never in a degraded stub', () => {
    const id = footerElementId('deploy-prod');
    expect(id).toMatch(/^[A-Za-z]\w{0,19}$/);
    expect(readNotice(rawCard('t', footer('deploy-prod'), id), 'deploy-prod')?.mark.status).toBe(
      'success',
    );
    const stub = JSON.stringify({
      title: '✅ Deploy succeeded',
      elements: [[{ tag: 'text', text: '请升级至最新版本客户端，以查看内容' }]],
    });
    expect(readNotice(stub, 'deploy-prod')).toBeUndefined();
  });
});

describe('listKeyNotices', () => {
  it("lists only this bot's live messages with exactly this key, inside the window, newest first", async () => {
    history('oc_1', [
      item('om_match', flattened('t', footer('deploy-prod'))),
      item('om_raw', rawCard('t', footer('deploy-prod')), { ageS: 120 }),
      // A notice an earlier release sent, before the footer was translated, and the other languages.
      item('om_legacy', flattened('t', 'feishu-notify · run #41 · key «deploy-prod» · failure'), {
        ageS: 180,
      }),
      item('om_english', flattened('t', footerText('43', 'deploy-prod', 'failure').en_us), {
        ageS: 240,
      }),
      item('om_japanese', flattened('t', footerText('44', 'deploy-prod').ja_jp), { ageS: 300 }),
      item('om_other_key', flattened('t', footer('deploy-prod-eu'))),
      item('om_prefix', flattened('t', footer('deploy'))),
      item('om_other_bot', flattened('t', footer('deploy-prod')), { sender: 'cli_other' }),
      item('om_user', flattened('t', footer('deploy-prod')), { sender: 'ou_x', type: 'user' }),
      item('om_deleted', flattened('t', footer('deploy-prod')), { deleted: true }),
      item('om_too_old', flattened('t', footer('deploy-prod')), { ageS: 7200 }),
      item('om_text', JSON.stringify({ text: `quoting ${footer('deploy-prod')}` }), {
        type: 'user',
        sender: 'ou_y',
      }),
    ]);
    const found = await listKeyNotices(client(), 'oc_1', {
      key: 'deploy-prod',
      appId: APP,
      since: NOW_S - 3600,
    });
    expect(found.map((n) => [n.messageId, n.status])).toEqual([
      ['om_match', 'success'],
      ['om_raw', 'success'],
      ['om_legacy', 'failure'],
      ['om_english', 'failure'],
      ['om_japanese', undefined],
    ]);
  });
});

describe('recallMessages', () => {
  it('sorts outcomes: recalled, already gone, too old, failed', async () => {
    const c = client();
    const answer = (id: string, status: number, body: object) =>
      nock(BASE).delete(`/open-apis/im/v1/messages/${id}`).reply(status, body);
    answer('om_ok', 200, { code: 0, msg: 'success' });
    answer('om_gone', 400, { code: 230011, msg: 'The message was withdrawn.' });
    answer('om_gone2', 400, {
      code: 230110,
      msg: 'Action unavailable as the message has been deleted.',
    });
    answer('om_old', 400, { code: 230009, msg: 'Exceeded the time limit for recalling.' });
    answer('om_theirs', 400, { code: 230026, msg: 'No permission to recall this message.' });
    const outcome = await recallMessages(c, [
      'om_ok',
      'om_gone',
      'om_gone2',
      'om_old',
      'om_theirs',
      'om_ok',
    ]);
    expect(outcome.recalled).toEqual(['om_ok']);
    expect(outcome.alreadyGone).toEqual(['om_gone', 'om_gone2']);
    expect(outcome.tooOld).toEqual(['om_old']);
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]?.target).toBe('recall om_theirs');
    const error = outcome.failures[0]?.error as FeishuError;
    expect(error.code).toBe(230026);
    expect(error.hint).toMatch(/own messages/);
  });
});

describe('settleKey', () => {
  it('recalls the keyed notices of every chat, and reports a chat it cannot read', async () => {
    const c = client();
    history('oc_1', [item('om_a', flattened('t', footer('k1')))]);
    history('oc_2', [item('om_b', flattened('t', footer('k1')))]);
    nock(BASE)
      .get('/open-apis/im/v1/messages')
      .query((q) => q.container_id === 'oc_3')
      .reply(400, {
        code: 99991672,
        msg: 'Access denied. One of the following scopes is required: [im:message.group_msg].',
      });
    nock(BASE).delete('/open-apis/im/v1/messages/om_a').reply(200, { code: 0 });
    nock(BASE).delete('/open-apis/im/v1/messages/om_b').reply(200, { code: 0 });
    const outcome = await settleKey(c, ['oc_1', 'oc_2', 'oc_3'], {
      key: 'k1',
      appId: APP,
      since: NOW_S - 3600,
      own: new Map(),
      collapse: (older) =>
        renderCollapsedCard({ ...older, languages: ['zh_cn', 'en_us', 'ja_jp'] }),
      now: NOW_S * 1000,
    });
    expect(outcome.recalled.sort()).toEqual(['om_a', 'om_b']);
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]?.target).toBe('history of oc_3');
    expect(outcome.failures[0]?.error.message).toContain('im:message.group_msg');
  });
});

describe('settleKey: recall, collapse or leave, by age; never a newer notice', () => {
  const HOUR_S = 3600;
  it('recalls under 24 h, collapses an older card (and one the recall refused), leaves the rest', async () => {
    const c = client();
    history('oc_1', [
      item('om_newer', flattened('t', footer('k')), { ageS: 10 }),
      item('om_ours', flattened('t', footer('k')), { ageS: 20 }),
      item('om_fresh', flattened('t', footer('k')), { ageS: 2 * HOUR_S }),
      item('om_refused', flattened('t', footer('k')), { ageS: 3 * HOUR_S }),
      item('om_day_old', flattened('Yesterday', footer('k')), { ageS: 30 * HOUR_S }),
      {
        ...item('om_text', JSON.stringify({ text: footer('k') }), { ageS: 30 * HOUR_S }),
        msg_type: 'text',
      },
      item('om_ancient', flattened('t', footer('k')), { ageS: 15 * 24 * HOUR_S }),
    ]);
    const deleted: string[] = [];
    const patched: Record<string, string> = {};
    nock(BASE)
      .delete(/\/open-apis\/im\/v1\/messages\/om_\w+$/)
      .times(5)
      .reply((uri) => {
        const id = uri.split('/').pop() ?? '';
        deleted.push(id);
        return id === 'om_refused'
          ? [400, { code: 230009, msg: 'Exceeded the time limit for recalling.' }]
          : [200, { code: 0 }];
      });
    nock(BASE)
      .patch(/\/open-apis\/im\/v1\/messages\/om_\w+$/)
      .times(5)
      .reply((uri, body) => {
        patched[uri.split('/').pop() ?? ''] = (body as { content: string }).content;
        return [200, { code: 0 }];
      });
    const outcome = await settleKey(c, ['oc_1'], {
      key: 'k',
      appId: APP,
      since: NOW_S - 30 * 24 * HOUR_S,
      own: new Map([['oc_1', { messageId: 'om_ours', createTime: (NOW_S - 20) * 1000 }]]),
      collapse: (older) =>
        renderCollapsedCard({
          ...older,
          supersededBy: {
            label: words(W.runNumber, { n: 43 }),
            url: 'https://github.com/acme/shop/actions/runs/9',
          },
          languages: ['zh_cn', 'en_us', 'ja_jp'],
        }),
      now: NOW_S * 1000,
    });
    expect(outcome.recalled).toEqual(['om_fresh']);
    expect(outcome.collapsed.sort()).toEqual(['om_day_old', 'om_refused']);
    expect(outcome.tooOld.sort()).toEqual(['om_ancient', 'om_text']);
    expect(deleted.sort()).toEqual(['om_fresh', 'om_refused']);
    const card = JSON.parse(patched.om_day_old ?? '{}');
    expect(card.header.title.content).toBe('Yesterday');
    expect(card.header.template).toBe('grey');
    expect(JSON.stringify(card.body)).toContain('🔑 «k» · ✅ · ⤴️');
    // Written in this run's languages, the reason in each.
    expect(card.config.locales).toEqual(['zh_cn', 'en_us', 'ja_jp']);
    expect(card.header.text_tag_list[0].text.i18n_content.zh_cn).toBe('已取代');
    expect(JSON.stringify(card.body)).toContain(
      '已由[第 43 次运行](https://github.com/acme/shop/actions/runs/9)取代。',
    );
    expect(JSON.stringify(card.body)).toContain('(https://github.com/acme/shop/actions/runs/9)');
  });

  it('stops reading older pages at a notice an earlier run collapsed', async () => {
    const c = client();
    nock(BASE)
      .get('/open-apis/im/v1/messages')
      .query((q) => !q.page_token)
      .reply(200, {
        code: 0,
        data: {
          items: [
            item(
              'om_collapsed',
              flattened('t', footerText('41', 'k', 'failure', 'superseded').zh_cn),
            ),
          ],
          has_more: true,
          page_token: 'p2',
        },
      });
    const outcome = await settleKey(c, ['oc_1'], {
      key: 'k',
      appId: APP,
      since: NOW_S - 3600,
      own: new Map(),
      collapse: (older) =>
        renderCollapsedCard({ ...older, languages: ['zh_cn', 'en_us', 'ja_jp'] }),
      now: NOW_S * 1000,
    });
    expect(outcome).toMatchObject({ recalled: [], collapsed: [], failures: [] });
    expect(nock.pendingMocks()).toEqual([]);
  });
});
